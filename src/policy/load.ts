// Policy loader: YAML text -> validated Policy, with every problem positioned at the
// offending key or value. Structure here; cross-references and block rules in check.ts.

import { isMap, isScalar, isSeq, type Pair, type YAMLMap } from 'yaml';
import type { Diagnostic, Position } from '../util/diagnostics.js';
import { checkPolicy, DEFAULT_ENFORCEMENT_CAPS, type EnforcementCaps } from './check.js';
import { CODES } from './codes.js';
import {
  CONDITION_BY_NAME,
  type ConditionName,
  type ConditionSpec,
  MAX_NAME_CHARS,
  MAX_SELECTORS_AND_RESPONSES,
  maxBytesOf,
  NAME_PATTERN,
  OPERATIONS_BY_SECTION,
  REMOVED_CONDITIONS,
  RESPONSE_KEYS,
  SECTION_KEYS,
  SELECTOR_KEYS,
} from './conditions.js';
import {
  ACTIONS,
  type Action,
  type Policy,
  type Response,
  SECTIONS,
  type Section,
  type Selector,
} from './model.js';
import { describe, keyString, openSource, type Source } from './source.js';
import { didYouMean, shown } from './suggest.js';

export interface ParseOptions {
  /** What the enforcing kernel can deny; `block` on anything else is warned about. */
  enforcementCaps?: EnforcementCaps;
}

export interface ParseResult {
  policy: Policy | undefined;
  diagnostics: Diagnostic[];
}

/** A value with where it was written. */
export interface Located<T> {
  value: T;
  pos: Position;
}

export interface SelectorSource {
  selector: Selector;
  /** `selector "x"` or `process selector #2` when it has no usable name. */
  label: string;
  namePos?: Position;
  /** Where each condition's key was written. */
  keys: Map<ConditionName, Position>;
  /** Where each string value was written, per condition. */
  values: Map<ConditionName, Located<string>[]>;
}

export interface ResponseSource {
  response: Response;
  label: string;
  match: Located<string>[];
  exclude: Located<string>[];
  actions: Located<Action>[];
}

export interface SectionSource {
  section: Section;
  keyPos: Position;
  selectors: SelectorSource[];
  responses: ResponseSource[];
}

export function parsePolicy(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const { src, diags } = openSource(text, file);
  if (!src) return { policy: undefined, diagnostics: sorted(diags) };
  const sections = readRoot(src);
  if (!src.stopped && sections.length > 0) {
    checkPolicy(src, sections, options.enforcementCaps ?? DEFAULT_ENFORCEMENT_CAPS);
  }
  const diagnostics = sorted(src.diags);
  if (diagnostics.some((d) => d.severity === 'error') || sections.length === 0) {
    return { policy: undefined, diagnostics };
  }
  const policy: Policy = { source: file };
  for (const s of sections) {
    policy[s.section] = {
      selectors: s.selectors.map((x) => x.selector),
      responses: s.responses.map((x) => x.response),
    };
  }
  return { policy, diagnostics };
}

function sorted(ds: Diagnostic[]): Diagnostic[] {
  return ds
    .map((d, i) => [d, i] as const)
    .sort(([a, i], [b, j]) => a.pos.line - b.pos.line || a.pos.col - b.pos.col || i - j)
    .map(([d]) => d);
}

function readRoot(src: Source): SectionSource[] {
  const root = src.deref(src.doc.contents);
  const empty = root === null || root === undefined || (isScalar(root) && root.value === null);
  if (!isMap(root)) {
    if (!src.stopped) {
      src.report(
        CODES.rootShape,
        src.pos(root),
        empty
          ? 'the policy is empty; expected a mapping with "process" and/or "file"'
          : `a policy is a mapping with "process" and/or "file", not ${describe(root)}`,
      );
    }
    return [];
  }
  const out: SectionSource[] = [];
  for (const pair of root.items) {
    const key = keyString(pair.key);
    if (key === 'process' || key === 'file') {
      const s = readSection(src, key, pair);
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
    src.report(CODES.noSection, src.pos(root), 'A policy needs at least one of "process" or "file".');
  }
  return out;
}

function unknownKey(
  src: Source,
  pair: Pair,
  key: string | undefined,
  where: string,
  known: readonly string[],
): void {
  if (key === undefined) {
    src.report(CODES.unknownKey, src.pos(pair.key ?? pair.value), `keys in ${where} must be plain names`);
  } else if (REMOVED_CONDITIONS.includes(key)) {
    src.report(
      CODES.unknownKey,
      src.pos(pair.key),
      `${shown(key)} is no longer part of Elastic's D4C schema`,
    );
  } else {
    src.report(
      CODES.unknownKey,
      src.pos(pair.key),
      `unknown key ${shown(key)} in ${where}${didYouMean(key, known)}`,
    );
  }
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

/** A list value (aliases followed), or undefined after reporting a wrong type. */
function readList(src: Source, pair: Pair, what: string): unknown[] | undefined {
  const node = src.deref(pair.value);
  if (src.stopped) return undefined;
  if (!isSeq(node)) {
    const at = isScalar(node) && node.value === null ? src.pos(pair.key) : src.pos(node);
    src.report(CODES.wrongType, at, `${what} must be a list, not ${describe(node)}`);
    return undefined;
  }
  return node.items;
}

function readSelector(
  src: Source,
  section: Section,
  item: unknown,
  index: number,
): SelectorSource | undefined {
  const node = src.deref(item);
  if (!isMap(node)) {
    if (!src.stopped) {
      src.report(
        CODES.wrongType,
        src.pos(node ?? item),
        `${section} selector #${index + 1} must be a mapping, not ${describe(node)}`,
      );
    }
    return undefined;
  }
  const selector: Selector = { name: '', section, pos: src.pos(node) };
  const out: SelectorSource = {
    selector,
    label: `${section} selector #${index + 1}`,
    keys: new Map(),
    values: new Map(),
  };
  const namePair = node.items.find((p) => keyString(p.key) === 'name');
  readName(src, out, node, namePair);
  let conditions = 0;
  for (const p of node.items) {
    const key = keyString(p.key);
    if (key === 'name') continue;
    const spec = key === undefined ? undefined : CONDITION_BY_NAME.get(key);
    if (!spec) {
      unknownKey(src, p, key, `${out.label}`, SELECTOR_KEYS);
      continue;
    }
    conditions++;
    if (!spec.sections.includes(section)) {
      const other = spec.sections[0]!;
      src.report(
        CODES.wrongSection,
        src.pos(p.key),
        `${out.label}: "${spec.name}" is a ${other} condition; a ${section} selector cannot use it`,
      );
      continue;
    }
    out.keys.set(spec.name, src.pos(p.key));
    readCondition(src, out, spec, p);
  }
  if (conditions === 0 && !src.stopped) {
    src.report(
      CODES.noCondition,
      out.namePos ?? selector.pos,
      `${out.label}: At least one condition per selector is required.`,
    );
  }
  for (const [name, pos] of out.keys) {
    for (const other of CONDITION_BY_NAME.get(name)?.not ?? []) {
      const otherPos = out.keys.get(other);
      // Report once, at the later of the two keys.
      if (otherPos && (otherPos.line < pos.line || (otherPos.line === pos.line && otherPos.col < pos.col))) {
        src.report(
          CODES.exclusive,
          pos,
          `${out.label}: "${name}" cannot be used with "${other}" in the same selector`,
        );
      }
    }
  }
  return out;
}

function readName(src: Source, out: SelectorSource, node: YAMLMap, pair: Pair | undefined): void {
  if (!pair) {
    src.report(CODES.nameMissing, src.pos(node), `${out.label}: a selector needs a "name"`);
    return;
  }
  const v = src.deref(pair.value);
  if (!isScalar(v) || typeof v.value !== 'string' || v.value === '') {
    const at = isScalar(v) && v.value === null ? src.pos(pair.key) : src.pos(v);
    const what = isScalar(v) && v.value === '' ? 'an empty string' : describe(v);
    src.report(CODES.wrongType, at, `${out.label}: "name" must be a non-empty string, not ${what}`);
    return;
  }
  const name = v.value;
  out.namePos = src.pos(v);
  // Keep even a bad name, so responses naming it do not cascade into "no selector named".
  out.selector.name = name;
  out.label = `selector ${shown(name)}`;
  if (name.length > MAX_NAME_CHARS) {
    src.report(
      CODES.nameTooLong,
      out.namePos,
      `${out.label}: Selector names cannot exceed ${MAX_NAME_CHARS} characters.`,
    );
  } else if (!NAME_PATTERN.test(name)) {
    src.report(
      CODES.nameInvalid,
      out.namePos,
      `${out.label}: Selector names must be alphanumeric and contain no spaces.`,
    );
  }
}

function readCondition(src: Source, out: SelectorSource, spec: ConditionSpec, pair: Pair): void {
  const sel = out.selector as unknown as Record<string, unknown>;
  if (spec.kind === 'flag' || spec.kind === 'boolean') {
    const v = src.deref(pair.value);
    if (!isScalar(v) || typeof v.value !== 'boolean') {
      const at = isScalar(v) && v.value === null ? src.pos(pair.key) : src.pos(v);
      src.report(
        CODES.wrongType,
        at,
        `${out.label}: "${spec.name}" must be true or false, not ${describe(v)}`,
      );
      return;
    }
    sel[spec.name] = v.value;
    return;
  }
  const values = readStrings(src, out.label, spec.name, pair, maxBytesOf(spec));
  if (!values) return;
  out.values.set(spec.name, values);
  let ok = true;
  for (const { value, pos } of values) {
    if (value === '') continue;
    if (spec.kind === 'operationList') {
      const allowed = OPERATIONS_BY_SECTION[out.selector.section];
      if (!(allowed as readonly string[]).includes(value)) {
        ok = false;
        const other = out.selector.section === 'file' ? 'process' : 'file';
        const isOther = (OPERATIONS_BY_SECTION[other] as readonly string[]).includes(value);
        src.report(
          CODES.badOperation,
          pos,
          `${out.label}: ${shown(value)} is not a ${out.selector.section} operation${isOther ? ` (it is a ${other} one)` : ''}; expected one of: ${allowed.join(', ')}${isOther ? '' : didYouMean(value, allowed)}`,
        );
      }
    } else if (spec.pattern && !spec.pattern.test.test(value)) {
      ok = false;
      src.report(
        CODES.pattern,
        pos,
        `${out.label}: ${spec.pattern.error ?? `"${spec.name}" values must match the pattern: /${spec.pattern.source}/`}`,
      );
    }
  }
  if (ok) sel[spec.name] = values.map((v) => v.value);
}

/**
 * A non-empty list of strings; each value checked for emptiness, type, byte size and duplicates.
 * Returns the located values (bad ones included, so callers keep positions) or undefined.
 */
function readStrings(
  src: Source,
  label: string,
  key: string,
  pair: Pair,
  maxBytes: number | undefined,
): Located<string>[] | undefined {
  const items = readList(src, pair, `${label}: "${key}"`);
  if (!items) return undefined;
  if (items.length === 0) {
    src.report(CODES.emptyList, src.pos(pair.value), `${label}: "${key}": At least one value is required.`);
    return undefined;
  }
  const out: Located<string>[] = [];
  const seen = new Set<string>();
  let bad = false;
  for (const item of items) {
    const v = src.deref(item);
    if (src.stopped) return undefined;
    const pos = src.pos(v ?? item);
    if (!isScalar(v) || (v.value !== null && typeof v.value !== 'string')) {
      bad = true;
      const hint = isScalar(v) && v.source ? `; quote it: "${String(v.source)}"` : '';
      src.report(
        CODES.wrongType,
        pos,
        `${label}: "${key}" values must be strings, not ${describe(v)}${hint}`,
      );
      continue;
    }
    const value = v.value === null ? '' : (v.value as string);
    if (value === '') {
      bad = true;
      src.report(CODES.emptyValue, pos, `${label}: "${key}" values cannot be empty`);
    } else if (maxBytes !== undefined && Buffer.byteLength(value, 'utf8') > maxBytes) {
      bad = true;
      src.report(CODES.tooManyBytes, pos, `${label}: "${key}" values cannot exceed ${maxBytes} bytes`);
    }
    if (seen.has(value) && value !== '') {
      src.report(CODES.duplicateValue, pos, `${label}: duplicate "${key}" value ${shown(value)}`);
    }
    seen.add(value);
    out.push({ value, pos });
  }
  return bad ? undefined : out;
}

function readResponse(
  src: Source,
  section: Section,
  item: unknown,
  index: number,
): ResponseSource | undefined {
  const label = `${section} response #${index + 1}`;
  const node = src.deref(item);
  if (!isMap(node)) {
    if (!src.stopped) {
      src.report(CODES.wrongType, src.pos(node ?? item), `${label} must be a mapping, not ${describe(node)}`);
    }
    return undefined;
  }
  const response: Response = { section, index, match: [], exclude: [], actions: [], pos: src.pos(node) };
  const out: ResponseSource = { response, label, match: [], exclude: [], actions: [] };
  const seen = new Set<string>();
  for (const p of node.items) {
    const key = keyString(p.key);
    if (key !== 'match' && key !== 'exclude' && key !== 'actions') {
      unknownKey(src, p, key, label, RESPONSE_KEYS);
      continue;
    }
    seen.add(key);
    if (key === 'actions') {
      const items = readList(src, p, `${label}: "actions"`);
      if (!items) continue;
      if (items.length === 0) {
        src.report(CODES.noAction, src.pos(p.value), `${label}: At least one action is required.`);
        continue;
      }
      readActions(src, out, items);
      continue;
    }
    const items = readList(src, p, `${label}: "${key}"`);
    if (!items) continue;
    if (items.length === 0) {
      // An empty exclude is harmless (Elastic's editor writes one); an empty match never fires.
      if (key === 'match')
        src.report(CODES.emptyList, src.pos(p.value), `${label}: "match": At least one value is required.`);
      continue;
    }
    const values = readStrings(src, label, key, p, undefined);
    if (values) out[key] = values;
  }
  if (!seen.has('match')) {
    src.report(
      CODES.matchMissing,
      response.pos,
      `${label}: a response needs "match": at least one selector name`,
    );
  }
  if (!seen.has('actions')) {
    src.report(CODES.noAction, response.pos, `${label}: At least one action is required.`);
  }
  response.match = out.match.map((m) => m.value);
  response.exclude = out.exclude.map((m) => m.value);
  response.actions = ACTIONS.filter((a) => out.actions.some((x) => x.value === a));
  return out;
}

function readActions(src: Source, out: ResponseSource, items: unknown[]): void {
  const seen = new Set<string>();
  for (const item of items) {
    const v = src.deref(item);
    if (src.stopped) return;
    const pos = src.pos(v ?? item);
    if (!isScalar(v) || typeof v.value !== 'string') {
      src.report(CODES.wrongType, pos, `${out.label}: "actions" values must be strings, not ${describe(v)}`);
      continue;
    }
    const a = v.value;
    if (!(ACTIONS as readonly string[]).includes(a)) {
      src.report(
        CODES.badAction,
        pos,
        `${out.label}: ${shown(a)} is not an action; expected one of: ${ACTIONS.join(', ')}${didYouMean(a, ACTIONS)}`,
      );
      continue;
    }
    if (seen.has(a)) src.report(CODES.duplicateValue, pos, `${out.label}: duplicate "actions" value "${a}"`);
    seen.add(a);
    out.actions.push({ value: a as Action, pos });
  }
}
