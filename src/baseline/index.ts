// From monitoring to least privilege (docs/baseline.md): stored events of a window (source.ts),
// what-if replay of a policy over them (replay.ts), workloads (workload.ts), the learned policy
// (learn.ts, write.ts) and the hardening report (posture.ts).
export { Replay, type ReplayReport, type Sample } from './replay.js';
export { type EventSource, openEvents, type StoredEvent, type Window } from './source.js';
export { parseWindow, WindowError } from './window.js';
export { type GroupBy, type Workload, workloadOf, workloadSlug } from './workload.js';
