// The live eBPF sensor: process and file events from containers. See docs/sensor.md.
export { DecodeError, decodeRecord, decodeStats } from './decode.js';
export { FrameReader } from './frames.js';
export { type HelperHealth, HelperWatch, type WatchedHelper } from './helpers.js';
export { errnoName, inetTransport, ipv4, ipv6, unixPath } from './net.js';
export {
  type D4cFileChange,
  type D4cFileOperation,
  d4cOperations,
  FILE_HOOK_POINTS,
  fileHookPoint,
  isExecutableMode,
} from './ops.js';
export { bytesToString, joinPath, normalise } from './paths.js';
export { AGENT_PIN_PREFIX, removeStalePins } from './pins.js';
export { checkReadPrefixes, readPrefixComponents } from './read-prefixes.js';
export { DEFAULT_LOADER, type Sensor, type SensorOptions, startSensor } from './sensor.js';
export type * from './types.js';
export {
  FILE_OPS,
  KERNEL_COUNTER_NAMES,
  KERNEL_COUNTERS,
  KERNEL_DROP_LABELS,
  NET_OPS,
  RECORD_KINDS,
  RECORD_TYPES,
} from './wire.js';
