// event.id: unique per document across agents and restarts, cheap to make. A random 64-bit
// prefix drawn once per agent run, then a monotonic counter: no per-event randomness, sortable
// within one run. Tests inject a deterministic generator instead.

import { randomBytes } from 'node:crypto';

export type EventIdGenerator = () => string;

export function randomEventIds(): EventIdGenerator {
  const prefix = randomBytes(8).toString('base64url');
  let n = 0;
  return () => {
    n++;
    return `${prefix}${n.toString(36).padStart(8, '0')}`;
  };
}

/** `prefix-1`, `prefix-2`, …: for golden tests. */
export function sequentialEventIds(prefix = 'evt'): EventIdGenerator {
  let n = 0;
  return () => `${prefix}-${++n}`;
}
