/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exit codes of the helpers (d4c-sensor: loader.c, d4c-enforcer: enforcer.c, d4c-connect-block:
 * connect-block.c); each failure also prints one line on stderr. Mirrored by
 * src/enforce/exit-codes.ts, which maps them to error codes (checked by src/enforce/layout.test.ts).
 * Codes 4 to 6 mean different things per helper: each helper uses only its own.
 */
#ifndef D4C_EXIT_CODES_H
#define D4C_EXIT_CODES_H

#define D4C_EXIT_OK 0
#define D4C_EXIT_OTHER 1
#define D4C_EXIT_USAGE 2
#define D4C_EXIT_NOT_ROOT 3
#define D4C_EXIT_NO_BTF 4          /* d4c-sensor: no /sys/kernel/btf/vmlinux */
#define D4C_EXIT_NO_TRACEFS 5      /* d4c-sensor: tracefs not mounted and not mountable */
#define D4C_EXIT_NO_SENSOR_MAP 4   /* d4c-enforcer: the sensor's pinned open-flags map cannot be opened */
#define D4C_EXIT_NO_FANOTIFY 5     /* d4c-enforcer: fanotify_init failed */
#define D4C_EXIT_NO_MOUNT_EVENTS 6 /* d4c-enforcer: --auto-overlay without FAN_MNT_ATTACH */
#define D4C_EXIT_LOAD 6            /* d4c-sensor, d4c-connect-block: the kernel refused the programs */
#define D4C_EXIT_ATTACH 7          /* d4c-sensor, d4c-connect-block */
#define D4C_EXIT_PIN 8             /* d4c-sensor: pinning the open-flags map */
#define D4C_EXIT_OUTPUT 9          /* d4c-sensor, d4c-enforcer: stdout closed (the agent is gone) */

#endif
