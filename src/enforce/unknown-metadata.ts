// Which enforcer decisions depend on metadata the agent may not have yet (a container's first
// writes, before its image and pod are known). `--unknown-metadata allow` waives a block only
// for those: a selector without container or pod conditions decides the same with or without
// them, so its block holds from a container's first write (issue 22, #6). Whether the session
// has a terminal the decision thread reads from /proc (proc-facts.ts): known too.
import type { Policy, Section, Selector } from '../policy/index.js';

/** Conditions the enforcer's request itself carries (known without any metadata). */
const KNOWN: Record<'file' | 'process', ReadonlySet<string>> = {
  file: new Set(['operation', 'targetFilePath']),
  // An exec request names the executable being run: the process after the exec.
  process: new Set(['operation', 'processExecutable', 'processName']),
};
/** Conditions the decision thread reads from /proc at the request (proc-facts.ts). */
export const PROC_CONDITIONS = ['sessionLeaderInteractive'] as const;
const META = new Set(['name', 'section', 'pos']);

function needsMetadata(s: Selector, known: ReadonlySet<string>, alsoKnown: readonly string[]): boolean {
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined || META.has(k) || known.has(k) || alsoKnown.includes(k)) continue;
    return true;
  }
  return false;
}

/** The selectors a blocking response of the section matches or excludes (undefined: an unknown name). */
function* blockingSelectors(policy: Policy, section: 'file' | 'process'): Generator<Selector | undefined> {
  const s = policy[section];
  if (!s) return;
  const byName = new Map(s.selectors.map((x) => [x.name, x]));
  for (const r of s.responses) {
    if (!r.actions.includes('block')) continue;
    for (const name of [...r.match, ...r.exclude]) yield byName.get(name);
  }
}

/**
 * Per section: true when some blocking response matches or excludes a selector with a
 * condition the request does not carry, nor `alsoKnown` (so an unknown context could change
 * the decision).
 */
export function metadataDependence(
  policy: Policy,
  alsoKnown: readonly string[] = [],
): Record<'file' | 'process', boolean> {
  const out = { file: false, process: false };
  // An unknown name cannot be judged: treat it as needing metadata (the old behaviour).
  for (const section of ['file', 'process'] as const satisfies readonly Section[])
    for (const sel of blockingSelectors(policy, section))
      if (!sel || needsMetadata(sel, KNOWN[section], alsoKnown)) out[section] = true;
  return out;
}

/** True when a blocking selector asks whether the session is interactive (read from /proc). */
export function wantsTty(policy: Policy): boolean {
  for (const section of ['file', 'process'] as const)
    for (const sel of blockingSelectors(policy, section))
      if (sel?.sessionLeaderInteractive !== undefined) return true;
  return false;
}
