// Fault tests through the disk spool: kill -9 of a writer mid-stream (with the server up and
// with it down), restart, and every reported event id arrives exactly once.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmp } from './helpers.js';
import { EsTestServer } from './index.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.length = 0;
});

interface Run {
  spooled: number;
  lines: string[];
  exited: Promise<number | null>;
  child: ChildProcess;
}

function run(args: string[], onLine?: (line: string, r: Run) => void): Run {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'spool-child.ts'), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  const r: Run = {
    spooled: -1,
    lines: [],
    child,
    exited: new Promise((res) => child.once('exit', (code) => res(code))),
  };
  let buf = '';
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) r.lines.push(`exit ${code}: ${stderr}`);
  });
  child.stdout?.on('data', (d) => {
    buf += d;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      r.lines.push(line);
      const m = /^spooled (\d+)$/.exec(line);
      if (m) r.spooled = Number(m[1]);
      onLine?.(line, r);
      nl = buf.indexOf('\n');
    }
  });
  return r;
}

/** Runs a writer for ids [first, first+count) and SIGKILLs it once `killAfter` ids are spooled. */
async function writeAndKill(
  url: string,
  dir: string,
  first: number,
  count: number,
  killAfter: number,
): Promise<number> {
  let killed!: () => void;
  const reached = new Promise<void>((res) => {
    killed = res;
  });
  const r = run([url, dir, String(first), String(count)], (_line, r) => {
    if (r.spooled >= first + killAfter) killed();
  });
  await Promise.race([
    reached,
    r.exited.then(() => Promise.reject(new Error(`writer exited early: ${r.lines.join('\n')}`))),
  ]);
  await new Promise((res) => setTimeout(res, Math.floor(Math.random() * 150)));
  r.child.kill('SIGKILL');
  await r.exited;
  expect(r.lines).not.toContain('done');
  return r.spooled;
}

describe('kill -9 through the spool', () => {
  it('delivers every spooled event exactly once across kills, an outage and restarts', async () => {
    const server = new EsTestServer();
    await server.start();
    const dir = tmp('d4c-spool-kill-');
    const sent = new Set<string>();
    const mustHave = new Set<string>();
    const note = (first: number, lastSpooled: number, count: number) => {
      for (let i = first; i < first + count; i++) sent.add(`ev-${i}`);
      for (let i = first; i <= lastSpooled; i++) mustHave.add(`ev-${i}`);
    };
    // 1. Server up: killed mid-stream.
    let last = await writeAndKill(server.url, dir, 0, 20_000, 3000);
    note(0, last, 20_000);
    // 2. Server down: everything piles up in the spool, then the writer dies.
    await server.stop();
    last = await writeAndKill(server.url, dir, 100_000, 20_000, 4000);
    note(100_000, last, 20_000);
    // 3. Server back: a new writer replays the spool and writes more, killed again.
    await server.start();
    last = await writeAndKill(server.url, dir, 200_000, 20_000, 2000);
    note(200_000, last, 20_000);
    // 4. A final run drains what is left.
    const d = run([server.url, dir, '0', '0', 'drain']);
    await d.exited;
    expect(d.lines).toContain('drained true');

    const ids = server.ids();
    const stored = new Set(ids);
    expect(stored.size).toBe(ids.length); // no id in two streams
    expect(server.counts.created).toBe(ids.length); // nothing created twice
    const missing = [...mustHave].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    const unknown = ids.filter((id) => !sent.has(id));
    expect(unknown).toEqual([]);
    expect(mustHave.size).toBeGreaterThan(9000);
    await server.stop();
  }, 120_000);
});
