// ES|QL tokens, read on demand so the parser can switch to raw modes (index and column patterns).
import { MAX_FIELD_SEGMENTS, tooManySegments } from '../common/fields.js';
import { ESQL_CODES as C, EsqlError } from './errors.js';

const NUMBER = /(?:[0-9]*\.[0-9]+|[0-9]+\.?)(?:[eE][+-]?[0-9]+)?/y;

function checkSegments(name: string, at: number): void {
  if (tooManySegments(name))
    throw new EsqlError(C.fieldTooLong, `field name has more than ${MAX_FIELD_SEGMENTS} segments`, at);
}

export type Tok =
  | { t: 'id'; v: string; quoted: boolean; at: number; end: number }
  | { t: 'str'; v: string; at: number; end: number }
  | { t: 'num'; v: number; int: boolean; at: number; end: number }
  | { t: 'op'; v: string; at: number; end: number }
  | { t: 'eof'; v: ''; at: number; end: number };

const OPS = ['==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '|', '=', '[', ']'];
const ID_START = /[A-Za-z_@]/;
const ID_PART = /[A-Za-z0-9_@.]/;

export class Lexer {
  pos = 0;
  constructor(readonly src: string) {}

  /** Skips whitespace and comments. */
  ws(): void {
    const s = this.src;
    for (;;) {
      const ch = s[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') this.pos++;
      else if (ch === '/' && s[this.pos + 1] === '/') {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
      } else if (ch === '/' && s[this.pos + 1] === '*') {
        const end = s.indexOf('*/', this.pos + 2);
        if (end < 0) throw new EsqlError(C.unterminatedComment, 'unterminated /* comment', this.pos);
        this.pos = end + 2;
      } else return;
    }
  }

  next(): Tok {
    this.ws();
    const s = this.src;
    const at = this.pos;
    if (at >= s.length) return { t: 'eof', v: '', at, end: at };
    const ch = s[at] as string;
    if (ch === '"') return this.string(at);
    if (ch === '`') {
      let v = '';
      let i = at + 1;
      for (;;) {
        if (i >= s.length) throw new EsqlError(C.unterminatedString, 'unterminated `quoted` identifier', at);
        if (s[i] === '`') {
          if (s[i + 1] === '`') {
            v += '`';
            i += 2;
            continue;
          }
          break;
        }
        v += s[i++];
      }
      this.pos = i + 1;
      checkSegments(v, at);
      return { t: 'id', v, quoted: true, at, end: this.pos };
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(s[at + 1] ?? ''))) {
      // Sticky at the cursor: no copy of the rest of the query per number (quadratic on long inputs).
      NUMBER.lastIndex = at;
      const m = NUMBER.exec(s) as RegExpExecArray;
      const text = m[0];
      if (ID_START.test(s[at + text.length] ?? '')) {
        // `5minutes` is not a token in ES|QL; a space is required.
        throw new EsqlError(C.badNumber, `invalid number '${text}${s[at + text.length]}'`, at);
      }
      this.pos = at + text.length;
      const v = Number(text);
      return { t: 'num', v, int: /^[0-9]+$/.test(text), at, end: this.pos };
    }
    if (ID_START.test(ch)) {
      let i = at + 1;
      while (i < s.length && ID_PART.test(s[i] as string)) i++;
      this.pos = i;
      const v = s.slice(at, i);
      checkSegments(v, at);
      return { t: 'id', v, quoted: false, at, end: i };
    }
    for (const op of OPS) {
      if (s.startsWith(op, at)) {
        this.pos = at + op.length;
        return { t: 'op', v: op, at, end: this.pos };
      }
    }
    throw new EsqlError(C.unexpectedChar, `unexpected character '${ch}'`, at);
  }

  private string(at: number): Tok {
    const s = this.src;
    if (s.startsWith('"""', at)) {
      const end = s.indexOf('"""', at + 3);
      if (end < 0) throw new EsqlError(C.unterminatedString, 'unterminated """ string', at);
      this.pos = end + 3;
      return { t: 'str', v: s.slice(at + 3, end), at, end: this.pos };
    }
    let v = '';
    let i = at + 1;
    for (;;) {
      const c = s[i];
      if (c === undefined || c === '\n') throw new EsqlError(C.unterminatedString, 'unterminated string', at);
      if (c === '"') break;
      if (c === '\\') {
        const e = s[i + 1];
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
        const r = e === undefined ? undefined : map[e];
        if (r === undefined) throw new EsqlError(C.badEscape, `invalid escape '\\${e ?? ''}'`, i);
        v += r;
        i += 2;
        continue;
      }
      v += c;
      i++;
    }
    this.pos = i + 1;
    return { t: 'str', v, at, end: this.pos };
  }

  /** A raw pattern (index pattern or column pattern with `*`), up to whitespace, `,` or `|`. */
  pattern(allow: RegExp): { v: string; at: number } | null {
    this.ws();
    const at = this.pos;
    if (this.src[at] === '`' || this.src[at] === '"') {
      const t = this.next() as { v: string };
      return { v: t.v, at };
    }
    let i = at;
    while (i < this.src.length && allow.test(this.src[i] as string)) i++;
    if (i === at) return null;
    this.pos = i;
    return { v: this.src.slice(at, i), at };
  }
}
