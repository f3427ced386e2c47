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
// In the page (evaluate callbacks); the tests are compiled without the DOM library.
declare const getComputedStyle: (e: unknown) => { display: string };
const BAD_POLICY = `process:
  selectors:
    - name: a
      operation: [exec]
  responses:
    - match: [b]
      actions: [log]
`;

/** CodeMirror's content element, as far as the tests read it (its view behind the element). */
interface CmContent {
  cmTile: {
    root: {
      view: {
        state: {
          doc: { toString(): string; lineAt(pos: number): { number: number; from: number } };
          selection: { main: { from: number } };
        };
      };
    };
  };
}

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

  // The editor's text (CodeMirror renders only the lines in view: read its document).
  const editorText = () =>
    page
      .locator('[data-testid=policy-editor] .cm-content')
      .evaluate((e) => (e as unknown as CmContent).cmTile.root.view.state.doc.toString());
  const setEditor = async (text: string) => {
    await page.locator('[data-testid=policy-editor] .cm-content').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
    expect(await editorText()).toBe(text);
  };

  it("validates the draft as d4c policy validate does, with a lint marker at the error's line", async () => {
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.locator('nav a[data-view=policy]').click();
    await page.locator('[data-testid=policy-editor] .cm-editor').waitFor();
    expect(await editorText()).toBe(DEFAULT_POLICY);
    await page.getByTestId('policy-status').filter({ hasText: 'valid' }).waitFor();
    // CodeMirror's styles applied (its <style> carries the page's nonce): its gutter is laid out.
    expect(await page.locator('style[nonce]').count()).toBeGreaterThan(0);
    expect(await page.locator('.cm-gutters').evaluate((e) => getComputedStyle(e).display)).toBe('flex');
    await setEditor(BAD_POLICY);
    await page.getByTestId('policy-status').filter({ hasText: '1 error' }).waitFor();
    const shown = await page.locator('ul.diags li code').allTextContents();
    const cli = validateErr.trim().split('\n');
    expect(shown.map((l) => l.replace(/^draft\.yaml:/, ''))).toEqual(
      cli.map((l) => l.replace(`${join(dir, 'draft.yaml')}:`, '')),
    );
    // A lint marker per diagnostic, in the gutter at its line, its text underlined from its column:
    // the unused selector's warning on line 3, the unknown selector's error on line 6.
    const diags = cli.map((l) => {
      const m = /:(\d+):(\d+): (error|warning):/.exec(l);
      return { line: Number(m?.[1]), col: Number(m?.[2]), severity: m?.[3] ?? '' };
    });
    expect(diags.map((d) => `${d.severity}@${d.line}`)).toEqual(['warning@3', 'error@6']);
    await page.locator('.cm-lint-marker-error').waitFor();
    const lineTops = await page
      .locator('.cm-content .cm-line')
      .evaluateAll((ls) => ls.map((l) => Math.round(l.getBoundingClientRect().top)));
    for (const d of diags) {
      const top = await page
        .locator(`.cm-gutter-lint .cm-lint-marker-${d.severity}`)
        .evaluate((e) => e.getBoundingClientRect().top);
      expect(lineTops.findIndex((t) => Math.abs(t - top) < 4) + 1, d.severity).toBe(d.line);
      const under = await page.locator(`.cm-lintRange-${d.severity}`).first().textContent();
      expect(under?.length).toBeGreaterThan(0);
      expect(
        BAD_POLICY.split('\n')
          [d.line - 1]?.slice(d.col - 1)
          .startsWith(under ?? '-'),
        d.severity,
      ).toBe(true);
    }
    // A click on the message selects its place in the editor.
    await page.locator('ul.diags li').first().click();
    const sel = await page.locator('[data-testid=policy-editor] .cm-content').evaluate((e) => {
      const v = (e as unknown as CmContent).cmTile.root.view;
      const r = v.state.selection.main;
      const l = v.state.doc.lineAt(r.from);
      return { line: l.number, col: r.from - l.from + 1 };
    });
    expect(sel).toEqual({ line: diags[0]?.line, col: diags[0]?.col });
    expect(violations).toEqual([]);
    await shot('policy');
  });

  it('tests the draft over the store with the counts d4c policy test gives', async () => {
    await setEditor(DEFAULT_POLICY);
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
