// The join of pods/exec (and pods/attach) requests with the sessions they started: a session
// entered from outside (process.container_entry: exec) in pod P, container C, whose entry
// leader started within the window after a request for P/C (its command preferred) is that
// request's. Either may come first: a request waits for its session, a session (its documents
// already out) for its request; from the join on, the session's documents carry the user.
import { basename } from 'node:path';
import type { AuditUser, ExecRequest } from './event.js';

export interface JoinOptions {
  /** A session may start this long after the request was received (default 10 s). */
  windowMs?: number;
  /** ...or this long before it (clock skew between API server and node; default 2 s). */
  skewMs?: number;
  /**
   * How long after a session starts its request may still arrive (audit log writes and webhook
   * batches lag; default 60 s). Past it, the session is counted unattributed.
   */
  lateMs?: number;
  /** Most sessions and requests remembered (oldest forgotten first; default 20,000 each). */
  max?: number;
}

export interface JoinCounters {
  /** exec/attach requests that were let through, seen. */
  requests: number;
  /** Sessions joined to their request. */
  attributed: number;
  /** Exec'd pod sessions with no request within the window (exec probes among them). */
  unattributed: number;
  /** exec requests no session matched (they expired). */
  unmatchedRequests: number;
  /** Documents stamped with a Kubernetes user. */
  docsStamped: number;
}

/** What the documents of an attributed session carry, under kubernetes.audit (docs/sessions.md). */
export type Attribution = Record<string, unknown>;

interface Session {
  eid: string;
  ns: string;
  pod: string;
  container: string | undefined;
  startMs: number;
  args: string[];
  name: string;
  attr?: Attribution;
}

interface Pending {
  req: ExecRequest;
  attr: Attribution;
}

type Doc = Record<string, unknown>;
const obj = (v: unknown): Doc | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function attributionOf(r: ExecRequest): Attribution {
  const user = (u: AuditUser) => ({
    ...(u.username !== undefined ? { username: u.username } : {}),
    ...(u.uid !== undefined ? { uid: u.uid } : {}),
    ...(u.groups !== undefined ? { groups: u.groups } : {}),
  });
  return {
    auditID: r.auditID,
    user: user(r.user),
    ...(r.impersonatedUser ? { impersonatedUser: user(r.impersonatedUser) } : {}),
    sourceIPs: r.sourceIPs,
    ...(r.userAgent !== undefined ? { userAgent: r.userAgent } : {}),
    objectRef: { subresource: r.kind },
    requestReceivedTimestamp: new Date(r.atMs).toISOString(),
  };
}

export class ExecJoin {
  readonly counters: JoinCounters = {
    requests: 0,
    attributed: 0,
    unattributed: 0,
    unmatchedRequests: 0,
    docsStamped: 0,
  };
  private readonly windowMs: number;
  private readonly skewMs: number;
  private readonly lateMs: number;
  private readonly max: number;
  /** Exec'd pod sessions by entry leader entity id (attributed or waiting). */
  private readonly sessions = new Map<string, Session>();
  /** Sessions still waiting for their request, in arrival order. */
  private readonly waiting = new Set<Session>();
  private readonly requests: Pending[] = [];
  private readonly seenIds = new Set<string>();
  /** attach: the container's own (init) session, from the attach on. */
  private readonly attaches = new Map<string, { atMs: number; attr: Attribution }>();

  constructor(o: JoinOptions = {}) {
    this.windowMs = o.windowMs ?? 10_000;
    this.skewMs = o.skewMs ?? 2_000;
    this.lateMs = o.lateMs ?? 60_000;
    this.max = o.max ?? 20_000;
  }

  /** An exec/attach request: joined to a waiting session, or kept for one to come. */
  request(r: ExecRequest): void {
    // ResponseStarted and ResponseComplete of one request: the first one counts.
    if (this.seenIds.has(r.auditID)) return;
    this.seenIds.add(r.auditID);
    if (this.seenIds.size > this.max) this.seenIds.delete(this.seenIds.values().next().value!);
    this.counters.requests++;
    const attr = attributionOf(r);
    if (r.kind === 'attach') {
      this.attaches.set(`${r.namespace}/${r.pod}/${r.container ?? ''}`, { atMs: r.atMs, attr });
      if (this.attaches.size > this.max) this.attaches.delete(this.attaches.keys().next().value!);
      return;
    }
    const s = best(
      [...this.waiting].filter((s) => fits(r, s, this.windowMs, this.skewMs)),
      (s) => score(r, s),
      (s) => Math.abs(s.startMs - r.atMs),
    );
    if (s) {
      this.attribute(s, attr);
      return;
    }
    this.requests.push({ req: r, attr });
    if (this.requests.length > this.max) {
      this.requests.shift();
      this.counters.unmatchedRequests++;
    }
  }

  /** Stamps a document of an attributed session; a new exec'd pod session is joined or waits. */
  enrich(doc: Doc): void {
    const p = obj(doc.process);
    const entry = p?.container_entry;
    if (entry !== 'exec' && (entry !== 'init' || this.attaches.size === 0)) return;
    const orch = obj(doc.orchestrator);
    const ns = str(orch?.namespace);
    const pod = str(obj(orch?.resource)?.name);
    if (ns === undefined || pod === undefined) return;
    const container = str(obj(doc.container)?.name);
    if (entry === 'init') {
      this.stampAttach(doc, ns, pod, container);
      return;
    }
    const leader = obj(p?.entry_leader);
    const eid = str(leader?.entity_id);
    if (eid === undefined) return;
    let s = this.sessions.get(eid);
    if (s === undefined) {
      const args = Array.isArray(leader?.args) ? (leader.args as unknown[]).map(String) : [];
      s = {
        eid,
        ns,
        pod,
        container,
        startMs: Date.parse(String(leader?.start ?? doc['@timestamp'])),
        args,
        name: str(leader?.name) ?? basename(args[0] ?? ''),
      };
      if (Number.isNaN(s.startMs)) s.startMs = Date.now();
      this.sessions.set(eid, s);
      if (this.sessions.size > this.max) this.forget(this.sessions.values().next().value!);
      this.join(s);
    }
    if (s.attr) this.stamp(doc, s.attr);
  }

  /** Counts sessions whose request can no longer come, and drops requests no session took. */
  tick(nowMs: number): void {
    for (const s of this.waiting) {
      if (nowMs - s.startMs <= this.lateMs) break;
      this.waiting.delete(s);
      this.counters.unattributed++;
    }
    while (this.requests.length > 0 && nowMs - this.requests[0]!.req.atMs > this.windowMs + this.lateMs) {
      this.requests.shift();
      this.counters.unmatchedRequests++;
    }
  }

  /** The end (the agent stops): what still waits is counted as such. */
  flush(): void {
    this.counters.unattributed += this.waiting.size;
    this.waiting.clear();
    this.counters.unmatchedRequests += this.requests.length;
    this.requests.length = 0;
  }

  get pending(): { sessions: number; requests: number } {
    return { sessions: this.waiting.size, requests: this.requests.length };
  }

  private join(s: Session): void {
    const i = bestIndex(
      this.requests.map((p) => (fits(p.req, s, this.windowMs, this.skewMs) ? p : undefined)),
      (p) => score(p.req, s),
      (p) => Math.abs(s.startMs - p.req.atMs),
    );
    if (i === undefined) {
      this.waiting.add(s);
      return;
    }
    const [p] = this.requests.splice(i, 1);
    this.attribute(s, p!.attr);
  }

  private attribute(s: Session, attr: Attribution): void {
    s.attr = attr;
    this.waiting.delete(s);
    this.counters.attributed++;
  }

  private forget(s: Session): void {
    this.sessions.delete(s.eid);
    if (this.waiting.delete(s)) this.counters.unattributed++;
  }

  private stampAttach(doc: Doc, ns: string, pod: string, container: string | undefined): void {
    const a = this.attaches.get(`${ns}/${pod}/${container ?? ''}`) ?? this.attaches.get(`${ns}/${pod}/`);
    if (!a) return;
    const ts = Date.parse(String(doc['@timestamp']));
    if (!(ts >= a.atMs - this.skewMs)) return;
    this.stamp(doc, a.attr);
  }

  private stamp(doc: Doc, attr: Attribution): void {
    const k = obj(doc.kubernetes) ?? {};
    doc.kubernetes = { ...k, audit: attr };
    this.counters.docsStamped++;
  }
}

/** Same pod and container (when the request names one), started within the window. */
function fits(r: ExecRequest, s: Session, windowMs: number, skewMs: number): boolean {
  if (r.namespace !== s.ns || r.pod !== s.pod) return false;
  if (r.container !== undefined && s.container !== undefined && r.container !== s.container) return false;
  return s.startMs >= r.atMs - skewMs && s.startMs <= r.atMs + windowMs;
}

/** 0: the same argv; 1: the same program; 2: another command (taken only when alone). */
function score(r: ExecRequest, s: Session): number {
  if (
    r.command.length > 0 &&
    r.command.length === s.args.length &&
    r.command.every((c, i) => c === s.args[i])
  )
    return 0;
  if (r.command[0] !== undefined && basename(r.command[0]) === s.name) return 1;
  return 2;
}

function bestIndex<T>(
  list: (T | undefined)[],
  rank: (t: T) => number,
  distance: (t: T) => number,
): number | undefined {
  let at: number | undefined;
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    if (t === undefined) continue;
    n++;
    const cur = at === undefined ? undefined : list[at]!;
    if (cur === undefined || rank(t) < rank(cur) || (rank(t) === rank(cur) && distance(t) < distance(cur)))
      at = i;
  }
  // A different command is a join only when nothing else could be.
  if (at !== undefined && rank(list[at]!) === 2 && n > 1) return undefined;
  return at;
}

function best<T>(list: T[], rank: (t: T) => number, distance: (t: T) => number): T | undefined {
  const i = bestIndex(list, rank, distance);
  return i === undefined ? undefined : list[i];
}
