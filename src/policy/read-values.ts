// Shared readers of the policy loader: lists, string lists, unknown keys.

import { isScalar, isSeq, type Pair } from 'yaml';
import type { Position } from '../util/index.js';
import { CODES } from './codes.js';
import { REMOVED_CONDITIONS } from './conditions.js';
import { describe, type Source } from './source.js';
import { didYouMean, shown } from './suggest.js';

/** A value with where it was written. */
export interface Located<T> {
  value: T;
  pos: Position;
}

export function unknownKey(
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

/** A list value (aliases followed), or undefined after reporting a wrong type. */
export function readList(src: Source, pair: Pair, what: string): unknown[] | undefined {
  const node = src.deref(pair.value);
  if (src.stopped) return undefined;
  if (!isSeq(node)) {
    const at = isScalar(node) && node.value === null ? src.pos(pair.key) : src.pos(node);
    src.report(CODES.wrongType, at, `${what} must be a list, not ${describe(node)}`);
    return undefined;
  }
  return node.items;
}

/**
 * A non-empty list of strings; each value checked for emptiness, type, byte size and duplicates.
 * Returns the located values (bad ones included, so callers keep positions) or undefined.
 */
export function readStrings(
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
