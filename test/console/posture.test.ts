// The Posture view in headless Chromium: per workload, the findings `d4c posture --store DIR
// --json` prints for the same store (severity, finding, the field to change, its fix, counts).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostureReport } from '../../src/baseline/index.js';
import { type ConsoleServer, startConsole } from '../../src/console/index.js';
import { EventStore } from '../../src/store/index.js';
import { runCli } from '../cli.js';
import { launch } from './browser.js';
import { fillStore } from './fill.js';

const SHOTS = process.env.D4C_SCREENSHOTS;

describe('console posture view', () => {
  let dir: string;
  let store: EventStore;
  let server: ConsoleServer;
  let closeBrowser: () => Promise<void>;
  let browser: BrowserContext;
  let page: Page;
  let cli: PostureReport;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-console-posture-'));
    await fillStore(dir);
    // The CLI first: it opens the store itself (one process per DuckDB file).
    const r = runCli(['posture', '--store', dir, '--json']);
    if (r.code !== 0) throw new Error(`d4c posture: ${r.err}`);
    cli = JSON.parse(r.out) as PostureReport;
    store = await EventStore.open({ dir, retentionIntervalMs: 0 });
    server = await startConsole({ store, port: 0 });
    ({ browser, close: closeBrowser } = await launch());
    page = await browser.newPage();
    await page.goto(server.url);
  }, 60_000);

  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the report `d4c posture --json` gives for the same store', async () => {
    expect(cli.workloads.length).toBeGreaterThanOrEqual(2);
    expect(cli.workloads.some((w) => w.findings.some((f) => f.check === 'privileged'))).toBe(true);
    await page.locator('nav a[data-view=posture]').click();
    await page.getByTestId('posture-counts').waitFor();
    const n = cli.workloads.reduce((a, w) => a + w.findings.length, 0);
    expect(await page.getByTestId('posture-counts').textContent()).toBe(
      `${cli.workloads.length} workloads, ${n} findings`,
    );
    const shown = await page.locator('section.posture div.workload').evaluateAll((ws) =>
      ws.map((w) => ({
        workload: w.getAttribute('data-workload'),
        findings: [...w.querySelectorAll('tbody tr')].map((tr) => ({
          check: tr.getAttribute('data-check'),
          severity: tr.querySelector('td.severity')?.textContent,
          summary: tr.querySelector('td.summary')?.textContent,
          field: tr.querySelector('td.field')?.textContent,
          fix: tr.querySelector('td.fix')?.textContent,
          events: Number(tr.querySelector('td.num')?.textContent),
        })),
      })),
    );
    expect(shown).toEqual(
      cli.workloads.map((w) => ({
        workload: w.workload,
        findings: w.findings.map((f) => ({
          check: f.check,
          severity: f.severity,
          summary: f.summary,
          field: f.field,
          fix: f.fix,
          events: f.events,
        })),
      })),
    );
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'posture.png') });
    }
  });

  it('answers a bad window with a coded error', async () => {
    const r = await fetch(`http://127.0.0.1:${server.port}/api/posture?since=yesterday`, {
      headers: { cookie: `d4c_console=${server.token}` },
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('D4C-CONSOLE-041');
  });
});
