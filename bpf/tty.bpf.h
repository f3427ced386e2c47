/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Terminal output (issue 17): what container processes with a controlling terminal wrote to a
 * terminal, taken at the exit of write(2) and writev(2) (the bytes the call did write, still in
 * the caller's buffer; the arguments from the saved registers, so no entry program and no second
 * tracepoint per write). write's exit program is shared with DNS capture (d4c_io_exit_write in
 * d4c.bpf.c) and checks cfg.tty, so that capture adds a load to a program every write already
 * runs rather than a program invocation. Cheapest check first: a controlling terminal (two plain
 * loads), then the container filter, never the host, the fd's inode a character device of a
 * terminal major (plain loads through BTF pointers, one helper call for the fd table's slot).
 * Only then is the buffer copied.
 */
#ifndef D4C_TTY_BPF_H
#define D4C_TTY_BPF_H

#include "common.bpf.h"
#include "record.bpf.h"

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#define S_IFCHR 0020000

/* Unix98 pty slaves (136-143), ttys and serial lines (4), /dev/tty and /dev/console (5:0, 5:1). */
static __always_inline bool terminal_dev(__u32 major, __u32 minor)
{
	return (major >= 136 && major <= 143) || major == 4 || (major == 5 && minor <= 1);
}

/*
 * A container task (never the host, even with include_host: its own pid namespace or a watched
 * cgroup), through the current task's BTF pointer: plain loads instead of helper calls.
 */
static __always_inline bool tty_task(struct task_struct *bt)
{
	if (bt->tgid == cfg.self_tgid)
		return false;
	bool host = cfg.host_pidns ? in_host_pidns(bt) : bt->thread_pid->level == 0;
	if (!host)
		return true;
	if (!cfg.use_cgroup_watch)
		return false;
	__u64 id = bt->cgroups->dfl_cgrp->kn->id;
	return bpf_map_lookup_elem(&watch_cgroups, &id) != NULL;
}

/* The terminal (rdev) that fd of the current task (bt, which has a controlling terminal) is; 0 if none. */
static __always_inline __u32 tty_target(struct task_struct *bt, unsigned int fd)
{
	if (!tty_task(bt))
		return 0;
	struct fdtable *fdt = bt->files->fdt;
	if (fd >= fdt->max_fds)
		return 0;
	struct file *fp = NULL;
	bpf_probe_read_kernel(&fp, sizeof(fp), &fdt->fd[fd]);
	if (!fp)
		return 0;
	struct file *f = bpf_rdonly_cast(fp, bpf_core_type_id_kernel(struct file));
	struct inode *ino = f->f_inode;
	if ((ino->i_mode & S_IFMT) != S_IFCHR)
		return 0;
	__u32 rdev = ino->i_rdev;
	if (!terminal_dev(rdev >> 20, rdev & 0xfffff))
		return 0;
	return rdev;
}

static __always_inline struct d4c_tty *tty_start(struct builder *b, struct task_struct *t, unsigned int fd,
						 __u32 rdev)
{
	if (!start_record(b, t, D4C_EV_TTY, sizeof(struct d4c_tty)))
		return NULL;
	struct d4c_tty *e = (void *)b->buf;
	e->fd = fd;
	e->total = 0;
	e->major = rdev >> 20;
	e->minor = rdev & 0xfffff;
	e->data.off = b->s->off;
	e->data.len = 0;
	return e;
}

/* Appends up to `want` bytes of user memory to the record's data (at most D4C_TTY_MAX in all). */
static __always_inline void tty_copy(struct builder *b, struct d4c_tty *e, const void *src, __u64 want)
{
	__u32 have = e->data.len;
	if (have >= D4C_TTY_MAX || want == 0)
		return;
	__u64 len = want > D4C_TTY_MAX - have ? D4C_TTY_MAX - have : want;
	__u32 off = b->s->off;
	if (off >= SCRATCH_HALF)
		return;
	/* Hidden from clang so that the check stays: the verifier needs it on this very register. */
	asm volatile("" : "+r"(len));
	if (len == 0 || len > D4C_TTY_MAX)
		return;
	if (bpf_probe_read_user(&b->buf[bounded(off)], len, src) == 0) {
		e->data.len = have + len;
		b->s->off = off + len;
	} else {
		count(D4C_C_READ_FAIL);
	}
}

static __always_inline void tty_total(struct d4c_tty *e, __u64 total)
{
	e->total = total > 0xffffffffULL ? 0xffffffffU : (__u32)total;
	if (total > e->data.len)
		count(D4C_C_TTY_CUT);
}

/*
 * write(2) exit of a task with a controlling terminal (the caller checked bt->signal->tty and
 * ret > 0): true when fd is a terminal (recorded), false to let the caller check the fd for DNS.
 */
static __always_inline bool tty_exit_write(struct task_struct *bt, long ret)
{
	struct pt_regs *regs = syscall_regs(bt);
	unsigned int fd = PT_REGS_PARM1_SYSCALL(regs);
	__u32 rdev = tty_target(bt, fd);
	if (!rdev)
		return false;
	struct builder b;
	struct d4c_tty *e = tty_start(&b, (void *)bpf_get_current_task(), fd, rdev);
	if (!e)
		return true;
	tty_copy(&b, e, (const void *)PT_REGS_PARM2_SYSCALL(regs), ret);
	tty_total(e, ret);
	submit(&b, D4C_EV_TTY);
	return true;
}

/*
 * writev: the bytes written (ret), buffer by buffer in order, into one record (D4C_TTY_MAX bytes
 * in all, from at most D4C_TTY_IOV iovecs); `total` is what the call wrote. Nothing else runs on
 * this exit: with --no-tty-output the program is left unattached.
 */
#define D4C_TTY_IOV 32
struct tty_iovec {
	const void *base;
	__u64 len;
};

SEC("tp/syscalls/sys_exit_writev")
int d4c_tty_exit_writev(struct trace_event_raw_sys_exit *ctx)
{
	long ret = ctx->ret;
	if (ret <= 0)
		return 0;
	struct task_struct *bt = bpf_get_current_task_btf();
	if (!bt->signal->tty)
		return 0;
	struct pt_regs *regs = syscall_regs(bt);
	unsigned int fd = PT_REGS_PARM1_SYSCALL(regs);
	__u32 rdev = tty_target(bt, fd);
	if (!rdev)
		return 0;
	const struct tty_iovec *iov = (const void *)PT_REGS_PARM2_SYSCALL(regs);
	__u64 cnt = PT_REGS_PARM3_SYSCALL(regs);
	struct builder b;
	struct d4c_tty *e = tty_start(&b, (void *)bpf_get_current_task(), fd, rdev);
	if (!e)
		return 0;
	__u64 left = ret;
	for (int i = 0; i < D4C_TTY_IOV; i++) {
		if (i >= cnt || left == 0)
			break;
		struct tty_iovec v = {};
		if (bpf_probe_read_user(&v, sizeof(v), &iov[i]))
			break;
		__u64 n = v.len < left ? v.len : left;
		tty_copy(&b, e, v.base, n);
		left -= n;
	}
	tty_total(e, ret);
	submit(&b, D4C_EV_TTY);
	return 0;
}

#endif
