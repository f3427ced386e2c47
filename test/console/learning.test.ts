// The learning indicator: a console served by an agent started with --learn says so in a banner
// on every view, with the time it started learning; any other console shows none.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleServer, startConsole } from '../../src/console/index.js';
import { DEFAULT_POLICY_NAME, LEARNING_POLICY, LEARNING_POLICY_NAME } from '../../src/policy/index.js';
import { EventStore } from '../../src/store/index.js';
import { launch } from './browser.js';
import { fillStore } from './fill.js';

describe('console learning indicator', () => {
  let dir: string;
  let store: EventStore;
  let learning: ConsoleServer;
  let plain: ConsoleServer;
  let browser: BrowserContext;
  let closeBrowser: () => Promise<void>;
  const since = '2026-11-28T09:30:00.000Z';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-console-learn-'));
    await fillStore(dir);
    store = await EventStore.open({ dir, retentionIntervalMs: 0 });
    // As services.ts starts it for `d4c agent --learn --console`.
    learning = await startConsole({
      store,
      port: 0,
      learning: { since },
      liveStats: () => ({}),
      policy: { name: `LEARNING: ${LEARNING_POLICY_NAME}`, text: LEARNING_POLICY },
    });
    plain = await startConsole({ store, port: 0 });
    ({ browser, close: closeBrowser } = await launch());
  }, 60_000);

  afterAll(async () => {
    await closeBrowser?.();
    await learning?.close();
    await plain?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows that the agent is learning, and since when, on every view', async () => {
    const page = await browser.newPage();
    await page.goto(learning.url);
    const banner = page.getByTestId('learning');
    await banner.waitFor();
    expect(await banner.getAttribute('data-since')).toBe(since);
    expect(await banner.textContent()).toMatch(/^learning since 2026-11-28 09:30 UTC/);
    await page.locator('nav a[data-view=policy]').click();
    await page.getByTestId('policy-status').waitFor();
    expect(await page.getByTestId('learning').isVisible()).toBe(true);
    await page.close();
  });

  it('shows no banner when the agent is not learning', async () => {
    const page = await browser.newPage();
    await page.goto(plain.url);
    await page.getByTestId('alert-count').waitFor();
    const r = await fetch(`http://127.0.0.1:${plain.port}/api/info`, {
      headers: { cookie: `d4c_console=${plain.token}` },
    });
    expect(await r.json()).toEqual({ servedBy: 'store', policy: DEFAULT_POLICY_NAME, learning: null });
    expect(await page.getByTestId('learning').count()).toBe(0);
    await page.close();
  });
});
