// One human-readable line per ECS document, for `d4c demo` and terminals.
// Reads documents nested or with dotted keys; tolerates any JSON (never throws).

import { ecsField as get } from '../policy/index.js';

function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(str).join(',');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const STREAM_TAG: Record<string, string> = {
  'cloud_defend.process': 'process',
  'cloud_defend.file': 'file   ',
  'cloud_defend.alerts': 'ALERT  ',
  'cloud_defend.network': 'network',
  'cloud_defend.heartbeat': 'beat   ',
  'cloud_defend.metrics': 'metrics',
};

export function formatDocLine(doc: unknown): string {
  const ts = str(get(doc, '@timestamp')).slice(11, 23);
  const dataset = str(get(doc, 'data_stream.dataset'));
  const tag = STREAM_TAG[dataset] ?? dataset.padEnd(7);
  const ns = str(get(doc, 'orchestrator.namespace'));
  const pod = str(get(doc, 'orchestrator.resource.name'));
  const where = pod
    ? `${ns}/${pod}`
    : str(get(doc, 'container.name')) || str(get(doc, 'container.id')).slice(0, 12);
  const rule = str(get(doc, 'kibana.alert.rule.name')) || str(get(doc, 'rule.name'));
  const action = str(get(doc, 'event.action'));
  const proc = str(get(doc, 'process.name'));
  const interactive = get(doc, 'process.interactive') === true ? ' (tty)' : '';
  const args = get(doc, 'process.args');
  const what =
    str(get(doc, 'file.path')) ||
    (Array.isArray(args) ? args.map(str).join(' ').slice(0, 80) : str(get(doc, 'process.executable')));
  const sel = get(doc, 'cloud_defend.matched_selectors');
  const denied = str(get(doc, 'event.type')).includes('denied') ? ' DENIED' : '';
  const parts = [
    ts,
    tag,
    where.padEnd(20),
    `${action}${denied}`.padEnd(13),
    `${proc}${interactive}`.padEnd(12),
    what,
  ];
  if (rule) parts.push(`rule: ${rule}`);
  else if (Array.isArray(sel) && sel.length) parts.push(`[${sel.map(str).join(', ')}]`);
  return parts.join('  ');
}
