// `d4c demo` end to end, in a private lab directory: pods' events with Kubernetes context and
// the drift alert, as NDJSON.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { D4C, type Doc } from './agent-runner.js';
import { describeLive } from './gate.js';

/** Stops the test's private lab if a failed demo left it (never the default one). */
function labDown(dir: string): void {
  if (!existsSync(dir)) return;
  spawnSync(process.execPath, [D4C, 'lab', 'down'], {
    env: { ...process.env, D4C_LAB_DIR: dir },
    stdio: 'ignore',
    timeout: 60_000,
  });
}

/** A pid no process can have: the kernel hands out pids below pid_max. */
function deadPid(): number {
  return Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
}

describeLive('lab')('d4c demo', () => {
  const dirs = [`/tmp/d4c-lab-demo-${process.pid}`, `/tmp/d4c-lab-demo-int-${process.pid}`];
  // Passing or failing, the labs the demos ran in are gone after the file.
  afterAll(() => {
    for (const d of dirs) labDown(d);
  }, 130_000);

  it('shows pod events with their namespace and the drift alert, then cleans up', () => {
    const dir = dirs[0]!;
    const store = mkdtempSync(join(tmpdir(), 'd4c-demo-store-'));
    const r = spawnSync(process.execPath, [D4C, 'demo', '--seconds', '12', '--json', '--store', store], {
      encoding: 'utf8',
      env: { ...process.env, D4C_LAB_DIR: dir },
      timeout: 100_000,
      maxBuffer: 64 << 20,
    });
    expect(r.status, r.stderr).toBe(0);
    const docs: Doc[] = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const worker = docs.filter((d) => d.orchestrator?.resource?.name === 'worker');
    expect(worker.length).toBeGreaterThan(0);
    expect(worker.every((d) => d.orchestrator.namespace === 'billing')).toBe(true);
    const drift = worker.find((d) => d.file?.path === '/tmp/miner');
    expect(drift?.data_stream.dataset).toBe('cloud_defend.alerts');
    expect(drift?.cloud_defend.operation).toBe('createExecutable');
    expect(
      docs.some((d) => d.orchestrator?.resource?.name === 'web' && d.orchestrator.namespace === 'shop'),
    ).toBe(true);
    expect(r.stderr).toContain('d4c agent stats:');
    // Every intrusion it stages raises an alert from the default policy and rule pack, and the
    // closing summary lists each (count, pod, rule).
    const STAGED: [string, string][] = [
      ['billing/worker', 'Executable Written to a Temporary Directory in a Container'],
      ['billing/worker', 'Cron Job Created or Modified in a Container'],
      ['billing/worker', 'Decoded Payload Piped into a Shell or Interpreter in a Container'],
      ['shop/web', 'Interactive Shell Opened in a Container'],
      ['shop/web', 'Kubernetes Service-Account Token Read by a Shell or Utility'],
      ['shop/web', 'Executable Created or Modified in a System Directory of a Container'],
    ];
    const summary = r.stderr.slice(r.stderr.indexOf('alerts raised'));
    for (const [pod, rule] of STAGED) {
      const [ns, name] = pod.split('/');
      const n = docs.filter(
        (d) =>
          d.event?.kind === 'alert' &&
          d.rule?.name === rule &&
          d.orchestrator?.namespace === ns &&
          d.orchestrator?.resource?.name === name,
      ).length;
      expect(n, `${pod}: ${rule}`).toBeGreaterThan(0);
      expect(summary).toMatch(
        new RegExp(`d4c demo: +${n} +${pod} +rule: ${rule.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`),
      );
    }
    // The ordinary pod's own start raises nothing: its alerts all come from the staged execs.
    expect(
      docs.filter((d) => d.event?.kind === 'alert' && d.process?.args?.includes('/etc/hostname')),
    ).toEqual([]);
    // The interactive exec (under script(1)'s terminal) is interactive, with the pod's context.
    const tty = docs.find(
      (d) =>
        d.orchestrator?.resource?.name === 'web' &&
        d.process?.interactive === true &&
        d.event?.action === 'exec',
    );
    expect(tty?.process.entry_leader?.entry_meta?.type).toBe('container');
    // The lab it started is gone again.
    expect(existsSync(dir)).toBe(false);
    // Everything shown also went into the embedded store, queryable with ES|QL.
    const q = spawnSync(
      process.execPath,
      [D4C, 'query', '--store', store, '--esql', 'FROM logs-cloud_defend.* | STATS n = COUNT(*)'],
      { encoding: 'utf8' },
    );
    expect(q.status, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout.trim()).n).toBe(docs.length);
    rmSync(store, { recursive: true, force: true });
  }, 110_000);

  it('takes over a lab a killed demo left running, and cleans up when interrupted (Ctrl-C)', async () => {
    const dir = dirs[1]!;
    const env = { ...process.env, D4C_LAB_DIR: dir };
    const up = spawnSync(process.execPath, [D4C, 'lab', 'up'], { encoding: 'utf8', env, timeout: 100_000 });
    expect(up.status, up.stderr).toBe(0);
    // As a demo killed with -9 leaves it: its mark, with a pid that is gone (a pid that was
    // alive once could be another process's again by now: pids wrap at pid_max).
    const gone = deadPid();
    writeFileSync(join(dir, 'demo-owner'), `${gone}\n`);
    const demo = spawn(process.execPath, [D4C, 'demo', '--seconds', '60', '--json', '--no-store'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    demo.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
      if (/agent attached/.test(err) && !demo.killed) demo.kill('SIGINT');
    });
    // 'close': the process has exited and its stderr is read to the end.
    const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
      demo.once('close', (c, sig) => r([c, sig])),
    );
    expect({ code, signal }, err).toEqual({ code: 0, signal: null });
    expect(err).toContain(
      `the lab was left running by a demo that did not finish (pid ${gone}); this one will stop it`,
    );
    expect(err, err).toContain('interrupted: cleaning up');
    expect(existsSync(dir)).toBe(false);
  }, 150_000);
});
