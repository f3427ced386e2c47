// Whole-policy checks after the structure is read: unique names, response references,
// the rules for `block`, unused selectors, and what this kernel can actually block.

import { CODES } from './codes.js';
import { FIM_OPERATIONS, OPERATIONS_BY_SECTION, selectorOperations } from './conditions.js';
import { connectBlockProblem, FILTERABLE_OPERATIONS } from './connect-rules.js';
import type { Operation, Section } from './model.js';
import type { ResponseSource } from './read-response.js';
import type { SelectorSource } from './read-selector.js';
import type { Located } from './read-values.js';
import type { SectionSource } from './section-source.js';
import type { Source } from './source.js';
import { didYouMean, shown } from './suggest.js';

// Elastic's editor texts (cloud_defend translations), reproduced exactly.
const ELASTIC_BLOCK_NEEDS_PATH =
  'The "block" action requires targetFilePath be included in all "match" selectors using FIM operations or in at least one "exclude" selector. Note that selectors without operation will match on all operations, including createFile, modifyFile or deleteFile';
const ELASTIC_SLASH_STAR_STAR =
  'It is dangerous to block FIM operations using a targetFilePath of /**. This can lead to system instability. Note that selectors without operation will match on all operations, including createFile, modifyFile or deleteFile';

/** The operations the enforcing kernel can stop before they take effect. */
export interface EnforcementCaps {
  blockable: ReadonlySet<Operation>;
  /** How the mechanism is named in the warning. */
  mechanism: string;
}

/**
 * This machine's kernel has no BPF-LSM: fanotify permission events can deny an open with
 * write intent of an existing file and an execve, nothing else (no create, unlink, rename, fork).
 * fanotify could also deny opens for reading (`readFile`); the enforcer does not ask for them
 * yet, so a block on reads is warned about like the others. Nothing denies network operations
 * (a `block` on them is an error, D4C-POL-043).
 */
export const DEFAULT_ENFORCEMENT_CAPS: EnforcementCaps = {
  blockable: new Set<Operation>(['modifyFile', 'modifyExecutable', 'exec']),
  mechanism: 'fanotify',
};

/**
 * The agent runs the cgroup connect filter (bpf/connect-block.bpf.c): `connect` and `bind` join
 * what can be blocked, for selectors that filter can express (connect-rules.ts).
 */
export function withConnectBlock(caps: EnforcementCaps): EnforcementCaps {
  return {
    blockable: new Set<Operation>([...caps.blockable, ...FILTERABLE_OPERATIONS]),
    mechanism: caps.mechanism,
  };
}

/** Every process and file operation could be blocked (BPF-LSM): no enforcement warnings. */
export const FULL_ENFORCEMENT_CAPS: EnforcementCaps = {
  blockable: new Set<Operation>([...OPERATIONS_BY_SECTION.process, ...OPERATIONS_BY_SECTION.file]),
  mechanism: 'BPF-LSM',
};

export function checkPolicy(src: Source, sections: SectionSource[], caps: EnforcementCaps): void {
  const byName = new Map<string, SelectorSource>();
  for (const s of sections) {
    for (const sel of s.selectors) {
      const name = sel.selector.name;
      if (!name) continue;
      const first = byName.get(name);
      if (first) {
        src.report(
          CODES.nameDuplicate,
          sel.namePos ?? sel.selector.pos,
          `${sel.label}: This name is already used by another selector. (first at line ${first.namePos?.line ?? first.selector.pos.line})`,
        );
      } else byName.set(name, sel);
    }
  }
  for (const s of sections) {
    const used = new Set<string>();
    for (const r of s.responses) {
      for (const ref of [...r.match, ...r.exclude]) {
        if (checkRef(src, s.section, r, ref, byName, sections)) used.add(ref.value);
      }
      checkBlock(src, s.section, r, byName, caps);
    }
    for (const sel of s.selectors) {
      if (sel.selector.name && byName.get(sel.selector.name) === sel && !used.has(sel.selector.name)) {
        src.report(
          CODES.unusedSelector,
          sel.namePos ?? sel.selector.pos,
          `${sel.label}: This selector is not in use by any response.`,
        );
      }
    }
  }
}

function checkRef(
  src: Source,
  section: Section,
  r: ResponseSource,
  ref: Located<string>,
  byName: Map<string, SelectorSource>,
  sections: SectionSource[],
): boolean {
  const sel = byName.get(ref.value);
  if (!sel) {
    // A selector with a bad name was already reported; do not pile a second error on it.
    const names = sections.find((s) => s.section === section)?.selectors.map((x) => x.selector.name) ?? [];
    src.report(
      CODES.unknownSelector,
      ref.pos,
      `${r.label}: no selector named ${shown(ref.value)}${didYouMean(
        ref.value,
        names.filter((n) => n),
      )}`,
    );
    return false;
  }
  if (sel.selector.section !== section) {
    src.report(
      CODES.otherSectionSelector,
      ref.pos,
      `${r.label}: ${shown(ref.value)} is a ${sel.selector.section} selector; a ${section} response can only use ${section} selectors`,
    );
    return false;
  }
  return true;
}

/** Operations a selector covers: its `operation` list, or its section's implied operations. */
function operationsOf(sel: SelectorSource): readonly Operation[] {
  return selectorOperations(sel.selector);
}

function usesFim(sel: SelectorSource): boolean {
  return operationsOf(sel).some((op) => FIM_OPERATIONS.includes(op));
}

function checkBlock(
  src: Source,
  section: Section,
  r: ResponseSource,
  byName: Map<string, SelectorSource>,
  caps: EnforcementCaps,
): void {
  const block = r.actions.find((a) => a.value === 'block');
  if (!block) return;
  if (!r.actions.some((a) => a.value === 'alert')) {
    src.report(
      CODES.blockNeedsAlert,
      block.pos,
      `${r.label}: The alert action is required when "block" action used.`,
    );
  }
  const own = (refs: Located<string>[]) =>
    refs.map((m) => byName.get(m.value)).filter((s): s is SelectorSource => s?.selector.section === section);
  const match = own(r.match);
  const exclude = own(r.exclude);
  if (section === 'file') {
    // Elastic's rule: every match selector that covers create/modify/delete names a path, or
    // an exclude selector does. We require the exclude selector to have the path (Elastic's
    // editor also accepts any exclude selector without FIM operations, which bounds nothing).
    const unbounded = match.filter((s) => usesFim(s) && !s.values.has('targetFilePath'));
    const excludeBounds = exclude.some((s) => s.values.has('targetFilePath'));
    if (unbounded.length > 0 && !excludeBounds) {
      src.report(
        CODES.blockNeedsPath,
        block.pos,
        `${r.label}: ${ELASTIC_BLOCK_NEEDS_PATH} (without targetFilePath: ${unbounded.map((s) => `"${s.selector.name}"`).join(', ')})`,
      );
    }
    for (const s of match) {
      if (usesFim(s) && s.selector.targetFilePath?.includes('/**')) {
        src.report(
          CODES.blockSlashStarStar,
          block.pos,
          `${r.label}: Warning: Blocking FIM operations: selector "${s.selector.name}": ${ELASTIC_SLASH_STAR_STAR}`,
        );
      }
    }
  }
  const covered = new Set<Operation>();
  for (const s of match) for (const op of operationsOf(s)) covered.add(op);
  // dns is refused on its own (D4C-POL-047) when named; a selector without operations is
  // refused for the connection operations it covers.
  const unenforced = OPERATIONS_BY_SECTION[section].filter(
    (op) => covered.has(op) && !caps.blockable.has(op) && op !== 'dns',
  );
  if (section === 'network') {
    if (match.some((s) => s.selector.operation?.includes('dns') === true)) {
      src.report(
        CODES.dnsBlockUnsupported,
        block.pos,
        `${r.label}: "block" on dns is not supported: d4c observes DNS transactions, it does not block them (out of scope); use "alert"`,
      );
      return;
    }
    // An alert that claims a block the kernel never made is worse than no policy: refuse it.
    if (unenforced.length > 0) {
      src.report(
        CODES.networkBlockUnsupported,
        block.pos,
        `${r.label}: "block" on network operations is not supported (${unenforced.join(', ')}): nothing can deny them on this kernel; use "alert"`,
      );
      return;
    }
    // The kernel can deny connects and binds (cgroup connect4/6, bind4/6): only what its filter can express.
    const reasons = exclude.length > 0 ? ['the connect filter cannot express "exclude"'] : [];
    for (const s of match) {
      const p = connectBlockProblem(s.selector);
      if (p) reasons.push(`selector "${s.selector.name}": ${p}`);
    }
    if (reasons.length > 0) {
      src.report(
        CODES.networkBlockUnsupported,
        block.pos,
        `${r.label}: "block" on ${covered.has('bind') && !covered.has('connect') ? 'bind' : covered.has('bind') ? 'connect and bind' : 'connect'} cannot be enforced: ${reasons.join('; ')}; use "alert"`,
      );
    }
    return;
  }
  if (unenforced.length > 0) {
    const can = [...OPERATIONS_BY_SECTION.file, ...OPERATIONS_BY_SECTION.process].filter((op) =>
      caps.blockable.has(op),
    );
    src.report(
      CODES.blockNotEnforced,
      block.pos,
      `${r.label}: "block" on ${unenforced.join(', ')} alerts but does not prevent the operation on this kernel (${caps.mechanism} can deny: ${can.join(', ') || 'nothing'})`,
    );
  }
}
