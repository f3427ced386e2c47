// How `d4c query` prints its results: NDJSON lines as they come, or a table / CSV of the fields
// that matter. ES|QL rows have their own columns; KQL and EQL hits are ECS documents, shown by
// a default set of fields (those present) unless `--fields` names them.
import type { Lang } from '../query/index.js';
import {
  cellText,
  csvHeader,
  csvRecord,
  csvText,
  type Format,
  getField,
  renderTable,
  sanitize,
} from './table.js';

/**
 * Fields of an ECS document worth a column, in order; a table keeps those some result has
 * (and of `a|b`, the first present), CSV all of them (its header stays the same from run to run).
 */
const DOC_FIELDS = [
  '@timestamp',
  'kibana.alert.rule.name|rule.name',
  'event.action',
  'orchestrator.namespace',
  'orchestrator.resource.name|container.name',
  'process.name',
  'process.args',
  'file.path',
  'destination.address',
  'destination.port',
];
/** Short headers for the default columns (a field named with --fields is its own header). */
const LABELS: Record<string, string> = {
  'kibana.alert.rule.name': 'rule',
  'rule.name': 'rule',
  'event.action': 'action',
  'orchestrator.namespace': 'namespace',
  'orchestrator.resource.name': 'pod',
  'container.name': 'container',
  'process.name': 'process',
  'process.args': 'args',
  'file.path': 'file',
  'destination.address': 'destination',
  'destination.port': 'port',
};
/** Without any of DOC_FIELDS (not ECS), the first document's own fields, up to this many. */
const MAX_OWN_FIELDS = 8;

/** A result as table rows: a sequence (or sample) is a row per event, numbered. */
function rowsOf(result: unknown, lang: Lang, n: number): { group?: [string, number]; doc: unknown }[] {
  if (lang === 'eql' && result !== null && typeof result === 'object') {
    for (const key of ['sequence', 'sample'] as const) {
      const docs = (result as Record<string, unknown>)[key];
      if (Array.isArray(docs)) return docs.map((doc) => ({ group: [key, n], doc }));
    }
  }
  return [{ doc: result }];
}

function leafPaths(doc: unknown, prefix = '', out: string[] = []): string[] {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    if (prefix) out.push(prefix);
    return out;
  }
  for (const [k, v] of Object.entries(doc)) leafPaths(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

/** The columns a table of these documents shows. */
export function docColumns(docs: readonly unknown[]): string[] {
  const present = (f: string) => docs.some((d) => getField(d, f) !== undefined);
  const cols: string[] = [];
  for (const alts of DOC_FIELDS) {
    const f = alts.split('|').find(present);
    if (f) cols.push(f);
  }
  if (cols.length > 0 || docs.length === 0) return cols;
  return leafPaths(docs[0]).slice(0, MAX_OWN_FIELDS);
}

/** All default document fields (CSV's stable header). */
export function allDocColumns(): string[] {
  return DOC_FIELDS.flatMap((a) => a.split('|'));
}

/** ES|QL rows: their columns in order of first appearance. */
function rowColumns(rows: readonly unknown[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) if (r && typeof r === 'object') for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

export interface QueryPrinterOptions {
  format: Format;
  lang: Lang;
  fields?: string[] | undefined;
  /** EQL sequence or sample query: results are groups of events (CSV's first column). */
  group?: 'sequence' | 'sample' | undefined;
  /** Columns of the terminal (tables only). */
  width: number;
  write: (s: string) => void;
  /** Output goes to a terminal: CSV values get their control characters shown escaped, too. */
  terminal?: boolean;
  /** A line for the person (stderr). */
  note?: (line: string) => void;
}

/** Receives results one by one; NDJSON and CSV with known columns stream, a table waits for all. */
export class QueryPrinter {
  count = 0;
  private readonly rows: { group?: [string, number]; doc: unknown }[] = [];
  private csvCols: string[] | undefined;

  constructor(private readonly o: QueryPrinterOptions) {
    if (o.format === 'csv') {
      this.csvCols = o.fields ?? (o.lang === 'esql' ? undefined : allDocColumns());
      if (this.csvCols) this.o.write(csvHeader(o.group ? [o.group, ...this.csvCols] : this.csvCols));
    }
  }

  add(result: unknown): void {
    this.count++;
    if (this.o.format === 'ndjson') {
      this.o.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const rows = rowsOf(result, this.o.lang, this.count);
    if (this.o.format === 'table') {
      this.rows.push(...rows);
      return;
    }
    if (!this.csvCols) {
      this.csvCols = rowColumns([result]);
      this.o.write(csvHeader(this.csvCols));
    }
    const cols = this.csvCols;
    for (const r of rows) {
      const vals = cols.map((c) => {
        const t = csvText(getField(r.doc, c));
        return this.o.terminal ? sanitize(t) : t;
      });
      this.o.write(csvRecord(this.o.group ? [r.group ? String(r.group[1]) : '', ...vals] : vals));
    }
  }

  /** A result already serialised (the agent's answer): as is for NDJSON. */
  addLine(line: string): void {
    if (this.o.format === 'ndjson') {
      this.count++;
      this.o.write(`${line}\n`);
    } else this.add(JSON.parse(line));
  }

  end(): void {
    if (this.o.format !== 'table') return;
    if (this.rows.length === 0) {
      this.o.write('(no results)\n');
      return;
    }
    const docs = this.rows.map((r) => r.doc);
    const cols = this.o.fields ?? (this.o.lang === 'esql' ? rowColumns(docs) : docColumns(docs));
    const group = this.rows.find((r) => r.group)?.group?.[0];
    const labels = this.o.fields || this.o.lang === 'esql' ? cols : cols.map((c) => LABELS[c] ?? c);
    const headers = group ? [group, ...labels] : labels;
    const values = this.rows.map((r) => cols.map((c) => getField(r.doc, c)));
    const right = cols.map((_, i) => {
      const vs = values.map((v) => v[i]).filter((v) => v !== null && v !== undefined);
      return vs.length > 0 && vs.every((v) => typeof v === 'number');
    });
    const body = this.rows.map((r, j) => {
      const cells = cols.map((c, i) => cellText(values[j]![i], c));
      return group ? [String(r.group?.[1] ?? ''), ...cells] : cells;
    });
    const keep = headers.map((h, i) => i === 0 || h === '@timestamp');
    this.o.write(
      renderTable(headers, body, {
        width: this.o.width,
        right: group ? [true, ...right] : right,
        keep,
        onDrop: (left) =>
          this.o.note?.(
            `d4c query: no room for ${left.join(', ')} (a wider terminal, or --fields, shows them)`,
          ),
      }),
    );
  }
}
