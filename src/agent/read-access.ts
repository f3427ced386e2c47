// Read access (issue 8): the policy's read prefixes (src/policy readPathPrefixes) in the form the
// kernel filter holds, and how a read record's path is spelt back the way the policy named it.
import type { CompiledPolicy, Policy } from '../policy/index.js';
import { readPathPrefixes } from '../policy/index.js';
import { CONST, readPrefixComponents } from '../sensor/index.js';

/**
 * A policy read prefix in the kernel's form: no trailing `/`, no `.`/`..` (the kernel walk has
 * none), at most 8 components of < 64 bytes (a shorter prefix is broader, still right: user space
 * applies the full pattern afterwards). Undefined for `/` or a relative path: the kernel has no
 * slot for "every read".
 */
export function kernelPrefix(prefix: string): string | undefined {
  if (!prefix.startsWith('/')) return undefined;
  const comps: string[] = [];
  for (const c of prefix.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') comps.pop();
    else comps.push(c);
  }
  const kept: string[] = [];
  for (const c of comps) {
    if (kept.length === CONST.D4C_READ_COMPS || Buffer.byteLength(c) >= CONST.D4C_READ_COMP_LEN) break;
    kept.push(c);
  }
  return kept.length === 0 ? undefined : `/${kept.join('/')}`;
}

/** The kernel prefixes for the read selectors that can fire (readPathPrefixes), sorted. */
export function policyReadPrefixes(policy: Policy | CompiledPolicy): string[] {
  const out = new Set<string>();
  for (const p of readPathPrefixes(policy)) {
    const k = kernelPrefix(p);
    if (k !== undefined) out.add(k);
  }
  return [...out].sort();
}

/** Well-known directory aliases (symlinks on most images): a prefix is watched in both forms. */
const ALIASES: readonly [string, string][] = [
  ['/var/run', '/run'],
  ['/var/lock', '/run/lock'],
];

function under(path: string, prefix: string): boolean {
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47);
}

export interface ReadWatch {
  /** Prefixes handed to the sensor, in slot order (the record's readPrefix indexes this). */
  readonly kernel: readonly string[];
  /** For each slot, the prefix as the policy spelt it. */
  readonly spelt: readonly string[];
  /** Prefixes the 16 slots could not hold exactly (a parent was watched instead). */
  readonly widened: number;
}

/**
 * The kernel's slots for these policy prefixes: each with its alias forms (the kernel sees the
 * resolved path, `/run/secrets/...` when the image links /var/run to /run), prefixes covered by
 * a shorter one dropped, and, beyond 16, the deepest ones cut to their parent until they fit.
 */
export function readWatch(prefixes: readonly string[]): ReadWatch {
  const slots = new Map<string, string>(); // kernel prefix -> spelling
  for (const p of prefixes) {
    readPrefixComponents(p);
    slots.set(p, p);
    for (const [a, b] of ALIASES) {
      if (under(p, a)) slots.set(b + p.slice(a.length), p);
      else if (under(p, b) && !under(p, a)) slots.set(a + p.slice(b.length), p);
    }
  }
  let widened = 0;
  let list = dedupe([...slots.keys()]);
  while (list.length > CONST.D4C_READ_PREFIXES) {
    let deepest = 0;
    for (let i = 1; i < list.length; i++) if (depth(list[i]!) > depth(list[deepest]!)) deepest = i;
    const p = list[deepest]!;
    const parent = p.slice(0, p.lastIndexOf('/')) || p;
    if (parent === p) break; // every slot is one component: cannot widen further
    slots.set(parent, slots.get(p)!.slice(0, Math.max(1, slots.get(p)!.lastIndexOf('/'))));
    list[deepest] = parent;
    list = dedupe(list);
    widened++;
  }
  list = list.slice(0, CONST.D4C_READ_PREFIXES);
  return { kernel: list, spelt: list.map((k) => slots.get(k) ?? k), widened };
}

function depth(p: string): number {
  let n = 0;
  for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) === 47) n++;
  return n;
}

/** Sorted, without the prefixes another one already covers. */
function dedupe(list: string[]): string[] {
  const sorted = [...new Set(list)].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const out: string[] = [];
  for (const p of sorted) if (!out.some((q) => under(p, q))) out.push(p);
  return out.sort();
}

/**
 * The path of a read record in the policy's spelling: `/run/secrets/x` matched through the
 * `/run/secrets` alias slot of `/var/run/secrets` becomes `/var/run/secrets/x`. Unchanged when the
 * slot is unknown or spelt as the kernel sees it.
 */
export function respell(w: ReadWatch, slot: number | undefined, path: string): string {
  if (slot === undefined) return path;
  const k = w.kernel[slot];
  const s = w.spelt[slot];
  if (k === undefined || s === undefined || k === s || !under(path, k)) return path;
  // A widened slot keeps its spelling's own depth: map only the common part.
  return s + path.slice(k.length);
}
