// Kubernetes audit for the agent (issue 17, docs/sessions.md): audit events from a log file
// and/or the API server's webhook become documents of logs-kubernetes.audit_logs-<ns>, and
// their pods/exec and pods/attach requests name the Kubernetes user on the sessions they
// started. The agent sees a small interface (AuditAttachment): start with a sink for the audit
// documents, enrich every document before rules and outputs, stats, stop.
import { auditDocument } from './document.js';
import { type AuditEvent, execRequestOf, type Parsed, parseAuditLine } from './event.js';
import { FileFollower } from './follow.js';
import { ExecJoin, type JoinCounters, type JoinOptions } from './join.js';
import { type AuditWebhook, startWebhook } from './webhook.js';

export { AUDIT_DATASET, auditDocument } from './document.js';
export {
  AUDIT_API_VERSION,
  type AuditEvent,
  type ExecEventInput,
  type ExecRequest,
  execAuditEvent,
  execRequestOf,
  microTime,
  parseAuditLine,
  parseWebhookBody,
} from './event.js';
export { FileFollower } from './follow.js';
export { type Attribution, attributionOf, ExecJoin, type JoinOptions } from './join.js';
export { checkWebhookListen, startWebhook, WebhookError } from './webhook.js';

type Doc = Record<string, unknown>;

/** What the agent holds: everything else stays behind it. */
export interface AuditAttachment {
  /** Starts reading; audit documents go to `emit` (the agent writes them and runs rules on them). */
  start(emit: (doc: Doc) => void): Promise<void>;
  /** Called on every document before rules and outputs: stamps an attributed session's. */
  enrich(doc: Doc): void;
  stats(): K8sAuditStats;
  stop(): Promise<void>;
}

export interface K8sAuditStats extends JoinCounters {
  /** Audit events read (all kinds, every stage). */
  events: number;
  /** Lines (or webhook items) that are no audit event: counted, reported, skipped. */
  malformed: number;
  /** Where the last one was (`FILE:LINE` or `webhook batch N item M`). */
  lastMalformed?: string;
  pendingSessions: number;
  pendingRequests: number;
  /** Times the log file was found rotated or truncated. */
  rotations: number;
  webhookBatches: number;
}

export interface K8sAuditOptions {
  /** `--k8s-audit-log FILE`. */
  logFile?: string;
  /** `--k8s-audit-webhook HOST:PORT` (and its TLS files). */
  webhook?: { host: string; port: number; tlsCert?: string; tlsKey?: string };
  /** data_stream.namespace of the audit documents. */
  namespace?: string;
  join?: JoinOptions;
  /** Read the log file from its start instead of its end (tests, replays). */
  fromStart?: boolean;
  pollMs?: number;
  onWarning?: (message: string) => void;
}

const WARN_MALFORMED = 10;

export class K8sAudit implements AuditAttachment {
  readonly join: ExecJoin;
  private emit: ((doc: Doc) => void) | undefined;
  private follower: FileFollower | undefined;
  private hook: AuditWebhook | undefined;
  private timer: NodeJS.Timeout | undefined;
  private events = 0;
  private malformed = 0;
  private lastMalformed: string | undefined;
  private readonly warn: (m: string) => void;

  constructor(private readonly o: K8sAuditOptions) {
    this.join = new ExecJoin(o.join);
    this.warn = o.onWarning ?? ((m) => process.stderr.write(`d4c agent: ${m}\n`));
  }

  get logFile(): string | undefined {
    return this.o.logFile;
  }

  /** The webhook's address once started (with the port it got). */
  get webhookUrl(): string | undefined {
    return this.hook?.url;
  }

  async start(emit: (doc: Doc) => void): Promise<void> {
    this.emit = emit;
    if (this.o.webhook) {
      this.hook = await startWebhook({
        ...this.o.webhook,
        onItem: (p, where) => this.take(p, where),
        onBadBatch: (where, reason) => this.bad(where, reason),
      });
    }
    if (this.o.logFile !== undefined) {
      const file = this.o.logFile;
      this.follower = new FileFollower(file, {
        onLine: (line, n) => this.line(line, `${file}:${n}`),
        onOversize: (n) => this.bad(`${file}:${n}`, 'line too long'),
        ...(this.o.fromStart ? { fromStart: true } : {}),
        ...(this.o.pollMs !== undefined ? { pollMs: this.o.pollMs } : {}),
      });
      this.follower.start();
    }
    this.timer = setInterval(() => this.join.tick(Date.now()), 1000);
    this.timer.unref();
  }

  /** One line of the log (`where` is its FILE:LINE); exported for tests. */
  line(text: string, where: string): void {
    this.take(parseAuditLine(text), where);
  }

  enrich(doc: Doc): void {
    this.join.enrich(doc);
  }

  stats(): K8sAuditStats {
    const p = this.join.pending;
    return {
      events: this.events,
      malformed: this.malformed,
      ...(this.lastMalformed !== undefined ? { lastMalformed: this.lastMalformed } : {}),
      ...this.join.counters,
      pendingSessions: p.sessions,
      pendingRequests: p.requests,
      rotations: this.follower?.rotations ?? 0,
      webhookBatches: this.hook?.batches ?? 0,
    };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // What was written up to now is still read (and joined) before the agent drains.
    this.follower?.stop();
    await this.hook?.close();
    this.join.flush();
  }

  private take(p: Parsed, where: string): void {
    if (!p.ok) {
      this.bad(where, p.reason);
      return;
    }
    this.event(p.event);
  }

  private event(ev: AuditEvent): void {
    this.events++;
    const r = execRequestOf(ev);
    if (r) this.join.request(r);
    this.emit?.(auditDocument(ev, this.o.namespace !== undefined ? { namespace: this.o.namespace } : {}));
  }

  private bad(where: string, reason: string): void {
    this.malformed++;
    this.lastMalformed = where;
    if (this.malformed <= WARN_MALFORMED)
      this.warn(
        `k8s audit: ${where}: skipped, ${reason}${this.malformed === WARN_MALFORMED ? ' (further malformed audit events are counted only: --stats k8sAudit.malformed)' : ''}`,
      );
  }
}
