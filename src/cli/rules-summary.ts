// `d4c rules test` for a person: detections counted per rule and shown as one table (or CSV)
// at the end, instead of a JSON line per detection.
import type { LoadedRule } from '../rules/index.js';
import { csvHeader, csvRecord, type Format, renderTable, tableWidth } from './table.js';

interface Row {
  id: string;
  name: string;
  language: string;
  severity: string;
  hits: number;
  /** Distinct event ids of its detections, in order. */
  events: Set<string>;
}

export class RuleHits {
  /** Event documents read. */
  events = 0;
  private readonly rows = new Map<string, Row>();

  /** `rules`: those that ran (a rule that did not is a warning on stderr, not a row). */
  constructor(rules: readonly LoadedRule[]) {
    for (const r of rules)
      this.rows.set(r.meta.id, {
        id: r.meta.id,
        name: r.meta.name,
        language: r.meta.language,
        severity: r.meta.severity,
        hits: 0,
        events: new Set(),
      });
  }

  add(ruleId: string, events: readonly unknown[]): void {
    const row = this.rows.get(ruleId);
    if (!row) return;
    row.hits++;
    for (const e of events) row.events.add(String(e));
  }

  /** Rules by detections (most first), then by name. */
  private sorted(): Row[] {
    return [...this.rows.values()].sort((a, b) => b.hits - a.hits || a.name.localeCompare(b.name));
  }

  render(format: Exclude<Format, 'ndjson'>): string {
    const rows = this.sorted();
    if (format === 'csv')
      return [
        csvHeader(['rule.id', 'rule.name', 'language', 'severity', 'detections', 'events']),
        ...rows.map((r) =>
          csvRecord([r.id, r.name, r.language, r.severity, String(r.hits), JSON.stringify([...r.events])]),
        ),
      ].join('');
    // A table of the rules that fired: the pack's dozens of silent rules would push them off screen.
    const fired = rows.filter((r) => r.hits > 0);
    const detections = fired.reduce((a, r) => a + r.hits, 0);
    const table =
      fired.length === 0
        ? ''
        : renderTable(
            ['RULE', 'LANGUAGE', 'SEVERITY', 'DETECTIONS', 'EVENTS'],
            fired.map((r) => [r.name, r.language, r.severity, String(r.hits), [...r.events].join(', ')]),
            { width: tableWidth(), right: [false, false, false, true, false] },
          );
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    return `${table}${table ? '\n' : ''}${plural(detections, 'detection')} from ${fired.length} of ${plural(rows.length, 'rule')} over ${plural(this.events, 'event')}\n`;
  }
}
