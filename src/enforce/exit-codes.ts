// What each of the helpers' exit codes (bpf/exit-codes.h; the table is src/sensor/exit-codes.ts)
// means for the enforcement helpers: the stable error code and a hint for a death without a message.
import { type Causes, cause, EXIT } from '../sensor/index.js';
import { ENFORCE_CODES } from './codes.js';

export { EXIT };

/** d4c-enforcer (bpf/enforcer.c). */
export const ENFORCER_EXITS: Causes = {
  [EXIT.D4C_EXIT_USAGE]: cause(ENFORCE_CODES.badArguments),
  [EXIT.D4C_EXIT_NOT_ROOT]: cause(ENFORCE_CODES.notRoot),
  [EXIT.D4C_EXIT_NO_SENSOR_MAP]: cause(ENFORCE_CODES.noSensorMap),
  [EXIT.D4C_EXIT_NO_FANOTIFY]: cause(ENFORCE_CODES.noFanotify),
  [EXIT.D4C_EXIT_NO_MOUNT_EVENTS]: cause(ENFORCE_CODES.noMountEvents),
  [EXIT.D4C_EXIT_OUTPUT]: cause(ENFORCE_CODES.outputClosed),
};
export const ENFORCER_EXIT_OTHER = cause(ENFORCE_CODES.helperFailed, 'the enforcer helper failed');

/** d4c-connect-block (bpf/connect-block.c): every failure is D4C-ENF-031, the hint says which. */
export const CONNECT_BLOCK_EXITS: Causes = {
  [EXIT.D4C_EXIT_USAGE]: cause(ENFORCE_CODES.connectHelper, 'bad rules'),
  [EXIT.D4C_EXIT_NOT_ROOT]: cause(ENFORCE_CODES.connectHelper, 'needs root'),
  [EXIT.D4C_EXIT_LOAD]: cause(ENFORCE_CODES.connectHelper, 'the kernel refused the connect programs'),
  [EXIT.D4C_EXIT_ATTACH]: cause(
    ENFORCE_CODES.connectHelper,
    'cannot attach to the cgroup (is it a cgroup v2 directory?)',
  ),
};
