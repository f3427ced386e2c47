// What each workload did in the window, from its stored events: the executables it ran, the
// paths it wrote, the destinations it connected to, each with its evidence (count, first and
// last seen). The policy writer (write.ts) turns this into selectors.
import { ecsField, policyEventFromEcs } from '../policy/index.js';
import type { PathEvidence } from './paths.js';
import type { StoredEvent } from './source.js';
import { type GroupBy, type Workload, workloadOf } from './workload.js';

export interface Learned {
  workload: Workload;
  evidence: PathEvidence;
  /** process.executable of each exec. */
  execs: Map<string, PathEvidence>;
  /** process.name of execs without an executable. */
  execNames: Map<string, PathEvidence>;
  /** file.path of each create, modify or delete. */
  writes: Map<string, PathEvidence>;
  /** destination.address of each connect (an IP, or a unix socket path). */
  connects: Map<string, PathEvidence>;
  /** Events of the learned operations that name no executable, path or destination. */
  unnamed: number;
}

const WRITES: ReadonlySet<string> = new Set([
  'createExecutable',
  'modifyExecutable',
  'createFile',
  'modifyFile',
  'deleteFile',
]);

function bump(m: Map<string, PathEvidence>, key: string, t: number): void {
  const e = m.get(key);
  if (e) {
    e.events++;
    if (t < e.first) e.first = t;
    if (t > e.last) e.last = t;
  } else m.set(key, { events: 1, first: t, last: t });
}

export class Learner {
  readonly workloads = new Map<string, Learned>();
  /** Events outside any container (host processes): never part of a workload. */
  host = 0;

  constructor(private readonly by: GroupBy = 'workload') {}

  add(ev: StoredEvent): void {
    const conv = policyEventFromEcs(ev);
    if (!conv.event) return;
    const w = workloadOf(ev, this.by);
    if (!w) {
      this.host++;
      return;
    }
    const raw = ecsField(ev, '@timestamp');
    const t = typeof raw === 'number' ? raw : Date.parse(String(raw));
    let l = this.workloads.get(w.key);
    if (!l) {
      l = {
        workload: w,
        evidence: { events: 0, first: t, last: t },
        execs: new Map(),
        execNames: new Map(),
        writes: new Map(),
        connects: new Map(),
        unnamed: 0,
      };
      this.workloads.set(w.key, l);
    }
    l.evidence.events++;
    if (t < l.evidence.first) l.evidence.first = t;
    if (t > l.evidence.last) l.evidence.last = t;
    const pe = conv.event;
    if (pe.operation === 'exec') {
      if (pe.processExecutable !== undefined) bump(l.execs, pe.processExecutable, t);
      else if (pe.processName !== undefined) bump(l.execNames, pe.processName, t);
      else l.unnamed++;
    } else if (WRITES.has(pe.operation)) {
      if (pe.filePath !== undefined) bump(l.writes, pe.filePath, t);
      else l.unnamed++;
    } else if (pe.operation === 'connect') {
      if (pe.destinationAddress !== undefined) bump(l.connects, pe.destinationAddress, t);
      else l.unnamed++;
    }
  }
}
