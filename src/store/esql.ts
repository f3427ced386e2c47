// ES|QL to DuckDB SQL over the store's `events` table. One subquery per command; `__o` carries
// row order (ingest order `_seq`, replaced by SORT) so LIMIT and output order match the in-memory
// evaluator. What cannot be translated exactly throws NoSql, and runOnStore falls back to
// fetching documents (with translatable leading WHERE conditions pushed down) and evaluating
// them in memory with the reference evaluator.
import {
  checkColumns,
  checkIndices,
  DEFAULT_LIMIT,
  dateDiffUnit,
  ESQL_CODES,
  EsqlError,
  type EsqlOptions,
  type EsqlResult,
  type EsqlExpr as Expr,
  MAX_LIMIT,
  type Pipeline,
  runPipeline,
  type EsqlSpan as Span,
} from '../rules/index.js';
import { D4cError } from '../util/index.js';
import { type CompiledSql, Params, streamSql, type TimeBound, timeMicros } from './query.js';
import { PROMOTED_BY_NAME, quoteIdent, TABLE } from './schema.js';
import type { EventStore } from './store.js';

// `strlist`: a promoted list column or VALUES of strings (multi-valued); `list`: other VALUES.
type T = 'str' | 'int' | 'dbl' | 'bool' | 'date' | 'null' | 'strlist' | 'list';
interface S {
  sql: string;
  t: T;
}

/** Not translatable exactly: the caller evaluates in memory instead. */
export class NoSql extends Error {
  override name = 'NoSql';
}
const no = (why: string): never => {
  throw new NoSql(why);
};

interface Scope {
  open: boolean;
  cols: Map<string, T>;
}

const SCALAR: Record<string, T> = { str: 'str', int: 'int', bool: 'bool' };
const num = (t: T): boolean => t === 'int' || t === 'dbl';

class Tx {
  constructor(
    readonly ps: Params,
    readonly now: Date,
  ) {}

  /**
   * A column. In a single-value context (operands of operators and scalar functions) a list
   * reads as its one element, or null when it has none or several: Elasticsearch's result for a
   * multi-value there (which also warns).
   */
  field(name: string, sc: Scope, sv = false): S {
    const s = this.column(name, sc);
    if (!sv || (s.t !== 'strlist' && s.t !== 'list')) return s;
    if (s.t === 'list') return no('multi-valued column in a single-value context');
    return { sql: `(CASE WHEN len(${s.sql}) = 1 THEN ${s.sql}[1] END)`, t: 'str' };
  }

  private column(name: string, sc: Scope): S {
    const t = sc.cols.get(name);
    if (t !== undefined) return { sql: quoteIdent(name), t };
    if (!sc.open) return no(`unknown column ${name}`);
    if (name === '@timestamp') return { sql: '"@timestamp"', t: 'date' };
    const p = PROMOTED_BY_NAME.get(name);
    if (p?.kind === 'strlist') return { sql: quoteIdent(name), t: 'strlist' };
    const st = p ? SCALAR[p.kind] : undefined;
    return st ? { sql: quoteIdent(name), t: st } : no(`field ${name} is not a scalar column`);
  }

  dateLit(s: string, at: number): string {
    try {
      return `make_timestamp(${this.ps.add(timeMicros(s, 'date'))}::BIGINT)`;
    } catch {
      return no(`not a date: ${at}`);
    }
  }

  /** `sv`: a single-value context (see field()). */
  expr(e: Expr, sc: Scope, sv = true): S {
    switch (e.k) {
      case 'lit':
        if (e.v === null) return { sql: 'NULL', t: 'null' };
        if (typeof e.v === 'string') return { sql: `${this.ps.add(e.v)}::VARCHAR`, t: 'str' };
        if (typeof e.v === 'boolean') return { sql: `${this.ps.add(e.v)}::BOOLEAN`, t: 'bool' };
        return e.int && Number.isSafeInteger(e.v)
          ? { sql: `${this.ps.add(BigInt(e.v))}::BIGINT`, t: 'int' }
          : { sql: `${this.ps.add(e.v)}::DOUBLE`, t: 'dbl' };
      case 'span':
        return no('span');
      case 'field':
        return this.field(e.name, sc, sv);
      case 'neg': {
        const x = this.expr(e.e, sc);
        return num(x.t) ? { sql: `(-${x.sql})`, t: x.t } : no('neg');
      }
      case 'not': {
        const x = this.expr(e.e, sc);
        return x.t === 'bool' || x.t === 'null' ? { sql: `(NOT ${x.sql})`, t: 'bool' } : no('not');
      }
      case 'isnull': {
        const x = this.expr(e.e, sc, false);
        if (x.t === 'strlist' || x.t === 'list') {
          const isNull = `(${x.sql} IS NULL OR len(${x.sql}) = 0)`;
          return { sql: e.neg ? `(NOT ${isNull})` : isNull, t: 'bool' };
        }
        return { sql: `(${x.sql} IS ${e.neg ? 'NOT ' : ''}NULL)`, t: 'bool' };
      }
      case 'in': {
        const x = this.expr(e.e, sc);
        const items = e.list.map((i) => this.coerceTo(i, x.t, sc));
        return { sql: `(${x.sql} ${e.neg ? 'NOT ' : ''}IN (${items.join(', ')}))`, t: 'bool' };
      }
      case 'like': {
        if (e.regex) return no('rlike');
        const x = this.expr(e.e, sc);
        if (x.t !== 'str') return no('like on non-string');
        return {
          sql: `(${x.sql} ${e.neg ? 'NOT ' : ''}LIKE ${this.ps.add(likeToSql(e.pattern))} ESCAPE '\\')`,
          t: 'bool',
        };
      }
      case 'bin':
        return this.bin(e, sc);
      case 'call':
        return this.call(e, sc);
    }
  }

  /** An operand compared with a value of type t (a string literal against a date is a date). */
  private coerceTo(e: Expr, t: T, sc: Scope): string {
    if (t === 'date' && e.k === 'lit' && typeof e.v === 'string') return this.dateLit(e.v, e.at);
    const x = this.expr(e, sc);
    if (x.t === 'null' || x.t === t || (num(x.t) && num(t))) return x.sql;
    return no('type mismatch');
  }

  private bin(e: Extract<Expr, { k: 'bin' }>, sc: Scope): S {
    if (e.op === 'and' || e.op === 'or') {
      const l = this.expr(e.l, sc);
      const r = this.expr(e.r, sc);
      if (![l.t, r.t].every((t) => t === 'bool' || t === 'null')) return no('and/or');
      return { sql: `(${l.sql} ${e.op.toUpperCase()} ${r.sql})`, t: 'bool' };
    }
    if ((e.op === '+' || e.op === '-') && e.r.k === 'span') {
      const d = this.expr(e.l, sc);
      if (d.t !== 'date') return no('span arithmetic');
      return { sql: `(${d.sql} ${e.op} ${this.interval(e.r.span)})`, t: 'date' };
    }
    if (e.op === '+' && e.l.k === 'span') {
      const d = this.expr(e.r, sc);
      if (d.t !== 'date') return no('span arithmetic');
      return { sql: `(${d.sql} + ${this.interval(e.l.span)})`, t: 'date' };
    }
    if (['==', '!=', '<', '<=', '>', '>='].includes(e.op)) {
      let l: S;
      let r: string;
      if (e.l.k === 'lit' && typeof e.l.v === 'string' && e.r.k !== 'lit') {
        const rr = this.expr(e.r, sc);
        l = { sql: this.coerceTo(e.l, rr.t, sc), t: rr.t };
        r = rr.sql;
      } else {
        l = this.expr(e.l, sc);
        r = this.coerceTo(e.r, l.t, sc);
      }
      if (l.t === 'list') return no('list');
      const op = e.op === '==' ? '=' : e.op === '!=' ? '<>' : e.op;
      return { sql: `(${l.sql} ${op} ${r})`, t: 'bool' };
    }
    const l = this.expr(e.l, sc);
    const r = this.expr(e.r, sc);
    // Null either side: null, but both operands stay in the SQL (their parameters are bound).
    if (l.t === 'null' || r.t === 'null')
      return { sql: `(CASE WHEN ${l.sql} IS NULL OR ${r.sql} IS NULL THEN NULL END)`, t: 'null' };
    if (!num(l.t) || !num(r.t)) return no('arithmetic');
    const t: T = l.t === 'int' && r.t === 'int' ? 'int' : 'dbl';
    if (e.op === '/') {
      const q = t === 'int' ? `trunc(${l.sql}::DOUBLE / ${r.sql})::BIGINT` : `(${l.sql} / ${r.sql})`;
      return { sql: `(CASE WHEN ${r.sql} = 0 THEN NULL ELSE ${q} END)`, t };
    }
    if (e.op === '%') return { sql: `(CASE WHEN ${r.sql} = 0 THEN NULL ELSE ${l.sql} % ${r.sql} END)`, t };
    return { sql: `(${l.sql} ${e.op} ${r.sql})`, t };
  }

  private interval(s: Span): string {
    if (!Number.isInteger(s.ms) || !Number.isInteger(s.months)) return no('fractional span');
    return `to_milliseconds(${this.ps.add(BigInt(s.ms))}::BIGINT) + to_months(${this.ps.add(s.months)}::INTEGER)`;
  }

  private call(e: Extract<Expr, { k: 'call' }>, sc: Scope): S {
    const a = (i: number): S => this.expr(e.args[i] as Expr, sc);
    // Arguments taken as they are (a multi-value stays one): CASE values, COALESCE, TO_STRING, MV_*.
    const mv = (i: number): S => this.expr(e.args[i] as Expr, sc, false);
    const strFn = (f: (x: string) => string): S => {
      const x = a(0);
      return x.t === 'str' || x.t === 'null' ? { sql: f(x.sql), t: 'str' } : no(e.name);
    };
    switch (e.name) {
      case 'case': {
        let sql = 'CASE';
        let t: T = 'null';
        const add = (x: S): string => {
          if (x.t === 'list' || x.t === 'strlist') no('list');
          if (t === 'null') t = x.t;
          else if (x.t !== 'null' && x.t !== t) no('case types');
          return x.sql;
        };
        let i = 0;
        for (; i + 1 < e.args.length; i += 2) {
          const c = a(i);
          if (c.t !== 'bool' && c.t !== 'null') no('case condition');
          sql += ` WHEN ${c.sql} THEN ${add(mv(i + 1))}`;
        }
        if (i < e.args.length) sql += ` ELSE ${add(mv(i))}`;
        return { sql: `(${sql} END)`, t };
      }
      case 'coalesce': {
        const xs = e.args.map((_, i) => mv(i));
        const t = xs.find((x) => x.t !== 'null')?.t ?? 'null';
        if (xs.some((x) => x.t !== 'null' && x.t !== t) || t === 'list' || t === 'strlist')
          return no('coalesce types');
        return { sql: `coalesce(${xs.map((x) => x.sql).join(', ')})`, t };
      }
      case 'to_lower':
        return strFn((x) => `lower(${x})`);
      case 'to_upper':
        return strFn((x) => `upper(${x})`);
      case 'to_string': {
        const x = mv(0);
        if (x.t === 'str' || x.t === 'null') return { sql: x.sql, t: x.t };
        if (x.t === 'date') return { sql: `strftime(${x.sql}, '%Y-%m-%dT%H:%M:%S.%gZ')`, t: 'str' };
        if (x.t === 'int' || x.t === 'bool') return { sql: `CAST(${x.sql} AS VARCHAR)`, t: 'str' };
        return no('to_string');
      }
      case 'replace': {
        const to = e.args[2];
        if (!(to?.k === 'lit' && typeof to.v === 'string' && !/[$\\]/.test(to.v))) return no('replace');
        const re = e.args[1];
        if (!(re?.k === 'lit' && typeof re.v === 'string')) return no('replace');
        const s = a(0);
        if (s.t !== 'str') return no('replace');
        return { sql: `regexp_replace(${s.sql}, ${a(1).sql}, ${a(2).sql}, 'g')`, t: 'str' };
      }
      case 'starts_with':
      case 'ends_with': {
        const x = a(0);
        const y = a(1);
        if (x.t !== 'str' || y.t !== 'str') return no(e.name);
        return {
          sql: `${e.name === 'starts_with' ? 'starts_with' : 'suffix'}(${x.sql}, ${y.sql})`,
          t: 'bool',
        };
      }
      case 'length':
        return { sql: `length(${strFn((x) => x).sql})::BIGINT`, t: 'int' };
      case 'substring': {
        const x = a(0);
        const st = e.args[1];
        const ln = e.args[2];
        if (
          x.t !== 'str' ||
          !(
            st?.k === 'lit' &&
            typeof st.v === 'number' &&
            st.v >= 1 &&
            e.args[1] &&
            (st as { int?: boolean }).int
          )
        )
          return no('substring');
        if (ln && !(ln.k === 'lit' && typeof ln.v === 'number' && ln.v >= 0 && ln.int))
          return no('substring');
        return { sql: `substring(${x.sql}, ${a(1).sql}${ln ? `, ${a(2).sql}` : ''})`, t: 'str' };
      }
      case 'concat': {
        const xs = e.args.map((_, i) => a(i));
        if (!xs.every((x) => x.t === 'str')) return no('concat');
        return { sql: `(${xs.map((x) => x.sql).join(' || ')})`, t: 'str' };
      }
      case 'date_trunc': {
        const span = (e.args[0] as Extract<Expr, { k: 'span' }>).span;
        const d = a(1);
        if (d.t !== 'date') return no('date_trunc');
        if (span.months === 0 && span.ms > 0 && Number.isInteger(span.ms))
          return {
            sql: `time_bucket(to_milliseconds(${this.ps.add(BigInt(span.ms))}::BIGINT), ${d.sql}, TIMESTAMP '1970-01-01')`,
            t: 'date',
          };
        const unit = span.ms === 0 ? { 1: 'month', 3: 'quarter', 12: 'year' }[span.months] : undefined;
        return unit ? { sql: `date_trunc('${unit}', ${d.sql})`, t: 'date' } : no('date_trunc span');
      }
      case 'date_diff': {
        const u = dateDiffUnit((e.args[0] as { v: string }).v);
        const x = a(1);
        const y = a(2);
        if (u === undefined || x.t !== 'date' || y.t !== 'date') return no('date_diff');
        return { sql: `trunc((epoch_ms(${y.sql}) - epoch_ms(${x.sql}))::DOUBLE / ${u})::BIGINT`, t: 'int' };
      }
      case 'now':
        return {
          sql: `make_timestamp(${this.ps.add(BigInt(this.now.getTime()) * 1000n)}::BIGINT)`,
          t: 'date',
        };
      case 'mv_count': {
        const x = mv(0);
        return x.t === 'list' || x.t === 'strlist'
          ? no('mv on list')
          : { sql: `(CASE WHEN ${x.sql} IS NULL THEN NULL ELSE 1 END)::BIGINT`, t: 'int' };
      }
      case 'mv_first':
      case 'mv_last':
      case 'mv_min':
      case 'mv_max':
      case 'mv_dedupe': {
        const x = mv(0);
        return x.t === 'list' || x.t === 'strlist' ? no('mv on list') : x;
      }
      case 'mv_concat': {
        const x = mv(0);
        const d = a(1);
        return x.t === 'str' && d.t === 'str'
          ? { sql: `(CASE WHEN ${d.sql} IS NULL THEN NULL ELSE ${x.sql} END)`, t: 'str' }
          : no('mv_concat');
      }
      default:
        return no(e.name);
    }
  }

  agg(e: Expr, sc: Scope): S {
    if (e.k !== 'call') return no('agg');
    if (e.star) return { sql: 'count(*)', t: 'int' };
    const x = this.expr(e.args[0] as Expr, sc, false);
    if (x.t === 'list' || x.t === 'strlist') return no('aggregate over a multi-valued column');
    switch (e.name) {
      case 'count':
        return { sql: `count(${x.sql})`, t: 'int' };
      case 'count_distinct':
        return { sql: `count(DISTINCT ${x.sql})`, t: 'int' };
      case 'values':
        return { sql: `list_sort(list_distinct(list(${x.sql})))`, t: x.t === 'str' ? 'strlist' : 'list' };
      case 'min':
      case 'max':
        return { sql: `${e.name}(${x.sql})`, t: x.t };
      case 'sum':
        return num(x.t)
          ? { sql: `CAST(sum(${x.sql}) AS ${x.t === 'int' ? 'BIGINT' : 'DOUBLE'})`, t: x.t }
          : no('sum');
      case 'avg':
        return num(x.t) ? { sql: `avg(${x.sql})`, t: 'dbl' } : no('avg');
      default:
        return no(e.name);
    }
  }
}

/** ES|QL LIKE (`*`, `?`, `\` escapes) to SQL LIKE with `\` as escape. */
function likeToSql(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '\\' && i + 1 < p.length) {
      const n = p[++i] as string;
      out += n === '%' || n === '_' || n === '\\' ? `\\${n}` : n;
    } else if (c === '*') out += '%';
    else if (c === '?') out += '_';
    else if (c === '%' || c === '_') out += `\\${c}`;
    else out += c;
  }
  return out;
}

export interface Range {
  from?: TimeBound;
  to?: TimeBound;
  /**
   * Leave out the detection alerts rules wrote (`cloud_defend.detection`): a scheduled rule over
   * `logs-*` must not read its own alerts back (each would raise a new one at the next run).
   */
  excludeDetections?: boolean;
}

function baseWhere(ps: Params, p: Pipeline, r: Range): string[] {
  const conds = [streamSql(ps, p.indices)];
  if (r.from !== undefined)
    conds.push(`"@timestamp" >= make_timestamp(${ps.add(timeMicros(r.from, 'from'))}::BIGINT)`);
  if (r.to !== undefined)
    conds.push(`"@timestamp" < make_timestamp(${ps.add(timeMicros(r.to, 'to'))}::BIGINT)`);
  if (r.excludeDetections) conds.push(`json_extract(doc, '$.cloud_defend.detection') IS NULL`);
  return conds;
}

const RESERVED = /^(_|doc$|__o$)/;

/** The whole pipeline as one SQL query (columns in ES|QL order), or NoSql. */
export function translate(p: Pipeline, opts: EsqlOptions & Range = {}): CompiledSql & { columns: string[] } {
  checkIndices(p);
  checkColumns(p);
  if (p.metadata.length > 0) no('metadata');
  const ps = new Params();
  const tx = new Tx(ps, opts.now ?? new Date());
  const maxLimit = opts.maxLimit ?? MAX_LIMIT;
  let sql = `SELECT *, _seq AS __o FROM ${TABLE} WHERE ${baseWhere(ps, p, opts).join(' AND ')}`;
  let sc: Scope = { open: true, cols: new Map() };
  let order: string[] = [];
  const project = (cols: [string, S][]): void => {
    sql = `SELECT __o, ${cols.map(([n, s]) => `${s.sql} AS ${quoteIdent(n)}`).join(', ')} FROM (${sql})`;
    sc = { open: false, cols: new Map(cols.map(([n, s]) => [n, s.t])) };
    order = cols.map(([n]) => n);
  };
  const current = (): [string, S][] => order.map((n) => [n, { sql: quoteIdent(n), t: sc.cols.get(n) as T }]);
  for (const c of p.commands) {
    switch (c.c) {
      case 'where': {
        const x = tx.expr(c.cond, sc);
        if (x.t !== 'bool' && x.t !== 'null') no('where type');
        sql = `SELECT * FROM (${sql}) WHERE ${x.sql}`;
        break;
      }
      case 'eval':
        for (const f of c.fields) {
          if (RESERVED.test(f.name) || (sc.open && PROMOTED_BY_NAME.has(f.name)) || f.name === '@timestamp')
            no('eval name');
          const x = tx.expr(f.expr, sc, false);
          if (sc.open) {
            const had = sc.cols.has(f.name);
            sql = had
              ? `SELECT * REPLACE (${x.sql} AS ${quoteIdent(f.name)}) FROM (${sql})`
              : `SELECT *, ${x.sql} AS ${quoteIdent(f.name)} FROM (${sql})`;
            sc.cols.set(f.name, x.t);
          } else project([...current().filter(([n]) => n !== f.name), [f.name, x]]);
        }
        break;
      case 'stats': {
        const by = c.by.map((b) => [b.name, tx.expr(b.expr, sc, false)] as [string, S]);
        const aggs = c.aggs.map((a) => [a.name, tx.agg(a.expr, sc)] as [string, S]);
        if (by.some(([, s]) => s.t === 'list' || s.t === 'strlist')) no('BY a multi-valued column');
        const cols = [...aggs, ...by];
        sql = `SELECT min(__o) AS __o, ${cols.map(([n, s]) => `${s.sql} AS ${quoteIdent(n)}`).join(', ')} FROM (${sql})${by.length ? ` GROUP BY ${by.map(([, s]) => s.sql).join(', ')}` : ''}`;
        sc = { open: false, cols: new Map(cols.map(([n, s]) => [n, s.t])) };
        order = cols.map(([n]) => n);
        break;
      }
      case 'keep': {
        if (sc.open) {
          if (c.patterns.some((x) => x.includes('*'))) no('keep pattern on open columns');
          project([...new Set(c.patterns)].map((n) => [n, tx.field(n, sc)]));
        } else {
          const res = c.patterns.map(
            (x) =>
              new RegExp(
                `^${x
                  .split('*')
                  .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
                  .join('.*')}$`,
              ),
          );
          const kept: string[] = [];
          for (const re of res) for (const n of order) if (re.test(n) && !kept.includes(n)) kept.push(n);
          project(kept.map((n) => [n, { sql: quoteIdent(n), t: sc.cols.get(n) as T }]));
        }
        break;
      }
      case 'drop': {
        if (sc.open) no('drop on open columns');
        const res = c.patterns.map(
          (x) =>
            new RegExp(
              `^${x
                .split('*')
                .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
                .join('.*')}$`,
            ),
        );
        project(current().filter(([n]) => !res.some((r) => r.test(n))));
        break;
      }
      case 'rename': {
        if (sc.open) no('rename on open columns');
        let cols = current();
        for (const [from, to] of c.pairs) {
          const s = cols.find(([n]) => n === from)?.[1] as S;
          cols = cols.filter(([n]) => n !== to).map(([n, x]) => (n === from ? [to, s] : [n, x]));
        }
        project(cols);
        break;
      }
      case 'sort': {
        const keys = c.keys.map((k) => {
          const x = tx.expr(k.expr, sc, false);
          if (x.t === 'list' || x.t === 'strlist') no('SORT by a multi-valued column');
          return `${x.sql} ${k.desc ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`;
        });
        sql = `SELECT * REPLACE (row_number() OVER (ORDER BY ${[...keys, '__o'].join(', ')}) AS __o) FROM (${sql})`;
        break;
      }
      case 'limit':
        sql = `SELECT * FROM (${sql}) ORDER BY __o LIMIT ${Math.min(c.n, maxLimit)}`;
        break;
      case 'mv_expand': {
        const t = tx.field(c.field, sc).t;
        if (t === 'list' || t === 'strlist') no('MV_EXPAND of a multi-valued column');
        break; // a scalar column is never multi-valued: nothing to expand
      }
    }
  }
  if (sc.open) no('open columns at the end (no KEEP/STATS)');
  const limit = p.explicitLimit ? maxLimit : Math.min(opts.defaultLimit ?? DEFAULT_LIMIT, maxLimit);
  const cols = order.map(quoteIdent).join(', ');
  const text = `SELECT ${cols} FROM (${sql}) ORDER BY __o LIMIT ${limit}`;
  // Every bound value must be referenced (DuckDB refuses extra parameters): a translation bug
  // here falls back to the evaluator rather than failing the query.
  const used = new Set([...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  for (let i = 1; i <= ps.values.length; i++) if (!used.has(i)) no(`internal: parameter $${i} unused`);
  return { sql: text, params: ps.values, columns: order };
}

/** Leading WHERE conditions that translate (each top-level AND conjunct), for the fallback's fetch. */
function pushdown(p: Pipeline, tx: Tx): string[] {
  const conds: string[] = [];
  const sc: Scope = { open: true, cols: new Map() };
  const conj = (e: Expr): Expr[] => (e.k === 'bin' && e.op === 'and' ? [...conj(e.l), ...conj(e.r)] : [e]);
  for (const c of p.commands) {
    if (c.c !== 'where') break;
    for (const e of conj(c.cond)) {
      const bound = tx.ps.values.length;
      try {
        const x = tx.expr(e, sc);
        if (x.t === 'bool') conds.push(x.sql);
        else tx.ps.values.length = bound;
      } catch (err) {
        if (!(err instanceof NoSql)) throw err;
        tx.ps.values.length = bound; // parameters of a condition not used
      }
    }
  }
  return conds;
}

export interface StoreRunInfo {
  /** `sql`: the whole query ran in DuckDB; `memory`: documents were fetched and evaluated here. */
  path: 'sql' | 'memory';
  /** Why the query was not translated (for `memory`). */
  reason?: string;
  /** Documents fetched for in-memory evaluation. */
  fetched?: number;
}

/** Most documents the in-memory fallback reads from the store. */
export const FALLBACK_MAX_DOCS = 1_000_000;

const normOut = (v: unknown): unknown =>
  Array.isArray(v) ? (v.length === 0 ? null : v.length === 1 ? v[0] : v) : v;

/**
 * A statement over the store; DuckDB's own failures (an integer overflow, an interval out of
 * range, out of memory, a value out of a parameter's range) become the query's positioned error
 * (D4C-ESQL-018, at the query's start: SQL errors have no place in the ES|QL text).
 */
async function storeSql(
  store: Pick<EventStore, 'sql'>,
  text: string,
  params: Parameters<EventStore['sql']>[1],
): ReturnType<EventStore['sql']> {
  try {
    return await store.sql(text, params);
  } catch (e) {
    if (e instanceof D4cError) throw e;
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]?.trim() ?? '';
    throw new EsqlError(ESQL_CODES.storeFailed, `the store could not evaluate the query: ${msg}`, 0);
  }
}

export interface StoreRunOptions extends EsqlOptions, Range {
  forceMemory?: boolean;
  /** Most documents the in-memory fallback reads (default FALLBACK_MAX_DOCS). */
  fallbackMaxDocs?: number;
  /** Documents per read of the in-memory fallback (default 10,000). */
  pageSize?: number;
  /** Awaited before each read (the query server: backpressure, a yield). */
  onPage?: () => Promise<void>;
}

export async function runOnStore(
  store: Pick<EventStore, 'sql'>,
  p: Pipeline,
  opts: StoreRunOptions = {},
): Promise<EsqlResult & { info: StoreRunInfo }> {
  const cap = opts.fallbackMaxDocs ?? FALLBACK_MAX_DOCS;
  const now = opts.now ?? new Date();
  let reason = 'forced';
  if (!opts.forceMemory) {
    try {
      const q = translate(p, { ...opts, now });
      const rows = await storeSql(store, q.sql, q.params);
      return {
        columns: q.columns,
        rows: rows.map((r) => {
          const o: Record<string, unknown> = {};
          for (const c of q.columns) o[c] = normOut(r[c] ?? null);
          return o;
        }),
        warnings: [],
        info: { path: 'sql' },
      };
    } catch (e) {
      if (!(e instanceof NoSql)) throw e;
      reason = e.message;
    }
  }
  checkIndices(p);
  checkColumns(p);
  const ps = new Params();
  const tx = new Tx(ps, now);
  const conds = [...baseWhere(ps, p, opts), ...pushdown(p, tx)];
  // Read in pages (keyset on `_seq`): whoever runs the store's reads holds one page of
  // documents at a time, not the whole fallback (the query server reads on the agent's thread
  // and evaluates in a worker).
  const page = Math.max(1, opts.pageSize ?? 10_000);
  const base = ps.values.length;
  const docs: unknown[] = [];
  let after: bigint | null = null;
  // One more than the cap is read to know whether the cap cut anything.
  let capped = false;
  while (!capped) {
    await opts.onPage?.();
    ps.values.length = base;
    const where = after === null ? conds : [...conds, `_seq > ${ps.add(after)}::BIGINT`];
    const n = Math.min(page, cap + 1 - docs.length);
    const rows = await storeSql(
      store,
      `SELECT _seq::VARCHAR AS s, doc FROM ${TABLE} WHERE ${where.join(' AND ')} ORDER BY _seq LIMIT ${n}`,
      ps.values,
    );
    for (const r of rows) {
      if (docs.length === cap) capped = true;
      else docs.push(JSON.parse(String(r.doc)) as unknown);
    }
    const last = rows.at(-1);
    if (rows.length < n || last === undefined) break;
    after = BigInt(String(last.s));
  }
  const res = runPipeline(p, docs, { ...opts, now });
  if (capped)
    res.warnings.push({
      offset: 0,
      message: `only the first ${cap} matching documents were read (the query does not run as SQL: ${reason}); the result covers those`,
    });
  return { ...res, info: { path: 'memory', reason, fetched: docs.length } };
}

export { EsqlError };
