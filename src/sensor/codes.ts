// Stable error codes of the sensor (decoder, loader, read prefixes). Never renumber: users grep
// for them. Exit causes are the loader's exit codes (bpf/exit-codes.h, src/enforce/exit-codes.ts).
import { errorCodes } from '../util/error-codes.js';

export const SENSOR_CODES = errorCodes('SEN', {
  shortRecord: [1, 'record or stats frame shorter than its type needs: <sizes>'],
  badString: [2, 'string at <offset>+<length> beyond record end'],
  unknownValue: [3, 'unknown record type, operation, socket family or DNS field <value>'],
  badArguments: [10, 'bad sensor arguments'],
  notRoot: [11, 'run as root'],
  noBtf: [12, 'the kernel has no BTF (CONFIG_DEBUG_INFO_BTF=y is needed)'],
  noTracefs: [13, 'mount tracefs: mount -t tracefs nodev /sys/kernel/tracing'],
  loadRefused: [14, 'the kernel refused the eBPF programs'],
  attachFailed: [15, 'attaching the tracepoints failed'],
  pinFailed: [16, 'pinning the open-flags map failed (is bpffs mounted at /sys/fs/bpf?)'],
  outputClosed: [17, 'the sensor output was closed'],
  loaderMissing: [18, 'sensor loader <path> is missing: run scripts/build-bpf.sh'],
  loaderFailed: [19, 'the sensor loader failed / cannot run the sensor loader: <reason>'],
  badReadPrefix: [20, 'read prefix "<prefix>": <reason>'],
});
