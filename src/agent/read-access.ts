// Read access (issue 8): which path prefixes the kernel watches for read-only opens, and how a
// read record's path is spelt back the way the policy named it.
//
// `policyReadPrefixes` is a stand-in for the policy module's own function (the policy helper
// adds `readFile` and a prefix function to src/policy): once that lands, the agent should call it
// and this copy goes. It reads only the model, so it works whichever spelling of the operation
// list the validator ends up with.
import type { Policy } from '../policy/model.js';
import { CONST } from '../sensor/events-def.js';
import { readPrefixComponents } from '../sensor/index.js';

const WILDCARD = /[*?[]/;

/** The literal directory (or file) part of a targetFilePath pattern, or undefined for `/**`. */
export function literalPrefix(pattern: string): string | undefined {
  if (!pattern.startsWith('/')) return undefined;
  const w = pattern.search(WILDCARD);
  let lit = w < 0 ? pattern : pattern.slice(0, pattern.lastIndexOf('/', w) + 1);
  // Lexical `.`/`..`: the kernel walk has none, so neither may a prefix.
  const comps: string[] = [];
  for (const c of lit.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') comps.pop();
    else comps.push(c);
  }
  // The kernel filter holds 8 components of < 64 bytes: a shorter prefix is broader, still right
  // (user space applies the full pattern afterwards).
  const kept: string[] = [];
  for (const c of comps) {
    if (kept.length === CONST.D4C_READ_COMPS || Buffer.byteLength(c) >= CONST.D4C_READ_COMP_LEN) break;
    kept.push(c);
  }
  lit = `/${kept.join('/')}`;
  return kept.length === 0 ? undefined : lit;
}

/** targetFilePath prefixes of the file selectors whose operation list names `readFile`. */
export function policyReadPrefixes(policy: Policy): string[] {
  const out = new Set<string>();
  for (const s of policy.file?.selectors ?? []) {
    if (!(s.operation as readonly string[] | undefined)?.includes('readFile')) continue;
    for (const p of s.targetFilePath ?? []) {
      const lit = literalPrefix(p);
      if (lit !== undefined) out.add(lit);
    }
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
