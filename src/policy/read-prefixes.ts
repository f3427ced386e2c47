// What the kernel must watch for `readFile`: the path prefixes below which an open for reading
// can make some response fire. The sensor filters reads in the kernel by these prefixes, so
// reads elsewhere cost nothing; the policy still decides on the full path in user space (a
// prefix is coarser than its pattern: `/etc/shadow` also lets `/etc/shadow-` through).

import type { CompiledPolicy } from './compile.js';
import type { Policy } from './model.js';
import { prefixFree } from './patterns.js';

/** The literal part of a `targetFilePath` before its wildcard: `/a/**` and `/a/*` give `/a/`. */
export function literalPrefix(pattern: string): string {
  if (pattern.endsWith('/**')) return pattern.slice(0, -2);
  if (pattern.endsWith('/*')) return pattern.slice(0, -1);
  return pattern;
}

/**
 * The sorted, prefix-free list of path prefixes the kernel must report reads under, for the
 * selectors that name `readFile` and are in the `match` of a response with an action. A
 * prefix already covered by a shorter one is dropped. Empty when no response can fire on a
 * read (then the read hook need not run at all). A selector enabling reads without
 * `targetFilePath` (the validator refuses it; only a policy built in code can have one)
 * yields `/`: every read.
 */
export function readPathPrefixes(policy: Policy | CompiledPolicy): string[] {
  const p = 'decide' in policy ? policy.policy : policy;
  const file = p.file;
  if (!file) return [];
  const firing = new Set<string>();
  for (const r of file.responses) if (r.actions.length > 0) for (const m of r.match) firing.add(m);
  const prefixes = new Set<string>();
  for (const s of file.selectors) {
    if (!firing.has(s.name) || !s.operation?.includes('readFile')) continue;
    for (const t of s.targetFilePath ?? ['/**']) prefixes.add(literalPrefix(t));
  }
  return prefixFree([...prefixes]);
}
