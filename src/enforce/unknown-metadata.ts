// Which enforcer decisions depend on metadata the agent may not have yet (a container's first
// writes, before its image and pod are known). `--unknown-metadata allow` waives a block only
// for those: a selector without container, pod or process-of-the-writer conditions decides the
// same with or without them, so its block holds from a container's first write (issue 22, #6).
import type { Policy, Section, Selector } from '../policy/index.js';

/** Conditions the enforcer's request itself carries (known without any metadata). */
const KNOWN: Record<'file' | 'process', ReadonlySet<string>> = {
  file: new Set(['operation', 'targetFilePath']),
  // An exec request names the executable being run: the process after the exec.
  process: new Set(['operation', 'processExecutable', 'processName']),
};
const META = new Set(['name', 'section', 'pos']);

function needsMetadata(s: Selector, known: ReadonlySet<string>): boolean {
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined || META.has(k) || known.has(k)) continue;
    return true;
  }
  return false;
}

/**
 * Per section: true when some blocking response matches or excludes a selector with a
 * condition the request does not carry (so an unknown context could change the decision).
 */
export function metadataDependence(policy: Policy): Record<'file' | 'process', boolean> {
  const out = { file: false, process: false };
  for (const section of ['file', 'process'] as const satisfies readonly Section[]) {
    const s = policy[section];
    if (!s) continue;
    const byName = new Map(s.selectors.map((x) => [x.name, x]));
    for (const r of s.responses) {
      if (!r.actions.includes('block')) continue;
      for (const name of [...r.match, ...r.exclude]) {
        const sel = byName.get(name);
        // An unknown name cannot be judged: treat it as needing metadata (the old behaviour).
        if (!sel || needsMetadata(sel, KNOWN[section])) out[section] = true;
      }
    }
  }
  return out;
}
