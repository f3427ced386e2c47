// Turning the kernel's path pieces into strings: component lists walked leaf first, user strings,
// non-UTF-8 bytes, and lexical `.`/`..` normalisation of the user-supplied part.
import { isUtf8 } from 'node:buffer';

/**
 * Bytes -> string. Valid UTF-8 decodes as is; otherwise every byte of an invalid sequence is
 * written `\xNN` (a backslash itself stays a backslash), so nothing is silently replaced.
 */
export function bytesToString(buf: Buffer, start: number, end: number): string {
  if (end <= start) return '';
  const view = buf.subarray(start, end);
  if (isAsciiOrUtf8(view)) return view.toString('utf8');
  return escapeInvalid(view);
}

function isAsciiOrUtf8(view: Buffer): boolean {
  for (let i = 0; i < view.length; i++) if ((view[i] ?? 0) >= 0x80) return isUtf8(view);
  return true;
}

function escapeInvalid(view: Buffer): string {
  let out = '';
  let i = 0;
  while (i < view.length) {
    const b = view[i] ?? 0;
    const n =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n > 0 && i + n <= view.length && isUtf8(view.subarray(i, i + n))) {
      out += view.toString('utf8', i, i + n);
      i += n;
    } else {
      out += `\\x${b.toString(16).padStart(2, '0')}`;
      i += 1;
    }
  }
  return out;
}

/** NUL-separated strings (argv) between start and end. A trailing NUL does not add an element. */
export function splitNul(buf: Buffer, start: number, end: number): string[] {
  const out: string[] = [];
  let s = start;
  for (let i = start; i < end; i++) {
    if (buf[i] === 0) {
      out.push(bytesToString(buf, s, i));
      s = i + 1;
    }
  }
  if (s < end) out.push(bytesToString(buf, s, end));
  return out;
}

/** Components written leaf first, each NUL-terminated -> "/root/.../leaf" ("/" when empty). */
export function componentsToPath(buf: Buffer, start: number, end: number): string {
  if (end <= start) return '/';
  const parts: string[] = [];
  let s = start;
  for (let i = start; i < end; i++) {
    if (buf[i] === 0) {
      parts.push(bytesToString(buf, s, i));
      s = i + 1;
    }
  }
  if (s < end) parts.push(bytesToString(buf, s, end));
  let out = '';
  for (let i = parts.length - 1; i >= 0; i--) out += `/${parts[i]}`;
  return out || '/';
}

/**
 * Lexical normalisation: drops empty and `.` components and resolves `..` against the previous
 * component (never above `/`). The kernel resolved the directory part exactly; only the
 * caller-supplied tail is normalised here, which is wrong only when that tail crosses a symlink
 * followed by `..` (documented in docs/sensor.md).
 */
export function normalise(path: string): string {
  if (!path.includes('/.') && !path.includes('//') && !(path.length > 1 && path.endsWith('/'))) return path;
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** Joins a kernel-walked directory and a caller string the way the kernel resolved them. */
export function joinPath(dir: string | undefined, name: string): string {
  if (name.startsWith('/')) return normalise(name);
  if (dir === undefined) return name; // no directory (e.g. symlink content): raw
  if (name === '') return dir;
  return normalise(dir === '/' ? `/${name}` : `${dir}/${name}`);
}
