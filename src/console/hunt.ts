// The Hunt view's API: KQL, EQL or ES|QL over the store through `d4c query`'s own runner (the
// same compiler, errors and rows), with columns from the fields the rows carry, and export.
import { type Lang, runQuery } from '../query/index.js';
import { csvField, csvName, D4cError } from '../util/index.js';
import type { ConsoleStore } from './api.js';
import { CONSOLE_CODES } from './codes.js';

export interface SavedHunt {
  id: string;
  title: string;
  lang: Lang;
  query: string;
}

/** The seed's two hunting hypotheses. */
export const SAVED_HUNTS: SavedHunt[] = [
  {
    id: 'interactive-shells',
    title: 'Interactive shells in containers whose image is not an admin tool',
    lang: 'kql',
    query:
      'event.action:exec and process.interactive:true and container.id:* and not container.image.name:(*kubectl* or *debug* or *toolbox* or *netshoot* or *busybox*)',
  },
  {
    id: 'system-executables',
    title: 'Executables created or modified under /usr/bin, /etc and similar',
    lang: 'kql',
    query:
      'event.category:file and event.action:(creation or modification or rename) and file.path:(/usr/bin/* or /usr/sbin/* or /usr/local/bin/* or /bin/* or /sbin/* or /etc/* or /lib/* or /usr/lib/*)',
  },
];

export interface HuntAnswer {
  lang: Lang;
  rows: unknown[];
  /** Dotted field names present in the rows, most common first. */
  columns: string[];
  warnings: string[];
  truncated: boolean;
}

const MAX_ROWS = 10_000;

function flatten(x: unknown, prefix: string, out: Map<string, number>): void {
  if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
    for (const [k, v] of Object.entries(x)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out.set(prefix, (out.get(prefix) ?? 0) + 1);
}

export function columnsOf(rows: unknown[]): string[] {
  const seen = new Map<string, number>();
  for (const r of rows.slice(0, 500)) flatten(r, '', seen);
  return [...seen].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
}

export async function hunt(store: ConsoleStore, q: URLSearchParams): Promise<HuntAnswer> {
  const lang = (q.get('lang') ?? 'kql') as Lang;
  if (lang !== 'kql' && lang !== 'eql' && lang !== 'esql')
    throw new D4cError(
      CONSOLE_CODES.huntLang.code,
      `unknown query language ${JSON.stringify(lang)}: kql, eql or esql`,
    );
  const text = q.get('q') ?? '';
  if (!text.trim()) throw new D4cError(CONSOLE_CODES.huntEmpty.code, 'an empty query');
  const limit = Math.min(MAX_ROWS, Number(q.get('limit') ?? 1000) || 1000);
  const from = q.get('from');
  const rows: unknown[] = [];
  const warnings: string[] = [];
  await runQuery(
    { lang, text, store, limit, ...(from ? { from: /^\d+$/.test(from) ? Number(from) : from } : {}) },
    { emit: (r) => rows.push(r), warn: (w) => warnings.push(w) },
  );
  return { lang, rows, columns: columnsOf(rows), warnings, truncated: rows.length >= limit };
}

const csvCell = (v: unknown): string =>
  csvField(v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

function field(x: unknown, path: string): unknown {
  let v: unknown = x;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

export function toNdjson(a: HuntAnswer): string {
  return a.rows.map((r) => `${JSON.stringify(r)}\n`).join('');
}

export function toCsv(a: HuntAnswer, columns = a.columns): string {
  const lines = [columns.map(csvName).join(',')];
  for (const r of a.rows) lines.push(columns.map((c) => csvCell(field(r, c))).join(','));
  return `${lines.join('\n')}\n`;
}
