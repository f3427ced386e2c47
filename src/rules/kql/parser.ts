// Kibana Query Language (KQL), following Kibana's kuery grammar:
//   or := and ('or' and)* ; and := not ('and' not)* ; not := 'not' not | sub
//   sub := '(' or ')' | field ':' '{' or '}' | field (< <= > >=) literal | field ':' values | value
//   values := '(' value-or ')' | value  (value lists combine with or/and/not on the same field)
// Keywords are case-insensitive. Unquoted literals end at whitespace or one of \ ( ) : < > " * { }
// unless escaped with a backslash; `*` in an unquoted value or field is a wildcard; quoted
// strings are exact. `field:*` tests existence. A value without a field is free text.

import { MAX_FIELD_SEGMENTS, tooManySegments } from '../common/fields.js';
import { QueryError as KqlError } from '../common/query-error.js';

export const KQL_CODES = {
  unexpected: 'D4C-KQL-001',
  unterminatedString: 'D4C-KQL-002',
  badEscape: 'D4C-KQL-003',
  badRange: 'D4C-KQL-004',
  emptyField: 'D4C-KQL-005',
  tooDeep: 'D4C-KQL-006',
  fieldTooLong: 'D4C-KQL-007',
} as const;

export interface KqlValue {
  text: string;
  quoted: boolean;
  /** Unquoted with an unescaped `*`: `text` is then a wildcard pattern (escapes kept as `\x`). */
  wildcard: boolean;
}

export type KqlNode =
  | { k: 'and' | 'or'; items: KqlNode[] }
  | { k: 'not'; e: KqlNode }
  | { k: 'all' }
  | { k: 'match'; field: KqlField | null; value: KqlValue }
  | { k: 'exists'; field: KqlField }
  | { k: 'range'; field: KqlField; op: '<' | '<=' | '>' | '>='; value: KqlValue }
  | { k: 'nested'; field: string; q: KqlNode };

export interface KqlField {
  name: string;
  /** The name contains a `*` wildcard (matched against the document's leaf paths). */
  wildcard: boolean;
}

/** The front ends' one error class (EQL's QueryError), under the name KQL code uses. */
export { KqlError };

const SPECIAL = new Set(['\\', '(', ')', ':', '<', '>', '"', '*', '{', '}']);
const WS = /\s/;

export function parseKql(src: string): KqlNode {
  const p = new P(src);
  p.ws();
  if (p.eof()) return { k: 'all' };
  const q = p.or(false);
  p.ws();
  if (!p.eof()) p.fail(`unexpected '${src[p.i]}'`);
  return q;
}

const MAX_DEPTH = 200;

class P {
  i = 0;
  depth = 0;
  constructor(readonly s: string) {}
  eof(): boolean {
    return this.i >= this.s.length;
  }
  ws(): void {
    while (this.i < this.s.length && WS.test(this.s[this.i]!)) this.i++;
  }
  fail(msg: string, at = this.i, code: string = KQL_CODES.unexpected): never {
    throw new KqlError(code, msg, at);
  }
  /** Case-insensitive keyword followed by whitespace (or `(` for not), after optional spaces. */
  kw(word: string): boolean {
    const save = this.i;
    this.ws();
    const before = this.s[this.i - 1];
    const hadSpace = this.i === 0 || before === undefined || WS.test(before) || before === '(';
    const w = this.s.slice(this.i, this.i + word.length);
    const after = this.s[this.i + word.length];
    if (hadSpace && w.toLowerCase() === word && (after === undefined || WS.test(after) || after === '(')) {
      this.i += word.length;
      return true;
    }
    this.i = save;
    return false;
  }

  or(inValues: boolean, field?: KqlField | null): KqlNode {
    if (++this.depth > MAX_DEPTH)
      this.fail(`query nested more than ${MAX_DEPTH} levels deep`, this.i, KQL_CODES.tooDeep);
    const r = this.orInner(inValues, field);
    this.depth--;
    return r;
  }
  private orInner(inValues: boolean, field?: KqlField | null): KqlNode {
    const items = [this.and(inValues, field)];
    while (this.kw('or')) items.push(this.and(inValues, field));
    return items.length === 1 ? items[0]! : { k: 'or', items };
  }
  and(inValues: boolean, field?: KqlField | null): KqlNode {
    const items = [this.not(inValues, field)];
    while (this.kw('and')) items.push(this.not(inValues, field));
    return items.length === 1 ? items[0]! : { k: 'and', items };
  }
  not(inValues: boolean, field?: KqlField | null): KqlNode {
    this.ws();
    if (this.kw('not')) {
      if (++this.depth > MAX_DEPTH)
        this.fail(`query nested more than ${MAX_DEPTH} levels deep`, this.i, KQL_CODES.tooDeep);
      const e = this.not(inValues, field);
      this.depth--;
      return { k: 'not', e };
    }
    return inValues ? this.valueList(field!) : this.sub();
  }

  private valueList(field: KqlField): KqlNode {
    this.ws();
    if (this.s[this.i] === '(') {
      this.i++;
      const q = this.or(true, field);
      this.ws();
      if (this.s[this.i] !== ')') this.fail("expected ')'");
      this.i++;
      return q;
    }
    const at = this.i;
    const v = this.value();
    if (!v) this.fail('expected a value', at);
    return this.fieldValue(field, v);
  }

  private fieldValue(field: KqlField, v: KqlValue): KqlNode {
    if (!v.quoted && v.wildcard && v.text === '*') return { k: 'exists', field };
    return { k: 'match', field, value: v };
  }

  private sub(): KqlNode {
    this.ws();
    if (this.s[this.i] === '(') {
      this.i++;
      const q = this.or(false);
      this.ws();
      if (this.s[this.i] !== ')') this.fail("expected ')'");
      this.i++;
      return q;
    }
    const at = this.i;
    const first = this.value();
    if (!first) this.fail(this.eof() ? 'unexpected end of query' : `unexpected '${this.s[this.i]}'`);
    const save = this.i;
    this.ws();
    const c = this.s[this.i];
    if (c === ':' || c === '<' || c === '>') {
      if (first.quoted && first.text === '') this.fail('empty field name', at, KQL_CODES.emptyField);
      if (tooManySegments(first.text))
        this.fail(`field name has more than ${MAX_FIELD_SEGMENTS} segments`, at, KQL_CODES.fieldTooLong);
      const field: KqlField = { name: first.text, wildcard: first.wildcard };
      if (c === ':') {
        this.i++;
        this.ws();
        if (this.s[this.i] === '{') {
          this.i++;
          const q = this.or(false);
          this.ws();
          if (this.s[this.i] !== '}') this.fail("expected '}'");
          this.i++;
          return { k: 'nested', field: field.name, q };
        }
        return this.valueList(field);
      }
      this.i++;
      let op: '<' | '<=' | '>' | '>=' = c;
      if (this.s[this.i] === '=') {
        this.i++;
        op = c === '<' ? '<=' : '>=';
      }
      this.ws();
      const vAt = this.i;
      const v = this.value();
      if (!v) this.fail('expected a value after a range operator', vAt, KQL_CODES.badRange);
      if (v.wildcard) this.fail('a range bound cannot contain a wildcard', vAt, KQL_CODES.badRange);
      return { k: 'range', field, op, value: v };
    }
    this.i = save;
    return { k: 'match', field: null, value: first };
  }

  /** A quoted string or an unquoted literal; undefined if none at the cursor. */
  value(): KqlValue | undefined {
    const s = this.s;
    if (s[this.i] === '"') {
      const start = this.i++;
      let out = '';
      for (;;) {
        const c = s[this.i];
        if (c === undefined) this.fail('unterminated quoted string', start, KQL_CODES.unterminatedString);
        if (c === '"') {
          this.i++;
          return { text: out, quoted: true, wildcard: false };
        }
        if (c === '\\') {
          out += this.escape(true);
          continue;
        }
        out += c;
        this.i++;
      }
    }
    // Unquoted: keep escapes in the raw text (as `\x`) so wildcards stay distinguishable.
    let raw = '';
    let wildcard = false;
    const start = this.i;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (WS.test(c)) break;
      if (c === '\\') {
        const e = this.escape(false);
        raw += e === '*' || e === '\\' || e === '?' ? `\\${e}` : e;
        continue;
      }
      if (c === '*') {
        wildcard = true;
        raw += '*';
        this.i++;
        continue;
      }
      if (SPECIAL.has(c)) break;
      raw += c === '?' ? '\\?' : c;
      this.i++;
    }
    if (this.i === start) return undefined;
    if (!wildcard) raw = unescapeRaw(raw);
    return { text: raw, quoted: false, wildcard };
  }

  private escape(quoted: boolean): string {
    const at = this.i;
    const e = this.s[this.i + 1];
    this.i += 2;
    if (e === undefined) this.fail('lone backslash at end of query', at, KQL_CODES.badEscape);
    if (e === 't') return '\t';
    if (e === 'r') return '\r';
    if (e === 'n') return '\n';
    if (e === 'u') {
      const hex = this.s.slice(this.i, this.i + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape', at, KQL_CODES.badEscape);
      this.i += 4;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    if (quoted) {
      if (e === '"' || e === '\\') return e;
      this.fail(`invalid escape '\\${e}' in quoted string`, at, KQL_CODES.badEscape);
    }
    if (SPECIAL.has(e)) return e;
    // Escaped keywords: \or \and \not are literal words.
    for (const w of ['or', 'and', 'not']) {
      if (this.s.slice(at + 1, at + 1 + w.length).toLowerCase() === w) {
        this.i = at + 1 + w.length;
        return this.s.slice(at + 1, this.i);
      }
    }
    return this.fail(`invalid escape '\\${e}'`, at, KQL_CODES.badEscape);
  }
}

/** Removes the `\x` escapes kept in wildcard raw text. */
function unescapeRaw(raw: string): string {
  return raw.replace(/\\(.)/g, '$1');
}
