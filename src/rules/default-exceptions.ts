// The exception list d4c ships for Elastic's published D4C rules (exceptions/elastic-d4c.ndjson,
// Kibana's export format): items that keep those rules from misfiring on ordinary containers in
// d4c's documents, each with a comment saying why. One list per tuned rule, named
// `d4c-tuning-<rule_id>`: it applies to the rule with that id whenever the rule is loaded
// (`d4c agent`, `d4c rules test`), unless `--no-default-exceptions`. In Kibana, import the file
// and link each list to its rule.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ExceptionList, type LoadedExceptions, loadExceptions } from './exceptions.js';
import type { LoadedRule } from './load.js';

export const DEFAULT_EXCEPTIONS_FILE = fileURLToPath(
  new URL('../../exceptions/elastic-d4c.ndjson', import.meta.url),
);
export const TUNING_PREFIX = 'd4c-tuning-';

/** The shipped lists (empty when the file is not installed). */
export function loadDefaultExceptions(file = DEFAULT_EXCEPTIONS_FILE): LoadedExceptions {
  if (!existsSync(file)) return { lists: new Map(), diagnostics: [], expired: 0 };
  return loadExceptions(readFileSync(file, 'utf8'), file);
}

export interface Tuned {
  rules: LoadedRule[];
  /** The lists to give the engine: the user's (--exceptions) plus the shipped ones applied. */
  lists: Map<string, ExceptionList> | undefined;
  /** Ids of the rules a shipped list was linked to. */
  applied: string[];
}

/**
 * Links each shipped list to the loaded rule it tunes (by rule_id) and adds it to the lists;
 * rules and lists are copied, never changed. With `skip` (--no-default-exceptions), unchanged.
 */
export function withDefaultExceptions(
  rules: readonly LoadedRule[],
  lists: ReadonlyMap<string, ExceptionList> | undefined,
  skip: boolean,
  shipped: LoadedExceptions = loadDefaultExceptions(),
): Tuned {
  const same = { rules: [...rules], lists: lists ? new Map(lists) : undefined, applied: [] };
  if (skip) return same;
  const out = new Map(lists ?? []);
  const applied: string[] = [];
  const tuned = rules.map((r) => {
    const list = shipped.lists.get(`${TUNING_PREFIX}${r.meta.id}`);
    if (!list) return r;
    // A user's list of the same id (an edited copy of ours) wins.
    if (!out.has(list.listId)) out.set(list.listId, list);
    applied.push(r.meta.id);
    const ref = { id: list.listId, list_id: list.listId, namespace_type: 'single', type: 'detection' };
    return { ...r, meta: { ...r.meta, exceptionsList: [...r.meta.exceptionsList, ref] } };
  });
  if (applied.length === 0) return same;
  return { rules: tuned, lists: out, applied };
}
