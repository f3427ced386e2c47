// d4c-enforcer: vetoes opens with write intent and execs in containers with fanotify permission
// events (this kernel has no BPF-LSM). The policy decision is the agent's: this helper answers
// what it can alone (reads, host processes, kinds the agent does not want) and forwards the rest
// over stdout, waiting for a verdict on stdin until a deadline, after which the fail mode applies.
//
// Why a separate process: Node has no fanotify binding, and a helper whose death closes the
// fanotify fd makes the kernel release every pending event (processes are never left blocked).
//
// stdout: frames `u32 len` + payload (little endian), see enforcer.h.
// --auto-overlay: also mark every overlayfs mounted in the host mount namespace (container roots).
// stdin, one command a line:
//   a ID | d ID            allow / deny request ID
//   mark-pid PID [TOKEN]   mark every file-system mount of PID's mount namespace (a container)
//   mark-mount TOKEN PATH  mark the mount holding PATH (tests, host paths)
//   want write|exec|both|none   which kinds the agent decides (others are allowed at once)
//   stats                  emit a STATS frame
//   quit                   exit (pending events are released by the kernel)
// EOF on stdin: the agent is gone, exit.

#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "events.h"

#include "enforcer.h"
#include "exit-codes.h"
static uint64_t cnt[NCOUNT];

#define PENDING 4096 /* power of two; slot = id & (PENDING-1) */
struct pend { uint64_t id; int fd; uint64_t deadline; };
static struct pend pend[PENDING];
static uint64_t next_id = 1, oldest = 1;
static unsigned npending;

static int fan_fd, map_fd = -1, mnt_fd = -1;
static int want_write = 1, want_exec = 1, fail_closed;
static uint64_t deadline_ns = 50 * 1000000ull;
static struct stat self_pidns;

static char obuf[1 << 20];
static size_t olen;

static uint64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void answer(int fd, int allow) {
	struct fanotify_response r = { .fd = fd, .response = allow ? FAN_ALLOW : FAN_DENY };
	if (write(fan_fd, &r, sizeof r) != sizeof r) cnt[C_ERRORS]++;
	close(fd);
}

static void fail_mode(int fd, int counter_allow, int counter_deny) {
	cnt[fail_closed ? counter_deny : counter_allow]++;
	answer(fd, !fail_closed);
}

/* Queue a frame; when the agent does not keep up the frame is refused (caller applies fail mode). */
static int frame(uint32_t type, const void *body, uint32_t blen, const void *a, uint32_t alen,
		 const void *b, uint32_t bl) {
	uint32_t len = 4 + blen + alen + bl;
	if (olen + 4 + len > sizeof obuf) return -1;
	memcpy(obuf + olen, &len, 4);
	memcpy(obuf + olen + 4, &type, 4);
	memcpy(obuf + olen + 8, body, blen);
	if (alen) memcpy(obuf + olen + 8 + blen, a, alen);
	if (bl) memcpy(obuf + olen + 8 + blen + alen, b, bl);
	olen += 4 + len;
	return 0;
}

static void flush_out(void) {
	size_t off = 0;
	while (off < olen) {
		ssize_t n = write(1, obuf + off, olen - off);
		if (n > 0) { off += n; continue; }
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && errno == EAGAIN) break;
		exit(D4C_EXIT_OUTPUT); /* stdout closed: the agent is gone */
	}
	memmove(obuf, obuf + off, olen - off);
	olen -= off;
}

static void emit_stats(void) {
	cnt[C_PENDING_MAX] = cnt[C_PENDING_MAX] > npending ? cnt[C_PENDING_MAX] : npending;
	uint32_t n = NCOUNT;
	uint8_t body[4 + 8 * NCOUNT];
	memcpy(body, &n, 4);
	memcpy(body + 4, cnt, sizeof cnt);
	frame(FR_STATS, body, sizeof body, NULL, 0, NULL, 0);
}

/* Reads a small /proc file; returns length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t cap) {
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0) return -1;
	buf[n] = 0;
	return n;
}

/* The tid's thread-group id and unified (v2) cgroup path. */
static uint32_t tgid_of(uint32_t tid) {
	char p[64], buf[2048];
	snprintf(p, sizeof p, "/proc/%u/status", tid);
	if (read_small(p, buf, sizeof buf) < 0) return 0;
	char *t = strstr(buf, "\nTgid:");
	return t ? (uint32_t)strtoul(t + 6, NULL, 10) : 0;
}

static uint32_t cgroup_of(uint32_t tid, char *out, size_t cap) {
	char p[64], buf[4096];
	snprintf(p, sizeof p, "/proc/%u/cgroup", tid);
	if (read_small(p, buf, sizeof buf) < 0) return 0;
	char *l = strncmp(buf, "0::", 3) == 0 ? buf : strstr(buf, "\n0::");
	if (!l) return 0;
	l += l == buf ? 3 : 4;
	size_t n = strcspn(l, "\n");
	if (n >= cap) n = cap - 1;
	memcpy(out, l, n);
	return (uint32_t)n;
}

static int in_host_pidns(uint32_t tid) {
	char p[64];
	struct stat st;
	snprintf(p, sizeof p, "/proc/%u/ns/pid", tid);
	if (stat(p, &st) != 0) return 1; /* gone: nothing to protect */
	return st.st_ino == self_pidns.st_ino && st.st_dev == self_pidns.st_dev;
}

/* fanotify does not say whether the open created the file (FMODE_CREATED is on the opener's file).
 * An empty file born in the last 20 ms is taken as created by this open. */
static int created_just_now(int fd) {
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_BTIME, &sx) != 0 || !(sx.stx_mask & STATX_BTIME)) return 0;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t age = ((int64_t)now.tv_sec - sx.stx_btime.tv_sec) * 1000000000ll + (now.tv_nsec - (int64_t)sx.stx_btime.tv_nsec);
	return age >= -1000000 && age < 20000000;
}

static void expire(uint64_t now) {
	while (oldest < next_id) {
		struct pend *p = &pend[oldest & (PENDING - 1)];
		if (p->id == oldest && p->fd >= 0) {
			if (p->deadline > now) break;
			fail_mode(p->fd, C_TIMEOUT_ALLOW, C_TIMEOUT_DENY);
			p->fd = -1;
			npending--;
		}
		oldest++;
	}
}

static void handle(const struct fanotify_event_metadata *m) {
	cnt[C_EVENTS]++;
	int fd = m->fd;
	uint32_t tid = (uint32_t)m->pid;
	int kind;
	uint32_t flags = 0;
	if (m->mask & FAN_OPEN_EXEC_PERM) {
		if (!want_exec) { cnt[C_ALLOW_NOT_WANTED]++; answer(fd, 1); return; }
		kind = KIND_EXEC;
	} else {
		if (!want_write) { cnt[C_ALLOW_NOT_WANTED]++; answer(fd, 1); return; }
		struct d4c_enter st;
		if (map_fd < 0 || bpf_map_lookup_elem(map_fd, &tid, &st) != 0) {
			cnt[C_MAP_MISSING]++; /* not a watched task, or an exec's own open */
			answer(fd, 1);
			return;
		}
		flags = st.op == D4C_FOP_CREAT ? (O_CREAT | O_TRUNC | O_WRONLY) : st.open_flags;
		if ((st.op != D4C_FOP_OPEN && st.op != D4C_FOP_CREAT) ||
		    !(flags & (O_WRONLY | O_RDWR | O_TRUNC | O_CREAT))) {
			cnt[C_ALLOW_READ]++;
			answer(fd, 1);
			return;
		}
		if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
			/* Always a new file: creation cannot be vetoed here (it already happened). */
			cnt[C_ALLOW_CREATE]++;
			answer(fd, 1);
			return;
		}
		kind = KIND_WRITE;
	}
	if (in_host_pidns(tid)) { cnt[C_ALLOW_HOST]++; answer(fd, 1); return; }

	struct stat st;
	char link[64], path[4096], cg[1024];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t pl = readlink(link, path, sizeof path);
	if (pl <= 0 || fstat(fd, &st) != 0) { cnt[C_ERRORS]++; fail_mode(fd, C_TIMEOUT_ALLOW, C_TIMEOUT_DENY); return; }
	if (kind == KIND_WRITE && (flags & O_CREAT) && st.st_size == 0 && created_just_now(fd)) {
		cnt[C_ALLOW_CREATE]++; /* this open created the file: a create, which cannot be vetoed */
		answer(fd, 1);
		return;
	}

	uint64_t id = next_id;
	struct pend *p = &pend[id & (PENDING - 1)];
	if (p->fd >= 0 && p->id) { /* the table wrapped: the oldest request gives way */
		cnt[C_OVERFLOW]++;
		fail_mode(p->fd, C_TIMEOUT_ALLOW, C_TIMEOUT_DENY);
		p->fd = -1;
		npending--;
	}
	uint64_t deadline = now_ns() + deadline_ns;
	struct req r = { .kind = kind, .tid = tid, .pid = tgid_of(tid), .mode = st.st_mode, .flags = flags,
			 .path_len = (uint32_t)pl, .id = id, .deadline = deadline };
	r.cgroup_len = cgroup_of(tid, cg, sizeof cg);
	if (frame(FR_REQUEST, &r, sizeof r, path, r.path_len, cg, r.cgroup_len) != 0) {
		cnt[C_BUSY]++;
		fail_mode(fd, C_TIMEOUT_ALLOW, C_TIMEOUT_DENY);
		return;
	}
	next_id++;
	*p = (struct pend){ .id = id, .fd = fd, .deadline = deadline };
	npending++;
	if (npending > cnt[C_PENDING_MAX]) cnt[C_PENDING_MAX] = npending;
	cnt[C_ASKED]++;
}

static void verdict(uint64_t id, int allow) {
	struct pend *p = &pend[id & (PENDING - 1)];
	if (id == 0 || p->id != id || p->fd < 0) { cnt[C_LATE]++; return; }
	cnt[allow ? C_ANSWER_ALLOW : C_ANSWER_DENY]++;
	answer(p->fd, allow);
	p->fd = -1;
	npending--;
}

/* Decodes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s) {
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] && r[3]) {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else *w++ = *r;
	}
	*w = 0;
}

static const uint64_t MARK_MASK = FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM;

/* Marks each file-system mount of PID's mount namespace, resolved inside its root. */
static int mark_pid(uint32_t pid, int *marked) {
	static const char *skip[] = { "proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "securityfs",
				      "debugfs", "tracefs", "bpf", "fusectl", "configfs", "pstore", "binfmt_misc", NULL };
	char p[64];
	snprintf(p, sizeof p, "/proc/%u/root", pid);
	int root = open(p, O_PATH | O_CLOEXEC);
	if (root < 0) return errno;
	snprintf(p, sizeof p, "/proc/%u/mountinfo", pid);
	FILE *f = fopen(p, "re");
	if (!f) { int e = errno; close(root); return e; }
	char *line = NULL;
	size_t cap = 0;
	int err = 0;
	while (getline(&line, &cap, f) > 0) {
		char mp[4096], fstype[64];
		char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 || sscanf(sep + 3, "%63s", fstype) != 1) continue;
		int skipped = 0;
		for (const char **s = skip; *s; s++) skipped |= strcmp(*s, fstype) == 0;
		if (skipped) continue;
		unescape(mp);
		struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
		int fd = (int)syscall(SYS_openat2, root, mp[1] ? mp + 1 : ".", &how, sizeof how);
		if (fd < 0) { err = err ? err : errno; continue; }
		/* Through the magic link: fanotify_mark() takes no O_PATH fd, and opening the mount for real
		 * could raise a permission event this (single-threaded) helper would have to answer. */
		char self[64];
		snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
		if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_MOUNT, MARK_MASK, AT_FDCWD, self) == 0) (*marked)++;
		else err = err ? err : errno;
		close(fd);
	}
	free(line);
	fclose(f);
	close(root);
	return *marked ? 0 : (err ? err : ENOENT);
}

/* --auto-overlay: a container's root file system (overlayfs) is mounted in the host mount
 * namespace before the container starts (podman's merged dir, containerd's shim rootfs). A
 * FAN_MNT_ATTACH watch on the host namespace (6.14+) triggers a rescan of our mountinfo, and each
 * new overlay gets a FAN_MARK_FILESYSTEM mark, which covers every mount of that superblock,
 * including the container's root. Not in Debian 12's headers, hence the constants. */
#ifndef FAN_MNT_ATTACH
#define FAN_MNT_ATTACH 0x01000000
#define FAN_REPORT_MNT 0x00004000
#define FAN_MARK_MNTNS 0x00000110
#endif
#define MAX_OVL 4096
static int ovl_ids[MAX_OVL], n_ovl;

static void scan_overlays(void) {
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f) { cnt[C_ERRORS]++; return; }
	static int seen[MAX_OVL];
	int n_seen = 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char mp[4096], fstype[64];
		int id;
		char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%d %*s %*s %*s %4095s", &id, mp) != 2 || sscanf(sep + 3, "%63s", fstype) != 1) continue;
		if (strcmp(fstype, "overlay") != 0 || n_seen == MAX_OVL) continue;
		seen[n_seen++] = id;
		int known = 0;
		for (int i = 0; i < n_ovl && !known; i++) known = ovl_ids[i] == id;
		if (known) continue;
		unescape(mp);
		if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, MARK_MASK, AT_FDCWD, mp) == 0) cnt[C_AUTO_MARKED]++;
		else cnt[C_ERRORS]++;
	}
	free(line);
	fclose(f);
	/* Mount ids are reused after unmount: remember only those present now. */
	memcpy(ovl_ids, seen, sizeof(int) * n_seen);
	n_ovl = n_seen;
}

static int start_auto_overlay(void) {
	mnt_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_MNT | FAN_NONBLOCK | FAN_CLOEXEC, 0);
	if (mnt_fd < 0) return errno;
	if (fanotify_mark(mnt_fd, FAN_MARK_ADD | FAN_MARK_MNTNS, FAN_MNT_ATTACH, AT_FDCWD, "/proc/self/ns/mnt") != 0) return errno;
	scan_overlays();
	return 0;
}

static void command(char *l) {
	if (l[0] == 'a' && l[1] == ' ') verdict(strtoull(l + 2, NULL, 10), 1);
	else if (l[0] == 'd' && l[1] == ' ') verdict(strtoull(l + 2, NULL, 10), 0);
	else if (strncmp(l, "mark-pid ", 9) == 0 || strncmp(l, "mark-mount ", 11) == 0) {
		int marked = 0, err;
		uint32_t token = 0;
		if (l[5] == 'p') {
			char *end;
			uint32_t pid = (uint32_t)strtoul(l + 9, &end, 10);
			token = (uint32_t)strtoul(end, NULL, 10);
			err = mark_pid(pid, &marked);
		} else {
			char *path;
			token = (uint32_t)strtoul(l + 11, &path, 10);
			path += *path == ' ';
			err = fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_MOUNT, MARK_MASK, AT_FDCWD, path) == 0 ? 0 : errno;
			marked = err == 0;
		}
		uint32_t body[3] = { token, (uint32_t)err, (uint32_t)marked };
		frame(FR_MARKED, body, sizeof body, NULL, 0, NULL, 0);
	} else if (strncmp(l, "want ", 5) == 0) {
		want_write = strcmp(l + 5, "write") == 0 || strcmp(l + 5, "both") == 0;
		want_exec = strcmp(l + 5, "exec") == 0 || strcmp(l + 5, "both") == 0;
	} else if (strcmp(l, "stats") == 0) emit_stats();
	else if (strcmp(l, "quit") == 0) { flush_out(); exit(D4C_EXIT_OK); }
}

static void usage(void) {
	fprintf(stderr, "usage: d4c-enforcer [--map PINNED_ENTER_STATE] [--deadline-ms N] [--fail-closed] [--want write|exec|both] [--auto-overlay]\n");
	exit(D4C_EXIT_USAGE);
}

int main(int argc, char **argv) {
	const char *map_path = NULL;
	int auto_overlay = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--map") && i + 1 < argc) map_path = argv[++i];
		else if (!strcmp(argv[i], "--deadline-ms") && i + 1 < argc) deadline_ns = strtoull(argv[++i], NULL, 10) * 1000000ull;
		else if (!strcmp(argv[i], "--fail-closed")) fail_closed = 1;
		else if (!strcmp(argv[i], "--auto-overlay")) auto_overlay = 1;
		else if (!strcmp(argv[i], "--want") && i + 1 < argc) {
			char l[32];
			snprintf(l, sizeof l, "want %s", argv[++i]);
			command(l);
		} else usage();
	}
	if (geteuid() != 0) { fprintf(stderr, "d4c-enforcer: must run as root\n"); return D4C_EXIT_NOT_ROOT; }
	signal(SIGPIPE, SIG_IGN);
	if (stat("/proc/self/ns/pid", &self_pidns) != 0) { perror("d4c-enforcer: /proc/self/ns/pid"); return D4C_EXIT_OTHER; }
	if (map_path) {
		map_fd = bpf_obj_get(map_path);
		if (map_fd < 0) { fprintf(stderr, "d4c-enforcer: cannot open the sensor map %s: %s\n", map_path, strerror(errno)); return D4C_EXIT_NO_SENSOR_MAP; }
	}
	/* FAN_REPORT_TID: the event's pid is the opening thread, which keys the sensor's map. */
	fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_TID,
			       O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (fan_fd < 0) { fprintf(stderr, "d4c-enforcer: fanotify_init: %s\n", strerror(errno)); return D4C_EXIT_NO_FANOTIFY; }
	for (int i = 0; i < PENDING; i++) pend[i].fd = -1;
	if (auto_overlay && (errno = start_auto_overlay()) != 0) {
		fprintf(stderr, "d4c-enforcer: --auto-overlay needs FAN_MNT_ATTACH (Linux 6.14+): %s\n", strerror(errno));
		return D4C_EXIT_NO_MOUNT_EVENTS;
	}
	fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
	frame(FR_READY, "", 0, NULL, 0, NULL, 0);
	flush_out();

	static char ev[64 * 1024] __attribute__((aligned(8)));
	static char in[1 << 16];
	size_t inlen = 0;
	for (;;) {
		int timeout = -1;
		if (npending) {
			struct pend *p = &pend[oldest & (PENDING - 1)];
			uint64_t now = now_ns();
			expire(now);
			p = &pend[oldest & (PENDING - 1)];
			if (npending && p->id == oldest) timeout = (int)((p->deadline - now) / 1000000ull) + 1;
		}
		struct pollfd pf[3] = { { .fd = fan_fd, .events = POLLIN }, { .fd = 0, .events = POLLIN }, { .fd = mnt_fd, .events = POLLIN } };
		int n = poll(pf, mnt_fd >= 0 ? 3 : 2, olen ? 1 : timeout);
		if (n < 0 && errno != EINTR) return D4C_EXIT_OTHER;
		if (pf[0].revents & POLLIN) {
			ssize_t len;
			while ((len = read(fan_fd, ev, sizeof ev)) > 0) {
				for (struct fanotify_event_metadata *m = (void *)ev; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
					if (m->vers != FANOTIFY_METADATA_VERSION) { fprintf(stderr, "d4c-enforcer: fanotify ABI mismatch\n"); return D4C_EXIT_OTHER; }
					if (m->fd == FAN_NOFD) { cnt[C_OVERFLOW]++; continue; }
					if (m->mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM)) handle(m);
					else close(m->fd);
				}
			}
		}
		if (mnt_fd >= 0 && (pf[2].revents & POLLIN)) {
			/* Only the fact matters: drain the attach events, then rescan once. */
			while (read(mnt_fd, ev, sizeof ev) > 0) {}
			scan_overlays();
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(0, in + inlen, sizeof in - inlen);
			if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) { flush_out(); return D4C_EXIT_OK; }
			if (r > 0) inlen += r;
			char *s = in, *nl;
			while ((nl = memchr(s, '\n', in + inlen - s))) {
				*nl = 0;
				command(s);
				s = nl + 1;
			}
			inlen -= s - in;
			memmove(in, s, inlen);
			if (inlen == sizeof in) inlen = 0; /* an over-long line: drop it */
		}
		if (olen) flush_out();
	}
}
