// The hardening report (`d4c posture`): per workload, what the store saw that the usual
// hardening advice (least capabilities, no privileged containers, immutable root filesystems,
// non-root users, no mounted service-account token) would change, each finding with a severity
// and the Kubernetes field to change. Only what the stored events show: a finding needs evidence.
import { ecsField, policyEventFromEcs } from '../policy/index.js';
import type { EventSource, StoredEvent, Window } from './source.js';
import { type GroupBy, type Workload, workloadOf } from './workload.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface Finding {
  check: 'privileged' | 'capabilities' | 'root' | 'rootfs-writes' | 'drift' | 'interactive' | 'token-read';
  severity: Severity;
  /** The Kubernetes field to change, as a path in the pod spec. */
  field: string;
  /** What to set it to, or what to do. */
  fix: string;
  summary: string;
  events: number;
  first: string;
  last: string;
  /** Paths, capabilities or executables behind the finding (at most 20). */
  examples: string[];
}

export interface WorkloadPosture {
  workload: string;
  events: number;
  findings: Finding[];
}

export interface PostureReport {
  via: string;
  window: { since?: string; until?: string };
  workloads: WorkloadPosture[];
}

/** The capabilities containerd and Docker (so Kubernetes) give a container by default. */
export const RUNTIME_DEFAULT_CAPS: ReadonlySet<string> = new Set([
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
]);

const TOKEN_DIRS = [
  '/var/run/secrets/kubernetes.io/serviceaccount/',
  '/run/secrets/kubernetes.io/serviceaccount/',
];
const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

interface Acc {
  events: number;
  first: number;
  last: number;
  examples: Map<string, number>;
  /** capabilities: those also seen effective. */
  effective?: Set<string>;
}

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
const iso = (ms: number) => new Date(ms).toISOString();

export class Posture {
  private readonly ws = new Map<string, { w: Workload; events: number; acc: Map<Finding['check'], Acc> }>();

  constructor(private readonly by: GroupBy = 'workload') {}

  private hit(
    a: Map<Finding['check'], Acc>,
    check: Finding['check'],
    t: number,
    examples: readonly string[],
  ): Acc {
    let x = a.get(check);
    if (!x) {
      x = { events: 0, first: t, last: t, examples: new Map() };
      a.set(check, x);
    }
    x.events++;
    x.first = Math.min(x.first, t);
    x.last = Math.max(x.last, t);
    for (const e of examples) x.examples.set(e, (x.examples.get(e) ?? 0) + 1);
    return x;
  }

  add(ev: StoredEvent): void {
    const conv = policyEventFromEcs(ev);
    if (!conv.event) return;
    const w = workloadOf(ev, this.by);
    if (!w) return;
    const raw = ecsField(ev, '@timestamp');
    const t = typeof raw === 'number' ? raw : Date.parse(String(raw));
    let s = this.ws.get(w.key);
    if (!s) {
      s = { w, events: 0, acc: new Map() };
      this.ws.set(w.key, s);
    }
    s.events++;
    const pe = conv.event;
    const exe = pe.processExecutable ?? pe.processName ?? '?';
    if (ecsField(ev, 'container.security_context.privileged') === true) this.hit(s.acc, 'privileged', t, []);
    const permitted = list(ecsField(ev, 'process.thread.capabilities.permitted'));
    const extra = permitted.filter((c) => !RUNTIME_DEFAULT_CAPS.has(c));
    if (extra.length) {
      const x = this.hit(s.acc, 'capabilities', t, extra);
      const eff = new Set(list(ecsField(ev, 'process.thread.capabilities.effective')));
      x.effective ??= new Set();
      for (const c of extra) if (eff.has(c) || eff.has('CAP_ALL')) x.effective.add(c);
    }
    if (pe.operation === 'exec') {
      const uid = ecsField(ev, 'process.user.id');
      if (uid === '0' || uid === 0) this.hit(s.acc, 'root', t, [exe]);
      if (pe.processDrift === true) this.hit(s.acc, 'drift', t, [exe]);
      if (ecsField(ev, 'process.interactive') === true || pe.sessionLeaderInteractive === true)
        this.hit(s.acc, 'interactive', t, [exe]);
    }
    if (pe.section === 'file' && pe.filePath !== undefined) {
      if (pe.operation === 'readFile') {
        if (TOKEN_DIRS.some((d) => pe.filePath?.startsWith(d))) this.hit(s.acc, 'token-read', t, [exe]);
      } else if (pe.mount === undefined) {
        // On the container's root filesystem (no volume or file mount): the directory matters.
        const dir = pe.filePath.slice(0, pe.filePath.lastIndexOf('/')) || '/';
        this.hit(s.acc, 'rootfs-writes', t, [dir]);
      }
    }
  }

  report(via: string, window: PostureReport['window']): PostureReport {
    const workloads: WorkloadPosture[] = [];
    for (const s of [...this.ws.values()].sort((a, b) => (a.w.label < b.w.label ? -1 : 1))) {
      const findings: Finding[] = [];
      for (const [check, a] of s.acc) findings.push(finding(check, a));
      findings.sort(
        (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.check < b.check ? -1 : 1),
      );
      workloads.push({ workload: s.w.label, events: s.events, findings });
    }
    return { via, window, workloads };
  }
}

/** The report over a source's events (`d4c posture`, the console's Posture view). */
export async function postureOf(src: EventSource, by: GroupBy, w: Window): Promise<PostureReport> {
  const p = new Posture(by);
  for await (const ev of src.events()) p.add(ev);
  const iso = (ms: number) => new Date(ms).toISOString();
  return p.report(src.via, {
    ...(w.from !== undefined ? { since: iso(w.from) } : {}),
    ...(w.to !== undefined ? { until: iso(w.to) } : {}),
  });
}

function finding(check: Finding['check'], a: Acc): Finding {
  const examples = [...a.examples].sort((x, y) => y[1] - x[1]).map(([k]) => k);
  const base = {
    check,
    events: a.events,
    first: iso(a.first),
    last: iso(a.last),
    examples: examples.slice(0, 20),
  };
  const n = a.events;
  switch (check) {
    case 'privileged':
      return {
        ...base,
        severity: 'critical',
        field: 'securityContext.privileged',
        fix: 'false',
        summary: `runs privileged (${n} events)`,
      };
    case 'capabilities': {
      const eff = [...(a.effective ?? [])].sort();
      return {
        ...base,
        severity: eff.length ? 'high' : 'medium',
        field: 'securityContext.capabilities.drop',
        fix: `drop ${examples.join(', ')} (or [ALL] and add back what it needs)`,
        summary: `capabilities beyond the runtime default: ${examples.join(', ')}; ${eff.length ? `effective in a process: ${eff.join(', ')}` : 'never effective in a process seen'}`,
      };
    }
    case 'root':
      return {
        ...base,
        severity: 'medium',
        field: 'securityContext.runAsNonRoot',
        fix: 'true (with runAsUser)',
        summary: `${n} execs as root (uid 0)`,
      };
    case 'rootfs-writes':
      return {
        ...base,
        severity: 'medium',
        field: 'securityContext.readOnlyRootFilesystem',
        fix: `true, with an emptyDir volume at ${examples.slice(0, 5).join(', ')}`,
        summary: `${n} writes to the root filesystem, in ${examples.length} directories`,
      };
    case 'drift':
      return {
        ...base,
        severity: 'high',
        field: 'securityContext.readOnlyRootFilesystem',
        fix: 'true (an immutable filesystem stops executables written at run time)',
        summary: `${n} executions of files written after the container started`,
      };
    case 'interactive':
      return {
        ...base,
        severity: 'medium',
        field: 'RBAC pods/exec',
        fix: 'remove pods/exec from the roles that do not need a shell in this workload',
        summary: `${n} processes in interactive sessions`,
      };
    case 'token-read':
      return {
        ...base,
        severity: 'high',
        field: 'automountServiceAccountToken',
        fix: 'false (unless the workload calls the Kubernetes API)',
        summary: `${n} reads of the service-account token`,
      };
  }
}
