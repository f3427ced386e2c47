// ECS-shaped views of a process and its relatives, and entity ids.
import { formatIso } from '../util/index.js';
import { entityIdFromTicks } from './entity-id.js';
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

/** Entity id of a table entry (the form is documented in entity-id.ts). */
export function entityIdOf(agentId: string, e: ProcessEntry, bootTimeMs: number, tickNs: number): string {
  // Exact while startNs < 2^53 (104 days of uptime); beyond, a double holds ns only to a few ns.
  return entityIdFromTicks(agentId, e.pid, Math.floor(e.startNs / tickNs), bootTimeMs, tickNs);
}

/** ISO 8601 text of `ns` since boot (ms precision), by the one formatter (src/util/iso.ts). */
export function isoOf(bootTimeMs: number, ns: number): string {
  return formatIso(bootTimeMs + Math.floor(ns / 1e6));
}

// Shared, frozen `{ id }` objects: documents reference them, nobody may change them.
const idObjects = new Map<number, { readonly id: string }>();

function idObject(id: number): { id: string } {
  let o = idObjects.get(id);
  if (o === undefined) {
    o = Object.freeze({ id: String(id) });
    if (idObjects.size < 4096) idObjects.set(id, o);
  }
  return o as { id: string };
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
    args_count: e.argc || e.args.length,
    start: startOf(src, e),
    interactive: isInteractive(e.ttyMajor, e.ttyMinor),
    working_directory: e.cwd,
  };
  if (e.euid >= 0) v.user = idObject(e.euid);
  if (e.egid >= 0) v.group = idObject(e.egid);
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
    s.real_user = idObject(e.ruid);
    s.saved_user = idObject(e.suid);
  }
  if (e.rgid >= 0) {
    s.real_group = idObject(e.rgid);
    s.saved_group = idObject(e.sgid);
  }
  if (e.containerEntry !== null) {
    s.container_entry = e.containerEntry;
    s.container_init = e.vpid === 1;
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
