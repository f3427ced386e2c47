/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Terminal output (issue 17): what container processes with a controlling terminal write to a
 * terminal. Checked at write(2) entry in this order, cheapest first, so that other writes stop
 * after a few pointer reads: the container filter, never the host, a controlling terminal, the
 * fd's inode a character device of a terminal major. Only then is the buffer copied.
 */
#ifndef D4C_TTY_BPF_H
#define D4C_TTY_BPF_H

#include "common.bpf.h"
#include "record.bpf.h"

#define S_IFCHR 0020000

/* Unix98 pty slaves (136-143), ttys and serial lines (4), /dev/tty and /dev/console (5:0, 5:1). */
static __always_inline bool terminal_dev(__u32 major, __u32 minor)
{
	return (major >= 136 && major <= 143) || major == 4 || (major == 5 && minor <= 1);
}

static __always_inline int tty_write(unsigned int fd, const void *ubuf, __u64 nbytes)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	if (!want_task(t))
		return 0;
	/* Never the host, even with include_host: only containers (own pid namespace or watched cgroup). */
	if (in_host_pidns(t)) {
		__u64 id = task_cgroup_id(t);
		if (!cfg.use_cgroup_watch || !bpf_map_lookup_elem(&watch_cgroups, &id))
			return 0;
	}
	if (nbytes == 0 || !BPF_CORE_READ(t, signal, tty))
		return 0;
	struct file *f = fd_file(t, (int)fd);
	if (!f)
		return 0;
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	if ((BPF_CORE_READ(ino, i_mode) & S_IFMT) != S_IFCHR)
		return 0;
	__u32 rdev = BPF_CORE_READ(ino, i_rdev);
	__u32 major = rdev >> 20, minor = rdev & 0xfffff;
	if (!terminal_dev(major, minor))
		return 0;

	struct builder b;
	if (!start_record(&b, t, D4C_EV_TTY, sizeof(struct d4c_tty)))
		return 0;
	struct d4c_tty *e = (void *)b.buf;
	e->fd = fd;
	e->total = nbytes > 0xffffffffULL ? 0xffffffffU : (__u32)nbytes;
	e->major = major;
	e->minor = minor;
	__u32 len = nbytes > D4C_TTY_MAX ? D4C_TTY_MAX : (__u32)nbytes;
	if (nbytes > D4C_TTY_MAX)
		count(D4C_C_TTY_CUT);
	__u32 off = b.s->off;
	e->data.off = off;
	e->data.len = 0;
	if (off < SCRATCH_HALF) {
		if (bpf_probe_read_user(&b.buf[bounded(off)], len & (D4C_TTY_MAX * 2 - 1), ubuf) == 0) {
			e->data.len = len;
			b.s->off = off + len;
		} else {
			count(D4C_C_READ_FAIL);
		}
	}
	submit(&b, D4C_EV_TTY);
	return 0;
}

SEC("tp/syscalls/sys_enter_write")
int d4c_tty_write(struct trace_event_raw_sys_enter *ctx)
{
	return tty_write((unsigned int)ctx->args[0], (const void *)ctx->args[1], (__u64)ctx->args[2]);
}

#endif
