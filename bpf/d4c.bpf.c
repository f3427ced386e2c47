// SPDX-License-Identifier: GPL-2.0
/*
 * d4c sensor: process, file-change and network events from tracepoints only (this kernel refuses
 * fentry/LSM and has no kprobes). See docs/sensor.md.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

#include "events.h"
#include "common.bpf.h"
#include "record.bpf.h"
#include "net.bpf.h"
#include "read.bpf.h"
#include "tty.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* ---- process events ------------------------------------------------------------------------ */

SEC("raw_tp/sched_process_fork")
int BPF_PROG(d4c_fork, struct task_struct *parent, struct task_struct *child)
{
	struct builder b;
	/* New threads are not new processes. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	if (!want_task(child))
		return 0;
	if (!start_record(&b, child, D4C_EV_FORK, sizeof(struct d4c_fork)))
		return 0;
	submit(&b, D4C_EV_FORK);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(d4c_exec, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	struct builder b;
	if (!want_task(t))
		return 0;
	if (!start_record(&b, t, D4C_EV_EXEC, sizeof(struct d4c_exec)))
		return 0;
	struct d4c_exec *e = (void *)b.buf;
	__builtin_memset((__u8 *)e + sizeof(struct d4c_hdr), 0, sizeof(*e) - sizeof(struct d4c_hdr));

	struct file *f = BPF_CORE_READ(bprm, file);
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	e->exe_ino = BPF_CORE_READ(ino, i_ino);
	e->exe_dev = BPF_CORE_READ(ino, i_sb, s_dev);
	e->exe_mode = BPF_CORE_READ(ino, i_mode);
	e->argc = BPF_CORE_READ(bprm, argc);

	put_kernel_str(&b, &e->filename, BPF_CORE_READ(bprm, filename));

	/* argv lives in the new mm between arg_start and arg_end, NUL-separated. */
	unsigned long as = BPF_CORE_READ(t, mm, arg_start);
	unsigned long ae = BPF_CORE_READ(t, mm, arg_end);
	unsigned long len = ae > as ? ae - as : 0;
	if (len > D4C_ARGS_MAX) {
		len = D4C_ARGS_MAX;
		e->args_truncated = 1;
		count(D4C_C_TRUNC_ARGV);
		b.s->hflags |= D4C_HF_TRUNCATED;
	}
	__u32 off = b.s->off;
	e->args.off = off;
	if (len > 0 && off < SCRATCH_HALF) {
		if (bpf_probe_read_user(&b.buf[bounded(off)], len & (D4C_ARGS_MAX * 2 - 1), (void *)as) == 0) {
			e->args.len = len;
			b.s->off = off + len;
		} else {
			count(D4C_C_READ_FAIL);
		}
	}
	put_file_path(&b, &e->exe, f, t);
	put_path(&b, &e->cwd, BPF_CORE_READ(t, fs, pwd.dentry), BPF_CORE_READ(t, fs, pwd.mnt), t);
	submit(&b, D4C_EV_EXEC);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(d4c_exit, struct task_struct *t)
{
	struct builder b;
	/* Only when the whole thread group is gone (signal->live dropped to zero before this point). */
	if (BPF_CORE_READ(t, signal, live.counter) != 0)
		return 0;
	if (!want_task(t))
		return 0;
	if (!start_record(&b, t, D4C_EV_EXIT, sizeof(struct d4c_exit)))
		return 0;
	struct d4c_exit *e = (void *)b.buf;
	__u32 code = BPF_CORE_READ(t, exit_code);
	if (BPF_CORE_READ(t, signal, flags) & SIGNAL_GROUP_EXIT)
		code = BPF_CORE_READ(t, signal, group_exit_code);
	e->exit_code = code;
	e->pad = 0;
	submit(&b, D4C_EV_EXIT);
	return 0;
}

SEC("tp/syscalls/sys_exit_setsid")
int d4c_setsid(struct trace_event_raw_sys_exit *ctx)
{
	struct builder b;
	if (ctx->ret < 0)
		return 0;
	struct task_struct *t = (void *)bpf_get_current_task();
	if (!want_task(t))
		return 0;
	if (!start_record(&b, t, D4C_EV_SETSID, sizeof(struct d4c_setsid)))
		return 0;
	submit(&b, D4C_EV_SETSID);
	return 0;
}

/* ---- write(2) exit: terminal output and DNS over a connected socket, one program -------------- */

/*
 * Shared so that each capture costs its checks, not a program invocation per write: attached when
 * either is on (the loader), each part behind its cfg flag. A write of a task with a controlling
 * terminal to a terminal is not checked for DNS.
 */
SEC("tp/syscalls/sys_exit_write")
int d4c_io_exit_write(struct trace_event_raw_sys_exit *ctx)
{
	long ret = ctx->ret;
	if (ret <= 0)
		return 0;
	struct task_struct *bt = bpf_get_current_task_btf();
	if (cfg.tty && bt->signal->tty && tty_exit_write(bt, ret))
		return 0;
	if (cfg.dns)
		dns_exit_write(ctx);
	return 0;
}

/* ---- file events: state at enter, record at successful exit --------------------------------- */

static __always_inline int enter(__u32 op, __u32 flags, __u32 mode, __s32 dfd, const void *p1, __s32 dfd2,
				 const void *p2)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	if (!want_task(t))
		return 0;
	struct d4c_enter e = {
		.open_flags = flags, .op = op, .mode = mode, .dfd = dfd, .dfd2 = dfd2,
		.p1 = (__u64)p1, .p2 = (__u64)p2,
	};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&enter_state, &tid, &e, BPF_ANY))
		count(D4C_C_ENTER_FULL);
	return 0;
}

static __always_inline bool write_intent(__u32 flags)
{
	if (flags & O_PATH)
		return false;
	return (flags & O_ACCMODE) != 0 || (flags & (O_CREAT | O_TRUNC)) != 0;
}

static __always_inline void inode_info(struct d4c_file *e, struct file *f)
{
	if (!f)
		return;
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	e->ino = BPF_CORE_READ(ino, i_ino);
	e->dev = BPF_CORE_READ(ino, i_sb, s_dev);
	e->mode = BPF_CORE_READ(ino, i_mode);
	e->fflags |= D4C_FF_MODE_INODE;
}

static __always_inline int leave(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	if (!want_task(t))
		return 0; /* host tasks stop here, before any map access */
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct d4c_enter *pe = bpf_map_lookup_elem(&enter_state, &tid);
	if (!pe) {
		count(D4C_C_MISSING_ENTER);
		return 0;
	}
	struct d4c_enter st = *pe;
	bpf_map_delete_elem(&enter_state, &tid);
	long ret = ctx->ret;
	if (ret < 0)
		return 0;
	__u32 read_slot = 0;
	if ((st.op == D4C_FOP_OPEN || st.op == D4C_FOP_CREAT) && !write_intent(st.open_flags)) {
		/* Read access: only under a watched prefix (read.bpf.h); nothing else when none is set. */
		if (cfg.read_nprefix == 0 || (st.open_flags & O_PATH))
			return 0;
		int slot = read_match((int)ret, (__u64)t);
		if (slot < 0)
			return 0;
		st.op = D4C_FOP_READ;
		read_slot = (__u32)slot;
	}

	struct builder b;
	if (!start_record(&b, t, D4C_EV_FILE, sizeof(struct d4c_file)))
		return 0;
	struct d4c_file *e = (void *)b.buf;
	__builtin_memset((__u8 *)e + sizeof(struct d4c_hdr), 0, sizeof(*e) - sizeof(struct d4c_hdr));
	e->op = st.op;
	e->open_flags = st.open_flags;
	e->ret = ret;
	struct file *f;

	switch (st.op) {
	case D4C_FOP_READ:
		e->fflags |= (read_slot << D4C_FF_PREFIX_SHIFT) & D4C_FF_PREFIX_MASK;
		/* fall through */
	case D4C_FOP_OPEN:
	case D4C_FOP_CREAT:
		f = fd_file(t, ret);
		inode_info(e, f);
		if (f && (BPF_CORE_READ(f, f_mode) & FMODE_CREATED))
			e->fflags |= D4C_FF_CREATED;
		put_file_path(&b, &e->path, f, t);
		break;
	case D4C_FOP_FTRUNCATE:
	case D4C_FOP_FCHMOD:
		f = fd_file(t, st.dfd);
		inode_info(e, f);
		put_file_path(&b, &e->path, f, t);
		break;
	case D4C_FOP_CHMOD:
	case D4C_FOP_MKNOD:
		e->mode = st.mode;
		e->fflags |= D4C_FF_MODE_ARG;
		put_at_path(&b, &e->path, st.dfd, (const char *)st.p1, t);
		break;
	case D4C_FOP_SYMLINK:
		e->mode = S_IFLNK | 0777;
		e->fflags |= D4C_FF_MODE_ARG;
		put_user_str(&b, &e->orig.name, (const void *)st.p1, &e->orig.flags);
		put_at_path(&b, &e->path, st.dfd2, (const char *)st.p2, t);
		break;
	case D4C_FOP_RENAME:
	case D4C_FOP_LINK:
		put_at_path(&b, &e->orig, st.dfd, (const char *)st.p1, t);
		put_at_path(&b, &e->path, st.dfd2, (const char *)st.p2, t);
		break;
	default: /* TRUNCATE, UNLINK, RMDIR */
		put_at_path(&b, &e->path, st.dfd, (const char *)st.p1, t);
		break;
	}
	submit(&b, D4C_EV_FILE);
	return 0;
}

#define ARG(i) ((__u64)ctx->args[i])

SEC("tp/syscalls/sys_enter_openat")
int d4c_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_OPEN, ARG(2), ARG(3), ARG(0), (void *)ARG(1), 0, 0);
}

SEC("tp/syscalls/sys_enter_openat2")
int d4c_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	__u64 flags = 0;
	bpf_probe_read_user(&flags, sizeof(flags), (void *)ARG(2)); /* struct open_how.flags */
	return enter(D4C_FOP_OPEN, flags, 0, ARG(0), (void *)ARG(1), 0, 0);
}

SEC("tp/syscalls/sys_enter_open")
int d4c_enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_OPEN, ARG(1), ARG(2), AT_FDCWD, (void *)ARG(0), 0, 0);
}

SEC("tp/syscalls/sys_enter_creat")
int d4c_enter_creat(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_CREAT, O_CREAT | O_TRUNC | 1, ARG(1), AT_FDCWD, (void *)ARG(0), 0, 0);
}

SEC("tp/syscalls/sys_enter_truncate")
int d4c_enter_truncate(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_TRUNCATE, 0, 0, AT_FDCWD, (void *)ARG(0), 0, 0);
}

SEC("tp/syscalls/sys_enter_ftruncate")
int d4c_enter_ftruncate(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_FTRUNCATE, 0, 0, ARG(0), 0, 0, 0);
}

SEC("tp/syscalls/sys_enter_chmod")
int d4c_enter_chmod(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_CHMOD, 0, ARG(1), AT_FDCWD, (void *)ARG(0), 0, 0);
}

SEC("tp/syscalls/sys_enter_fchmod")
int d4c_enter_fchmod(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_FCHMOD, 0, ARG(1), ARG(0), 0, 0, 0);
}

SEC("tp/syscalls/sys_enter_fchmodat")
int d4c_enter_fchmodat(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_CHMOD, 0, ARG(2), ARG(0), (void *)ARG(1), 0, 0);
}

SEC("tp/syscalls/sys_enter_fchmodat2")
int d4c_enter_fchmodat2(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_CHMOD, 0, ARG(2), ARG(0), (void *)ARG(1), 0, 0);
}

SEC("tp/syscalls/sys_enter_rename")
int d4c_enter_rename(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_RENAME, 0, 0, AT_FDCWD, (void *)ARG(0), AT_FDCWD, (void *)ARG(1));
}

SEC("tp/syscalls/sys_enter_renameat")
int d4c_enter_renameat(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_RENAME, 0, 0, ARG(0), (void *)ARG(1), ARG(2), (void *)ARG(3));
}

SEC("tp/syscalls/sys_enter_renameat2")
int d4c_enter_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_RENAME, ARG(4), 0, ARG(0), (void *)ARG(1), ARG(2), (void *)ARG(3));
}

SEC("tp/syscalls/sys_enter_link")
int d4c_enter_link(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_LINK, 0, 0, AT_FDCWD, (void *)ARG(0), AT_FDCWD, (void *)ARG(1));
}

SEC("tp/syscalls/sys_enter_linkat")
int d4c_enter_linkat(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_LINK, ARG(4), 0, ARG(0), (void *)ARG(1), ARG(2), (void *)ARG(3));
}

SEC("tp/syscalls/sys_enter_symlink")
int d4c_enter_symlink(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_SYMLINK, 0, 0, 0, (void *)ARG(0), AT_FDCWD, (void *)ARG(1));
}

SEC("tp/syscalls/sys_enter_symlinkat")
int d4c_enter_symlinkat(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_SYMLINK, 0, 0, 0, (void *)ARG(0), ARG(1), (void *)ARG(2));
}

SEC("tp/syscalls/sys_enter_mknod")
int d4c_enter_mknod(struct trace_event_raw_sys_enter *ctx)
{
	__u32 mode = ARG(1);
	if ((mode & S_IFMT) == 0)
		mode |= S_IFREG;
	return enter(D4C_FOP_MKNOD, 0, mode, AT_FDCWD, (void *)ARG(0), 0, 0);
}

SEC("tp/syscalls/sys_enter_mknodat")
int d4c_enter_mknodat(struct trace_event_raw_sys_enter *ctx)
{
	__u32 mode = ARG(2);
	if ((mode & S_IFMT) == 0)
		mode |= S_IFREG;
	return enter(D4C_FOP_MKNOD, 0, mode, ARG(0), (void *)ARG(1), 0, 0);
}

SEC("tp/syscalls/sys_enter_unlink")
int d4c_enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_UNLINK, 0, 0, AT_FDCWD, (void *)ARG(0), 0, 0);
}

SEC("tp/syscalls/sys_enter_unlinkat")
int d4c_enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	__u32 op = (ARG(2) & AT_REMOVEDIR) ? D4C_FOP_RMDIR : D4C_FOP_UNLINK;
	return enter(op, 0, 0, ARG(0), (void *)ARG(1), 0, 0);
}

SEC("tp/syscalls/sys_enter_rmdir")
int d4c_enter_rmdir(struct trace_event_raw_sys_enter *ctx)
{
	return enter(D4C_FOP_RMDIR, 0, 0, AT_FDCWD, (void *)ARG(0), 0, 0);
}

/*
 * Exit side: one verified program (d4c_leave) reached by a tail call from a tiny stub per
 * syscall; verifying the full exit logic once instead of 22 times keeps load time low.
 */
SEC("tp")
int d4c_leave(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx);
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} exit_tail SEC(".maps") = {
	.values = {[0] = (void *)&d4c_leave},
};

#define EXIT_PROG(name)                                                  \
	SEC("tp/syscalls/sys_exit_" #name)                               \
	int d4c_exit_##name(struct trace_event_raw_sys_exit *ctx)        \
	{                                                                \
		bpf_tail_call(ctx, &exit_tail, 0);                       \
		return 0;                                                \
	}

EXIT_PROG(openat)
EXIT_PROG(openat2)
EXIT_PROG(open)
EXIT_PROG(creat)
EXIT_PROG(truncate)
EXIT_PROG(ftruncate)
EXIT_PROG(chmod)
EXIT_PROG(fchmod)
EXIT_PROG(fchmodat)
EXIT_PROG(fchmodat2)
EXIT_PROG(rename)
EXIT_PROG(renameat)
EXIT_PROG(renameat2)
EXIT_PROG(link)
EXIT_PROG(linkat)
EXIT_PROG(symlink)
EXIT_PROG(symlinkat)
EXIT_PROG(mknod)
EXIT_PROG(mknodat)
EXIT_PROG(unlink)
EXIT_PROG(unlinkat)
EXIT_PROG(rmdir)
