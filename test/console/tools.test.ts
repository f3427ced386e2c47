// The Hunt, Policy and Health views in headless Chromium, checked against the CLI on the same
// store: a hunt returns the rows `d4c query` prints, the editor's errors are `d4c policy
// validate`'s at the same line, the draft test counts what `d4c policy test` counts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleServer, SAVED_HUNTS, startConsole } from '../../src/console/index.js';
import { DEFAULT_POLICY } from '../../src/policy/index.js';
import { EventStore } from '../../src/store/index.js';
import { runCli } from '../cli.js';
import { launch } from './browser.js';
import { fillStore } from './fill.js';

const SHOTS = process.env.D4C_SCREENSHOTS;
const BAD_POLICY = `process:
  selectors:
    - name: a
      operation: [exec]
  responses:
    - match: [b]
      actions: [log]
`;

describe('console tools', () => {
  let dir: string;
  let store: EventStore;
  let server: ConsoleServer;
  let browser: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let page: Page;
  let huntRows: unknown[];
  let validateErr: string;
  let policyTest: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-console-'));
    await fillStore(dir);
    // The CLI's answers first: it opens the store itself (one process per store file).
    const saved = SAVED_HUNTS[0];
    if (!saved) throw new Error('no saved hunt');
    const q = runCli(['query', '--store', dir, '--kql', saved.query, '--limit', '1000']);
    expect(q.code, q.err).toBe(0);
    huntRows = q.out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
    writeFileSync(join(dir, 'draft.yaml'), BAD_POLICY);
    validateErr = runCli(['policy', 'validate', join(dir, 'draft.yaml')]).err;
    const ev = runCli(['query', '--store', dir, '--kql', 'event.kind:event', '--limit', '100000']);
    writeFileSync(join(dir, 'events.ndjson'), ev.out);
    writeFileSync(join(dir, 'default.yaml'), DEFAULT_POLICY);
    policyTest = runCli([
      'policy',
      'test',
      '--policy',
      join(dir, 'default.yaml'),
      '--events',
      join(dir, 'events.ndjson'),
    ]).err;
    store = await EventStore.open({ dir, retentionIntervalMs: 0 });
    server = await startConsole({ store, port: 0 });
    ({ browser, close: closeBrowser } = await launch());
    page = await browser.newPage();
    await page.goto(server.url);
  }, 120_000);

  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const shot = async (name: string) => {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  };

  it('runs a saved hunt and shows the rows d4c query prints, with export', async () => {
    await page.locator('nav a[data-view=hunt]').click();
    const saved = SAVED_HUNTS[0];
    await page.locator(`button[data-hunt="${saved?.id}"]`).click();
    expect(await page.locator('textarea[name=query]').inputValue()).toBe(saved?.query);
    await page.locator('button[name=run]').click();
    await page.getByTestId('hunt-count').waitFor();
    expect(huntRows.length).toBeGreaterThan(0);
    expect(await page.getByTestId('hunt-count').textContent()).toBe(`${huntRows.length} rows`);
    const ts = await page.locator('table.hunt-rows tbody tr td:first-child').allTextContents();
    expect(ts).toEqual(huntRows.map((r) => (r as { '@timestamp': string })['@timestamp']));
    await shot('hunt');
    // Export: the same rows as NDJSON; CSV with the columns as header.
    const href = await page.locator('a', { hasText: 'NDJSON' }).getAttribute('href');
    const cookie = `d4c_console=${server.token}`;
    const nd = await (await fetch(`http://127.0.0.1:${server.port}${href}`, { headers: { cookie } })).text();
    expect(
      nd
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual(huntRows);
    const csv = await fetch(`http://127.0.0.1:${server.port}${href?.replace('ndjson', 'csv')}`, {
      headers: { cookie },
    });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).trim().split('\n').length).toBe(huntRows.length + 1);
  });

  it('shows a query error with its position', async () => {
    await page.locator('textarea[name=query]').fill('process.name:(');
    await page.locator('button[name=run]').click();
    await page.getByTestId('hunt-error').waitFor();
    expect(await page.getByTestId('hunt-error').textContent()).toBe('1:15: expected a value');
  });

  it("validates the draft as d4c policy validate does, at the error's line", async () => {
    await page.locator('nav a[data-view=policy]').click();
    const area = page.locator('textarea[name=policy]');
    await area.waitFor();
    expect(await area.inputValue()).toBe(DEFAULT_POLICY);
    await page.getByTestId('policy-status').filter({ hasText: 'valid' }).waitFor();
    await area.fill(BAD_POLICY);
    await page.getByTestId('policy-status').filter({ hasText: '1 error' }).waitFor();
    const shown = await page.locator('ul.diags li code').allTextContents();
    const cli = validateErr.trim().split('\n');
    expect(shown.map((l) => l.replace(/^draft\.yaml:/, ''))).toEqual(
      cli.map((l) => l.replace(`${join(dir, 'draft.yaml')}:`, '')),
    );
    expect(await page.locator('.gutter div.bad.error').getAttribute('data-line')).toBe('6');
    await shot('policy');
  });

  it('tests the draft over the store with the counts d4c policy test gives', async () => {
    await page.locator('textarea[name=policy]').fill(DEFAULT_POLICY);
    await page.getByTestId('policy-status').filter({ hasText: 'valid' }).waitFor();
    await page.locator('button[name=test]').click();
    await page.getByTestId('draft-summary').waitFor();
    // `d4c policy test`'s summary: "  N  section.selector" lines.
    const want = new Map<string, number>();
    for (const m of policyTest.matchAll(/^ +(\d+) {2}(\w+\.[^\s(]+)$/gm))
      want.set(m[2] as string, Number(m[1]));
    expect(want.size).toBeGreaterThan(0);
    const rows = await page
      .locator('table.selectors tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-selector'), tr.children[1]?.textContent]));
    expect(new Map(rows.map(([k, v]) => [k as string, Number(v)]))).toEqual(want);
    expect([...want.values()].some((n) => n > 0)).toBe(true);
  });

  it("shows the agent's counters and rates from the metrics documents", async () => {
    await page.locator('nav a[data-view=health]').click();
    await page.getByTestId('health-source').waitFor();
    expect(await page.getByTestId('health-source').textContent()).toBe(
      'from 3 agent-metrics documents in the store',
    );
    expect(await page.locator('tr[data-counter="events_seen.exec"] td.num').textContent()).toBe('360');
    expect(await page.locator('.rates polyline').count()).toBeGreaterThan(0);
    await shot('health');
  });
});
