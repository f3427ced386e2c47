// Detections of the rule engine → documents for the alerts stream: the event that completed
// the detection, re-labelled as an alert, with the rule's identity, its MITRE ATT&CK mapping
// (ECS `threat.*`) and the event.ids behind it (`cloud_defend.detection.event_ids`).
import type { DataStream, EcsDocument, EventIdGenerator } from '../ecs/index.js';
import type { Detection } from '../rules/index.js';

const SEVERITY: Record<string, number> = { low: 21, medium: 47, high: 73, critical: 99 };

export function detectionDoc(
  d: Detection,
  trigger: EcsDocument,
  alerts: DataStream,
  nextId: EventIdGenerator,
): EcsDocument {
  const r = d.rule;
  const event = {
    ...trigger.event,
    id: nextId(),
    kind: 'alert' as const,
    dataset: alerts.dataset,
    severity: SEVERITY[r.severity] ?? 0,
    risk_score: r.riskScore,
  };
  // Kibana names an alert promoted by "Container Workload Protection" from `message`.
  const doc: EcsDocument & Record<string, unknown> = {
    ...trigger,
    event,
    data_stream: alerts,
    message: r.name,
  };
  doc.rule = {
    id: r.id,
    uuid: r.id,
    name: r.name,
    description: r.description,
    severity: r.severity,
    risk_score: r.riskScore,
    tags: r.tags,
    ruleset: r.type,
  };
  if (r.threat.length > 0) {
    doc.threat = r.threat.map((t) => {
      const out: Record<string, unknown> = { framework: t.framework };
      if (t.tactic)
        out.tactic = { id: [t.tactic.id], name: [t.tactic.name], reference: ref(t.tactic.reference) };
      if (t.techniques.length > 0) {
        out.technique = {
          id: t.techniques.map((x) => x.id),
          name: t.techniques.map((x) => x.name),
          reference: t.techniques.map((x) => x.reference ?? ''),
        };
        const subs = t.techniques.flatMap((x) => x.subtechniques);
        if (subs.length > 0) {
          (out.technique as Record<string, unknown>).subtechnique = {
            id: subs.map((x) => x.id),
            name: subs.map((x) => x.name),
            reference: subs.map((x) => x.reference ?? ''),
          };
        }
      }
      return out;
    });
  }
  doc.cloud_defend = {
    ...(trigger.cloud_defend ?? {}),
    detection: { event_ids: d.events, rule_id: r.id, rule_name: r.name },
  } as EcsDocument['cloud_defend'];
  return doc;
}

function ref(r: string | undefined): string[] | undefined {
  return r === undefined ? undefined : [r];
}
