// The console in a real browser: headless Chromium over a store filled through its append path.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleServer, CSP, checkListen, pageCsp, startConsole } from '../../src/console/index.js';
import { EventStore } from '../../src/store/index.js';
import { launch } from './browser.js';
import { type Filled, fillStore } from './fill.js';

const SHOTS = process.env.D4C_SCREENSHOTS;

describe('console', () => {
  let dir: string;
  let store: EventStore;
  let filled: Filled;
  let server: ConsoleServer;
  let browser: BrowserContext;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-console-'));
    filled = await fillStore(dir);
    store = await EventStore.open({ dir, retentionIntervalMs: 0 });
    server = await startConsole({ store, port: 0 });
    ({ browser, close: closeBrowser } = await launch());
  }, 60_000);

  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints its address with the token on loopback', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
  });

  it('refuses requests without the token, or with a wrong one (401)', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    for (const path of ['/', '/api/alerts', '/app.js', `/?token=${'x'.repeat(server.token.length)}`]) {
      const r = await fetch(base + path, { redirect: 'manual' });
      expect(r.status, path).toBe(401);
    }
    const wrongCookie = await fetch(`${base}/api/alerts`, { headers: { cookie: 'd4c_console=nope' } });
    expect(wrongCookie.status).toBe(401);
  });

  it('is read-only: other methods than GET are refused', async () => {
    const r = await fetch(`http://127.0.0.1:${server.port}/api/alerts`, {
      method: 'POST',
      headers: { cookie: `d4c_console=${server.token}` },
      body: '{}',
    });
    expect(r.status).toBe(405);
  });

  it('refuses a non-loopback listen without TLS', async () => {
    expect(() => checkListen({ host: '0.0.0.0' })).toThrow(/D4C-CONSOLE-001|without TLS/);
    await expect(startConsole({ store, host: '0.0.0.0', port: 0 })).rejects.toMatchObject({
      code: 'D4C-CONSOLE-001',
    });
    expect(() => checkListen({ host: '0.0.0.0', insecureListen: true })).not.toThrow();
    expect(() => checkListen({ host: '::1' })).not.toThrow();
  });

  it('opens on the Alerts view: the count and rule names match the store', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const res = await page.goto(server.url);
    // The page's policy is CSP with a fresh style nonce, the one on its script element.
    const csp = res?.headers()['content-security-policy'] ?? '';
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1] ?? '';
    expect(nonce.length).toBeGreaterThanOrEqual(22);
    expect(csp).toBe(pageCsp(nonce));
    expect(csp).not.toContain('unsafe-inline');
    expect(
      await page.locator('script[nonce]').evaluate((e) => (e as unknown as { nonce: string }).nonce),
    ).toBe(nonce);
    expect(
      (
        await fetch(`http://127.0.0.1:${server.port}/app.js`, {
          headers: { cookie: `d4c_console=${server.token}` },
        })
      ).headers.get('content-security-policy'),
    ).toBe(CSP);
    // The token went into a cookie and out of the address bar.
    expect(page.url()).toBe(`http://127.0.0.1:${server.port}/`);
    await page.getByTestId('alert-count').waitFor();
    const inStore = await store.query({
      filters: [{ field: 'event.kind', op: 'eq', value: 'alert' }],
      limit: 10_000,
    });
    expect(await page.getByTestId('alert-count').textContent()).toBe(String(inStore.length));
    expect(inStore.length).toBe(filled.alerts);
    const shown = await page.locator('table.rows td.rule').allTextContents();
    expect(shown.length).toBe(filled.alerts);
    const counts = new Map<string, number>();
    for (const r of shown) counts.set(r, (counts.get(r) ?? 0) + 1);
    expect(counts).toEqual(filled.rules);
    // Stacked histogram bars, one rect per bucket and severity present.
    expect(await page.locator('.hist rect').count()).toBeGreaterThan(0);
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'alerts.png'), fullPage: false });
    }

    // Filter by rule: only that rule's rows remain.
    const rule = 'Interactive Shell in a Container';
    await page.locator('select[name=rule]').selectOption(rule);
    await page
      .getByTestId('alert-count')
      .filter({ hasText: new RegExp(`^${filled.rules.get(rule)}$`) })
      .waitFor();
    expect(new Set(await page.locator('table.rows td.rule').allTextContents())).toEqual(new Set([rule]));

    // Grouping by rule × workload: one group per pod, counts adding up.
    await page.locator('input[name=group]').check();
    await page.locator('table.groups tbody tr').first().waitFor();
    const groupCounts = (await page.locator('table.groups td.num').allTextContents()).map(Number);
    expect(groupCounts.reduce((a, b) => a + b, 0)).toBe(filled.rules.get(rule));
    expect(violations).toEqual([]);
    await page.close();
  });
});
