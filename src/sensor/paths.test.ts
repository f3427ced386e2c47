import { describe, expect, it } from 'vitest';
import { bytesToString, componentsToPath, joinPath, normalise, splitNul } from './paths.js';

const nul = (...parts: string[]) => Buffer.from(parts.map((p) => `${p}\0`).join(''), 'latin1');

describe('path pieces', () => {
  it('joins leaf-first components into an absolute path', () => {
    const b = nul('leaf', 'mid', 'top');
    expect(componentsToPath(b, 0, b.length)).toBe('/top/mid/leaf');
    expect(componentsToPath(b, 0, 0)).toBe('/');
  });

  it('keeps newlines and escapes bytes that are not UTF-8', () => {
    const b = Buffer.from([0x61, 0xff, 0xfe, 0x0a, 0x62, 0xc3, 0xa9]);
    expect(bytesToString(b, 0, b.length)).toBe('a\\xff\\xfe\nbé');
    const cut = Buffer.from([0xe2, 0x82]); // a truncated 3-byte sequence
    expect(bytesToString(cut, 0, 2)).toBe('\\xe2\\x82');
  });

  it('normalises . and .. lexically, never above /', () => {
    expect(normalise('/a/b/../c/./d')).toBe('/a/c/d');
    expect(normalise('/../../x')).toBe('/x');
    expect(normalise('/a//b/')).toBe('/a/b');
    expect(normalise('/plain/path')).toBe('/plain/path');
    expect(normalise('/a/..')).toBe('/');
  });

  it('resolves the caller string against the kernel-walked directory', () => {
    expect(joinPath('/work/p/q', '../../up.txt')).toBe('/work/up.txt');
    expect(joinPath('/', 'etc/passwd')).toBe('/etc/passwd');
    expect(joinPath('/cwd', '/abs/../file')).toBe('/file');
    expect(joinPath('/dir', '')).toBe('/dir'); // AT_EMPTY_PATH: the dirfd itself
    expect(joinPath(undefined, '../target')).toBe('../target'); // symlink content stays raw
  });

  it('splits argv on NULs, keeping empty arguments', () => {
    const b = nul('sh', '-c', '', 'x y');
    expect(splitNul(b, 0, b.length)).toEqual(['sh', '-c', '', 'x y']);
  });
});
