// The helpers' exit codes (bpf/exit-codes.h, checked by layout.test.ts) and what each means for
// the helper that exits with it: the stable error code and a hint for a death without a message.
import { SENSOR_CODES } from '../sensor/codes.js';
import type { ErrorCodeSpec } from '../util/error-codes.js';
import { ENFORCE_CODES } from './codes.js';

export const EXIT = {
  D4C_EXIT_OK: 0,
  D4C_EXIT_OTHER: 1,
  D4C_EXIT_USAGE: 2,
  D4C_EXIT_NOT_ROOT: 3,
  D4C_EXIT_NO_BTF: 4,
  D4C_EXIT_NO_TRACEFS: 5,
  D4C_EXIT_NO_SENSOR_MAP: 4,
  D4C_EXIT_NO_FANOTIFY: 5,
  D4C_EXIT_NO_MOUNT_EVENTS: 6,
  D4C_EXIT_LOAD: 6,
  D4C_EXIT_ATTACH: 7,
  D4C_EXIT_PIN: 8,
  D4C_EXIT_OUTPUT: 9,
} as const;

export interface ExitCause {
  readonly code: string;
  readonly hint: string;
}

type Causes = Readonly<Partial<Record<number, ExitCause>>>;
const cause = (spec: ErrorCodeSpec, hint = spec.message): ExitCause => ({ code: spec.code, hint });

/** d4c-sensor (bpf/loader.c). */
export const SENSOR_EXITS: Causes = {
  [EXIT.D4C_EXIT_USAGE]: cause(SENSOR_CODES.badArguments),
  [EXIT.D4C_EXIT_NOT_ROOT]: cause(SENSOR_CODES.notRoot),
  [EXIT.D4C_EXIT_NO_BTF]: cause(SENSOR_CODES.noBtf),
  [EXIT.D4C_EXIT_NO_TRACEFS]: cause(SENSOR_CODES.noTracefs),
  [EXIT.D4C_EXIT_LOAD]: cause(SENSOR_CODES.loadRefused),
  [EXIT.D4C_EXIT_ATTACH]: cause(SENSOR_CODES.attachFailed),
  [EXIT.D4C_EXIT_PIN]: cause(SENSOR_CODES.pinFailed),
  [EXIT.D4C_EXIT_OUTPUT]: cause(SENSOR_CODES.outputClosed),
};
export const SENSOR_EXIT_OTHER = cause(SENSOR_CODES.loaderFailed, 'the sensor loader failed');

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
