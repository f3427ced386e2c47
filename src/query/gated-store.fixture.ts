// A store whose reads wait at a gate the test opens, counting them: a query stuck in its first
// page (the query socket's slot and disconnect tests).
import type { EventStore } from '../store/index.js';

export interface GatedStore {
  sql: EventStore['sql'];
  /** Reads asked for so far (each waits at the gate until `open`). */
  readonly reads: number;
  open(): void;
}

export function gatedStore(store: EventStore): GatedStore {
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  let reads = 0;
  return {
    sql: async (text, params) => {
      reads++;
      await gate;
      return store.sql(text, params);
    },
    get reads() {
      return reads;
    },
    open: () => open(),
  };
}
