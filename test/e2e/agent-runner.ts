// Runs the real `d4c agent` CLI for integration tests and benchmarks: spawn, wait for `ready`,
// stop with SIGTERM, read the NDJSON it wrote and the counters it printed at exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabPaths } from '../../src/lab/index.js';

export const D4C = fileURLToPath(new URL('../../bin/d4c.js', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: ECS documents are read as plain JSON
export type Doc = any;

export interface RunningAgent {
  dir: string;
  ndjson: string;
  child: ChildProcess;
  stderr(): string;
  /** The first document written so far that `pred` accepts; waits for it (the NDJSON flushes each second). */
  waitForDoc(pred: (d: Doc) => boolean, what: string, timeoutMs?: number): Promise<Doc>;
  /** SIGTERM, wait for exit; returns the documents, the exit code and the final counters. */
  stop(): Promise<{ docs: Doc[]; code: number | null; stats: Doc; stderr: string }>;
}

export interface StartOptions {
  /**
   * Run d4c's rule pack, as `d4c agent` does by default. Off unless asked, so that a test sees
   * only the detections of the rules it names.
   */
  defaultRules?: boolean;
  /** Policy YAML: written into the agent's directory and given as `--policy`. */
  policy?: string;
  /** The lab whose CRI the agent reads, its cluster named `lab` (id `lab-id`). */
  lab?: LabPaths;
}

export async function startAgent(args: string[] = [], opts: StartOptions = {}): Promise<RunningAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'd4c-agent-'));
  const ndjson = join(dir, 'events.ndjson');
  const extra: string[] = [];
  if (opts.policy !== undefined) {
    writeFileSync(join(dir, 'policy.yaml'), opts.policy);
    extra.push('--policy', join(dir, 'policy.yaml'));
  }
  if (opts.lab)
    extra.push('--cri-socket', opts.lab.socket, '--cluster-name', 'lab', '--cluster-id', 'lab-id');
  const child = spawn(
    process.execPath,
    [
      D4C,
      'agent',
      '--ndjson',
      ndjson,
      ...(args.includes('--store') ? [] : ['--no-store']),
      // Tests run in parallel: no fixed port unless the test asks for one.
      ...(args.includes('--metrics-addr') ? [] : ['--metrics-addr', 'off']),
      '--stats',
      ...(opts.defaultRules ? [] : ['--no-default-rules']),
      ...extra,
      ...args,
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr?.setEncoding('utf8');
  // 'close', not 'exit': the process can have exited while its last stderr lines (the final
  // stats) are still in the pipe; 'close' comes once stderr is drained too.
  const exited = new Promise<number | null>((res) => child.once('close', (code) => res(code)));
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`agent not ready after 60 s: ${err}`)), 60_000);
    child.stderr?.on('data', (s: string) => {
      err += s;
      if (/d4c agent: ready/.test(err)) {
        clearTimeout(t);
        res();
      }
    });
    void exited.then((code) => {
      clearTimeout(t);
      rej(new Error(`agent exited (${code}) before ready: ${err}`));
    });
  });
  return {
    dir,
    ndjson,
    child,
    stderr: () => err,
    waitForDoc: (pred, what, timeoutMs = 30_000) =>
      waitFor(() => readDocs(ndjson).find(pred), `${what} in ${ndjson}`, timeoutMs),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      const docs = readDocs(ndjson);
      const line = err
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      rmSync(dir, { recursive: true, force: true });
      return { docs, code, stats: line ? JSON.parse(line) : undefined, stderr: err };
    },
  };
}

/** Polls `probe` until it returns something other than undefined/false; fails naming `what`. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function readDocs(path: string): Doc[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  // Complete lines only: a flush may be under way while a test polls the file.
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}
