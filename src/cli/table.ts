// Output for people and spreadsheets: aligned tables fitted to the terminal, and RFC 4180 CSV.
// Also the `--format ndjson|table|csv` choice shared by `query`, `rules test` and `policy test`:
// a table on a terminal, NDJSON when piped (scripts keep their byte-exact lines).
import { UsageError } from './args.js';

export const FORMATS = ['ndjson', 'table', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** What the output goes to; `process.stdout` in the commands, a plain object in tests. */
export interface Terminal {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/** `--format` given, else a table on a terminal and NDJSON otherwise. A bad value is a usage error. */
export function chooseFormat(given: string | undefined, out: Terminal = process.stdout): Format {
  if (given === undefined) return out.isTTY === true ? 'table' : 'ndjson';
  if ((FORMATS as readonly string[]).includes(given)) return given as Format;
  throw new UsageError(`--format takes ${FORMATS.join(', ')}, not ${JSON.stringify(given)}`);
}

/** Columns a table may use: the terminal's width; piped, `$COLUMNS` if set, else no limit. */
export function tableWidth(out: Terminal = process.stdout, env = process.env): number {
  if (out.isTTY === true) return out.columns && out.columns > 0 ? out.columns : 80;
  const c = Number(env.COLUMNS);
  return Number.isInteger(c) && c > 0 ? c : Number.POSITIVE_INFINITY;
}

/** `--fields a,b,c`: the names, trimmed; empty names are a usage error. */
export function parseFields(given: string | undefined): string[] | undefined {
  if (given === undefined) return undefined;
  const names = given.split(',').map((s) => s.trim());
  if (names.some((n) => n === ''))
    throw new UsageError(`--fields takes names separated by commas, got ${JSON.stringify(given)}`);
  return names;
}

// ---- display width -------------------------------------------------------------------------

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

// East Asian Wide and Fullwidth blocks (the common ones: CJK, kana, Hangul, fullwidth forms).
const WIDE: [number, number][] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];
const EMOJI = /^\p{Emoji_Presentation}/u;
const EMOJI_ANY = /^\p{Emoji}/u;
const ZERO = /^[\p{Mn}\p{Me}\p{Cf}]/u;

/** Columns one grapheme cluster takes on a terminal. */
function clusterWidth(g: string): number {
  const cp = g.codePointAt(0) ?? 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (EMOJI.test(g) || (g.includes('\uFE0F') && EMOJI_ANY.test(g))) return 2;
  for (const [lo, hi] of WIDE) if (cp >= lo && cp <= hi) return 2;
  return ZERO.test(g) ? 0 : 1;
}

/** Columns `s` takes on a terminal (wide CJK and emoji count 2, combining marks 0). */
export function displayWidth(s: string): number {
  // Fast path: printable ASCII is one column a character.
  if (/^[\x20-\x7e]*$/.test(s)) return s.length;
  let w = 0;
  for (const { segment } of graphemes.segment(s)) w += clusterWidth(segment);
  return w;
}

/** `s` cut to at most `width` columns, ending in `…` when cut; never splits a grapheme. */
export function truncate(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let w = 0;
  for (const { segment } of graphemes.segment(s)) {
    const cw = clusterWidth(segment);
    if (w + cw > width - 1) break;
    out += segment;
    w += cw;
  }
  return `${out}…`;
}

// Control characters and bidi overrides in event data (a container chose them) are shown, not
// obeyed: a document must not move the cursor, recolour the terminal or reorder the line.
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function sanitize(s: string): string {
  return s.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

// ---- tables ---------------------------------------------------------------------------------

const GAP = 2;
const MIN_COL = 4;
/** A header is kept whole up to this width; a longer one (`orchestrator.resource.name`) may be cut. */
const MAX_HEAD_MIN = 12;

export interface Layout {
  /** Width of each column kept. */
  widths: number[];
  /** Columns kept, by index (those at the end are left out when even their minimum does not fit). */
  kept: number[];
}

/**
 * Column widths that fit `total` columns. Each column gets at least its minimum (its header up
 * to MAX_HEAD_MIN, at least MIN_COL, or its whole width when `keep`); what is left goes first to the columns that
 * need least, so narrow ones are never cut and the wide ones share the rest equally. When the
 * minimums alone do not fit, columns are left out from the right (never the first).
 */
export function fitWidths(
  natural: readonly number[],
  total: number,
  min: readonly number[] = natural.map((n) => Math.min(n, MIN_COL)),
): Layout {
  const all = natural.map((_, i) => i);
  const span = (idx: number[], w: readonly number[]) =>
    idx.reduce((a, i) => a + w[i]!, 0) + GAP * Math.max(0, idx.length - 1);
  if (span(all, natural) <= total) return { widths: [...natural], kept: all };
  const kept = [...all];
  while (kept.length > 1 && span(kept, min) > total) kept.pop();
  let room = total - span(kept, min);
  const widths = kept.map((i) => min[i]!);
  const order = kept
    .map((_, k) => k)
    .sort((a, b) => {
      const need = (k: number) => natural[kept[k]!]! - min[kept[k]!]!;
      return need(a) - need(b);
    });
  let left = order.length;
  for (const k of order) {
    const i = kept[k]!;
    const add = Math.max(0, Math.min(natural[i]! - min[i]!, Math.floor(room / left)));
    widths[k] = min[i]! + add;
    room -= add;
    left--;
  }
  return { widths, kept };
}

export interface TableOptions {
  /** Columns available (Infinity: no limit). */
  width?: number;
  /** Right-aligned columns (numbers), by index. */
  right?: readonly boolean[];
  /** Columns never cut (a timestamp), by index. */
  keep?: readonly boolean[];
  /** Told the headers of the columns left out for want of room. */
  onDrop?: (headers: string[]) => void;
}

/** An aligned table, header first; cells are sanitised and cut to fit. Ends with a newline. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  opts: TableOptions = {},
): string {
  const head = headers.map(sanitize);
  const body = rows.map((r) => headers.map((_, i) => sanitize(r[i] ?? '')));
  const natural = head.map((h, i) => Math.max(displayWidth(h), ...body.map((r) => displayWidth(r[i]!))));
  const min = natural.map((n, i) =>
    opts.keep?.[i] ? n : Math.min(n, Math.max(MIN_COL, Math.min(MAX_HEAD_MIN, displayWidth(head[i]!)))),
  );
  const { widths, kept } = fitWidths(natural, opts.width ?? Number.POSITIVE_INFINITY, min);
  if (kept.length < head.length) opts.onDrop?.(head.slice(kept.length));
  const line = (cells: readonly string[]): string => {
    const parts = kept.map((i, k) => {
      const w = widths[k]!;
      const t = truncate(cells[i]!, w);
      const pad = ' '.repeat(Math.max(0, w - displayWidth(t)));
      return opts.right?.[i] ? pad + t : t + pad;
    });
    return parts.join(' '.repeat(GAP)).trimEnd();
  };
  return `${[line(head), ...body.map(line)].join('\n')}\n`;
}

// CSV fields come from src/util (one quoting and formula guard for every CSV d4c writes).
export { csvField, csvHeader, csvRecord } from '../util/index.js';

// ---- values of documents --------------------------------------------------------------------

/**
 * The value at a dotted ECS path, whether the document nests (`{process: {name}}`), uses
 * dotted keys (`{"process.name": …}`, ES|QL rows) or mixes both; arrays of objects on the way
 * give the values of each element.
 */
export function getField(doc: unknown, path: string): unknown {
  if (doc === null || typeof doc !== 'object') return undefined;
  if (Array.isArray(doc)) {
    const vals = doc.map((d) => getField(d, path)).filter((v) => v !== undefined);
    return vals.length === 0 ? undefined : vals.flat();
  }
  const o = doc as Record<string, unknown>;
  if (Object.hasOwn(o, path)) return o[path];
  for (let i = path.indexOf('.'); i > 0; i = path.indexOf('.', i + 1)) {
    const head = path.slice(0, i);
    if (!Object.hasOwn(o, head)) continue;
    const v = getField(o[head], path.slice(i + 1));
    if (v !== undefined) return v;
  }
  return undefined;
}

const scalar = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** Argument lists read as a command line: `sh -c "echo hi"`. */
function shellWords(args: readonly unknown[]): string {
  return args
    .map((a) => {
      const s = scalar(a);
      return s === '' || /[\s"'\\]/.test(s) ? JSON.stringify(s) : s;
    })
    .join(' ');
}

/** A value as a table shows it: lists joined (`a, b`; `*.args` as a command line), objects as JSON. */
export function cellText(v: unknown, field = ''): string {
  if (Array.isArray(v)) {
    if (field.endsWith('.args')) return shellWords(v);
    return v.map((x) => scalar(x)).join(', ');
  }
  return scalar(v);
}

/** A value as CSV holds it: scalars as text, lists and objects as JSON (lossless). */
export function csvText(v: unknown): string {
  return scalar(v);
}
