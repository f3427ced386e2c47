// The demo's closing summary: every alert it saw, grouped by what raised it (a rule, or the
// policy's selectors) and the pod, with a count. Reads documents nested or dotted; never throws.
import { ecsField as get } from '../policy/index.js';

export interface AlertRow {
  /** `rule: NAME` for a detection, `policy: SELECTOR[, ...]` for a policy alert. */
  source: string;
  /** `namespace/pod`, the container's name, or `host`. */
  where: string;
  count: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The key of an alert document, or undefined for any other document. */
export function alertKey(doc: unknown): { source: string; where: string } | undefined {
  if (get(doc, 'event.kind') !== 'alert') return undefined;
  const rule = str(get(doc, 'rule.name')) || str(get(doc, 'kibana.alert.rule.name'));
  const sel = get(doc, 'cloud_defend.matched_selectors');
  const source = rule
    ? `rule: ${rule}`
    : `policy: ${Array.isArray(sel) && sel.length ? sel.map(String).join(', ') : '(no selector)'}`;
  const pod = str(get(doc, 'orchestrator.resource.name'));
  const ns = str(get(doc, 'orchestrator.namespace'));
  const where = pod ? `${ns}/${pod}` : str(get(doc, 'container.name')) || 'host';
  return { source, where };
}

export class AlertSummary {
  private readonly rows = new Map<string, AlertRow>();

  add(doc: unknown): void {
    const k = alertKey(doc);
    if (!k) return;
    const id = `${k.source}\u0000${k.where}`;
    const row = this.rows.get(id);
    if (row) row.count++;
    else this.rows.set(id, { ...k, count: 1 });
  }

  /** Rules first, then policy alerts; by pod, then name. */
  list(): AlertRow[] {
    return [...this.rows.values()].sort(
      (a, b) =>
        Number(a.source.startsWith('policy:')) - Number(b.source.startsWith('policy:')) ||
        a.where.localeCompare(b.where) ||
        a.source.localeCompare(b.source),
    );
  }

  /** Aligned lines: `COUNT  POD  RULE`, a header first; one line saying so when empty. */
  format(): string[] {
    const rows = this.list();
    if (rows.length === 0) return ['no alerts'];
    const w = Math.max(3, ...rows.map((r) => r.where.length));
    const c = Math.max(5, ...rows.map((r) => String(r.count).length));
    return [
      `${'COUNT'.padStart(c)}  ${'POD'.padEnd(w)}  RAISED BY`,
      ...rows.map((r) => `${String(r.count).padStart(c)}  ${r.where.padEnd(w)}  ${r.source}`),
    ];
  }
}
