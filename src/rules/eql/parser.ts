// Recursive-descent EQL parser following Elasticsearch's grammar (EqlBase.g4): event queries,
// sequences (by / with maxspan / per-stage by / runs / missing stages / until) and samples.
// Precedence, loosest first: or, and, not, comparison/predicate, + -, * / %, unary -, primary.

import { compileLuceneRegex, RegexTranslateError } from '../common/lucene-regex.js';
import {
  type ArithOp,
  type CmpOp,
  type EventFilter,
  type Expr,
  FUNCTIONS,
  type FunctionName,
  type Literal,
  type MatchOp,
  type Query,
  type Stage,
} from './ast.js';
import { EQL_CODES, QueryError } from './errors.js';
import { type Token, tokenize } from './lexer.js';

const KEYWORDS = new Set([
  'and',
  'any',
  'by',
  'false',
  'in',
  'in~',
  'join',
  'like',
  'like~',
  'maxspan',
  'not',
  'null',
  'of',
  'or',
  'regex',
  'regex~',
  'sample',
  'sequence',
  'true',
  'until',
  'where',
  'with',
]);

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const CMP = new Set(['==', '!=', '<', '<=', '>', '>=']);

export function parseEql(src: string): Query {
  return new Parser(tokenize(src)).query();
}

/** Parses a bare boolean expression (no `category where`); used by tests and `d4c query`. */
export function parseEqlExpression(src: string): Expr {
  const p = new Parser(tokenize(src));
  const e = p.expression();
  p.expectEof();
  return e;
}

// Deep enough for any real rule; stops stack exhaustion on hostile input.
const MAX_DEPTH = 200;

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Token[]) {}

  private get t(): Token {
    return this.toks[this.i]!;
  }
  private peek(k = 1): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private isKw(w: string, t = this.t): boolean {
    return t.kind === 'ident' && t.text === w;
  }
  private isP(p: string, t = this.t): boolean {
    return t.kind === 'punct' && t.text === p;
  }
  private next(): Token {
    const t = this.t;
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private fail(what: string, t = this.t): never {
    const got = t.kind === 'eof' ? 'end of query' : `'${t.text}'`;
    throw new QueryError(EQL_CODES.unexpectedToken, `expected ${what}, found ${got}`, t.at);
  }
  private expectP(p: string): Token {
    if (!this.isP(p)) this.fail(`'${p}'`);
    return this.next();
  }
  private expectKw(w: string): Token {
    if (!this.isKw(w)) this.fail(`'${w}'`);
    return this.next();
  }
  expectEof(): void {
    if (this.isP('|')) {
      throw new QueryError(EQL_CODES.unsupported, 'pipes (| head, | tail, …) are not supported', this.t.at);
    }
    if (this.t.kind !== 'eof') this.fail('end of query');
  }

  query(): Query {
    let q: Query;
    if (this.isKw('sequence')) q = this.sequence();
    else if (this.isKw('sample')) q = this.sample();
    else if (this.isKw('join')) {
      throw new QueryError(
        EQL_CODES.unsupported,
        "'join' is not supported (Elasticsearch does not support it either)",
        this.t.at,
      );
    } else q = { kind: 'event', filter: this.eventFilter() };
    this.expectEof();
    return q;
  }

  private eventFilter(): EventFilter {
    const t = this.t;
    let category: string | null;
    if (t.kind === 'string') category = t.text;
    else if (t.kind === 'ident' && (t.text === 'any' || !KEYWORDS.has(t.text)) && !t.text.includes('~')) {
      category = t.text === 'any' ? null : t.text;
    } else if (t.kind === 'qident') category = t.text;
    else this.fail("an event category (e.g. 'process', 'file', 'any')");
    this.next();
    this.expectKw('where');
    return { category, cond: this.expression(), at: t.at };
  }

  private sequence(): Query {
    const at = this.expectKw('sequence').at;
    let by: Expr[] = [];
    let maxspanMs: number | null = null;
    if (this.isKw('by')) {
      this.next();
      by = this.joinKeys();
      if (this.isKw('with')) maxspanMs = this.maxspan();
    } else if (this.isKw('with')) {
      maxspanMs = this.maxspan();
      if (this.isKw('by')) {
        this.next();
        by = this.joinKeys();
      }
    }
    const stages: Stage[] = [];
    while (this.isP('[') || (this.isP('!') && this.isP('[', this.peek()))) stages.push(this.stage(true));
    let until: Stage | null = null;
    if (this.isKw('until')) {
      this.next();
      until = this.stage(false);
    }
    const positive = stages.filter((s) => !s.missing);
    const total = positive.reduce((a, s) => a + s.runs, 0);
    if (total < 2) {
      throw new QueryError(
        EQL_CODES.sequenceShape,
        'a sequence needs at least two (non-missing) stages or runs',
        at,
      );
    }
    const nBy = stages[0]?.by.length ?? 0;
    for (const s of [...stages, ...(until ? [until] : [])]) {
      if (s.by.length !== nBy) {
        throw new QueryError(
          EQL_CODES.sequenceShape,
          `every stage needs the same number of 'by' keys (${nBy})`,
          s.at,
        );
      }
    }
    const missing = stages.filter((s) => s.missing);
    if (missing.length > 0 && maxspanMs === null) {
      throw new QueryError(
        EQL_CODES.sequenceShape,
        "missing-event stages (![…]) need 'with maxspan'",
        missing[0]!.at,
      );
    }
    return { kind: 'sequence', by, maxspanMs, stages, until, at };
  }

  private sample(): Query {
    const at = this.expectKw('sample').at;
    let by: Expr[] = [];
    if (this.isKw('by')) {
      this.next();
      by = this.joinKeys();
    }
    const stages: Stage[] = [];
    while (this.isP('[')) stages.push(this.stage(false));
    if (stages.length < 2)
      throw new QueryError(EQL_CODES.sequenceShape, 'a sample needs at least two stages', at);
    return { kind: 'sample', by, stages, at };
  }

  private maxspan(): number {
    this.expectKw('with');
    this.expectKw('maxspan');
    this.expectP('=');
    const n = this.t;
    if (n.kind !== 'number' || !Number.isInteger(n.num)) this.fail('a whole number (e.g. maxspan=30s)');
    this.next();
    const u = this.t;
    if (u.kind !== 'ident' || u.spaced || !(u.text in UNITS)) {
      throw new QueryError(
        EQL_CODES.badTimeUnit,
        'expected a time unit ms, s, m, h or d right after the number',
        u.at,
      );
    }
    this.next();
    return n.num! * UNITS[u.text]!;
  }

  private stage(allowMissing: boolean): Stage {
    const at = this.t.at;
    let missing = false;
    if (this.isP('!')) {
      if (!allowMissing) this.fail("'['");
      this.next();
      missing = true;
    }
    this.expectP('[');
    const filter = this.eventFilter();
    this.expectP(']');
    let by: Expr[] = [];
    let runs = 1;
    if (this.isKw('by')) {
      this.next();
      by = this.joinKeys();
    }
    if (this.isKw('with')) {
      this.next();
      const k = this.t;
      if (!this.isKw('runs')) this.fail("'runs'");
      this.next();
      this.expectP('=');
      const n = this.t;
      if (n.kind !== 'number' || !Number.isInteger(n.num) || n.num! < 1 || n.num! > 100) {
        throw new QueryError(EQL_CODES.badRuns, 'runs must be a whole number from 1 to 100', n.at);
      }
      if (missing)
        throw new QueryError(EQL_CODES.badRuns, "'runs' is not allowed on a missing-event stage", k.at);
      this.next();
      runs = n.num!;
    }
    return { filter, by, runs, missing, at };
  }

  private joinKeys(): Expr[] {
    const keys = [this.operand()];
    while (this.isP(',')) {
      this.next();
      keys.push(this.operand());
    }
    return keys;
  }

  expression(): Expr {
    this.deeper(this.t.at);
    const e = this.or();
    this.depth--;
    return e;
  }

  private or(): Expr {
    const first = this.and();
    if (!this.isKw('or')) return first;
    const items = [first];
    while (this.isKw('or')) {
      this.next();
      items.push(this.and());
    }
    return { k: 'or', items, at: first.at };
  }

  private and(): Expr {
    const first = this.not();
    if (!this.isKw('and')) return first;
    const items = [first];
    while (this.isKw('and')) {
      this.next();
      items.push(this.not());
    }
    return { k: 'and', items, at: first.at };
  }

  private not(): Expr {
    if (this.isKw('not')) {
      const at = this.next().at;
      this.deeper(at);
      const e: Expr = { k: 'not', e: this.not(), at };
      this.depth--;
      return e;
    }
    return this.predicate();
  }

  private predicate(): Expr {
    const l = this.operand();
    const t = this.t;
    if (t.kind === 'punct' && CMP.has(t.text)) {
      this.next();
      return { k: 'cmp', op: t.text as CmpOp, l, r: this.operand(), at: l.at };
    }
    if (
      this.isP(':') ||
      this.isKw('like') ||
      this.isKw('like~') ||
      this.isKw('regex') ||
      this.isKw('regex~')
    ) {
      this.next();
      const op = t.text as MatchOp;
      const patterns = this.constants(op);
      return { k: 'match', op, l, patterns, at: l.at };
    }
    let negated = false;
    if (this.isKw('not') && (this.isKw('in', this.peek()) || this.isKw('in~', this.peek()))) {
      this.next();
      negated = true;
    }
    if (this.isKw('in') || this.isKw('in~')) {
      const ci = this.next().text === 'in~';
      this.expectP('(');
      const list = [this.operand()];
      while (this.isP(',')) {
        this.next();
        list.push(this.operand());
      }
      this.expectP(')');
      const e: Expr = { k: 'in', l, list, ci, at: l.at };
      return negated ? { k: 'not', e, at: l.at } : e;
    }
    return l;
  }

  private constants(op: MatchOp): Literal[] {
    const one = (): Literal => {
      const t = this.t;
      const v = this.literal();
      if (v === undefined) this.fail(`a constant after '${op}'`);
      if (op !== ':' && typeof v !== 'string') {
        throw new QueryError(EQL_CODES.badPattern, `'${op}' needs string patterns`, t.at);
      }
      if ((op === 'regex' || op === 'regex~') && typeof v === 'string') {
        try {
          compileLuceneRegex(v, op === 'regex~');
        } catch (e) {
          const msg = e instanceof RegexTranslateError ? e.message : String(e);
          throw new QueryError(EQL_CODES.badRegex, `invalid regex ${JSON.stringify(v)}: ${msg}`, t.at);
        }
      }
      return v;
    };
    if (!this.isP('(')) return [one()];
    this.next();
    const out = [one()];
    while (this.isP(',')) {
      this.next();
      out.push(one());
    }
    this.expectP(')');
    return out;
  }

  /** A literal at the cursor (consumed), or undefined if the cursor is not a literal. */
  private literal(): Literal | undefined {
    const t = this.t;
    if (t.kind === 'string') {
      this.next();
      return t.text;
    }
    if (t.kind === 'number') {
      this.next();
      return t.num!;
    }
    if (this.isP('-') && this.peek().kind === 'number') {
      this.next();
      return -this.next().num!;
    }
    if (this.isKw('true') || this.isKw('false') || this.isKw('null')) {
      this.next();
      return t.text === 'null' ? null : t.text === 'true';
    }
    return undefined;
  }

  // A chain `a + b + …` is a left-deep tree as deep as it is long, and compilation walks trees
  // recursively: each link counts toward the depth like a parenthesis.
  private deeper(at: number): void {
    if (++this.depth > MAX_DEPTH) {
      throw new QueryError(
        EQL_CODES.tooDeep,
        `expression nested or chained more than ${MAX_DEPTH} levels deep`,
        at,
      );
    }
  }

  private operand(): Expr {
    let l = this.term();
    let n = 0;
    try {
      while (this.isP('+') || this.isP('-')) {
        const t = this.next();
        this.deeper(t.at);
        n++;
        l = { k: 'arith', op: t.text as ArithOp, l, r: this.term(), at: l.at };
      }
    } finally {
      this.depth -= n;
    }
    return l;
  }

  private term(): Expr {
    let l = this.unary();
    let n = 0;
    try {
      while (this.isP('*') || this.isP('/') || this.isP('%')) {
        const t = this.next();
        this.deeper(t.at);
        n++;
        l = { k: 'arith', op: t.text as ArithOp, l, r: this.unary(), at: l.at };
      }
    } finally {
      this.depth -= n;
    }
    return l;
  }

  private unary(): Expr {
    if (this.isP('-')) {
      const at = this.next().at;
      this.deeper(at);
      const e = this.unary();
      this.depth--;
      return e.k === 'lit' && typeof e.v === 'number' ? { k: 'lit', v: -e.v, at } : { k: 'neg', e, at };
    }
    if (this.isP('+')) {
      this.next();
      return this.unary();
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.t;
    if (this.isP('(')) {
      this.next();
      const e = this.expression();
      this.expectP(')');
      return e;
    }
    if (this.isP('?')) {
      this.next();
      const f = this.t;
      if (f.kind === 'qident' || (f.kind === 'ident' && !KEYWORDS.has(f.text))) {
        this.next();
        return { k: 'field', path: this.fieldPath(f), optional: true, at: t.at };
      }
      this.fail("a field name after '?'");
    }
    const v = this.literal();
    if (v !== undefined) return { k: 'lit', v, at: t.at };
    if (t.kind === 'qident') {
      this.next();
      return { k: 'field', path: t.text, optional: false, at: t.at };
    }
    if (t.kind === 'ident' && this.isP('(', this.peek())) return this.call();
    if (t.kind === 'ident' && !KEYWORDS.has(t.text)) {
      this.next();
      return { k: 'field', path: this.fieldPath(t), optional: false, at: t.at };
    }
    return this.fail('a field, value or function');
  }

  private fieldPath(t: Token): string {
    if (t.kind === 'ident' && (t.text.endsWith('.') || t.text.includes('..') || t.text.endsWith('~'))) {
      throw new QueryError(EQL_CODES.unexpectedToken, `invalid field name '${t.text}'`, t.at);
    }
    return t.text;
  }

  private call(): Expr {
    const t = this.next();
    const ci = t.text.endsWith('~');
    const base = ci ? t.text.slice(0, -1) : t.text;
    const spec = Object.hasOwn(FUNCTIONS, base) ? FUNCTIONS[base as FunctionName] : undefined;
    if (!spec) throw new QueryError(EQL_CODES.unknownFunction, `unknown function '${t.text}'`, t.at);
    if (ci && !spec[2])
      throw new QueryError(
        EQL_CODES.unknownFunction,
        `function '${base}' has no case-insensitive '~' form`,
        t.at,
      );
    this.expectP('(');
    const args: Expr[] = [];
    if (!this.isP(')')) {
      args.push(this.expression());
      while (this.isP(',')) {
        this.next();
        args.push(this.expression());
      }
    }
    this.expectP(')');
    if (args.length < spec[0] || args.length > spec[1]) {
      const want =
        spec[0] === spec[1]
          ? `${spec[0]}`
          : spec[1] === Number.POSITIVE_INFINITY
            ? `at least ${spec[0]}`
            : `${spec[0]} to ${spec[1]}`;
      throw new QueryError(
        EQL_CODES.arity,
        `function '${base}' takes ${want} argument(s), got ${args.length}`,
        t.at,
      );
    }
    return { k: 'call', name: base as FunctionName, ci, args, at: t.at };
  }
}
