// Query compilation: ECS dotted field names to SQL expressions (a promoted column, or a JSON
// path into `doc`), filters to parameterised predicates. Field names are checked against a
// strict pattern and every value is a bound parameter, so no input reaches the SQL text.
import { D4cError } from '../util/index.js';
import { STORE_CODES } from './codes.js';
import { type ColumnKind, PROMOTED_BY_NAME, quoteIdent, TABLE, toMicros } from './schema.js';

export type FilterOp = 'eq' | 'neq' | 'in' | 'prefix' | 'exists' | 'gt' | 'lt';
export type Scalar = string | number | boolean;

export interface Filter {
  field: string;
  op: FilterOp;
  value?: Scalar | readonly Scalar[];
}

/** A time bound: epoch milliseconds, an ISO-8601 string or a Date. */
export type TimeBound = number | string | Date;

export interface QueryOptions {
  /** Data stream names; `*` matches any run of characters (`logs-cloud_defend.*`). */
  streams?: readonly string[];
  /** Inclusive lower bound on `@timestamp`. */
  from?: TimeBound;
  /** Exclusive upper bound on `@timestamp`. */
  to?: TimeBound;
  filters?: readonly Filter[];
  /** Default 1000, at most 1,000,000. */
  limit?: number;
  /** By `@timestamp` (ties in ingest order). Default `asc`. */
  order?: 'asc' | 'desc';
}

export type MetricOp = 'count' | 'count_distinct' | 'min' | 'max';

export interface Metric {
  op: MetricOp;
  /** Required except for `count` (which then counts documents). */
  field?: string;
  /** Output key; default `op(field)` or `count`. */
  as?: string;
}

export interface AggregateOptions extends Omit<QueryOptions, 'order'> {
  groupBy: readonly string[];
  metrics: readonly Metric[];
}

export interface CompiledSql {
  sql: string;
  params: (string | number | boolean | bigint)[];
}

/** `@timestamp`, `process.parent.entity_id`, `file.Ext.original.path` … */
const FIELD_RE = /^@?[A-Za-z_][A-Za-z0-9_]*(?:\.@?[A-Za-z_][A-Za-z0-9_]*)*$/;
const STREAM_RE = /^[A-Za-z0-9*][A-Za-z0-9._*-]*$/;
const OPS: ReadonlySet<string> = new Set(['eq', 'neq', 'in', 'prefix', 'exists', 'gt', 'lt']);
const METRIC_OPS: ReadonlySet<string> = new Set(['count', 'count_distinct', 'min', 'max']);

const bad = (code: string, msg: string): D4cError => new D4cError(code, msg);

export function checkField(field: unknown): string {
  if (typeof field !== 'string' || field.length > 256 || !FIELD_RE.test(field)) {
    throw bad(
      STORE_CODES.badField.code,
      `invalid field name ${JSON.stringify(field)}: expected an ECS dotted name`,
    );
  }
  return field;
}

/** How a field is read: its SQL expression and kind (`json` for unpromoted fields). */
export interface FieldRef {
  expr: string;
  kind: ColumnKind | 'ts' | 'json';
  /** For `json`: the JSON path literal. */
  path?: string;
}

export function fieldRef(field: string): FieldRef {
  checkField(field);
  if (field === '@timestamp') return { expr: '"@timestamp"', kind: 'ts' };
  const p = PROMOTED_BY_NAME.get(field);
  if (p) return { expr: quoteIdent(p.name), kind: p.kind };
  // Segments match FIELD_RE, so they cannot contain quotes: safe inside the literal.
  const path = `'$.${field
    .split('.')
    .map((s) => `"${s}"`)
    .join('.')}'`;
  return { expr: `json_extract_string(doc, ${path})`, kind: 'json', path };
}

class Params {
  readonly values: CompiledSql['params'] = [];
  private readonly json = new Map<string, string>();
  add(v: string | number | boolean | bigint): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
  /** A column `jN` holding the JSON value at `path`, extracted once per row (see `from`). */
  jsonColumn(path: string): string {
    let alias = this.json.get(path);
    if (alias === undefined) {
      alias = `j${this.json.size}`;
      this.json.set(path, alias);
    }
    return alias;
  }
  /**
   * The FROM clause. Filters on unpromoted fields test a value extracted once per row in a
   * subquery: testing `doc` directly parses the document once per test (several per filter).
   */
  from(): string {
    if (this.json.size === 0) return TABLE;
    const cols = [...this.json].map(([path, alias]) => `json_extract(doc, ${path}) AS ${alias}`);
    return `(SELECT *, ${cols.join(', ')} FROM ${TABLE}) AS ${TABLE}`;
  }
}

export function timeMicros(v: TimeBound, what: string): bigint {
  const m = toMicros(v);
  if (m === null) throw bad(STORE_CODES.badTime.code, `invalid time for ${what}: ${JSON.stringify(v)}`);
  return m;
}

function scalar(v: unknown, field: string): Scalar {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw bad(STORE_CODES.badQuery.code, `invalid value for ${field}: ${JSON.stringify(v)}`);
}

/** The value bound for a comparison against a field of `kind`, with the SQL cast it needs. */
function bind(ps: Params, ref: FieldRef, v: Scalar, field: string): string {
  switch (ref.kind) {
    case 'ts':
      return `make_timestamp(${ps.add(timeMicros(typeof v === 'boolean' ? String(v) : v, field))}::BIGINT)`;
    case 'int':
      if (typeof v === 'number') return `${ps.add(v)}::DOUBLE`;
      if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return `${ps.add(Number(v))}::DOUBLE`;
      return 'NULL';
    case 'bool':
      if (typeof v === 'boolean') return `${ps.add(v)}::BOOLEAN`;
      if (v === 'true' || v === 'false') return `${ps.add(v === 'true')}::BOOLEAN`;
      return 'NULL';
    default:
      return `${ps.add(String(v))}::VARCHAR`;
  }
}

/** SQL for "the field equals / starts with / compares to v", list- and JSON-aware. */
function compare(
  ps: Params,
  ref: FieldRef,
  op: 'eq' | 'prefix' | 'gt' | 'lt',
  v: Scalar,
  field: string,
): string {
  if (ref.kind === 'json') {
    const path = ref.path as string;
    const num = typeof v === 'number' && op !== 'prefix';
    const p = num ? `${ps.add(v)}::DOUBLE` : `${ps.add(String(v))}::VARCHAR`;
    const cond = (x: string) => {
      if (op === 'prefix') return `starts_with(${x}, ${p})`;
      const lhs = num ? `TRY_CAST(${x} AS DOUBLE)` : x;
      return `${lhs} ${op === 'eq' ? '=' : op === 'gt' ? '>' : '<'} ${p}`;
    };
    const j = ps.jsonColumn(path);
    // An array matches when any element does, as a keyword field in Elasticsearch; an object never.
    return `(CASE json_type(${j}) WHEN 'ARRAY' THEN list_bool_or(list_transform(TRY_CAST(${j} AS VARCHAR[]), lambda x: ${cond('x')})) WHEN 'OBJECT' THEN false ELSE ${cond(`(${j} ->> '$')`)} END)`;
  }
  if (ref.kind === 'strlist') {
    const p = ps.add(String(v));
    if (op === 'eq') return `list_contains(${ref.expr}, ${p})`;
    if (op === 'prefix') return `list_bool_or(list_transform(${ref.expr}, lambda x: starts_with(x, ${p})))`;
    return `list_bool_or(list_transform(${ref.expr}, lambda x: x ${op === 'gt' ? '>' : '<'} ${p}))`;
  }
  if (op === 'prefix') {
    if (ref.kind !== 'str')
      throw bad(STORE_CODES.badQuery.code, `prefix needs a string field, ${field} is not`);
    return `starts_with(${ref.expr}, ${ps.add(String(v))})`;
  }
  const cmp = op === 'eq' ? '=' : op === 'gt' ? '>' : '<';
  return `(${ref.expr} ${cmp} ${bind(ps, ref, v, field)})`;
}

function filterSql(ps: Params, f: Filter): string {
  if (f === null || typeof f !== 'object') throw bad(STORE_CODES.badQuery.code, 'a filter must be an object');
  const ref = fieldRef(f.field);
  if (!OPS.has(f.op))
    throw bad(STORE_CODES.badQuery.code, `invalid filter op ${JSON.stringify(f.op)} on ${f.field}`);
  switch (f.op) {
    case 'exists':
      if (ref.kind === 'json')
        return `coalesce(json_type(${ps.jsonColumn(ref.path as string)}), 'NULL') <> 'NULL'`;
      if (ref.kind === 'strlist') return `coalesce(len(${ref.expr}), 0) > 0`;
      return `${ref.expr} IS NOT NULL`;
    case 'in': {
      const vs = Array.isArray(f.value) ? f.value : [f.value];
      if (vs.length === 0 || vs.length > 10_000)
        throw bad(STORE_CODES.badQuery.code, `"in" on ${f.field} needs 1 to 10000 values`);
      return `(${vs.map((v) => `coalesce(${compare(ps, ref, 'eq', scalar(v, f.field), f.field)}, false)`).join(' OR ')})`;
    }
    case 'neq':
      // As Elasticsearch's `NOT field:v`: documents without the field match.
      return `NOT coalesce(${compare(ps, ref, 'eq', scalar(f.value, f.field), f.field)}, false)`;
    default:
      return `coalesce(${compare(ps, ref, f.op, scalar(f.value, f.field), f.field)}, false)`;
  }
}

export function streamSql(ps: Params, streams: readonly string[]): string {
  if (!Array.isArray(streams) || streams.length === 0)
    throw bad(STORE_CODES.badStreams.code, 'streams must be a non-empty list');
  const parts = streams.map((s) => {
    if (typeof s !== 'string' || s.length > 200 || !STREAM_RE.test(s))
      throw bad(STORE_CODES.badStreams.code, `invalid data stream ${JSON.stringify(s)}`);
    if (!s.includes('*')) return `_stream = ${ps.add(s)}`;
    // LIKE with `\` escaping: the pattern has no `%`/`_` other than the ones we put in.
    const like = s
      .replaceAll('\\', '\\\\')
      .replaceAll('_', '\\_')
      .replaceAll('%', '\\%')
      .replaceAll('*', '%');
    return `_stream LIKE ${ps.add(like)} ESCAPE '\\'`;
  });
  return `(${parts.join(' OR ')})`;
}

function whereSql(ps: Params, o: Omit<QueryOptions, 'order' | 'limit'>): string {
  const conds: string[] = [];
  if (o.streams !== undefined) conds.push(streamSql(ps, o.streams));
  if (o.from !== undefined)
    conds.push(`"@timestamp" >= make_timestamp(${ps.add(timeMicros(o.from, 'from'))}::BIGINT)`);
  if (o.to !== undefined)
    conds.push(`"@timestamp" < make_timestamp(${ps.add(timeMicros(o.to, 'to'))}::BIGINT)`);
  if (o.filters !== undefined) {
    if (!Array.isArray(o.filters)) throw bad(STORE_CODES.badQuery.code, 'filters must be a list');
    for (const f of o.filters) conds.push(filterSql(ps, f));
  }
  return conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
}

function limitOf(limit: number | undefined, dflt: number): number {
  const n = limit ?? dflt;
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
    throw bad(
      STORE_CODES.badLimit.code,
      `invalid limit ${JSON.stringify(limit)}: expected an integer from 1 to 1000000`,
    );
  return n;
}

/** Selects the `_seq` of matching events in result order; the store then fetches their documents. */
export function compileQuery(o: QueryOptions): CompiledSql {
  const ps = new Params();
  const where = whereSql(ps, o);
  if (o.order !== undefined && o.order !== 'asc' && o.order !== 'desc')
    throw bad(STORE_CODES.badQuery.code, `invalid order ${JSON.stringify(o.order)}`);
  const dir = o.order === 'desc' ? 'DESC' : 'ASC';
  const limit = limitOf(o.limit, 1000);
  return {
    sql: `SELECT _seq FROM ${ps.from()}${where} ORDER BY "@timestamp" ${dir}, _seq ${dir} LIMIT ${limit}`,
    params: ps.values,
  };
}

export interface CompiledAggregate extends CompiledSql {
  /** Output names, in column order (group fields, then metrics). */
  keys: string[];
  /** Outputs returned as JSON text (min/max of unpromoted fields). */
  jsonKeys: ReadonlySet<string>;
}

export function metricName(m: Metric): string {
  if (m.as !== undefined) return m.as;
  return m.field === undefined ? m.op : `${m.op}(${m.field})`;
}

/**
 * Group-by over fields; a list-valued group field (promoted list) puts a document in one bucket
 * per element, like a terms aggregation. Buckets are ordered by the first metric, descending.
 */
export function compileAggregate(o: AggregateOptions): CompiledAggregate {
  if (!Array.isArray(o.groupBy) || !Array.isArray(o.metrics) || o.metrics.length === 0)
    throw bad(STORE_CODES.badQuery.code, 'aggregate needs groupBy (a list) and at least one metric');
  if (o.groupBy.length > 16 || o.metrics.length > 32)
    throw bad(STORE_CODES.badQuery.code, 'too many groupBy fields or metrics');
  const ps = new Params();
  const inner: string[] = [];
  const groups: string[] = [];
  const keys: string[] = [];
  const jsonKeys = new Set<string>();
  o.groupBy.forEach((g, i) => {
    const ref = fieldRef(g);
    inner.push(`${ref.kind === 'strlist' ? `unnest(${ref.expr})` : ref.expr} AS g${i}`);
    groups.push(`g${i}`);
    keys.push(g);
  });
  const outs: string[] = [];
  o.metrics.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || !METRIC_OPS.has(m.op))
      throw bad(STORE_CODES.badQuery.code, `invalid metric ${JSON.stringify(m)}`);
    if (m.as !== undefined && (typeof m.as !== 'string' || m.as.length === 0 || m.as.length > 200))
      throw bad(STORE_CODES.badQuery.code, `invalid metric name ${JSON.stringify(m.as)}`);
    if (m.field === undefined) {
      if (m.op !== 'count') throw bad(STORE_CODES.badQuery.code, `metric ${m.op} needs a field`);
      outs.push(`count(*) AS m${i}`);
    } else {
      const ref = fieldRef(m.field);
      inner.push(`${ref.expr} AS f${i}`);
      const f = `f${i}`;
      // An unpromoted field has no type: min/max are numeric when every value is a number.
      const fn =
        m.op === 'count'
          ? `count(${f})`
          : m.op === 'count_distinct'
            ? `count(DISTINCT ${f})`
            : ref.kind === 'json'
              ? `CASE WHEN count(TRY_CAST(${f} AS DOUBLE)) = count(${f}) THEN to_json(${m.op}(TRY_CAST(${f} AS DOUBLE))) ELSE to_json(${m.op}(${f})) END`
              : `${m.op}(${f})`;
      if (ref.kind === 'json' && (m.op === 'min' || m.op === 'max')) jsonKeys.add(metricName(m));
      outs.push(`${fn} AS m${i}`);
    }
    keys.push(metricName(m));
  });
  const where = whereSql(ps, o);
  const limit = limitOf(o.limit, 10_000);
  const innerSql = `SELECT ${inner.length ? inner.join(', ') : '1 AS one'} FROM ${ps.from()}${where}`;
  const groupSql = groups.length ? ` GROUP BY ${groups.join(', ')}` : '';
  const sel = [...groups, ...outs].join(', ');
  return {
    sql: `SELECT ${sel} FROM (${innerSql})${groupSql} ORDER BY m0 DESC${groups.length ? `, ${groups.join(', ')}` : ''} LIMIT ${limit}`,
    params: ps.values,
    keys,
    jsonKeys,
  };
}

export { Params };
