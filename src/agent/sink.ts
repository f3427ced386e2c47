// The last stage of the event path: a held event (or a denial) with its container's metadata →
// the policy decision and document (documents.ts) → the outputs, and the rule engine fed with
// what was written. Also where documents built outside the event path go (heartbeats, metrics,
// scheduled ES|QL alerts), so every written document is counted in one place.
import type { ContainerMeta } from '../container/index.js';
import type { EventIdGenerator } from '../ecs/index.js';
import { dataStreamName, type EcsDocument, randomEventIds } from '../ecs/index.js';
import type { AuditAttachment } from '../k8s/index.js';
import type { Output } from '../output/index.js';
import type { Detection, RuleEngine } from '../rules/index.js';
import type { ContainerContexts } from './context.js';
import { detectionDoc } from './detections.js';
import { buildDocument, type DocumentDeps, type Held } from './documents.js';

export interface SinkDeps extends DocumentDeps {
  readonly contexts: ContainerContexts;
  readonly outputs: Record<string, Output>;
  readonly engine?: RuleEngine;
  /** Enriches every document before outputs and rules (the exec'd session's Kubernetes user). */
  readonly k8sAudit?: Pick<AuditAttachment, 'enrich'>;
}

export class DocumentSink {
  private readonly alertIds: EventIdGenerator = randomEventIds();
  private lastRuleDoc: EcsDocument | undefined;

  constructor(private readonly d: SinkDeps) {}

  /** Decides, builds and writes one event's documents; `meta`: its container's, as known now. */
  finish(h: Held, meta: ContainerMeta | undefined): void {
    const d = this.d;
    const ctx =
      h.identity === undefined ? undefined : meta ? d.contexts.of(meta) : d.contexts.bare(h.identity);
    const complete = ctx === undefined || ctx.complete;
    if (h.held && !complete) d.c.heldIncomplete++;
    const built = buildDocument(d, h, ctx, complete);
    if (built === undefined) return;
    const { doc, outcome } = built;
    // A denial's document was never counted as incomplete (it is not a sensor event).
    if (!complete && !h.denied) d.c.docsIncompleteMetadata++;
    const docs = d.builder.route(doc, outcome);
    if (docs.length === 0) return;
    if (
      h.kind === 'process' &&
      h.action !== 'end' &&
      h.entry &&
      !h.denied &&
      outcome.actions?.includes('log')
    ) {
      // Its end is logged with this decision (end is no policy operation).
      d.logged.set(h.entry, { matchedSelectors: outcome.matchedSelectors, actions: ['log'] });
    }
    for (const x of docs) this.write(x);
    if (d.engine) this.detect(docs[0]!);
  }

  /** Writes a document to every output, counted by data stream. */
  write(doc: EcsDocument): void {
    // The one hook before outputs and rules (detect() gets the same, enriched, object).
    this.d.k8sAudit?.enrich(doc as unknown as Record<string, unknown>);
    const stream = dataStreamName(doc.data_stream);
    const c = this.d.c;
    c.docsEmitted[stream] = (c.docsEmitted[stream] ?? 0) + 1;
    for (const out of Object.values(this.d.outputs))
      out.write(doc as unknown as Record<string, unknown>, stream);
  }

  /** A document from another source (Kubernetes audit): written and fed to the rules. */
  ingest(doc: EcsDocument): void {
    this.write(doc);
    if (this.d.engine) this.detect(doc);
  }

  /** A detection counted, and written as an alert built on `trigger` (none: counted only). */
  writeDetection(det: Detection, trigger: EcsDocument | undefined): void {
    this.d.c.ruleDetections++;
    if (trigger)
      this.write(detectionDoc(det, trigger, this.d.builder.fragments.streams.alerts, this.alertIds));
  }

  /** The rules' sequences still open at the end: their detections. */
  flush(): void {
    if (!this.d.engine) return;
    for (const det of this.d.engine.flush()) this.writeDetection(det, this.lastRuleDoc);
  }

  private detect(doc: EcsDocument): void {
    this.d.c.rulesEvents++;
    this.lastRuleDoc = doc;
    for (const det of this.d.engine!.push(doc)) this.writeDetection(det, doc);
  }
}
