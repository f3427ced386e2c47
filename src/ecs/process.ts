// Renders a ProcessInfo and its leaders as ECS `process.*`. Pure copying: classification
// (interactive, entry leader, entity ids) was decided by the helpers when the process table
// learnt the process; capability names and start times are memoised.

import { isoFromMs } from '../util/index.js';
import type { CapabilityNames } from './capabilities.js';
import type { Credentials, IdName, ProcessInfo, ProcessRef } from './input.js';
import { isInteractive } from './session.js';
import type { EcsEntryLeader, EcsIdName, EcsLeader, EcsProcess, EcsProcessBase } from './types.js';

/** ms since the epoch as ISO 8601, or undefined when out of Date's range (odd sensor input). */
export { isoFromMs };

export function idName(v: IdName): EcsIdName {
  return v.name === undefined ? { id: String(v.id) } : { id: String(v.id), name: v.name };
}

/** ms → ISO with a one-entry memo: events come in bursts within one millisecond. */
export class IsoClock {
  private lastMs = Number.NaN;
  private lastIso: string | undefined;
  iso(ms: number): string | undefined {
    if (ms === this.lastMs) return this.lastIso;
    const s = isoFromMs(ms);
    this.lastMs = ms;
    this.lastIso = s;
    return s;
  }
}

export class ProcessRenderer {
  private readonly startIso = new WeakMap<ProcessRef, { ns: bigint; iso: string }>();
  private readonly clock = new IsoClock();

  constructor(
    private readonly bootTimeNs: bigint,
    private readonly caps: CapabilityNames,
  ) {}

  /** ns since boot → ISO 8601 (ms precision, as ECS `date` keeps). */
  iso(ns: bigint): string | undefined {
    return this.clock.iso(Number((this.bootTimeNs + ns) / 1_000_000n));
  }

  private start(p: ProcessRef): string | undefined {
    const ns = p.startNs;
    if (ns === undefined) return undefined;
    // Keyed by object, checked by value: a process table that reuses an object for a new
    // process (pid reuse) still gets the right start.
    const hit = this.startIso.get(p);
    if (hit !== undefined && hit.ns === ns) return hit.iso;
    const iso = this.iso(ns);
    if (iso !== undefined) this.startIso.set(p, { ns, iso });
    return iso;
  }

  private base(p: ProcessRef, out: EcsProcessBase): void {
    if (p.name !== undefined) out.name = p.name;
    if (p.executable !== undefined) out.executable = p.executable;
    if (p.args !== undefined) {
      // Shared, not copied: documents are serialised before the process table changes them.
      out.args = p.args as string[];
      // The true count, not the kept one: a cut argv must not look whole (docs/fields.md).
      out.args_count = p.argsCount ?? p.args.length;
      if (p.argsTruncated) out.args_truncated = true;
    }
    const start = this.start(p);
    if (start !== undefined) out.start = start;
    if (p.workingDirectory !== undefined) out.working_directory = p.workingDirectory;
    if (p.tty) out.tty = { char_device: { major: p.tty.major, minor: p.tty.minor } };
    if (p.user) out.user = idName(p.user.effective);
    if (p.group) out.group = idName(p.group.effective);
  }

  leader(l: ProcessRef, self: ProcessRef): EcsLeader {
    const out: EcsLeader = {
      pid: l.pid,
      entity_id: l.entityId,
      interactive: isInteractive(l.tty),
      same_as_process: l.entityId === self.entityId,
    };
    this.base(l, out);
    return out;
  }

  process(p: ProcessInfo): EcsProcess {
    const out: EcsProcess = { pid: p.pid, entity_id: p.entityId, interactive: isInteractive(p.tty) };
    if (p.vpid !== undefined) out.vpid = p.vpid;
    this.base(p, out);
    if (p.args !== undefined) out.command_line = p.args.join(' ');
    if (p.drift !== undefined) out.drift = p.drift;
    if (p.containerEntry !== undefined) {
      out.container_entry = p.containerEntry;
      out.container_init = p.containerEntry === 'init' && p.vpid === 1;
    }
    if (p.user) setCreds(out, p.user, 'real_user', 'saved_user');
    if (p.group) setCreds(out, p.group, 'real_group', 'saved_group');
    if (p.tid !== undefined || p.capEffective !== undefined || p.capPermitted !== undefined) {
      const thread: NonNullable<EcsProcess['thread']> = {};
      if (p.tid !== undefined) thread.id = p.tid;
      if (p.capEffective !== undefined || p.capPermitted !== undefined) {
        thread.capabilities = {
          effective: this.caps.names(p.capEffective ?? 0n),
          permitted: this.caps.names(p.capPermitted ?? 0n),
        };
      }
      out.thread = thread;
    }
    if (p.parent) out.parent = this.leader(p.parent, p);
    if (p.groupLeader) out.group_leader = this.leader(p.groupLeader, p);
    if (p.sessionLeader) out.session_leader = this.leader(p.sessionLeader, p);
    if (p.entryLeader) {
      const e: EcsEntryLeader = this.leader(p.entryLeader, p);
      if (p.entryMetaType !== undefined) e.entry_meta = { type: p.entryMetaType };
      out.entry_leader = e;
    }
    return out;
  }

  /** process.previous for exec documents. */
  previous(p: ProcessInfo, out: EcsProcess): void {
    if (!p.previous?.length) return;
    out.previous = p.previous.map((prev) => {
      const o: NonNullable<EcsProcess['previous']>[number] = {};
      if (prev.executable !== undefined) o.executable = prev.executable;
      if (prev.args !== undefined) {
        o.args = prev.args as string[];
        o.args_count = prev.args.length;
      }
      return o;
    });
  }

  /** process.end / process.exit_code for end documents. */
  end(p: ProcessInfo, out: EcsProcess): void {
    if (p.endNs !== undefined) {
      const end = this.iso(p.endNs);
      if (end !== undefined) out.end = end;
    }
    if (p.exitCode !== undefined) out.exit_code = p.exitCode;
  }
}

function setCreds(
  out: EcsProcess,
  c: Credentials,
  realKey: 'real_user' | 'real_group',
  savedKey: 'saved_user' | 'saved_group',
): void {
  out[realKey] = idName(c.real);
  out[savedKey] = idName(c.saved);
}
