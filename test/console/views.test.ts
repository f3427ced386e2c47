// The Session and Kubernetes views in headless Chromium over a store filled through its append
// path: the process tree's parent/child links, events and alert jumps; the pods with their
// counts and badges, and a click that filters the Alerts view.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleServer, startConsole } from '../../src/console/index.js';
import { EventStore } from '../../src/store/index.js';
import { launch } from './browser.js';
import { type Filled, fillStore, OUTPUT, PODS } from './fill.js';

const SHOTS = process.env.D4C_SCREENSHOTS;
// In the page (evaluate callbacks); the tests are compiled without the DOM library.
declare const getComputedStyle: (e: unknown) => { display: string; color: string; whiteSpace: string };

describe('console views', () => {
  let dir: string;
  let store: EventStore;
  let filled: Filled;
  let server: ConsoleServer;
  let browser: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let page: Page;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-console-'));
    filled = await fillStore(dir);
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

  const shot = async (name: string) => {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  };

  it("opens an alert's session: the process tree with the right parent/child links", async () => {
    await page.getByTestId('alert-count').waitFor();
    // The newest alert first; its session is the last one written.
    const s = filled.sessions[filled.sessions.length - 1];
    if (!s) throw new Error('no session filled');
    await page.locator('table.rows a.session-link').first().click();
    await page.locator('section.session ul.tree').waitFor();
    expect(page.url()).toContain('#session?entity=');
    const leader = page.locator(`ul.tree > li.proc[data-entity="${s.leader}"]`);
    await expect(leader.count()).resolves.toBe(1);
    for (const [child, parent] of Object.entries(s.parents)) {
      const nested = page.locator(
        `li.proc[data-entity="${parent}"] > ul.children > li.proc[data-entity="${child}"]`,
      );
      expect(await nested.count(), `${child} under ${parent}`).toBe(1);
      expect(await nested.locator('> .proc-head .pname').textContent()).toBe(s.names[child]);
    }
    expect(await page.locator('li.proc').count()).toBe(Object.keys(s.names).length);
    // The alerted process is the current one, with its alert among its events.
    const cur = page.locator('li.proc.current');
    expect(await cur.getAttribute('data-entity')).toBe(s.alertOn);
    expect(await cur.locator('> ul.events > li[data-kind=alert]').count()).toBe(1);
    // curl's network event and end, cat's secret read, in time order under each process.
    const curl = page.locator(`li.proc[data-entity="${s.leader.replace(/bash$/, 'curl')}"]`);
    const curlKinds = s.alertOn.endsWith('-curl')
      ? ['process', 'process', 'alert', 'network', 'process']
      : ['process', 'process', 'network', 'process'];
    expect(
      await curl
        .locator('> ul.events > li')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-kind'))),
    ).toEqual(curlKinds);
    const cat = page.locator(`li.proc[data-entity="${s.leader.replace(/bash$/, 'cat')}"]`);
    expect(await cat.locator('> ul.events > li[data-kind=file]').textContent()).toContain(
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
    );
    expect(await curl.locator('> .proc-head .b-end').textContent()).toBe('exit 0');
    expect(await leader.locator('> .proc-head .b-interactive').count()).toBe(1);
    await shot('session');
    // Collapsing the leader hides its children.
    await leader.locator('> .proc-head button.toggle').click();
    expect(await page.locator('li.proc').count()).toBe(1);
    await leader.locator('> .proc-head button.toggle').click();
    expect(await page.locator('li.proc').count()).toBe(Object.keys(s.names).length);
  });

  it("plays the session's terminal output in a terminal, in order, without a CSP violation", async () => {
    const s = filled.sessions[1];
    if (!s) throw new Error('no session filled');
    const p = await browser.newPage();
    const violations: string[] = [];
    p.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await p.goto(`http://127.0.0.1:${server.port}/#session?id=${encodeURIComponent(s.leader)}`);
    const rows = p.locator('[data-testid=terminal] .xterm-rows > div');
    await rows.filter({ hasText: 'web-7d9f' }).waitFor();
    const text = (await rows.allTextContents()).map((r) => r.replace(/\u00a0/g, ' ').trimEnd());
    const want = OUTPUT.join('')
      .split('\r\n')
      .map((l) => l.trimEnd());
    expect(text.slice(0, want.length)).toEqual(want);
    // xterm's own styles applied (its theme <style> carries the page's nonce).
    expect(await p.locator('.xterm-screen style[nonce]').count()).toBeGreaterThan(0);
    // The theme's foreground (#c9d1d9) and white-space: pre come from that element only.
    const rowsStyle = await p
      .locator('[data-testid=terminal] .xterm-rows')
      .evaluate((e) => getComputedStyle(e));
    expect(rowsStyle.color).toBe('rgb(201, 209, 217)');
    expect(rowsStyle.whiteSpace).toBe('pre');
    // Replay writes the chunks again, in order.
    await p.locator('button[name=replay]').click();
    await p.locator('button[name=replay]:not([disabled])').waitFor();
    const again = (await rows.allTextContents()).map((r) => r.replace(/\u00a0/g, ' ').trimEnd());
    expect(again.slice(0, want.length)).toEqual(want);
    expect(violations).toEqual([]);
    await p.close();
  });

  it('jumps between the alerts of a session', async () => {
    // Opened by its leader, no alert is current; the jump selects the session's alert.
    const s = filled.sessions[0];
    if (!s) throw new Error('no session filled');
    await page.goto(`http://127.0.0.1:${server.port}/#session?id=${encodeURIComponent(s.leader)}`);
    await page.locator(`ul.tree > li.proc[data-entity="${s.leader}"]`).waitFor();
    expect(await page.getByTestId('alert-at').textContent()).toBe('0/1');
    await page.locator('button[name=next-alert]').click();
    await page.getByTestId('alert-at').filter({ hasText: '1/1' }).waitFor();
    expect(await page.locator('li.proc.current').getAttribute('data-entity')).toBe(s.alertOn);
  });

  it('lists the pods under cluster and namespace, with counts and badges from the store', async () => {
    await page.locator('nav a[data-view=k8s]').click();
    await page.locator('ul.k8s-tree li.pod').first().waitFor();
    const pods = await page
      .locator('li.pod')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
    expect(pods.sort()).toEqual(PODS.map((p) => p.pod).sort());
    for (const p of PODS) {
      const ns = page.locator(`li.namespace[data-name="${p.namespace}"]`);
      const pod = ns.locator(`li.pod[data-name="${p.pod}"]`);
      expect(await pod.count()).toBe(1);
      const alerts = filled.sessions.filter((s) => s.pod.pod === p.pod).length;
      expect(await pod.locator('> .row .n-alerts').textContent()).toBe(`${alerts} alerts`);
      const events = await store.aggregate({
        groupBy: [],
        metrics: [{ op: 'count', as: 'n' }],
        filters: [{ field: 'orchestrator.resource.name', op: 'eq', value: p.pod }],
      });
      expect(await pod.locator('> .row .n-events').textContent()).toBe(`${Number(events[0]?.n)} events`);
      const c = pod.locator(`li.container[data-name="${p.container}"]`);
      expect(await c.locator('.b-priv').count()).toBe(p.privileged ? 1 : 0);
      expect(await c.locator('.b-drift').count()).toBe(p.privileged ? 1 : 0);
      expect(await c.locator('.b-interactive').textContent()).toBe(`${alerts} interactive`);
      const added = p.caps.filter((x) => x !== 'CAP_CHOWN' && x !== 'CAP_KILL');
      if (added.length) expect(await c.locator('.b-caps').textContent()).toBe(`+${added.join(' +')}`);
      else expect(await c.locator('.b-caps').count()).toBe(0);
    }
    await shot('kubernetes');
    // A click on a pod filters the Alerts view to it.
    const p = PODS[1];
    if (!p) throw new Error('no pod');
    await page.locator(`li.pod[data-name="${p.pod}"] > .row a`).click();
    const n = filled.sessions.filter((s) => s.pod.pod === p.pod).length;
    await page
      .getByTestId('alert-count')
      .filter({ hasText: new RegExp(`^${n}$`) })
      .waitFor();
    const shown = await page.locator('table.rows tbody tr td:nth-child(5)').allTextContents();
    expect(shown.length).toBe(n);
    for (const t of shown) expect(t).toBe(`${p.namespace} / ${p.pod} / ${p.container}`);
  });

  it('answers a missing session with a coded error', async () => {
    const r = await fetch(`http://127.0.0.1:${server.port}/api/session?id=nope`, {
      headers: { cookie: `d4c_console=${server.token}` },
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('D4C-CONSOLE-012');
  });
});
