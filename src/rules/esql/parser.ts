// ES|QL parser: `FROM … | command | …` to a Pipeline. Precedence (low to high): OR, AND, NOT,
// comparison / LIKE / RLIKE / IN / IS NULL, + -, * / %, unary minus.

import { compileLuceneRegex } from '../common/lucene-regex.js';
import {
  AGGREGATES,
  type BinOp,
  type Command,
  type Expr,
  type Named,
  type Pipeline,
  type SortKey,
  type Span,
} from './ast.js';
import { ESQL_CODES as C, EsqlError } from './errors.js';
import { compileReplaceRegex, FUNCTIONS } from './functions.js';
import { Lexer, type Tok } from './lexer.js';

const MAX_DEPTH = 200;
// Each command becomes a nested SELECT over the store and each column a SQL expression: a few
// thousand `BY` columns exhaust DuckDB's memory. Far above real queries, refused while parsing.
const MAX_COMMANDS = 100;
const MAX_LIST = 128;
const UNITS: Record<string, Span> = {};
for (const [names, ms, months] of [
  [['millisecond', 'milliseconds', 'ms'], 1, 0],
  [['second', 'seconds', 'sec', 's'], 1000, 0],
  [['minute', 'minutes', 'min'], 60_000, 0],
  [['hour', 'hours', 'h'], 3_600_000, 0],
  [['day', 'days', 'd'], 86_400_000, 0],
  [['week', 'weeks', 'w'], 7 * 86_400_000, 0],
  [['month', 'months', 'mo'], 0, 1],
  [['quarter', 'quarters', 'q'], 0, 3],
  [['year', 'years', 'yr', 'y'], 0, 12],
] as const) {
  for (const n of names) UNITS[n] = { ms, months };
}
const UNSUPPORTED_CMDS = new Set([
  'dissect',
  'grok',
  'enrich',
  'lookup',
  'row',
  'show',
  'meta',
  'inlinestats',
  'metrics',
  'fork',
  'change_point',
  'completion',
  'sample',
  'rerank',
  'join',
  'lookup_join',
  'explain',
]);
const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'is',
  'null',
  'in',
  'like',
  'rlike',
  'true',
  'false',
  'by',
  'as',
  'asc',
  'desc',
  'nulls',
]);
const INDEX_CHARS = /[A-Za-z0-9._*:-]/;
const COLUMN_CHARS = /[A-Za-z0-9._@*]/;

export function parseEsql(src: string): Pipeline {
  return new Parser(src).pipeline();
}

class Parser {
  private lx: Lexer;
  private tok: Tok;
  private depth = 0;
  constructor(private readonly src: string) {
    this.lx = new Lexer(src);
    this.tok = this.lx.next();
  }

  private advance(): Tok {
    const t = this.tok;
    this.tok = this.lx.next();
    return t;
  }
  private isKw(kw: string): boolean {
    return this.tok.t === 'id' && !this.tok.quoted && this.tok.v.toLowerCase() === kw;
  }
  private isOp(op: string): boolean {
    return this.tok.t === 'op' && this.tok.v === op;
  }
  private fail(what: string, t: Tok = this.tok): never {
    const got = t.t === 'eof' ? 'end of query' : `'${this.src.slice(t.at, t.end)}'`;
    throw new EsqlError(C.unexpectedToken, `expected ${what}, got ${got}`, t.at);
  }
  private expectOp(op: string): Tok {
    if (!this.isOp(op)) this.fail(`'${op}'`);
    return this.advance();
  }
  private expectKw(kw: string): void {
    if (!this.isKw(kw)) this.fail(kw.toUpperCase());
    this.advance();
  }
  /** Re-reads from a raw position (after a pattern was consumed directly from the source). */
  private resync(): void {
    this.tok = this.lx.next();
  }
  private rewind(): void {
    this.lx.pos = this.tok.at;
  }

  pipeline(): Pipeline {
    if (!this.isKw('from')) {
      if (this.tok.t === 'id' && UNSUPPORTED_CMDS.has(this.tok.v.toLowerCase()))
        throw new EsqlError(
          C.unsupported,
          `source command ${this.tok.v.toUpperCase()} is not supported (only FROM)`,
          this.tok.at,
        );
      this.fail('FROM');
    }
    this.rewind();
    this.lx.pos = this.tok.end;
    const indices: string[] = [];
    for (;;) {
      const p = this.lx.pattern(INDEX_CHARS);
      if (!p) {
        this.resync();
        this.fail('an index pattern');
      }
      indices.push(p.v);
      this.lx.ws();
      if (this.lx.src[this.lx.pos] !== ',') break;
      this.lx.pos++;
    }
    this.resync();
    const metadata: string[] = [];
    if (this.isKw('metadata')) {
      this.advance();
      do {
        if (this.tok.t !== 'id') this.fail('a metadata field');
        metadata.push(String(this.advance().v));
      } while (this.isOp(',') && this.advance());
    }
    const commands: Command[] = [];
    while (this.isOp('|')) {
      const bar = this.advance();
      if (commands.length >= MAX_COMMANDS)
        throw new EsqlError(C.tooManyColumns, `a query has at most ${MAX_COMMANDS} commands`, bar.at);
      commands.push(this.command());
    }
    if (this.tok.t !== 'eof') this.fail("'|' or end of query");
    return { indices, metadata, commands, explicitLimit: commands.at(-1)?.c === 'limit' };
  }

  private command(): Command {
    const t = this.tok;
    if (t.t !== 'id') this.fail('a command');
    const at = t.at;
    const name = t.v.toLowerCase();
    switch (name) {
      case 'where':
        this.advance();
        return { c: 'where', cond: this.expr(), at };
      case 'eval':
        this.advance();
        return { c: 'eval', fields: this.namedList(false), at };
      case 'stats': {
        this.advance();
        const aggs = this.isKw('by') ? [] : this.namedList(true);
        let by: Named[] = [];
        if (this.isKw('by')) {
          this.advance();
          by = this.namedList(false);
        }
        if (aggs.length === 0 && by.length === 0) this.fail('an aggregation or BY');
        return { c: 'stats', aggs, by, at };
      }
      case 'keep':
      case 'drop': {
        this.lx.pos = t.end;
        const patterns: string[] = [];
        for (;;) {
          const p = this.lx.pattern(COLUMN_CHARS);
          if (!p) {
            this.resync();
            this.fail('a column name or pattern');
          }
          patterns.push(p.v);
          this.lx.ws();
          if (this.lx.src[this.lx.pos] !== ',') break;
          this.lx.pos++;
        }
        this.resync();
        return { c: name, patterns, at };
      }
      case 'rename': {
        this.advance();
        const pairs: [string, string][] = [];
        do {
          const from = this.column();
          if (this.isOp('=')) {
            // `new = old` (newer Elasticsearch syntax)
            this.advance();
            pairs.push([this.column(), from]);
          } else {
            this.expectKw('as');
            pairs.push([from, this.column()]);
          }
        } while (this.isOp(',') && this.advance());
        return { c: 'rename', pairs, at };
      }
      case 'sort': {
        this.advance();
        const keys: SortKey[] = [];
        do {
          const expr = this.expr();
          let desc = false;
          if (this.isKw('asc')) this.advance();
          else if (this.isKw('desc')) {
            this.advance();
            desc = true;
          }
          // Elasticsearch: nulls last ascending, first descending, unless told.
          let nullsFirst = desc;
          if (this.isKw('nulls')) {
            this.advance();
            if (this.isKw('first')) nullsFirst = true;
            else if (this.isKw('last')) nullsFirst = false;
            else this.fail('FIRST or LAST');
            this.advance();
          }
          if (keys.length >= MAX_LIST)
            throw new EsqlError(C.tooManyColumns, `a command takes at most ${MAX_LIST} columns`, expr.at);
          keys.push({ expr, desc, nullsFirst });
        } while (this.isOp(',') && this.advance());
        return { c: 'sort', keys, at };
      }
      case 'limit': {
        this.advance();
        const n = this.tok;
        if (n.t !== 'num' || !n.int)
          throw new EsqlError(C.badLimit, 'LIMIT takes a non-negative integer', n.at);
        this.advance();
        return { c: 'limit', n: n.v, at };
      }
      case 'mv_expand':
        this.advance();
        return { c: 'mv_expand', field: this.column(), at };
      default:
        if (UNSUPPORTED_CMDS.has(name) || /^[a-z_]+$/.test(name))
          throw new EsqlError(C.unsupported, `command ${t.v.toUpperCase()} is not supported`, at);
        this.fail('a command');
    }
  }

  private column(): string {
    if (this.tok.t !== 'id') this.fail('a column name');
    return String(this.advance().v);
  }

  /** `name = expr` or `expr` (named by its source text), comma separated. */
  private namedList(aggs: boolean): Named[] {
    const out: Named[] = [];
    do {
      let name: string | null = null;
      if (this.tok.t === 'id') {
        const save = this.lx.pos;
        const t = this.tok;
        this.advance();
        if (this.isOp('=')) {
          this.advance();
          name = t.v;
        } else {
          this.lx.pos = save;
          this.tok = t;
        }
      }
      const start = this.tok.at;
      const expr = this.expr();
      name ??= this.src.slice(start, this.lastEnd).trim();
      if (aggs) {
        if (expr.k !== 'call' || !AGGREGATES.has(expr.name))
          throw new EsqlError(
            C.aggregate,
            'STATS needs an aggregate function (COUNT, COUNT_DISTINCT, VALUES, MIN, MAX, SUM, AVG) at the top of each expression',
            expr.at,
          );
        for (const a of expr.args) this.noAgg(a);
      } else this.noAgg(expr);
      if (out.length >= MAX_LIST)
        throw new EsqlError(C.tooManyColumns, `a command takes at most ${MAX_LIST} columns`, start);
      out.push({ name, expr });
    } while (this.isOp(',') && this.advance());
    return out;
  }

  private noAgg(e: Expr): void {
    walk(e, (x) => {
      if (x.k === 'call' && AGGREGATES.has(x.name))
        throw new EsqlError(
          C.aggregate,
          `aggregate function ${x.name.toUpperCase()} is only allowed at the top of a STATS expression`,
          x.at,
        );
    });
  }

  private lastEnd = 0;

  expr(): Expr {
    this.deeper(this.tok.at);
    try {
      return this.or();
    } finally {
      this.depth--;
    }
  }

  // A chain `a + b + …` builds a left-deep tree as deep as it is long, and everything after the
  // parser walks trees recursively: each link counts toward the depth like a parenthesis.
  private deeper(at: number): void {
    if (++this.depth > MAX_DEPTH)
      throw new EsqlError(C.tooDeep, `expression nested or chained more than ${MAX_DEPTH} levels deep`, at);
  }

  private or(): Expr {
    let l = this.and();
    let n = 0;
    try {
      while (this.isKw('or')) {
        const at = this.advance().at;
        this.deeper(at);
        n++;
        l = { k: 'bin', op: 'or', l, r: this.and(), at };
      }
    } finally {
      this.depth -= n;
    }
    return l;
  }
  private and(): Expr {
    let l = this.not();
    let n = 0;
    try {
      while (this.isKw('and')) {
        const at = this.advance().at;
        this.deeper(at);
        n++;
        l = { k: 'bin', op: 'and', l, r: this.not(), at };
      }
    } finally {
      this.depth -= n;
    }
    return l;
  }
  private not(): Expr {
    if (this.isKw('not')) {
      const at = this.advance().at;
      this.deeper(at);
      const e = this.not();
      this.depth--;
      return { k: 'not', e, at };
    }
    return this.cmp();
  }
  private cmp(): Expr {
    const l = this.add();
    const t = this.tok;
    if (t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      this.advance();
      return { k: 'bin', op: t.v as BinOp, l, r: this.add(), at: t.at };
    }
    if (t.t === 'op' && t.v === '=')
      throw new EsqlError(C.unexpectedToken, "'=' is assignment; compare with '=='", t.at);
    let neg = false;
    if (this.isKw('not')) {
      neg = true;
      this.advance();
      if (!this.isKw('like') && !this.isKw('rlike') && !this.isKw('in'))
        this.fail('LIKE, RLIKE or IN after NOT');
    }
    if (this.isKw('like') || this.isKw('rlike')) {
      const regex = this.isKw('rlike');
      this.advance();
      const p = this.tok;
      if (p.t !== 'str') this.fail('a string pattern');
      this.advance();
      this.lastEnd = p.end;
      if (regex) checkRegex(p.v, p.at);
      return { k: 'like', e: l, pattern: p.v, regex, neg, at: t.at };
    }
    if (this.isKw('in')) {
      this.advance();
      this.expectOp('(');
      const list: Expr[] = [];
      do list.push(this.expr());
      while (this.isOp(',') && this.advance());
      this.lastEnd = this.expectOp(')').end;
      return { k: 'in', e: l, list, neg, at: t.at };
    }
    if (this.isKw('is')) {
      this.advance();
      let n = false;
      if (this.isKw('not')) {
        this.advance();
        n = true;
      }
      if (!this.isKw('null')) this.fail('NULL');
      this.lastEnd = this.advance().end;
      return { k: 'isnull', e: l, neg: n, at: t.at };
    }
    return l;
  }
  private add(): Expr {
    let l = this.mul();
    let n = 0;
    try {
      while (this.isOp('+') || this.isOp('-')) {
        const t = this.advance();
        this.deeper(t.at);
        n++;
        l = { k: 'bin', op: t.v as BinOp, l, r: this.mul(), at: t.at };
      }
    } finally {
      this.depth -= n;
    }
    return l;
  }
  private mul(): Expr {
    let l = this.unary();
    let n = 0;
    try {
      while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
        const t = this.advance();
        this.deeper(t.at);
        n++;
        l = { k: 'bin', op: t.v as BinOp, l, r: this.unary(), at: t.at };
      }
    } finally {
      this.depth -= n;
    }
    return l;
  }
  private unary(): Expr {
    if (this.isOp('-')) {
      const at = this.advance().at;
      this.deeper(at);
      let e: Expr;
      try {
        e = this.unary();
      } finally {
        this.depth--;
      }
      if (e.k === 'lit' && typeof e.v === 'number') return { ...e, v: -e.v, at };
      return { k: 'neg', e, at };
    }
    if (this.isOp('+')) this.advance();
    return this.primary();
  }

  private primary(): Expr {
    const t = this.tok;
    this.lastEnd = t.end;
    if (t.t === 'num') {
      this.advance();
      if (this.tok.t === 'id' && !this.tok.quoted) {
        const u = UNITS[this.tok.v.toLowerCase()];
        if (u) {
          this.lastEnd = this.advance().end;
          return { k: 'span', span: { ms: u.ms * t.v, months: u.months * t.v }, at: t.at };
        }
        if (!KEYWORDS.has(this.tok.v.toLowerCase()))
          throw new EsqlError(C.badTimeUnit, `unknown time unit '${this.tok.v}'`, this.tok.at);
      }
      return { k: 'lit', v: t.v, int: t.int, at: t.at };
    }
    if (t.t === 'str') {
      this.advance();
      return { k: 'lit', v: t.v, at: t.at };
    }
    if (t.t === 'op' && t.v === '(') {
      this.advance();
      const e = this.expr();
      this.lastEnd = this.expectOp(')').end;
      return e;
    }
    if (t.t === 'op' && t.v === '[')
      throw new EsqlError(C.unsupported, 'multi-value literals [ … ] are not supported', t.at);
    if (t.t === 'id') {
      const low = t.v.toLowerCase();
      if (!t.quoted) {
        if (low === 'null' || low === 'true' || low === 'false') {
          this.advance();
          return { k: 'lit', v: low === 'null' ? null : low === 'true', at: t.at };
        }
      }
      this.advance();
      if (!t.quoted && this.isOp('(')) return this.call(low, t);
      if (t.v.endsWith('.')) throw new EsqlError(C.unexpectedToken, `invalid column name '${t.v}'`, t.at);
      return { k: 'field', name: t.v, at: t.at };
    }
    if (t.t === 'op' && t.v === '?')
      throw new EsqlError(C.unsupported, 'query parameters are not supported', t.at);
    this.fail('an expression');
  }

  private call(name: string, t: Tok): Expr {
    this.advance(); // (
    const spec = FUNCTIONS[name];
    if (!spec && !AGGREGATES.has(name))
      throw new EsqlError(C.unknownFunction, `function ${String(t.v).toUpperCase()} is not supported`, t.at);
    const args: Expr[] = [];
    let star = false;
    if (this.isOp('*') && name === 'count') {
      this.advance();
      star = true;
    } else if (!this.isOp(')')) {
      do args.push(this.expr());
      while (this.isOp(',') && this.advance());
    }
    this.lastEnd = this.expectOp(')').end;
    const [min, max] = spec ? [spec.min, spec.max] : name === 'count' ? [star ? 0 : 1, 1] : [1, 1];
    if (!star && (args.length < min || args.length > max)) {
      const want =
        min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
      throw new EsqlError(
        C.arity,
        `${String(t.v).toUpperCase()} takes ${want} argument(s), got ${args.length}`,
        t.at,
      );
    }
    if (name === 'date_trunc' && args[0]?.k !== 'span')
      throw new EsqlError(
        C.badType,
        'DATE_TRUNC takes a time span first (DATE_TRUNC(1 hour, @timestamp))',
        args[0]?.at ?? t.at,
      );
    if (name === 'date_diff' && !(args[0]?.k === 'lit' && typeof args[0].v === 'string'))
      throw new EsqlError(
        C.badType,
        'DATE_DIFF takes a unit string first (DATE_DIFF("seconds", a, b))',
        args[0]?.at ?? t.at,
      );
    if (name === 'replace' && args[1]?.k === 'lit' && typeof args[1].v === 'string') {
      try {
        compileReplaceRegex(args[1].v);
      } catch (e) {
        throw new EsqlError(C.badRegex, `invalid regular expression: ${(e as Error).message}`, args[1].at);
      }
    }
    return { k: 'call', name, args, star, at: t.at };
  }
}

function checkRegex(p: string, at: number): void {
  try {
    compileLuceneRegex(p, false);
  } catch (e) {
    throw new EsqlError(C.badRegex, `invalid regular expression: ${(e as Error).message}`, at);
  }
}

export function walk(e: Expr, f: (e: Expr) => void): void {
  f(e);
  switch (e.k) {
    case 'neg':
    case 'not':
    case 'isnull':
    case 'like':
      walk(e.e, f);
      break;
    case 'bin':
      walk(e.l, f);
      walk(e.r, f);
      break;
    case 'in':
      walk(e.e, f);
      for (const x of e.list) walk(x, f);
      break;
    case 'call':
      for (const x of e.args) walk(x, f);
      break;
  }
}
