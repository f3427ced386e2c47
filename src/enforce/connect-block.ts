// Outbound connect (and bind) blocking (issue 8): the policy's blocking network responses as deny
// rules of cgroup connect4/6, sendmsg4/6 and bind4/6 programs (bpf/connect-block.bpf.c) attached to a cgroup v2
// directory, through its loader bpf/.output/d4c-connect-block. The kernel decides alone (no
// round trip): connect() of a process in that cgroup (or below) fails with EPERM when a rule
// matches. The programs detach when the helper exits, however it exits.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ConnectRule, connectBlockRules } from '../policy/connect-rules.js';
import type { Policy } from '../policy/model.js';
import { D4cError } from '../util/diagnostics.js';
import { ENFORCE_CODES } from './codes.js';
import { CONNECT_BLOCK_EXITS } from './exit-codes.js';

export const CONNECT_BLOCK_HELPER = fileURLToPath(
  new URL('../../bpf/.output/d4c-connect-block', import.meta.url),
);
/** bpf/connect-block.h D4C_CB_MAX_RULES (checked by layout.test.ts) */
export const MAX_CONNECT_RULES = 256;

export interface ConnectBlocker {
  readonly rules: number;
  /** The helper's pid (its BPF links, hence the programs, live as long as it does). */
  readonly helperPid: number;
  /** Connects denied and allowed by the programs since they were attached. */
  stats(): Promise<{ denied: number; allowed: number }>;
  /** Detaches (the helper exits). */
  stop(): Promise<void>;
}

export interface ConnectBlockOptions {
  policy: Policy;
  /** A cgroup v2 directory, e.g. /sys/fs/cgroup/unified/libpod_parent (every podman container). */
  cgroupDir: string;
  helper?: string;
}

function line(r: ConnectRule): string {
  return `rule ${[...r.net, ...r.mask, r.lo, r.hi, r.proto, r.ops].join(' ')}\n`;
}

/**
 * Starts the connect filter for the policy's blocking rules. Throws D4C-ENF-030 when some
 * blocking network selector cannot be expressed (the validator with `withConnectBlock(caps)`
 * refuses those policies), D4C-ENF-031 when the helper is missing or fails to attach.
 */
export async function startConnectBlock(opts: ConnectBlockOptions): Promise<ConnectBlocker> {
  const { rules, problems } = connectBlockRules(opts.policy);
  if (problems.length > 0)
    throw new D4cError(ENFORCE_CODES.connectRules.code, `connect block: ${problems.join('; ')}`);
  if (rules.length > MAX_CONNECT_RULES)
    throw new D4cError(
      ENFORCE_CODES.connectRules.code,
      `connect block: ${rules.length} rules (limit ${MAX_CONNECT_RULES})`,
    );
  const helper = opts.helper ?? CONNECT_BLOCK_HELPER;
  if (!existsSync(helper))
    throw new D4cError(
      ENFORCE_CODES.connectHelper.code,
      `connect block helper ${helper} is missing: run scripts/build-bpf.sh`,
    );
  const child = spawn(helper, [opts.cgroupDir], { stdio: ['pipe', 'pipe', 'pipe'] });
  // A helper that died (kill -9) closes its stdin: the write error is not ours to throw.
  child.stdin.on('error', () => {});
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const lines = lineReader(child);
  child.stdin.write(rules.map(line).join('') + 'go\n');
  const first = await lines.next();
  if (first === undefined || !first.startsWith('ready ')) {
    const code = await exited(child);
    throw new D4cError(
      ENFORCE_CODES.connectHelper.code,
      `connect block helper failed: ${err.trim() || CONNECT_BLOCK_EXITS[code ?? -1]?.hint || `exit ${code}`}`,
    );
  }
  return {
    rules: rules.length,
    helperPid: child.pid ?? -1,
    async stats() {
      child.stdin.write('stats\n');
      const l = (await lines.next()) ?? '';
      const m = /^denied (\d+) allowed (\d+)$/.exec(l);
      if (!m)
        throw new D4cError(
          ENFORCE_CODES.connectHelper.code,
          `connect block helper: unexpected answer ${JSON.stringify(l)}`,
        );
      return { denied: Number(m[1]), allowed: Number(m[2]) };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.stdin.end('quit\n');
      await exited(child);
    },
  };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** The helper's stdout as lines; next() gives undefined once it has closed. */
function lineReader(child: ChildProcess): { next(): Promise<string | undefined> } {
  const ready: string[] = [];
  const waiting: ((l: string | undefined) => void)[] = [];
  let buf = '';
  let closed = false;
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(l);
      else ready.push(l);
    }
  });
  child.stdout!.on('close', () => {
    closed = true;
    for (const w of waiting.splice(0)) w(undefined);
  });
  return {
    next() {
      const l = ready.shift();
      if (l !== undefined || closed) return Promise.resolve(l);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}
