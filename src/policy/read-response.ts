// Reads one response: match, exclude, actions.

import { isMap, isScalar } from 'yaml';
import { CODES } from './codes.js';
import { RESPONSE_KEYS } from './conditions.js';
import { ACTIONS, type Action, type Response, type Section } from './model.js';
import { type Located, readList, readStrings, unknownKey } from './read-values.js';
import { describe, keyString, type Source } from './source.js';
import { didYouMean, shown } from './suggest.js';

export interface ResponseSource {
  response: Response;
  label: string;
  match: Located<string>[];
  exclude: Located<string>[];
  actions: Located<Action>[];
}

export function readResponse(
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
