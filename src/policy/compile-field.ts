// What the compiled matcher is made of, per condition kind: selector masks and their memo.
// Shared by compile.ts and compile-net.ts (the network conditions), so neither imports the other.
import type { PolicyEvent } from './model.js';

export type Mask = Uint32Array;

/** One condition kind of a section: the event's value -> mask of selectors it lets through. */
export interface Field {
  cost: number;
  /** Selectors without this condition (every mask includes them). */
  free: Mask;
  mask: (ev: PolicyEvent) => Mask;
}

/** Bound on memoised values per field and on cached decisions per section. */
export const MEMO_MAX = 4096;

export function memo(compute: (v: string) => Mask): (v: string) => Mask {
  const cache = new Map<string, Mask>();
  return (v) => {
    let m = cache.get(v);
    if (m === undefined) {
      m = compute(v);
      if (cache.size >= MEMO_MAX) cache.clear();
      cache.set(v, m);
    }
    return m;
  };
}
