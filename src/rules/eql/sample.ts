// Streaming `sample by k [A] [B] …`: per join key, the first event matching each filter (in any
// order) is kept; when every filter has one, the sample is emitted (events in filter order) and
// the key starts over. An event fills at most one slot. Keys are bounded (LRU eviction, counted).
import type { SeqStagePlan } from './sequence.js';

export interface SamplePlan {
  stages: SeqStagePlan[];
}

export interface SampleStats {
  keys: number;
  completed: number;
  evictedKeys: number;
}

export class SampleMatcher {
  private readonly keys = new Map<string, unknown[]>();
  private readonly maxKeys: number;
  readonly stats = { completed: 0, evictedKeys: 0 };

  constructor(
    private readonly plan: SamplePlan,
    opts: { maxKeys?: number } = {},
  ) {
    this.maxKeys = opts.maxKeys ?? 100_000;
  }

  push(doc: unknown, id: unknown): unknown[][] {
    const n = this.plan.stages.length;
    for (let i = 0; i < n; i++) {
      const s = this.plan.stages[i]!;
      if (!s.pred(doc)) continue;
      const k = s.key(doc);
      if (k === null) continue;
      let slots = this.keys.get(k);
      if (slots?.[i] !== undefined) continue;
      if (!slots) {
        slots = new Array(n);
        this.keys.set(k, slots);
        if (this.keys.size > this.maxKeys) {
          this.keys.delete(this.keys.keys().next().value as string);
          this.stats.evictedKeys++;
        }
      }
      slots[i] = id;
      let full = true;
      for (let j = 0; j < n; j++) if (slots[j] === undefined) full = false;
      if (!full) return [];
      this.keys.delete(k);
      this.stats.completed++;
      return [slots];
    }
    return [];
  }

  snapshot(): SampleStats {
    return { ...this.stats, keys: this.keys.size };
  }
}
