// From monitoring to least privilege (docs/baseline.md): stored events of a window (source.ts),
// what-if replay of a policy over them (replay.ts; grouped in DuckDB: replay-store.ts), workloads (workload.ts), the learned policy
// (learn.ts, write.ts) and the hardening report (posture.ts).

export { BASELINE_CODES } from './codes.js';
export { type Learned, Learner } from './learn.js';
export { expressible, type Generalised, generalise } from './paths.js';
export {
  type Finding,
  Posture,
  type PostureReport,
  postureOf,
  RUNTIME_DEFAULT_CAPS,
  type WorkloadPosture,
} from './posture.js';
export { Replay, type ReplayReport, type Sample } from './replay.js';
export { type Group, policyFields, replaySource, storeGroups, storeRows } from './replay-store.js';
export { type EventSource, openEvents, type StoredEvent, storeEvents, type Window } from './source.js';
export { parseWindow, WindowError } from './window.js';
export { type GroupBy, type Workload, workloadOf, workloadSlug } from './workload.js';
export { type Baseline, type BaselineOptions, type LeftOut, writeBaseline } from './write.js';
