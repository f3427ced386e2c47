// The helpers' exit codes (bpf/exit-codes.h, checked by src/enforce/layout.test.ts) and what each
// means for the sensor loader; the enforcement helpers' meanings are in src/enforce/exit-codes.ts.
// Here, not in enforce, because the sensor is the lower layer: enforce reads it, not the reverse.
import type { ErrorCodeSpec } from '../util/index.js';
import { SENSOR_CODES } from './codes.js';

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

export type Causes = Readonly<Partial<Record<number, ExitCause>>>;
export const cause = (spec: ErrorCodeSpec, hint = spec.message): ExitCause => ({ code: spec.code, hint });

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
