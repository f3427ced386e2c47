// The disk spool between the agent and every remote output (see docs/outputs.md).
export type { DiskSpoolOptions, DiskSpoolStats, FullPolicy, Pos, SpoolBatch } from './disk.js';
export { DiskSpool } from './disk.js';
export type { DeadItem, RemoteSender, SendOutcome, SpoolOutputOptions, SpoolOutputStats } from './output.js';
export { backoffDelay, docId, SpoolOutput } from './output.js';
export type { SpoolItem } from './record.js';
export { decodePayload, encodeRecord, parseRecord } from './record.js';
