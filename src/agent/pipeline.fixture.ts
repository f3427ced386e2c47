// A Pipeline of real parts for tests without root or a kernel (pipeline.test.ts,
// pipeline-behaviours.test.ts): records built byte by byte from the shared layout (as the sensor
// sends them) and decoded, a process table over an empty procfs, a container resolver over a fake
// runtime, a compiled policy, the ECS builder and the rule engine; the documents it writes are
// what the tests check. The live e2e tests prove the wiring.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ContainerResolver, type MetadataSource } from '../container/index.js';
import type { DomainList } from '../dns/index.js';
import { createEcsBuilder, sequentialEventIds } from '../ecs/index.js';
import type { Output } from '../output/index.js';
import { compilePolicy, parsePolicy } from '../policy/index.js';
import { ProcessTable } from '../process/index.js';
import { loadRuleText, RuleEngine } from '../rules/index.js';
import type { SensorEvent } from '../sensor/index.js';
import { decodeRecord } from '../sensor/index.js';
import {
  CONST,
  EXEC,
  EXIT,
  FILE,
  FORK,
  NET,
  off,
  Rec,
  type StructDef,
  TTY,
} from '../sensor/record.fixture.js';
import { ContainerContexts } from './context.js';
import { DriftTracker } from './drift.js';
import { type FileBlocks, Pipeline, type PipelineParts } from './pipeline.js';
import { policyReadPrefixes, readWatch } from './read-access.js';
import { newCounters } from './stats.js';

export const ID = 'c'.repeat(64);
export const CGROUP = [`libpod-${ID}`, 'libpod_parent'];

export const POLICY = `
process:
  selectors:
    - name: all
      operation: [fork, exec]
    - name: nc
      operation: [exec]
      processName: [nc]
  responses:
    - match: [all]
      actions: [log]
    - match: [nc]
      actions: [alert]
file:
  selectors:
    - name: etc
      operation: [createFile]
      targetFilePath: [/etc/**]
    - name: secrets
      operation: [readFile]
      targetFilePath: [/run/secrets/**]
  responses:
    - match: [etc]
      actions: [alert]
    - match: [secrets]
      actions: [log]
network:
  selectors:
    - name: out
      operation: [connect, dns]
  responses:
    - match: [out]
      actions: [log]
`;

export const RULE = `
[metadata]
creation_date = "2026/12/07"
maturity = "production"
updated_date = "2026/12/07"

[rule]
author = ["d4c"]
description = "nc ran in a container."
from = "now-6m"
index = ["logs-cloud_defend.*"]
language = "eql"
license = "Apache-2.0"
name = "Netcat in a container"
risk_score = 47
rule_id = "00000000-0000-4000-8000-000000000001"
severity = "medium"
type = "eql"
version = 1
query = '''
process where event.action == "exec" and process.name == "nc"
'''
`;

// biome-ignore lint/suspicious/noExplicitAny: ECS documents are read as plain JSON
export type Doc = Record<string, any>;

export interface Written {
  doc: Doc;
  stream: string;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export interface SetupOptions {
  /** The policy's YAML; default POLICY. */
  policy?: string;
  /** The runtime answers only when `release()` is called. */
  late?: boolean;
  /** The runtime answers that it is unreachable. */
  unreachable?: boolean;
  /** The rule engine with RULE. */
  rules?: boolean;
  iocDomains?: DomainList;
  k8sAudit?: PipelineParts['k8sAudit'];
  /** Operations the kernel can prevent (with `files`: the enforcer's view). */
  blockable?: string[];
  files?: FileBlocks;
}

/** A pipeline of real parts; the runtime's metadata answers when `release()` is called. */
export function setup(o: SetupOptions = {}) {
  const proc = mkdtempSync(join(tmpdir(), 'd4c-pipeline-'));
  dirs.push(proc);
  const parsed = parsePolicy(o.policy ?? POLICY, 'test.yaml');
  if (!parsed.policy) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  const policy = compilePolicy(parsed.policy);
  let release = () => {};
  const answered = o.late ? new Promise<void>((r) => (release = r)) : Promise.resolve();
  const inspected: string[] = [];
  const source: MetadataSource = {
    name: 'fake',
    runtimes: ['podman'],
    inspect: async (id) => {
      inspected.push(id);
      await answered;
      if (o.unreachable) return { status: 'error', error: 'connect ECONNREFUSED', unreachable: true };
      return {
        status: 'ok',
        meta: {
          id,
          name: 'web',
          runtime: 'podman',
          image: { name: 'nginx', tag: '1.27', full: 'nginx:1.27' },
          sources: ['fake'],
        },
      };
    },
  };
  const warnings: string[] = [];
  const resolver = new ContainerResolver({
    sources: [source],
    holdMs: 60_000,
    onWarning: (m) => warnings.push(m),
  });
  const written: Written[] = [];
  const output: Output = {
    write: (doc, stream) => written.push({ doc: doc as Doc, stream }),
    flush: async () => {},
    close: async () => {},
    stats: () => ({ docsWritten: written.length, docsDropped: {}, queueDepth: 0 }),
  };
  const c = newCounters();
  let engine: RuleEngine | undefined;
  if (o.rules) {
    const r = loadRuleText('nc.toml', RULE);
    if (!r.rule) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    engine = new RuleEngine([r.rule]);
  }
  const table = new ProcessTable({ agentId: 'agent-1', procRoot: proc, bootTimeMs: 0, cgroup2Root: proc });
  const contexts = new ContainerContexts({ name: 'test-cluster' });
  const p = new Pipeline({
    policy,
    table,
    resolver,
    builder: createEcsBuilder({
      agent: { id: 'agent-1', version: '0' },
      host: { name: 'node', hostname: 'node', bootTimeNs: 0n },
      eventIds: sequentialEventIds('e'),
    }),
    contexts,
    drift: new DriftTracker(c, { procRoot: proc }),
    reads: readWatch(policyReadPrefixes(policy)),
    outputs: { test: output },
    counters: c,
    blockable: new Set(o.blockable ?? []),
    ...(engine ? { engine } : {}),
    ...(o.iocDomains ? { iocDomains: o.iocDomains } : {}),
    ...(o.k8sAudit ? { k8sAudit: o.k8sAudit } : {}),
    warn: (m) => warnings.push(m),
  });
  if (o.files) p.attach(o.files, undefined);
  const docs = (action?: string) =>
    written.map((w) => w.doc).filter((d) => action === undefined || d.event?.action === action);
  // What FileEnforcement needs besides the pipeline's holds.
  const parts = { policy, resolver, table, contexts, c };
  return { p, written, docs, release, inspected, warnings, proc, parts };
}

export interface Who {
  tgid: number;
  ppid?: number;
  ts: number;
  /** Start time (ns since boot); default 1 s. */
  start?: number;
  comm?: string;
  tty?: [number, number];
  host?: boolean;
  /** The pid in the task's own pid namespace (default 7; 1 is the container's init). */
  vpid?: number;
  /** The pid namespace's inode (default 0: not known). */
  pidns?: number;
  uid?: number;
  /** The parent's start time (ns since boot; default 0.5 s): the table links a child by it. */
  parentStart?: number;
  /** Session id (default the tgid: every process leads its own session). */
  sid?: number;
}

/** A record of `def` by process `w`, decoded as the sensor hands it over. */
export function record(def: StructDef, type: number, w: Who, fill?: (r: Rec) => void): SensorEvent {
  const r = new Rec(def, type);
  r.u32('h.tgid', w.tgid);
  r.u32('h.tid', w.tgid);
  r.u32('h.ppid', w.ppid ?? 1);
  r.u32('h.pgid', w.tgid);
  r.u32('h.sid', w.sid ?? w.tgid);
  if (w.vpid !== undefined) r.u32('h.vpid', w.vpid);
  if (w.pidns !== undefined) r.u32('h.pidns', w.pidns);
  if (w.uid !== undefined) r.u32('h.uid', w.uid);
  r.buf.writeBigUInt64LE(BigInt(w.ts), off(def, 'h.ts'));
  r.buf.writeBigUInt64LE(BigInt(w.start ?? 1e9), off(def, 'h.start_time'));
  r.buf.writeBigUInt64LE(BigInt(w.parentStart ?? 5e8), off(def, 'h.parent_start_time'));
  r.buf.fill(0, off(def, 'h.comm'), off(def, 'h.comm') + 16);
  r.buf.write(w.comm ?? 'sh', off(def, 'h.comm'), 'latin1');
  if (w.tty) {
    r.u16('h.tty_major', w.tty[0]);
    r.u16('h.tty_minor', w.tty[1]);
  }
  r.vstr('h.cgroup', w.host ? ['session-1.scope', 'user.slice'] : CGROUP);
  fill?.(r);
  const b = r.done();
  return decodeRecord(b, 0, b.length) as SensorEvent;
}

export const fork = (w: Who) => record(FORK, CONST.D4C_EV_FORK, w);
// The kernel's wait status: the code in the second byte.
export const exit = (w: Who, code = 0) =>
  record(EXIT, CONST.D4C_EV_EXIT, w, (r) => r.u32('exit_code', code << 8));
export function exec(w: Who, path: string[], args: string[]): SensorEvent {
  return record(EXEC, CONST.D4C_EV_EXEC, w, (r) => {
    r.u32('argc', args.length);
    r.vstr('filename', [`/${[...path].reverse().join('/')}`], false);
    r.vstr('args', args);
    r.path('exe', path, '');
    r.path('cwd', ['app'], '');
  });
}
/** A file operation; `created`: the open or creat made the file. */
export function file(w: Who, op: number, dir: string[], name: string, created = true): SensorEvent {
  return record(FILE, CONST.D4C_EV_FILE, w, (r) => {
    r.u32('op', op);
    if (created) r.u32('fflags', CONST.D4C_FF_CREATED);
    r.u32('mode', 0o100644);
    r.path('path', dir, name);
  });
}
/** The network namespace of the container's sockets (as dnsEvent's default). */
export const NETNS = 4026532100;

export function connect(w: Who, ip: number[], port: number, netns = NETNS): SensorEvent {
  return record(NET, CONST.D4C_EV_NET, w, (r) => {
    r.u32('op', CONST.D4C_NOP_CONNECT);
    r.u32('netns', netns);
    r.u16('family', 2);
    r.u16('sock_type', 1);
    r.u16('protocol', 6);
    Buffer.from([10, 88, 0, 5]).copy(r.buf, off(NET, 'laddr'));
    Buffer.from(ip).copy(r.buf, off(NET, 'raddr'));
    r.u16('lport', 40000);
    r.u16('rport', port);
    r.u16('nflags', CONST.D4C_NF_LOCAL | CONST.D4C_NF_REMOTE | CONST.D4C_NF_LOCAL4 | CONST.D4C_NF_REMOTE4);
  });
}
export function ttyWrite(w: Who, text: string): SensorEvent {
  return record(TTY, CONST.D4C_EV_TTY, w, (r) => {
    const data = Buffer.from(text);
    r.u32('fd', 1);
    r.u32('total', data.length);
    const start = r.end;
    data.copy(r.buf, start);
    r.end += data.length;
    r.u16('data.off', start);
    r.u16('data.len', data.length);
  });
}

export const SHELL: Who = { tgid: 300, ppid: 200, ts: 2e9, start: 1.5e9 };
