// The reference ES|QL evaluator: runs a pipeline over documents in memory.

import { leafPaths } from '../common/fields.js';
import { compileLuceneRegex, type StringMatcher } from '../common/lucene-regex.js';
import type { Command, Expr, Pipeline, Span } from './ast.js';
import { ESQL_CODES as C, EsqlError, type EsqlWarning } from './errors.js';
import { addSpan, FUNCTIONS, likeMatcher, truncDate } from './functions.js';
import { walk } from './parser.js';
import { cmp, key, norm, out, type Scalar, type Value, values } from './values.js';

export type Row = Record<string, Value>;

export interface EsqlResult {
  columns: string[];
  /** Rows as plain JSON-able objects (column → value; dates as ISO strings). */
  rows: Record<string, unknown>[];
  warnings: EsqlWarning[];
}

export interface EsqlOptions {
  /** NOW(); fixed for the whole query. */
  now?: Date;
  /** Limit when the query has no LIMIT of its own (Elasticsearch: 1000). */
  defaultLimit?: number;
  /** Upper bound of any LIMIT (Elasticsearch: 10000). */
  maxLimit?: number;
}

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;

/** Fields read as dates (ECS date fields d4c writes). */
export const DATE_FIELD = /^@timestamp$|(^|\.)(created|ingested|start|end)$/;

const isPattern = (p: string): boolean => p.includes('*');
export function patternRe(p: string): RegExp {
  return new RegExp(
    `^${p
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

/** The stream name of a document from `data_stream.*`, or null (then every FROM pattern matches it). */
export function streamOf(doc: unknown): string | null {
  const ds = (doc as { data_stream?: Record<string, unknown> } | null)?.data_stream;
  if (!ds || typeof ds !== 'object') return null;
  const { type, dataset, namespace } = ds;
  return typeof type === 'string' && typeof dataset === 'string' && typeof namespace === 'string'
    ? `${type}-${dataset}-${namespace}`
    : null;
}

export function checkIndices(p: Pipeline): void {
  for (const i of p.indices) {
    if (i.includes(':'))
      throw new EsqlError(C.unsupported, `remote cluster index '${i}' is not supported`, 5);
  }
}

/**
 * Static column check, shared by both execution paths: once the columns are known (after STATS,
 * or KEEP without wildcards), a reference to any other column is an error, as in Elasticsearch.
 * Before that the columns are the documents' fields, unknown until run time: missing ones read null.
 */
export function checkColumns(p: Pipeline): void {
  let cols: string[] | null = null;
  const ref = (e: Expr): void =>
    walk(e, (x) => {
      if (x.k === 'field' && cols !== null && !cols.includes(x.name))
        throw new EsqlError(C.unknownColumn, `unknown column [${x.name}]`, x.at);
    });
  const known = (name: string, at: number): void => {
    if (cols !== null && !cols.includes(name))
      throw new EsqlError(C.unknownColumn, `unknown column [${name}]`, at);
  };
  for (const c of p.commands) {
    switch (c.c) {
      case 'where':
        ref(c.cond);
        break;
      case 'eval':
        for (const f of c.fields) {
          ref(f.expr);
          if (cols !== null) cols = [...cols.filter((x) => x !== f.name), f.name];
        }
        break;
      case 'stats':
        for (const f of [...c.aggs, ...c.by]) ref(f.expr);
        cols = [...c.aggs.map((a) => a.name), ...c.by.map((b) => b.name)];
        break;
      case 'keep':
        if (cols !== null) {
          const cur: string[] = cols;
          for (const pat of c.patterns) if (!isPattern(pat)) known(pat, c.at);
          cols = keepCols(cur, c.patterns);
        } else if (!c.patterns.some(isPattern)) cols = [...new Set(c.patterns)];
        break;
      case 'drop':
        if (cols !== null) {
          for (const pat of c.patterns) if (!isPattern(pat)) known(pat, c.at);
          cols = dropCols(cols, c.patterns);
        }
        break;
      case 'rename':
        for (const [from, to] of c.pairs) {
          known(from, c.at);
          if (cols !== null) cols = cols.filter((x) => x !== to).map((x) => (x === from ? to : x));
        }
        break;
      case 'sort':
        for (const k of c.keys) ref(k.expr);
        break;
      case 'mv_expand':
        known(c.field, c.at);
        break;
      default:
        break;
    }
  }
}

export function keepCols(cols: readonly string[], patterns: readonly string[]): string[] {
  const outc: string[] = [];
  for (const p of patterns) {
    const re = patternRe(p);
    for (const c of cols) if (re.test(c) && !outc.includes(c)) outc.push(c);
  }
  return outc;
}

export function dropCols(cols: readonly string[], patterns: readonly string[]): string[] {
  const res = patterns.map(patternRe);
  return cols.filter((c) => !res.some((r) => r.test(c)));
}

/** A document as an ES|QL row: its leaf fields by dotted name (dates parsed). */
export function docRow(doc: unknown, stream: string | null, metadata: readonly string[]): Row {
  const row: Row = Object.create(null);
  for (const [path, v] of leafPaths(doc)) {
    const prev = row[path];
    const nv = norm(v, DATE_FIELD.test(path));
    // The same dotted field written twice (nested and flattened): values merge.
    row[path] = prev === undefined || prev === null ? nv : norm([...values(prev), ...values(nv)]);
  }
  for (const m of metadata) row[m] = m === '_index' ? stream : null;
  return row;
}

export class Evaluator {
  readonly warnings: EsqlWarning[] = [];
  private readonly warned = new Set<string>();
  private readonly now: Date;
  private readonly regex = new Map<Expr, StringMatcher>();
  constructor(opts: EsqlOptions = {}) {
    this.now = opts.now ?? new Date();
  }

  warn(at: number, message: string): void {
    const k = `${at}:${message}`;
    if (this.warned.has(k) || this.warnings.length >= 20) return;
    this.warned.add(k);
    this.warnings.push({ offset: at, message });
  }

  /** WHERE semantics: true only (null and false drop the row). */
  test(e: Expr, row: Row): boolean {
    return this.eval(e, row) === true;
  }

  eval(e: Expr, row: Row): Value {
    switch (e.k) {
      case 'lit':
        return e.v;
      case 'span':
        throw new EsqlError(C.badType, 'a time span is only allowed in date arithmetic and DATE_TRUNC', e.at);
      case 'field': {
        const v = row[e.name];
        return v === undefined ? null : v;
      }
      case 'neg': {
        const v = this.single(this.eval(e.e, row), e.at);
        return typeof v === 'number' ? z(-v) : null;
      }
      case 'not': {
        const v = this.single(this.eval(e.e, row), e.at);
        return typeof v === 'boolean' ? !v : null;
      }
      case 'isnull': {
        const v = this.eval(e.e, row);
        return e.neg ? v !== null : v === null;
      }
      case 'in': {
        const v = this.single(this.eval(e.e, row), e.at);
        if (v === null) return null;
        let sawNull = false;
        for (const x of e.list) {
          const w = this.single(this.eval(x, row), x.at);
          if (w === null) sawNull = true;
          else if (cmp(v, w) === 0) return !e.neg;
        }
        return sawNull ? null : e.neg;
      }
      case 'like': {
        const v = this.single(this.eval(e.e, row), e.at);
        if (typeof v !== 'string') return null;
        let re = this.regex.get(e);
        if (!re) {
          re = e.regex ? compileLuceneRegex(e.pattern, false) : likeMatcher(e.pattern);
          this.regex.set(e, re);
        }
        return re.test(v) !== e.neg;
      }
      case 'bin':
        return this.bin(e, row);
      case 'call':
        return this.call(e, row);
    }
  }

  /** A multi-value where a single value is needed: null with a warning. */
  private single(v: Value, at: number): Scalar | null {
    if (Array.isArray(v)) {
      this.warn(at, 'single-value function encountered multi-value');
      return null;
    }
    return v;
  }

  private bin(e: Extract<Expr, { k: 'bin' }>, row: Row): Value {
    if (e.op === 'and' || e.op === 'or') {
      const l = this.single(this.eval(e.l, row), e.l.at);
      const r = this.single(this.eval(e.r, row), e.r.at);
      const lb = typeof l === 'boolean' ? l : null;
      const rb = typeof r === 'boolean' ? r : null;
      if (e.op === 'and')
        return lb === false || rb === false ? false : lb === null || rb === null ? null : true;
      return lb === true || rb === true ? true : lb === null || rb === null ? null : false;
    }
    if ((e.op === '+' || e.op === '-') && (e.r.k === 'span' || e.l.k === 'span')) {
      const span = (e.r.k === 'span' ? e.r.span : (e.l as { span: Span }).span) as Span;
      const d = this.single(this.eval(e.r.k === 'span' ? e.l : e.r, row), e.at);
      if (!(d instanceof Date)) return null;
      if (e.l.k === 'span' && e.op === '-')
        throw new EsqlError(C.badType, 'cannot subtract a date from a time span', e.at);
      return addSpan(d, span, e.op === '-' ? -1 : 1);
    }
    const l = this.single(this.eval(e.l, row), e.l.at);
    const r = this.single(this.eval(e.r, row), e.r.at);
    if (l === null || r === null) return null;
    switch (e.op) {
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const c = cmp(l, r);
        if (c === null) return null;
        return e.op === '=='
          ? c === 0
          : e.op === '!='
            ? c !== 0
            : e.op === '<'
              ? c < 0
              : e.op === '<='
                ? c <= 0
                : e.op === '>'
                  ? c > 0
                  : c >= 0;
      }
      default: {
        if (typeof l !== 'number' || typeof r !== 'number') return null;
        // `z`: no negative zero (SQL and JSON have none).
        if (e.op === '+') return z(l + r);
        if (e.op === '-') return z(l - r);
        if (e.op === '*') return z(l * r);
        const ints = Number.isInteger(l) && Number.isInteger(r) && !isDouble(e.l) && !isDouble(e.r);
        if (r === 0) {
          this.warn(e.at, e.op === '/' ? 'division by zero' : 'modulo by zero');
          return null;
        }
        if (e.op === '/') return z(ints ? Math.trunc(l / r) : l / r);
        return z(l % r);
      }
    }
  }

  private call(e: Extract<Expr, { k: 'call' }>, row: Row): Value {
    if (e.name === 'case') {
      const a = e.args;
      for (let i = 0; i + 1 < a.length; i += 2) {
        const c = this.single(this.eval(a[i] as Expr, row), (a[i] as Expr).at);
        if (c === true) return this.eval(a[i + 1] as Expr, row);
      }
      return a.length % 2 === 1 ? this.eval(a[a.length - 1] as Expr, row) : null;
    }
    if (e.name === 'date_trunc') {
      const span = (e.args[0] as Extract<Expr, { k: 'span' }>).span;
      const d = this.single(this.eval(e.args[1] as Expr, row), e.at);
      return d instanceof Date ? truncDate(d, span) : null;
    }
    const spec = FUNCTIONS[e.name];
    if (!spec?.impl)
      throw new EsqlError(C.aggregate, `${e.name.toUpperCase()} is an aggregate: only in STATS`, e.at);
    const args = e.args.map((a) => this.eval(a, row));
    return spec.impl(args, (m) => this.warn(e.at, m), { now: this.now });
  }

  /** One aggregate over the rows of a group. */
  aggregate(e: Expr, rows: readonly Row[]): Value {
    if (e.k !== 'call') throw new EsqlError(C.aggregate, 'expected an aggregate', e.at);
    if (e.star) return rows.length;
    const all: Scalar[] = [];
    for (const r of rows) for (const v of values(this.eval(e.args[0] as Expr, r))) all.push(v);
    switch (e.name) {
      case 'count':
        return all.length;
      case 'count_distinct':
        return new Set(all.map(key)).size;
      case 'values': {
        const seen = new Map<string, Scalar>();
        for (const v of all) seen.set(key(v), v);
        const vs = [...seen.values()].sort((a, b) => cmp(a, b) ?? 0);
        return vs.length === 0 ? null : vs.length === 1 ? (vs[0] as Scalar) : vs;
      }
      case 'min':
      case 'max': {
        let best: Scalar | null = null;
        for (const v of all) {
          const c = best === null ? 0 : cmp(v, best);
          if (best === null || (c !== null && (e.name === 'min' ? c < 0 : c > 0))) best = v;
        }
        return best;
      }
      case 'sum':
      case 'avg': {
        const nums = all.filter((v): v is number => typeof v === 'number');
        if (nums.length === 0) return null;
        const s = nums.reduce((a, b) => a + b, 0);
        return e.name === 'sum' ? s : s / nums.length;
      }
      default:
        throw new EsqlError(C.aggregate, `${e.name.toUpperCase()} is not an aggregate`, e.at);
    }
  }
}

/** Runs a parsed pipeline over documents (already filtered by time, if asked). */
export function runPipeline(p: Pipeline, docs: Iterable<unknown>, opts: EsqlOptions = {}): EsqlResult {
  checkIndices(p);
  checkColumns(p);
  const ev = new Evaluator(opts);
  const res = p.indices.map(patternRe);
  let rows: Row[] = [];
  const colSet = new Set<string>();
  for (const d of docs) {
    const s = streamOf(d);
    if (s !== null && !res.some((r) => r.test(s))) continue;
    const row = docRow(d, s, p.metadata);
    for (const k in row) colSet.add(k);
    rows.push(row);
  }
  for (const m of p.metadata) if (m !== '_index') ev.warn(0, `METADATA ${m} is not supported (reads null)`);
  let cols = [...colSet].sort();
  const maxLimit = opts.maxLimit ?? MAX_LIMIT;
  for (const c of p.commands) [rows, cols] = step(ev, c, rows, cols, maxLimit);
  if (!p.explicitLimit) rows = rows.slice(0, Math.min(opts.defaultLimit ?? DEFAULT_LIMIT, maxLimit));
  return {
    columns: cols,
    rows: rows.map((r) => {
      const o: Record<string, unknown> = {};
      for (const c of cols) o[c] = out(r[c] ?? null);
      return o;
    }),
    warnings: ev.warnings,
  };
}

function step(ev: Evaluator, c: Command, rows: Row[], cols: string[], maxLimit: number): [Row[], string[]] {
  switch (c.c) {
    case 'where':
      return [rows.filter((r) => ev.test(c.cond, r)), cols];
    case 'eval': {
      let nc = cols;
      for (const f of c.fields) nc = [...nc.filter((x) => x !== f.name), f.name];
      return [
        rows.map((r) => {
          const o: Row = { ...r };
          for (const f of c.fields) o[f.name] = ev.eval(f.expr, o);
          return o;
        }),
        nc,
      ];
    }
    case 'stats':
      return [stats(ev, c, rows), [...c.aggs.map((a) => a.name), ...c.by.map((b) => b.name)]];
    case 'keep':
      return [rows, keepCols(cols, c.patterns)];
    case 'drop':
      return [rows, dropCols(cols, c.patterns)];
    case 'rename': {
      let nc = cols;
      let nr = rows;
      for (const [from, to] of c.pairs) {
        nc = nc.filter((x) => x !== to).map((x) => (x === from ? to : x));
        nr = nr.map((r) => {
          const o: Row = { ...r };
          o[to] = r[from] ?? null;
          delete o[from];
          return o;
        });
      }
      return [nr, nc];
    }
    case 'sort':
      return [sortRows(ev, c.keys, rows), cols];
    case 'limit':
      return [rows.slice(0, Math.min(c.n, maxLimit)), cols];
    case 'mv_expand': {
      const outRows: Row[] = [];
      for (const r of rows) {
        const v = r[c.field] ?? null;
        if (Array.isArray(v)) for (const x of v) outRows.push({ ...r, [c.field]: x });
        else outRows.push(r);
      }
      return [outRows, cols];
    }
  }
}

function stats(ev: Evaluator, c: Extract<Command, { c: 'stats' }>, rows: Row[]): Row[] {
  const groups = new Map<string, { keys: (Scalar | null)[]; rows: Row[] }>();
  for (const r of rows) {
    // A multi-valued BY value puts the row in one group per value (Elasticsearch semantics).
    let combos: (Scalar | null)[][] = [[]];
    for (const b of c.by) {
      const vs = values(ev.eval(b.expr, r));
      const opts: (Scalar | null)[] = vs.length === 0 ? [null] : vs;
      combos = combos.flatMap((k) => opts.map((v) => [...k, v]));
    }
    for (const k of combos) {
      const id = k.map(key).join('\u0000');
      let g = groups.get(id);
      if (!g) {
        g = { keys: k, rows: [] };
        groups.set(id, g);
      }
      g.rows.push(r);
    }
  }
  if (c.by.length === 0 && groups.size === 0) groups.set('', { keys: [], rows: [] });
  const outRows: Row[] = [];
  for (const g of groups.values()) {
    const o: Row = {};
    for (const a of c.aggs) o[a.name] = ev.aggregate(a.expr, g.rows);
    c.by.forEach((b, i) => {
      o[b.name] = g.keys[i] ?? null;
    });
    outRows.push(o);
  }
  return outRows;
}

function sortRows(ev: Evaluator, keys: Extract<Command, { c: 'sort' }>['keys'], rows: Row[]): Row[] {
  // Multi-values sort by their minimum ascending, by their maximum descending (Elasticsearch).
  const decorated = rows.map((r, i) => ({
    r,
    i,
    k: keys.map((k) => {
      const vs = values(ev.eval(k.expr, r));
      if (vs.length === 0) return null;
      return vs.reduce((a, b) => ((cmp(b, a) ?? 0) * (k.desc ? -1 : 1) < 0 ? b : a));
    }),
  }));
  decorated.sort((a, b) => {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j] as (typeof keys)[number];
      const x = a.k[j] ?? null;
      const y = b.k[j] ?? null;
      if (x === null && y === null) continue;
      if (x === null) return k.nullsFirst ? -1 : 1;
      if (y === null) return k.nullsFirst ? 1 : -1;
      const c = cmp(x, y) ?? cmpMixed(x, y);
      if (c !== 0) return k.desc ? -c : c;
    }
    return a.i - b.i;
  });
  return decorated.map((d) => d.r);
}

const cmpMixed = (x: Scalar, y: Scalar): number => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0);

/** Statically a double (ES|QL types integer division by its operands' types, not their values). */
function isDouble(e: Expr): boolean {
  switch (e.k) {
    case 'lit':
      return typeof e.v === 'number' && e.int !== true;
    case 'neg':
      return isDouble(e.e);
    case 'bin':
      return ['+', '-', '*', '/', '%'].includes(e.op) && (isDouble(e.l) || isDouble(e.r));
    case 'call':
      return e.name === 'avg';
    default:
      return false;
  }
}

const z = (n: number): number => (n === 0 ? 0 : n);
