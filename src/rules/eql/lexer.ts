// EQL tokens. Identifiers include dots (`process.parent.name`) and an immediately following `~`
// (`like~`, `startsWith~`). Strings: "…" with escapes, """…""" raw. Comments: // and /* */.
import { MAX_FIELD_SEGMENTS, tooManySegments } from '../common/fields.js';
import { EQL_CODES, QueryError } from './errors.js';

function checkSegments(name: string, at: number): void {
  if (tooManySegments(name))
    throw new QueryError(
      EQL_CODES.fieldTooLong,
      `field name has more than ${MAX_FIELD_SEGMENTS} segments`,
      at,
    );
}

export type TokKind = 'ident' | 'qident' | 'string' | 'number' | 'punct' | 'eof';

export interface Token {
  kind: TokKind;
  /** Identifier text, decoded string value, punctuation, or number source. */
  text: string;
  num?: number;
  at: number;
  end: number;
  /** Whitespace or a comment precedes this token. */
  spaced: boolean;
}

const PUNCT2 = ['==', '!=', '<=', '>='];
const PUNCT1 = '()[],:<>=!?+-*/%|';

const isIdentStart = (c: string): boolean => /[A-Za-z_@]/.test(c);
const isIdentPart = (c: string): boolean => /[A-Za-z0-9_@.]/.test(c);

export function tokenize(src: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  let spaced = true;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      spaced = true;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      spaced = true;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const close = src.indexOf('*/', i + 2);
      if (close < 0) throw new QueryError(EQL_CODES.unterminatedComment, 'unterminated /* comment', i);
      i = close + 2;
      spaced = true;
      continue;
    }
    const at = i;
    if (src.startsWith('"""', i)) {
      const close = src.indexOf('"""', i + 3);
      if (close < 0) throw new QueryError(EQL_CODES.unterminatedString, 'unterminated """ string', at);
      // A raw string may end with extra quotes: """a"""" is a" (the last three close it).
      let end = close;
      while (src[end + 3] === '"') end++;
      toks.push({ kind: 'string', text: src.slice(i + 3, end), at, end: end + 3, spaced });
      i = end + 3;
    } else if (c === '"') {
      const [text, end] = readString(src, i);
      toks.push({ kind: 'string', text, at, end, spaced });
      i = end;
    } else if (c === "'") {
      throw new QueryError(
        EQL_CODES.singleQuote,
        'single-quoted strings are not supported; use double quotes',
        at,
      );
    } else if (c === '`') {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= n) throw new QueryError(EQL_CODES.unterminatedString, 'unterminated `field name`', at);
        if (src[j] === '`') {
          if (src[j + 1] === '`') {
            text += '`';
            j += 2;
            continue;
          }
          break;
        }
        text += src[j++];
      }
      if (text === '') throw new QueryError(EQL_CODES.unexpectedToken, 'empty `field name`', at);
      checkSegments(text, at);
      toks.push({ kind: 'qident', text, at, end: j + 1, spaced });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^(?:\d+\.\d*|\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i, i + 64))!;
      const text = m[0];
      const num = Number(text);
      if (!Number.isFinite(num)) throw new QueryError(EQL_CODES.badNumber, `invalid number '${text}'`, at);
      toks.push({ kind: 'number', text, num, at, end: i + text.length, spaced });
      i += text.length;
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(src[j]!)) j++;
      if (src[j] === '~') j++;
      const text = src.slice(i, j);
      checkSegments(text, at);
      toks.push({ kind: 'ident', text, at, end: j, spaced });
      i = j;
    } else {
      const two = src.slice(i, i + 2);
      if (PUNCT2.includes(two)) {
        toks.push({ kind: 'punct', text: two, at, end: i + 2, spaced });
        i += 2;
      } else if (PUNCT1.includes(c)) {
        toks.push({ kind: 'punct', text: c, at, end: i + 1, spaced });
        i++;
      } else {
        throw new QueryError(EQL_CODES.unexpectedChar, `unexpected character '${c}'`, at);
      }
    }
    spaced = false;
  }
  toks.push({ kind: 'eof', text: '<end of query>', at: n, end: n, spaced });
  return toks;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', "'": "'", '\\': '\\' };

function readString(src: string, start: number): [string, number] {
  let i = start + 1;
  let out = '';
  for (;;) {
    const c = src[i];
    if (c === undefined || c === '\n') {
      throw new QueryError(EQL_CODES.unterminatedString, 'unterminated string', start);
    }
    if (c === '"') return [out, i + 1];
    if (c === '\\') {
      const e = src[i + 1];
      if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
        i += 2;
        continue;
      }
      if (e === 'u' && src[i + 2] === '{') {
        const close = src.indexOf('}', i + 3);
        const hex = close > 0 ? src.slice(i + 3, close) : '';
        if (/^[0-9A-Fa-f]{1,8}$/.test(hex) && Number.parseInt(hex, 16) <= 0x10ffff) {
          out += String.fromCodePoint(Number.parseInt(hex, 16));
          i = close + 1;
          continue;
        }
      }
      throw new QueryError(EQL_CODES.badEscape, `invalid escape sequence '\\${e ?? ''}' in string`, i);
    }
    out += c;
    i++;
  }
}
