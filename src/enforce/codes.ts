// Stable error codes of enforcement (the fanotify enforcer and the connect filter). Never
// renumber: users grep for them. Exit causes are the helpers' exit codes (exit-codes.ts).
import { errorCodes } from '../util/error-codes.js';

export const ENFORCE_CODES = errorCodes('ENF', {
  badArguments: [10, 'bad enforcer arguments'],
  notRoot: [11, 'run as root'],
  noSensorMap: [12, 'the sensor open-flags map is missing (start the sensor with pinDir first)'],
  noFanotify: [13, 'fanotify_init failed (the kernel needs CONFIG_FANOTIFY_ACCESS_PERMISSIONS)'],
  outputClosed: [14, 'the enforcer output was closed'],
  noMountEvents: [15, 'autoOverlay needs fanotify mount events (Linux 6.14+)'],
  helperMissing: [18, 'enforcer helper <path> is missing: run scripts/build-bpf.sh'],
  helperFailed: [19, 'the enforcer helper failed / cannot run the enforcer: <reason>'],
  markFailed: [20, 'enforcer: marking failed (errno <n>)'],
  newlineInPath: [21, 'enforcer: a path with a newline'],
  notRunning: [22, 'enforcer: the helper is not running'],
  connectRules: [30, 'connect block: <problems> / <n> rules (limit 256)'],
  connectHelper: [31, 'connect block helper failed / is missing / gave an unexpected answer: <reason>'],
});
