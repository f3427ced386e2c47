// Policy loader: YAML text -> validated Policy, with every problem positioned at the
// offending key or value. Structure here; cross-references and block rules in check.ts.

import { isMap, isScalar, type Pair } from 'yaml';
import type { Diagnostic } from '../util/index.js';
import { isAgentInput, readAgentInput } from './agent-input.js';
import { checkPolicy, DEFAULT_ENFORCEMENT_CAPS, type EnforcementCaps } from './check.js';
import { CODES } from './codes.js';
import { MAX_SELECTORS_AND_RESPONSES, SECTION_KEYS } from './conditions.js';
import { type Policy, SECTIONS, type Section } from './model.js';
import { readResponse } from './read-response.js';
import { readSelector } from './read-selector.js';
import { readList, unknownKey } from './read-values.js';
import type { SectionSource } from './section-source.js';
import { describe, keyString, openSource, type Source } from './source.js';

export interface ParseOptions {
  /** What the enforcing kernel can deny; `block` on anything else is warned about. */
  enforcementCaps?: EnforcementCaps;
}

export interface ParseResult {
  policy: Policy | undefined;
  diagnostics: Diagnostic[];
}

export type { ResponseSource } from './read-response.js';
export type { SelectorSource } from './read-selector.js';
export type { Located } from './read-values.js';
export type { SectionSource } from './section-source.js';

export function parsePolicy(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const { src, diags } = openSource(text, file);
  if (!src) return { policy: undefined, diagnostics: sorted(diags) };
  const identity: Pick<Policy, 'packagePolicyId' | 'packagePolicyRevision'> = {};
  const sections = readRoot(src, identity);
  if (!src.stopped && sections.length > 0) {
    checkPolicy(src, sections, options.enforcementCaps ?? DEFAULT_ENFORCEMENT_CAPS);
  }
  const diagnostics = sorted(src.diags);
  if (diagnostics.some((d) => d.severity === 'error') || sections.length === 0) {
    return { policy: undefined, diagnostics };
  }
  const policy: Policy = { source: file, ...identity };
  for (const s of sections) {
    policy[s.section] = {
      selectors: s.selectors.map((x) => x.selector),
      responses: s.responses.map((x) => x.response),
    };
  }
  return { policy, diagnostics };
}

/** By position, stable; a node reached twice through aliases reports its problems once. */
function sorted(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds
    .filter((d) => {
      const k = `${d.pos.line}:${d.pos.col}:${d.code}:${d.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .map((d, i) => [d, i] as const)
    .sort(([a, i], [b, j]) => a.pos.line - b.pos.line || a.pos.col - b.pos.col || i - j)
    .map(([d]) => d);
}

function readRoot(
  src: Source,
  identity: Pick<Policy, 'packagePolicyId' | 'packagePolicyRevision'>,
): SectionSource[] {
  let root = src.deref(src.doc.contents);
  // The standalone Elastic Agent form: the policy is its input's `security-policy`.
  if (isMap(root) && isAgentInput(root)) {
    const input = readAgentInput(src, root);
    if (!input) return [];
    if (input.packagePolicyId !== undefined) identity.packagePolicyId = input.packagePolicyId;
    if (input.packagePolicyRevision !== undefined)
      identity.packagePolicyRevision = input.packagePolicyRevision;
    root = input.policy;
  }
  const empty = root === null || root === undefined || (isScalar(root) && root.value === null);
  if (!isMap(root)) {
    if (!src.stopped) {
      src.report(
        CODES.rootShape,
        src.pos(root),
        empty
          ? 'the policy is empty; expected a mapping with "process", "file" and/or "network"'
          : `a policy is a mapping with "process", "file" and/or "network", not ${describe(root)}`,
      );
    }
    return [];
  }
  const out: SectionSource[] = [];
  for (const pair of root.items) {
    const key = keyString(pair.key);
    if (key !== undefined && (SECTIONS as readonly string[]).includes(key)) {
      const s = readSection(src, key as Section, pair);
      if (s) out.push(s);
    } else {
      unknownKey(src, pair, key, 'the policy', SECTIONS);
    }
  }
  if (
    out.length === 0 &&
    !src.stopped &&
    !root.items.some((p) => SECTIONS.includes(keyString(p.key) as Section))
  ) {
    src.report(
      CODES.noSection,
      src.pos(root),
      'A policy needs at least one of "process", "file" or "network".',
    );
  }
  return out;
}

function readSection(src: Source, section: Section, pair: Pair): SectionSource | undefined {
  const keyPos = src.pos(pair.key);
  const node = src.deref(pair.value);
  if (!isMap(node)) {
    if (!src.stopped) {
      src.report(
        CODES.wrongType,
        isScalar(node) && node.value === null ? keyPos : src.pos(node),
        `"${section}" must be a mapping with "selectors" and "responses", not ${describe(node)}`,
      );
    }
    return undefined;
  }
  const out: SectionSource = { section, keyPos, selectors: [], responses: [] };
  const seen = new Set<string>();
  let counted = 0;
  for (const p of node.items) {
    const key = keyString(p.key);
    if (key !== 'selectors' && key !== 'responses') {
      unknownKey(src, p, key, `"${section}"`, SECTION_KEYS);
      continue;
    }
    seen.add(key);
    const list = readList(src, p, `"${section}.${key}"`);
    if (!list) continue;
    counted += list.length;
    if (list.length === 0) {
      src.report(CODES.sectionShape, src.pos(p.key), `"${section}.${key}" needs at least one item`);
    }
    list.forEach((item, i) => {
      if (src.stopped) return;
      if (key === 'selectors') {
        const s = readSelector(src, section, item, i);
        if (s) out.selectors.push(s);
      } else {
        const r = readResponse(src, section, item, i);
        if (r) out.responses.push(r);
      }
    });
  }
  for (const k of SECTION_KEYS) {
    if (!seen.has(k))
      src.report(CODES.sectionShape, keyPos, `"${section}" needs "${k}" with at least one item`);
  }
  const total = counted;
  if (total > MAX_SELECTORS_AND_RESPONSES) {
    src.report(
      CODES.tooMany,
      keyPos,
      `You cannot exceed ${MAX_SELECTORS_AND_RESPONSES} selectors + responses for a given type e.g file, process (${section} has ${total})`,
    );
  }
  return out;
}
