/* SPDX-License-Identifier: GPL-2.0 */
/* Constants, maps, runtime config, counters and the container filter of the d4c sensor. */
#ifndef D4C_COMMON_BPF_H
#define D4C_COMMON_BPF_H

#define FMODE_CREATED 0x100000 /* include/linux/fs.h: set in f_mode when open created the file */
#define O_ACCMODE 3
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_PATH 010000000
#define AT_FDCWD -100
#define AT_REMOVEDIR 0x200
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFMT 0170000
#define SIGNAL_GROUP_EXIT 0x4

/* Scratch record space: a record is built here then copied into the ring buffer. */
#define SCRATCH_SIZE 32768
#define SCRATCH_HALF 16384

/*
 * The write cursor lives in the map value, not on the stack: the verifier treats it as an unknown
 * scalar bounded by the checks before each write, so bounded loops converge instead of being
 * explored once per distinct offset.
 */
struct scratch {
	__u32 off;
	__u32 hflags;
	__u8 buf[SCRATCH_SIZE - 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024); /* set by the loader before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, D4C_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct d4c_enter);
} enter_state SEC(".maps");

/* Extra cgroups to watch (e.g. containers sharing the host pid namespace), filled from user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} watch_cgroups SEC(".maps");

struct d4c_config cfg = {};

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);
	if (c)
		*c += 1;
}

/* ---- identity ---------------------------------------------------------------------------- */

static __always_inline struct upid task_upid(struct task_struct *t)
{
	struct upid up = {};
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	bpf_core_read(&up, sizeof(up), &p->numbers[level & 31]);
	return up;
}

/*
 * True when t lives in the host pid namespace: the initial one (pid level 0), unless the loader
 * was told the host's namespace inode (an agent itself running in a pid namespace).
 */
static __always_inline bool in_host_pidns(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	if (!cfg.host_pidns)
		return level == 0;
	struct upid up = {};
	bpf_core_read(&up, sizeof(up), &p->numbers[level & 31]);
	return BPF_CORE_READ(up.ns, ns.inum) == cfg.host_pidns;
}

static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

/* The container filter, evaluated first in every program: cheap reads only. */
static __always_inline bool want_task(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);
	if (tgid == cfg.self_tgid)
		return false;
	if (cfg.include_host)
		return true;
	if (!in_host_pidns(t))
		return true;
	if (cfg.use_cgroup_watch) {
		__u64 id = task_cgroup_id(t);
		if (bpf_map_lookup_elem(&watch_cgroups, &id))
			return true;
	}
	return false;
}

/*
 * The current syscall's arguments, read at its exit from the user registers saved at its entry
 * (the kernel leaves them as they were): an exit program then needs no entry program, and a
 * syscall no second tracepoint, to know them. x86-64: di, si, dx, r10, r8 (PT_REGS_PARMn_SYSCALL).
 */
static __always_inline struct pt_regs *syscall_regs(struct task_struct *bt)
{
	return (struct pt_regs *)bpf_task_pt_regs(bt);
}

#endif
