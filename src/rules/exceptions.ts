// Rule exceptions as Kibana keeps them: exception lists and their items, exported as NDJSON
// (`POST /api/exception_lists/_export`, or Security → Rules → Shared exception lists → Export).
// A rule names the lists that apply to it in `exceptions_list` (list_id); an event that matches
// any item of those lists is not fed to the rule at all, as Kibana adds the exceptions to the
// rule's query as `NOT (item OR item …)` (so a sequence cannot use an excepted event either).
// An item matches when every one of its entries does.
//
// Entries: match, match_any, wildcard, exists (operator `included`, or `excluded` for the
// negation) and nested (inner entries on one element of an object array). `list` entries refer
// to Kibana value lists, which do not travel with the export: refused with their position.
// Each item compiles to a closure once; `itemMatchesRef` is the reference interpreter.

import type { Diagnostic } from '../util/diagnostics.js';
import { EXCEPTION_CODES } from './codes.js';
import { compileGetter, resolveField } from './common/fields.js';
import { compileWildcardLowered, wildcardMatch } from './common/wildcard.js';

export { EXCEPTION_CODES };

export type ExceptionEntry =
  | { type: 'match'; field: string; operator: Operator; value: string }
  | { type: 'match_any'; field: string; operator: Operator; value: string[] }
  | { type: 'wildcard'; field: string; operator: Operator; value: string }
  | { type: 'exists'; field: string; operator: Operator }
  | { type: 'nested'; field: string; entries: ExceptionEntry[] };

type Operator = 'included' | 'excluded';

export interface ExceptionItem {
  itemId: string;
  listId: string;
  name: string;
  entries: ExceptionEntry[];
  /** Where the item is (file, line). */
  file: string;
  line: number;
  /** Compiled once at load. */
  matches: (doc: unknown) => boolean;
}

export interface ExceptionList {
  listId: string;
  name: string;
  items: ExceptionItem[];
}

export interface LoadedExceptions {
  lists: Map<string, ExceptionList>;
  diagnostics: Diagnostic[];
  /** Items skipped because their `expire_time` has passed (Kibana ignores them too). */
  expired: number;
}

/** Field values as the rules see them (any element of a multi-valued field), as strings. */
function values(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const all = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (const x of all)
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out.push(String(x));
  return out;
}

// ---------------------------------------------------------------- reference interpreter

function entryRef(e: ExceptionEntry, doc: unknown): boolean {
  if (e.type === 'nested') {
    const parents = resolveField(doc, e.field);
    const list = parents === undefined ? [] : Array.isArray(parents) ? parents : [parents];
    return list.some((p) => p !== null && typeof p === 'object' && e.entries.every((x) => entryRef(x, p)));
  }
  const vs = values(resolveField(doc, e.field));
  let hit: boolean;
  if (e.type === 'exists') hit = vs.length > 0;
  else if (e.type === 'match') hit = vs.includes(e.value);
  else if (e.type === 'match_any') hit = vs.some((v) => e.value.includes(v));
  else hit = vs.some((v) => wildcardMatch(e.value, v, false));
  return e.operator === 'excluded' ? !hit : hit;
}

/** Reference semantics of an item (the compiled `matches` must agree). */
export function itemMatchesRef(entries: readonly ExceptionEntry[], doc: unknown): boolean {
  return entries.length > 0 && entries.every((e) => entryRef(e, doc));
}

// ---------------------------------------------------------------- compiled

function compileEntry(e: ExceptionEntry): (doc: unknown) => boolean {
  if (e.type === 'nested') {
    const get = compileGetter(e.field);
    const inner = e.entries.map(compileEntry);
    return (doc) => {
      const parents = get(doc);
      const list = parents === undefined ? [] : Array.isArray(parents) ? parents : [parents];
      for (const p of list) if (p !== null && typeof p === 'object' && inner.every((f) => f(p))) return true;
      return false;
    };
  }
  const get = compileGetter(e.field);
  let test: (v: string) => boolean;
  if (e.type === 'exists') test = () => true;
  else if (e.type === 'match') {
    const want = e.value;
    test = (v) => v === want;
  } else if (e.type === 'match_any') {
    const set = new Set(e.value);
    test = (v) => set.has(v);
  } else test = compileWildcardLowered(e.value, false);
  const hitOf = (doc: unknown): boolean => {
    const v = get(doc);
    if (v === undefined || v === null) return false;
    if (!Array.isArray(v)) return scalar(v) && test(String(v));
    for (const x of v) if (scalar(x) && test(String(x))) return true;
    return false;
  };
  return e.operator === 'excluded' ? (doc) => !hitOf(doc) : hitOf;
}

const scalar = (x: unknown): boolean =>
  typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';

export function compileItem(entries: readonly ExceptionEntry[]): (doc: unknown) => boolean {
  if (entries.length === 0) return () => false;
  const fs = entries.map(compileEntry);
  return (doc) => {
    for (const f of fs) if (!f(doc)) return false;
    return true;
  };
}

// ---------------------------------------------------------------- loading

/**
 * Parses a Kibana exception export (NDJSON: list objects, item objects, the export summary).
 * Problems come back as diagnostics with `file:line:col`; a bad item is left out, the rest load.
 * Items of a list whose list object is missing still load (the list is named by its list_id).
 */
export function loadExceptions(text: string, file: string, now = Date.now()): LoadedExceptions {
  const lists = new Map<string, ExceptionList>();
  const diagnostics: Diagnostic[] = [];
  let expired = 0;
  const listOf = (id: string, name?: string): ExceptionList => {
    let l = lists.get(id);
    if (!l) {
      l = { listId: id, name: name ?? id, items: [] };
      lists.set(id, l);
    } else if (name !== undefined) l.name = name;
    return l;
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '') continue;
    const line = i + 1;
    const report = (
      code: string,
      message: string,
      needle?: string,
      severity: 'error' | 'warning' = 'error',
    ) => {
      const at = needle === undefined ? -1 : raw.indexOf(needle);
      diagnostics.push({ code, severity, message, file, pos: { line, col: at < 0 ? 1 : at + 1 } });
    };
    let o: unknown;
    try {
      o = JSON.parse(raw);
    } catch (e) {
      report(EXCEPTION_CODES.invalid, `not a JSON line: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) {
      report(EXCEPTION_CODES.invalid, 'each line must be a JSON object (an exception list or item)');
      continue;
    }
    const r = o as Record<string, unknown>;
    if ('exported_exception_list_count' in r || 'exported_exception_list_item_count' in r) continue; // summary
    const listId = r.list_id;
    if (typeof listId !== 'string' || listId === '') {
      report(EXCEPTION_CODES.invalid, '"list_id" must be a non-empty string', '"list_id"');
      continue;
    }
    if (!('entries' in r) && !('item_id' in r)) {
      listOf(listId, typeof r.name === 'string' ? r.name : undefined); // a list object
      continue;
    }
    if (typeof r.expire_time === 'string' && Date.parse(r.expire_time) <= now) {
      expired++;
      continue;
    }
    const entries = parseEntries(r.entries, '"entries"', (msg, needle, code) =>
      report(code ?? EXCEPTION_CODES.invalid, msg, needle),
    );
    if (entries === undefined) continue;
    listOf(listId).items.push({
      itemId: typeof r.item_id === 'string' ? r.item_id : `line ${line}`,
      listId,
      name: typeof r.name === 'string' ? r.name : '',
      entries,
      file,
      line,
      matches: compileItem(entries),
    });
  }
  return { lists, diagnostics, expired };
}

type Report = (message: string, needle: string | undefined, code?: string) => void;

function parseEntries(
  v: unknown,
  where: string,
  report: Report,
  nested = false,
): ExceptionEntry[] | undefined {
  if (!Array.isArray(v) || v.length === 0) {
    report(`${where} must be a non-empty list of entries`, where);
    return undefined;
  }
  const out: ExceptionEntry[] = [];
  for (const x of v) {
    const e = parseEntry(x, report, nested);
    if (e === undefined) return undefined;
    out.push(e);
  }
  return out;
}

function parseEntry(x: unknown, report: Report, nested: boolean): ExceptionEntry | undefined {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) {
    report('an entry must be an object with "field" and "type"', '"entries"');
    return undefined;
  }
  const e = x as Record<string, unknown>;
  const field = e.field;
  if (typeof field !== 'string' || field === '') {
    report('an entry needs a "field"', '"entries"');
    return undefined;
  }
  const at = `"${field}"`;
  const type = e.type;
  if (type === 'nested') {
    if (nested) {
      report(
        `entry on ${at}: a nested entry cannot hold another nested entry`,
        at,
        EXCEPTION_CODES.unsupported,
      );
      return undefined;
    }
    const entries = parseEntries(e.entries, `nested entry on ${at}: "entries"`, report, true);
    return entries && { type: 'nested', field, entries };
  }
  const operator = e.operator ?? 'included';
  if (operator !== 'included' && operator !== 'excluded') {
    report(
      `entry on ${at}: operator ${JSON.stringify(operator)} is not "included" or "excluded"`,
      at,
      EXCEPTION_CODES.unsupported,
    );
    return undefined;
  }
  switch (type) {
    case 'exists':
      return { type, field, operator };
    case 'match':
    case 'wildcard':
      if (typeof e.value !== 'string') {
        report(`entry on ${at}: "${type}" needs a string "value"`, at);
        return undefined;
      }
      return { type, field, operator, value: e.value };
    case 'match_any':
      if (!Array.isArray(e.value) || e.value.length === 0 || !e.value.every((s) => typeof s === 'string')) {
        report(`entry on ${at}: "match_any" needs a non-empty list of strings as "value"`, at);
        return undefined;
      }
      return { type, field, operator, value: e.value as string[] };
    case 'list':
      report(
        `entry on ${at}: value-list entries ("type": "list") refer to lists kept in Kibana, which the export does not carry; write the values as a "match_any" entry`,
        at,
        EXCEPTION_CODES.unsupported,
      );
      return undefined;
    default:
      report(
        `entry on ${at}: unknown entry type ${JSON.stringify(type)} (match, match_any, wildcard, exists, nested)`,
        at,
        EXCEPTION_CODES.unsupported,
      );
      return undefined;
  }
}

/** The list ids a rule's `exceptions_list` names. */
export function ruleListIds(exceptionsList: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const x of exceptionsList) {
    const id = (x as { list_id?: unknown } | null)?.list_id;
    if (typeof id === 'string' && id !== '') out.push(id);
  }
  return out;
}

/**
 * The predicate that keeps an event away from a rule (undefined when no loaded list applies),
 * and the list ids the rule names that were not loaded.
 */
export function ruleExceptions(
  exceptionsList: readonly unknown[],
  loaded: ReadonlyMap<string, ExceptionList>,
): { excepted: ((doc: unknown) => boolean) | undefined; missing: string[] } {
  const items: ((doc: unknown) => boolean)[] = [];
  const missing: string[] = [];
  for (const id of ruleListIds(exceptionsList)) {
    const l = loaded.get(id);
    if (!l) missing.push(id);
    else for (const it of l.items) items.push(it.matches);
  }
  if (items.length === 0) return { excepted: undefined, missing };
  return {
    excepted: (doc) => {
      for (const f of items) if (f(doc)) return true;
      return false;
    },
    missing,
  };
}
