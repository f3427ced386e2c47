// The console's read-only API over the store (the same `EventStore` the agent writes). Every
// answer is JSON; nothing here writes to the store or the agent.
import type { EcsDoc } from '../output/index.js';
import type { EventStore } from '../output/store/index.js';
import { get, list, str } from './fields.js';
import type { AlertRow } from './wire.js';

export type { AlertGroup, AlertRow, AlertsAnswer } from './wire.js';

export type ConsoleStore = Pick<EventStore, 'query' | 'aggregate' | 'sql'>;

/** One alert document as a table row: rule detections name their rule; policy alerts their selectors. */
export function alertRow(d: EcsDoc): AlertRow {
  const rule = str(get(d, 'rule.name'));
  const selectors = get(d, 'cloud_defend.matched_selectors');
  const sel = Array.isArray(selectors) ? selectors.map(str) : [];
  // `threat` is one object or a list; technique ids are lists (Elastic's rule format).
  const threats = get(d, 'threat');
  const tech: string[] = [];
  for (const t of Array.isArray(threats) ? threats : threats ? [threats] : []) {
    const ts = get(t, 'technique');
    for (const x of Array.isArray(ts) ? ts : ts ? [ts] : []) tech.push(...list(get(x, 'id')));
  }
  return {
    ts: str(get(d, '@timestamp')),
    rule: rule || (sel.length ? `policy: ${sel.join(', ')}` : 'policy alert'),
    kind: rule ? 'rule' : 'policy',
    severity: str(get(d, 'rule.severity')) || (rule ? 'unknown' : 'policy'),
    technique: tech.join(', '),
    namespace: str(get(d, 'orchestrator.namespace')),
    pod: str(get(d, 'orchestrator.resource.name')),
    container: str(get(d, 'container.name')),
    image: str(get(d, 'container.image.name')),
    process: str(get(d, 'process.executable')) || str(get(d, 'process.name')),
    args: str(get(d, 'process.args')),
    selectors: sel,
    session: str(get(d, 'process.entry_leader.entity_id')) || str(get(d, 'process.session_leader.entity_id')),
    entity: str(get(d, 'process.entity_id')),
  };
}
