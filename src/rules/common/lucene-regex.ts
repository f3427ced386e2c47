// Lucene regular expressions (Elasticsearch `regexp` syntax) translated to RegExp syntax once,
// at compile time. Lucene patterns always match the whole string; `^` and `$` are ordinary characters.
// Supported: . ? + * {n} {n,} {n,m} | ( ) [ ] [^ ] ranges, "quoted literals", \-escapes, \d \s \w
// (and negations), the optional operators @ (any string), # (empty language) and <n-m> (numeric
// interval). Intersection `&` and complement `~` have no JavaScript equivalent and are rejected.

import { RE2JS } from 're2js';

export class RegexTranslateError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

// Characters that must be escaped in a `u`-flag RegExp (`-` only inside a class).
const JS_SYNTAX = new Set(['\\', '^', '$', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);
const lit = (c: string): string => (JS_SYNTAX.has(c) ? `\\${c}` : c);
const litCls = (c: string): string => (c === '-' || JS_SYNTAX.has(c) ? `\\${c}` : c);
const SHORTHAND = new Set(['d', 'D', 's', 'S', 'w', 'W']);

export function luceneToJsSource(pattern: string): string {
  const cs = Array.from(pattern);
  let out = '';
  let depth = 0;
  let canRepeat = false;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i]!;
    switch (c) {
      case '\\': {
        const n = cs[++i];
        if (n === undefined) throw new RegexTranslateError('regex ends with a lone backslash', i - 1);
        out += SHORTHAND.has(n) ? `\\${n}` : lit(n);
        canRepeat = true;
        break;
      }
      case '.':
        out += '.';
        canRepeat = true;
        break;
      case '@':
        out += '.*';
        canRepeat = true;
        break;
      case '#':
        out += '(?!)';
        canRepeat = true;
        break;
      case '&':
      case '~':
        throw new RegexTranslateError(
          `regex operator '${c}' (${c === '&' ? 'intersection' : 'complement'}) is not supported; escape it as \\${c} to match it literally`,
          i,
        );
      case '?':
      case '*':
      case '+':
        if (!canRepeat) throw new RegexTranslateError(`nothing to repeat before '${c}'`, i);
        out += c;
        break;
      case '{': {
        let j = i + 1;
        let body = '';
        while (j < cs.length && cs[j] !== '}') body += cs[j++];
        if (j >= cs.length || !/^\d+(,\d*)?$/.test(body)) {
          throw new RegexTranslateError("malformed repeat '{…}'", i);
        }
        if (!canRepeat) throw new RegexTranslateError("nothing to repeat before '{'", i);
        const [lo, hi] = body.split(',');
        if (hi !== undefined && hi !== '' && Number(hi) < Number(lo)) {
          throw new RegexTranslateError(`repeat range {${body}} is out of order`, i);
        }
        out += `{${body}}`;
        i = j;
        break;
      }
      case '|':
        out += '|';
        canRepeat = false;
        break;
      case '(':
        depth++;
        out += '(?:';
        canRepeat = false;
        break;
      case ')':
        if (depth === 0) throw new RegexTranslateError("unbalanced ')'", i);
        depth--;
        out += ')';
        canRepeat = true;
        break;
      case '[': {
        const start = i;
        let j = i + 1;
        let cls = '[';
        if (cs[j] === '^') {
          cls += '^';
          j++;
        }
        let first = true;
        while (j < cs.length && (cs[j] !== ']' || first)) {
          const d = cs[j]!;
          if (d === '\\') {
            const n = cs[++j];
            if (n === undefined) break;
            cls += SHORTHAND.has(n) ? `\\${n}` : litCls(n);
          } else if (d === '-' && !first && cs[j + 1] !== ']') cls += '-';
          else cls += litCls(d);
          first = false;
          j++;
        }
        if (j >= cs.length) throw new RegexTranslateError("unterminated character class '['", start);
        out += `${cls}]`;
        i = j;
        canRepeat = true;
        break;
      }
      case '"': {
        const start = i;
        let j = i + 1;
        let s = '';
        while (j < cs.length && cs[j] !== '"') s += lit(cs[j++]!);
        if (j >= cs.length) throw new RegexTranslateError('unterminated quoted string in regex', start);
        out += `(?:${s})`;
        i = j;
        canRepeat = true;
        break;
      }
      case '<': {
        const m = /^<(\d+)-(\d+)>/.exec(cs.slice(i).join(''));
        if (!m) {
          out += '<';
        } else {
          out += numericInterval(Number(m[1]), Number(m[2]), i);
          i += m[0].length - 1;
        }
        canRepeat = true;
        break;
      }
      default:
        out += lit(c);
        canRepeat = true;
    }
  }
  if (depth !== 0) throw new RegexTranslateError("unbalanced '('", cs.length);
  return out;
}

// Lucene's <n-m> matches the decimal numbers n..m (optionally zero-padded).
function numericInterval(lo: number, hi: number, at: number): string {
  if (lo > hi) [lo, hi] = [hi, lo];
  if (hi - lo > 10_000)
    throw new RegexTranslateError('numeric interval wider than 10000 is not supported', at);
  const alts: string[] = [];
  for (let n = hi; n >= lo; n--) alts.push(String(n));
  return `(?:0*(?:${alts.join('|')}))`;
}

/** A whole-string predicate. */
export interface StringMatcher {
  test(s: string): boolean;
}

/**
 * Whole-string matcher; throws RegexTranslateError on unsupported or malformed patterns. Run by
 * RE2JS (linear-time automata, no backtracking): rule patterns run on fields a container controls,
 * and a backtracking engine lets a crafted argv stall the agent (docs/security.md).
 */
export function compileLuceneRegex(pattern: string, ci: boolean): StringMatcher {
  const src = luceneToJsSource(pattern);
  try {
    // JavaScript syntax first: the translation targets it, and it reports errors best.
    new RegExp(`^(?:${src})$`, 'su');
    const re = RE2JS.compile(`(?:${src})`, RE2JS.DOTALL | (ci ? RE2JS.CASE_INSENSITIVE : 0));
    return { test: (s) => re.matches(s) };
  } catch (e) {
    throw new RegexTranslateError(`invalid regex: ${(e as Error).message}`, 0);
  }
}
