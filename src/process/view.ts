// ECS-shaped views of a process and its relatives, and entity ids.
import type { ProcessEntry } from './entry.js';
import { isInteractive } from './leaders.js';
import type { ProcessSnapshot, ProcessView } from './types.js';

/** What a view needs from the table. */
export interface ViewSource {
  entityId(e: ProcessEntry): string;
  parentOf(e: ProcessEntry): ProcessEntry | undefined;
  leaderOf(e: ProcessEntry, pid: number): ProcessEntry | undefined;
  readonly bootTimeMs: number;
}

/**
 * Entity id: base64 of `<agent.id>-<pid>-<start unix seconds>-<start clock ticks since boot>`.
 * The first three parts are Elastic's D4C form; seconds alone collide when a pid is reused within
 * the same second (pid_max is 32768 on many hosts), so the start in clock ticks (10 ms, the
 * resolution /proc offers) is appended: a pid cannot cycle through the whole pid space in one tick.
 * Derived only from what /proc also shows, so an agent restart gives the same ids.
 */
export function entityIdOf(agentId: string, e: ProcessEntry, bootTimeMs: number, tickNs: number): string {
  const startSec = Math.floor((bootTimeMs + e.startNs / 1e6) / 1000);
  const ticks = Math.floor(e.startNs / tickNs);
  return Buffer.from(`${agentId}-${e.pid}-${startSec}-${ticks}`).toString('base64');
}

export function isoOf(bootTimeMs: number, ns: number): string {
  return new Date(bootTimeMs + Math.floor(ns / 1e6)).toISOString();
}

const idStrings = new Map<number, string>();

function idString(id: number): string {
  let s = idStrings.get(id);
  if (s === undefined) {
    s = String(id);
    if (idStrings.size < 4096) idStrings.set(id, s);
  }
  return s;
}

function startOf(src: ViewSource, e: ProcessEntry): string {
  if (e.startIso === null) e.startIso = isoOf(src.bootTimeMs, e.startNs);
  return e.startIso;
}

export function buildView(src: ViewSource, e: ProcessEntry): ProcessView {
  const v: ProcessView = {
    pid: e.pid,
    entity_id: src.entityId(e),
    name: e.name,
    executable: e.executable,
    args: e.args,
    args_count: e.args.length,
    start: startOf(src, e),
    interactive: isInteractive(e.ttyMajor, e.ttyMinor),
    working_directory: e.cwd,
  };
  if (e.euid >= 0) v.user = { id: idString(e.euid) };
  if (e.egid >= 0) v.group = { id: idString(e.egid) };
  return v;
}

function leaderView(src: ViewSource, l: ProcessEntry, self: ProcessEntry): ProcessView {
  const v = buildView(src, l);
  v.same_as_process = l === self;
  return v;
}

export function buildSnapshot(src: ViewSource, e: ProcessEntry): ProcessSnapshot {
  const s = buildView(src, e) as ProcessSnapshot;
  s.vpid = e.vpid;
  if (e.ruid >= 0) {
    s.real_user = { id: idString(e.ruid) };
    s.saved_user = { id: idString(e.suid) };
  }
  if (e.rgid >= 0) {
    s.real_group = { id: idString(e.rgid) };
    s.saved_group = { id: idString(e.sgid) };
  }
  if (e.ttyMajor !== 0) s.tty = { char_device: { major: e.ttyMajor, minor: e.ttyMinor } };
  if (e.endNs >= 0) {
    s.end = isoOf(src.bootTimeMs, e.endNs);
    s.exit_code = e.exitCode;
  }
  if (e.previous !== null) s.previous = e.previous;
  const parent = src.parentOf(e);
  if (parent) s.parent = buildView(src, parent);
  const group = src.leaderOf(e, e.pgid);
  if (group) s.group_leader = leaderView(src, group, e);
  const session = src.leaderOf(e, e.sid);
  if (session) s.session_leader = leaderView(src, session, e);
  const entry = e.entryLeader;
  if (entry) {
    const v = leaderView(src, entry, e);
    v.entry_meta = { type: entry.entryType ?? 'unknown' };
    s.entry_leader = v;
  }
  return s;
}
