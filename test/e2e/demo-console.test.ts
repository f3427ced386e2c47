// `d4c demo` on a terminal (script(1) gives it one): after its scenario it prints the console's
// address and serves the demo's pods, sessions and alerts until Ctrl-C. (On a pipe it ends at
// once: test/e2e/agent-demo.test.ts runs it so and waits for its exit.)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { D4C } from './agent-runner.js';
import { describeLive } from './gate.js';

describeLive('lab', 'script')('d4c demo console', () => {
  const lab = `/tmp/d4c-lab-demo-console-${process.pid}`;
  const store = mkdtempSync(join(tmpdir(), 'd4c-demo-console-'));
  afterAll(() => {
    if (existsSync(lab))
      spawnSync(process.execPath, [D4C, 'lab', 'down'], {
        env: { ...process.env, D4C_LAB_DIR: lab },
        stdio: 'ignore',
        timeout: 60_000,
      });
    rmSync(store, { recursive: true, force: true });
  }, 70_000);

  it("ends with a console address that shows the demo's pods, sessions and alerts", async () => {
    const cmd = [process.execPath, D4C, 'demo', '--seconds', '6', '--store', store]
      .map((a) => `'${a}'`)
      .join(' ');
    // `exec`: script(1) runs the command through $SHELL -c, and a shell that stays as the
    // terminal's foreground process (dash does) dies of the Ctrl-C itself, exit 130.
    const child = spawn('script', ['-qefc', `exec ${cmd}`, '/dev/null'], {
      env: { ...process.env, SHELL: '/bin/sh', D4C_LAB_DIR: lab },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    const exited = new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    // The terminal's output with the spinner's escape sequences and carriage returns taken out.
    const ESC = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]|\\r`, 'g');
    const LINE = /(?:^|\n)d4c console: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32})\n/;
    const found = new Promise<string>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no console line after 150 s:\n${out.slice(-3000)}`)),
        150_000,
      );
      child.stdout.on('data', (s: string) => {
        out += s;
        const m = LINE.exec(out.replace(ESC, ''));
        if (m) {
          clearTimeout(t);
          resolve(m[1] as string);
        }
      });
      void exited.then((c) => {
        clearTimeout(t);
        reject(new Error(`demo exited (${c}) before its console line:\n${out.slice(-3000)}`));
      });
    });
    try {
      const url = await found;
      const u = new URL(url);
      const cookie = `d4c_console=${u.searchParams.get('token')}`;
      const api = async <T>(path: string): Promise<T> => {
        const r = await fetch(`${u.origin}${path}`, { headers: { cookie } });
        expect(r.status, path).toBe(200);
        return (await r.json()) as T;
      };
      type K = { clusters: { namespaces: { name: string; pods: { name: string; alerts: number }[] }[] }[] };
      const k = await api<K>('/api/k8s');
      const pods = k.clusters.flatMap((c) =>
        c.namespaces.flatMap((n) => n.pods.map((p) => `${n.name}/${p.name}`)),
      );
      expect(pods).toEqual(expect.arrayContaining(['billing/worker', 'shop/web']));
      const a = await api<{ total: number; rows: { rule: string; entity: string }[] }>('/api/alerts');
      expect(a.total).toBeGreaterThan(0);
      const shell = a.rows.find((r) => r.rule === 'Interactive Shell Opened in a Container');
      expect(shell, a.rows.map((r) => r.rule).join(', ')).toBeDefined();
      const s = await api<{ processes: { entity: string }[]; alerts: { entity: string }[] }>(
        `/api/session?entity=${encodeURIComponent(shell?.entity ?? '')}`,
      );
      expect(s.processes.some((p) => p.entity === shell?.entity)).toBe(true);
      expect(s.alerts.some((x) => x.entity === shell?.entity)).toBe(true);
    } finally {
      // Ctrl-C on its terminal.
      child.stdin.write('\x03');
    }
    expect(await exited).toBe(0);
  }, 200_000);
});
