// Reads one selector: its name, its conditions by the condition table, mutual exclusions.

import { isMap, isScalar, type Pair, type YAMLMap } from 'yaml';
import type { Position } from '../util/index.js';
import { CODES } from './codes.js';
import {
  CONDITION_BY_NAME,
  type ConditionName,
  type ConditionSpec,
  MAX_NAME_CHARS,
  maxBytesOf,
  NAME_PATTERN,
  OPERATIONS_BY_SECTION,
  SELECTOR_KEYS,
  sectionOfOperation,
} from './conditions.js';
import type { Section, Selector } from './model.js';
import { parseCidr, parsePortValue, portText } from './net.js';
import { type Located, readList, readStrings, unknownKey } from './read-values.js';
import { describe, keyString, type Source } from './source.js';
import { didYouMean, shown } from './suggest.js';

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

export function readSelector(
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
      src.report(
        CODES.wrongSection,
        src.pos(p.key),
        `${out.label}: "${spec.name}" is a ${spec.sections.join(' and ')} condition; a ${section} selector cannot use it`,
      );
      continue;
    }
    out.keys.set(spec.name, src.pos(p.key));
    readCondition(src, out, spec, p);
  }
  // Reads are filtered in the kernel by path prefix: a read selector must name its paths.
  const readOp = out.values.get('operation')?.find((v) => v.value === 'readFile');
  if (section === 'file' && readOp && !out.keys.has('targetFilePath') && !src.stopped) {
    src.report(
      CODES.readFileNeedsPath,
      readOp.pos,
      `${out.label}: "readFile" needs "targetFilePath" in the same selector: reads are watched in the kernel only below the paths selectors name`,
    );
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
  if (spec.kind === 'portList') {
    readPorts(src, out, spec, pair);
    return;
  }
  const values = readStrings(src, out.label, spec.name, pair, maxBytesOf(spec));
  if (!values) return;
  out.values.set(spec.name, values);
  let ok = true;
  for (const { value, pos } of values) {
    if (value === '') continue;
    if (spec.kind === 'operationList') {
      const section = out.selector.section;
      const allowed = OPERATIONS_BY_SECTION[section];
      if (!(allowed as readonly string[]).includes(value)) {
        ok = false;
        const other = sectionOfOperation(value);
        src.report(
          CODES.badOperation,
          pos,
          `${out.label}: ${shown(value)} is not a ${section} operation${other ? ` (it is a ${other} one)` : ''}; expected one of: ${allowed.join(', ')}${other ? '' : didYouMean(value, allowed)}`,
        );
      }
    } else if (spec.values && !spec.values.includes(value)) {
      ok = false;
      src.report(
        CODES.badValue,
        pos,
        `${out.label}: ${shown(value)} is not a "${spec.name}" value; expected one of: ${spec.values.join(', ')}${didYouMean(value, spec.values)}`,
      );
    } else if (spec.check) {
      const reason = spec.check(value);
      if (reason !== undefined) {
        ok = false;
        src.report(
          spec.name === 'dnsQuestionName' ? CODES.badDnsName : CODES.badAddress,
          pos,
          `${out.label}: "${spec.name}" value ${shown(value)}: ${reason}`,
        );
        continue;
      }
      const cidr = value.startsWith('/') || value.startsWith('@') ? undefined : parseCidr(value);
      if (cidr?.ok && cidr.value.hostBits !== undefined) {
        src.report(
          CODES.cidrHostBits,
          pos,
          `${out.label}: ${shown(value)} has bits set after the prefix; it means ${shown(cidr.value.hostBits)}`,
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

/** Ports: YAML integers or strings `N` / `N-M`; kept in canonical text (`443`, `8000-8080`). */
function readPorts(src: Source, out: SelectorSource, spec: ConditionSpec, pair: Pair): void {
  const what = `${out.label}: "${spec.name}"`;
  const items = readList(src, pair, what);
  if (!items) return;
  if (items.length === 0) {
    src.report(CODES.emptyList, src.pos(pair.value), `${what}: At least one value is required.`);
    return;
  }
  const texts: string[] = [];
  const seen = new Set<string>();
  let ok = true;
  for (const item of items) {
    const v = src.deref(item);
    if (src.stopped) return;
    const pos = src.pos(v ?? item);
    if (!isScalar(v) || (typeof v.value !== 'number' && typeof v.value !== 'string')) {
      ok = false;
      src.report(
        CODES.wrongType,
        pos,
        `${what} values must be ports (443) or ranges ("8000-8080"), not ${describe(v)}`,
      );
      continue;
    }
    if (v.value === '') {
      ok = false;
      src.report(CODES.emptyValue, pos, `${out.label}: "${spec.name}" values cannot be empty`);
      continue;
    }
    const r = parsePortValue(v.value);
    if (!r.ok) {
      ok = false;
      src.report(
        CODES.badPort,
        pos,
        `${out.label}: "${spec.name}" value ${shown(String(v.source ?? v.value))}: ${r.reason}`,
      );
      continue;
    }
    const t = portText(r.value);
    if (seen.has(t))
      src.report(CODES.duplicateValue, pos, `${out.label}: duplicate "${spec.name}" value ${shown(t)}`);
    seen.add(t);
    texts.push(t);
  }
  if (ok) out.selector.destinationPort = texts;
}
