/* The d4c-enforcer helper's output frames, mirrored by src/enforce/protocol.ts (checked by
 * src/enforce/layout.test.ts). Frame: u32 len, then u32 type and a type-specific body. */
#ifndef D4C_ENFORCER_H
#define D4C_ENFORCER_H
#include <stdint.h>

#define FR_REQUEST 1 /* struct req, then path_len bytes of path, cgroup_len bytes of cgroup path */
#define FR_READY 2   /* empty */
#define FR_STATS 3   /* u32 n, then n u64 counters (enum below) */
#define FR_MARKED 4  /* u32 token, u32 errno (first failure), u32 mounts marked */

#define KIND_WRITE 1 /* FAN_OPEN_PERM with write intent */
#define KIND_EXEC 2  /* FAN_OPEN_EXEC_PERM */

struct req {
	uint32_t kind, tid, pid, mode, flags, path_len, cgroup_len, pad;
	uint64_t id;
	uint64_t deadline; /* CLOCK_MONOTONIC ns after which the fail mode answers (a later verdict is late) */
};

enum {
	C_EVENTS, C_ALLOW_NOT_WANTED, C_ALLOW_READ, C_ALLOW_HOST, C_ALLOW_CREATE, C_ASKED,
	C_ANSWER_ALLOW, C_ANSWER_DENY, C_TIMEOUT_ALLOW, C_TIMEOUT_DENY, C_LATE, C_BUSY,
	C_OVERFLOW, C_ERRORS, C_MAP_MISSING, C_PENDING_MAX, C_AUTO_MARKED, NCOUNT
};

#endif
