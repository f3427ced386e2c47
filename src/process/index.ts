// The process table: processes with their entity ids and leaders, from /proc and sensor events.

export { type DecodedEntityId, decodeEntityId, entityIdFromTicks } from './entity-id.js';
export { Flag, ProcessEntry } from './entry.js';
export {
  basename,
  entryTypeUnderParent,
  evaluateEntryLeader,
  hasNoEntryLeader,
  isContainerRuntime,
  isInteractive,
  ownEntryType,
  TtyType,
  ttyType,
} from './leaders.js';
export { inChildPidNs } from './origin.js';
export {
  decodeDev,
  type OverlayRoot,
  overlayRootOf,
  type ProcFs,
  type ProcInfo,
  parseCgroup,
  parseCmdline,
  parseExeLink,
  parseNsLink,
  parseStat,
  parseStatus,
  procExecutable,
  readMountinfo,
  readProcess,
} from './procfs.js';
export { ProcessTable } from './table.js';
export type * from './types.js';
export { entityIdOf } from './view.js';
