// The NDJSON path (`append: 'json'`): the batch goes to DuckDB as text, one line per document
// (`index \x01 stream \x01 micros \x01 json [\x01 source json]`) in a temporary file in the store
// directory, and one `INSERT … SELECT … FROM read_csv(…)` fills the promoted columns in C++
// (`json_extract` of every promoted path in one parse per document). JS keeps what needs the
// object: the checks, `JSON.stringify`, and `@timestamp` (Date.parse semantics). The SQL below
// re-expresses the coercions of schema.ts (toStr/toInt/toBool/toStrList and the flattened-key
// fallback); chunk.test.ts checks that both store identical rows.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { admit, cleanSurrogates, type PrepareLimits, type Queued, timestampMicros } from './prepare.js';
import { type ColumnKind, PROMOTED, type PromotedField, quoteIdent, TABLE } from './schema.js';

/** A batch as NDJSON-like text, ready to be written to a file. */
export interface JsonBatch {
  text: string;
  /** Documents in it. */
  count: number;
  /** Longest line in UTF-16 units (bounds its UTF-8 bytes at 3×). */
  maxLine: number;
  dropped: string[];
  fixed: string[];
}

const SEP = '\x01';

/**
 * Lines for `batch`; drops and repairs as `prepare()` counts them. `source` (5th field) is the
 * document's untruncated JSON when it was truncated: the rows path reads promoted values from
 * the object, before truncation, and so must this path.
 */
export function prepareJson(batch: readonly Queued[], nowMicros: bigint, limits: PrepareLimits): JsonBatch {
  const lines: string[] = [];
  const dropped: string[] = [];
  const fixed: string[] = [];
  let maxLine = 0;
  for (const q of batch) {
    const fixedBefore = fixed.length;
    const admitted = admit(q, limits, dropped, fixed);
    if (admitted === undefined) continue;
    const { doc, json } = admitted;
    let source = '';
    if (fixed.lastIndexOf('truncated') >= fixedBefore) {
      // The rows path reads promoted values from the object, before truncation: carry its full JSON.
      const full = JSON.stringify(doc);
      source = cleanSurrogates(full);
      if (source !== full && fixed.lastIndexOf('invalid_utf16') < fixedBefore) fixed.push('invalid_utf16');
    }
    const ts = timestampMicros(doc, nowMicros, fixed);
    const line = `${lines.length}${SEP}${q.stream}${SEP}${ts}${SEP}${json}${source ? SEP + source : ''}`;
    if (line.length > maxLine) maxLine = line.length;
    lines.push(line);
  }
  return { text: lines.length ? `${lines.join('\n')}\n` : '', count: lines.length, maxLine, dropped, fixed };
}

// ---- SQL: the coercions of schema.ts over JSON values -------------------------------------------

// Measured (docs/store.md): a cheaper-looking form — the first character of a value's JSON for
// its type and `json_extract_string` of every path for its text, instead of `json_type` and
// `->>` per value — cost more CPU (32 against 25 µs per document for the whole INSERT).

/** A JSON value with leading arrays unwrapped to their first element (toStr/toInt/toBool recurse so). */
const unwrap = (v: string) =>
  `CASE WHEN json_type(${v}) = 'ARRAY' THEN json_extract(${v}, '$' || repeat('[0]', length(${v}::VARCHAR) - length(ltrim(${v}::VARCHAR, '[')))) ELSE ${v} END`;

/**
 * toStr of an unwrapped value: strings, numbers and booleans as text; null, objects: NULL.
 * Doubles: DuckDB writes the shortest round-trip form as JS does, but `1e21` where JS has `1e+21`.
 */
const strOf = (u: string) =>
  `CASE json_type(${u}) WHEN 'VARCHAR' THEN ${u}->>'$' WHEN 'BIGINT' THEN ${u}::VARCHAR WHEN 'UBIGINT' THEN ${u}::VARCHAR WHEN 'DOUBLE' THEN regexp_replace(${u}::VARCHAR, 'e([0-9])', 'e+\\1') WHEN 'BOOLEAN' THEN ${u}::VARCHAR END`;

/** toInt: safe integers; strings of 1–18 ASCII digits with an optional minus. */
const intOf = (u: string) =>
  `CASE json_type(${u}) WHEN 'BIGINT' THEN CASE WHEN abs(${u}::BIGINT) <= 9007199254740991 THEN ${u}::BIGINT END WHEN 'UBIGINT' THEN CASE WHEN ${u}::UBIGINT <= 9007199254740991 THEN ${u}::BIGINT END WHEN 'VARCHAR' THEN CASE WHEN regexp_full_match(${u}->>'$', '-?[0-9]{1,18}') THEN (${u}->>'$')::BIGINT END END`;

/** toBool: booleans and the strings 'true'/'false'. */
const boolOf = (u: string) =>
  `CASE json_type(${u}) WHEN 'BOOLEAN' THEN ${u}::BOOLEAN WHEN 'VARCHAR' THEN CASE ${u}->>'$' WHEN 'true' THEN true WHEN 'false' THEN false END END`;

/** toStrList: an array's elements by toStr (NULLs left out); a scalar as a one-element list. */
const listOf = (v: string) =>
  `CASE WHEN json_type(${v}) = 'ARRAY' THEN list_filter(list_transform(json_extract(${v}, '$[*]'), x -> ${strOf(unwrap('x'))}), x -> x IS NOT NULL) WHEN ${strOf(v)} IS NOT NULL THEN [${strOf(v)}] END`;

const CONVERT: Record<ColumnKind, (k: number) => string> = {
  str: (k) => strOf(`w${k}`),
  int: (k) => intOf(`w${k}`),
  bool: (k) => boolOf(`w${k}`),
  strlist: (k) => listOf(`v${k}`),
};

/** JSON path of a dotted name, nested (`$."process"."pid"`) and as one flattened key (`$."process.pid"`). */
const jsonKey = (k: string) => `"${k.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
const sqlStr = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The column's value from a raw JSON value expression `v` (nested path, else flattened key). */
function convertSql(kind: ColumnKind, v: string): string {
  if (kind === 'strlist') return listOf(v);
  const u = unwrap(v);
  return kind === 'str' ? strOf(u) : kind === 'int' ? intOf(u) : boolOf(u);
}

const pathsOf = (name: string) => [
  sqlStr(`$.${name.split('.').map(jsonKey).join('.')}`),
  sqlStr(`$.${jsonKey(name)}`),
];

/**
 * Fills columns added to an existing store (a newer version promoted them) from each row's
 * `doc`, with the same coercions as ingest, so old rows answer queries on them as new rows do.
 * Documents truncated at ingest give what their stored (truncated) JSON holds.
 */
export function backfillSql(fields: readonly PromotedField[]): string {
  const paths = fields.flatMap((f) => pathsOf(f.name));
  const set = fields.map((f, k) => `${quoteIdent(f.name)} = src.c${k}`);
  const conv = fields.map(
    (f, k) => `${convertSql(f.kind, `coalesce(e[${2 * k + 1}], e[${2 * k + 2}])`)} AS c${k}`,
  );
  return `UPDATE ${TABLE} SET ${set.join(', ')}
FROM (SELECT _seq, ${conv.join(', ')} FROM (SELECT _seq, json_extract(doc, [${paths.join(', ')}]) AS e FROM ${TABLE})) AS src
WHERE ${TABLE}._seq = src._seq`;
}

/** Where the lines are: a batch file (and its longest line in bytes), or the statement's `$1`. */
export type LineSource = { file: string; maxLineBytes: number } | 'param';

function linesSql(src: LineSource): string {
  if (src === 'param')
    return `(SELECT f[1]::BIGINT AS i, f[2] AS s, f[3]::BIGINT AS t, f[4] AS d, f[5] AS x FROM (
    SELECT string_split(l, chr(1)) AS f FROM (SELECT unnest(string_split($1::VARCHAR, chr(10))) AS l)) WHERE len(f) >= 4)`;
  const lineMax = Math.max(2 << 20, src.maxLineBytes + 64);
  const buffer = Math.max(32 << 20, 2 * lineMax);
  return `read_csv(${sqlStr(src.file)}, delim = '${SEP}', quote = '', escape = '', header = false, auto_detect = false,
    new_line = '\\n', max_line_size = ${lineMax}, buffer_size = ${buffer}, null_padding = true,
    columns = {'i': 'BIGINT', 's': 'VARCHAR', 't': 'BIGINT', 'd': 'VARCHAR', 'x': 'VARCHAR'})`;
}

/**
 * The INSERT for one batch. Values are matched to table columns by name (a column promoted
 * later is last in the table). `seq0` is the first row's `_seq`.
 */
export function insertSql(src: LineSource, seq0: bigint): string {
  const paths = PROMOTED.flatMap((f) => pathsOf(f.name));
  // v: the raw value per field (nested, else the flattened key); w: leading arrays unwrapped.
  const raw = PROMOTED.map((_, k) => `coalesce(e[${2 * k + 1}], e[${2 * k + 2}]) AS v${k}`);
  const unwrapped = PROMOTED.flatMap((f, k) => (f.kind === 'strlist' ? [] : [`${unwrap(`v${k}`)} AS w${k}`]));
  const out = PROMOTED.map((f, k) => CONVERT[f.kind](k));
  return `INSERT INTO ${TABLE} (_seq, _stream, "@timestamp", ${PROMOTED.map((f) => quoteIdent(f.name)).join(', ')}, doc)
SELECT ${seq0}::BIGINT + i, s, make_timestamp(t), ${out.join(', ')}, d::JSON
FROM (SELECT *, ${unwrapped.join(', ')} FROM (SELECT i, s, t, d, ${raw.join(', ')} FROM (
  SELECT i, s, t, d, json_extract(coalesce(x, d), [${paths.join(', ')}]) AS e
  FROM ${linesSql(src)})))`;
}

/** Batch files are named so; `open()` removes any left by a crash (never committed: their batch is lost, as documented). */
export const BATCH_FILE = /^ingest-\d+-\d+\.tmp$/;

export function batchFile(dir: string, n: number): string {
  return join(dir, `ingest-${process.pid}-${n}.tmp`);
}

export function removeStaleBatchFiles(dir: string): void {
  for (const name of readdirSync(dir)) if (BATCH_FILE.test(name)) rmSync(join(dir, name), { force: true });
}
