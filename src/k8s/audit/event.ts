// Kubernetes audit events (audit.k8s.io/v1 Event, as kube-apiserver writes them with
// --audit-log-path, one JSON object a line, or posts them to a webhook as an EventList): the
// checks a line must pass, and what an exec or attach request says about who entered which pod.

export const AUDIT_API_VERSION = 'audit.k8s.io/v1';

export interface AuditUser {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The fields d4c reads; everything else of the event is kept as written. */
export interface AuditEvent {
  kind?: string;
  apiVersion?: string;
  level?: string;
  auditID: string;
  stage: string;
  requestURI?: string;
  verb?: string;
  user?: AuditUser;
  impersonatedUser?: AuditUser;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    subresource?: string;
    apiVersion?: string;
  };
  responseStatus?: { code?: number; status?: string; reason?: string };
  requestReceivedTimestamp: string;
  stageTimestamp?: string;
  annotations?: Record<string, string>;
  [more: string]: unknown;
}

export type Parsed = { ok: true; event: AuditEvent } | { ok: false; reason: string };

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** One decoded JSON value → an audit event, or why it is not one. */
export function checkEvent(v: unknown): Parsed {
  if (!isObj(v)) return { ok: false, reason: 'not a JSON object' };
  if (v.kind !== undefined && v.kind !== 'Event')
    return { ok: false, reason: `kind ${String(v.kind)}, not Event` };
  if (v.apiVersion !== undefined && v.apiVersion !== AUDIT_API_VERSION)
    return { ok: false, reason: `apiVersion ${String(v.apiVersion)}, not ${AUDIT_API_VERSION}` };
  for (const k of ['auditID', 'stage', 'requestReceivedTimestamp'] as const)
    if (typeof v[k] !== 'string' || v[k] === '') return { ok: false, reason: `no ${k}` };
  if (Number.isNaN(Date.parse(v.requestReceivedTimestamp as string)))
    return { ok: false, reason: 'requestReceivedTimestamp is not a time' };
  for (const k of ['user', 'impersonatedUser', 'objectRef', 'responseStatus', 'annotations'] as const)
    if (v[k] !== undefined && !isObj(v[k])) return { ok: false, reason: `${k} is not an object` };
  if (v.sourceIPs !== undefined && !Array.isArray(v.sourceIPs))
    return { ok: false, reason: 'sourceIPs is not a list' };
  return { ok: true, event: v as AuditEvent };
}

/** One line of an audit log file. */
export function parseAuditLine(line: string): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    return { ok: false, reason: `not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  return checkEvent(v);
}

/** What a webhook POST carries: an EventList (or a lone Event); each item checked on its own. */
export function parseWebhookBody(body: string): { items: Parsed[] } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch (e) {
    return { error: `not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  if (isObj(v) && v.kind === 'EventList') {
    if (!Array.isArray(v.items)) return { error: 'EventList without items' };
    return { items: v.items.map(checkEvent) };
  }
  return { items: [checkEvent(v)] };
}

/** An exec or attach into a pod's container, as the request names it. */
export interface ExecRequest {
  kind: 'exec' | 'attach';
  auditID: string;
  namespace: string;
  pod: string;
  /** Absent: the request named none (the pod's only or default container). */
  container?: string;
  /** exec's argv (empty for attach). */
  command: string[];
  /** requestReceivedTimestamp, ms. */
  atMs: number;
  user: AuditUser;
  impersonatedUser?: AuditUser;
  sourceIPs: string[];
  userAgent?: string;
}

/**
 * Stages at which the exec has been let through. exec and attach are long-running requests:
 * ResponseStarted is written when the stream opens, ResponseComplete when the request is done
 * (some API servers and policies give only the latter). RequestReceived is before authorization.
 */
const STAGES = new Set(['ResponseStarted', 'ResponseComplete']);

/** The exec/attach request of an event, when it is one that was let through; else undefined. */
export function execRequestOf(ev: AuditEvent): ExecRequest | undefined {
  const ref = ev.objectRef;
  const sub = ref?.subresource;
  if (ref?.resource !== 'pods' || (sub !== 'exec' && sub !== 'attach')) return undefined;
  if (!STAGES.has(ev.stage)) return undefined;
  // A refused request (401/403, 404...) started nothing. 101 (upgrade) and 200 did.
  const code = ev.responseStatus?.code;
  if (code !== undefined && code >= 400) return undefined;
  if (!ref.namespace || !ref.name) return undefined;
  const q = queryOf(ev.requestURI);
  const container = q.get('container') ?? undefined;
  return {
    kind: sub,
    auditID: ev.auditID,
    namespace: ref.namespace,
    pod: ref.name,
    ...(container ? { container } : {}),
    command: sub === 'exec' ? q.getAll('command') : [],
    atMs: Date.parse(ev.requestReceivedTimestamp),
    user: ev.user ?? {},
    ...(ev.impersonatedUser ? { impersonatedUser: ev.impersonatedUser } : {}),
    sourceIPs: (ev.sourceIPs ?? []).filter((s): s is string => typeof s === 'string'),
    ...(typeof ev.userAgent === 'string' ? { userAgent: ev.userAgent } : {}),
  };
}

function queryOf(uri: string | undefined): URLSearchParams {
  const i = uri?.indexOf('?') ?? -1;
  return new URLSearchParams(i >= 0 ? uri!.slice(i + 1) : '');
}

/** RFC 3339 with microseconds, as kube-apiserver writes its timestamps. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface ExecEventInput {
  auditID: string;
  stage: 'ResponseStarted' | 'ResponseComplete';
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  user: AuditUser;
  sourceIPs: string[];
  userAgent: string;
  stdin: boolean;
  tty: boolean;
  receivedMs: number;
  stageMs: number;
}

/** The event an API server writes for `kubectl exec` (the lab writes it for its own execs). */
export function execAuditEvent(i: ExecEventInput): AuditEvent {
  const q = new URLSearchParams();
  for (const c of i.command) q.append('command', c);
  q.set('container', i.container);
  if (i.stdin) q.set('stdin', 'true');
  q.set('stdout', 'true');
  if (!i.tty) q.set('stderr', 'true');
  if (i.tty) q.set('tty', 'true');
  return {
    kind: 'Event',
    apiVersion: AUDIT_API_VERSION,
    level: 'Metadata',
    auditID: i.auditID,
    stage: i.stage,
    requestURI: `/api/v1/namespaces/${i.namespace}/pods/${i.pod}/exec?${q.toString()}`,
    verb: 'create',
    user: i.user,
    sourceIPs: i.sourceIPs,
    userAgent: i.userAgent,
    objectRef: {
      resource: 'pods',
      namespace: i.namespace,
      name: i.pod,
      apiVersion: 'v1',
      subresource: 'exec',
    },
    responseStatus: { code: 101 },
    requestReceivedTimestamp: microTime(i.receivedMs),
    stageTimestamp: microTime(i.stageMs),
    annotations: {
      'authorization.k8s.io/decision': 'allow',
      'authorization.k8s.io/reason': '',
    },
  };
}
