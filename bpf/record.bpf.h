/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building records: the scratch-buffer builder, user/kernel strings, path walks, the cgroup path,
 * the common header, and submission to the ring buffer.
 */
#ifndef D4C_RECORD_BPF_H
#define D4C_RECORD_BPF_H

#include "common.bpf.h"

/* ---- writing variable data into the scratch record ---------------------------------------- */

struct builder {
	struct scratch *s;
	__u8 *buf;
};

static __always_inline __u32 bounded(__u32 off)
{
	return off & (SCRATCH_HALF - 1);
}

/* User string -> vstr; a cut string sets PF_NAME_TRUNC in *pflags and is counted. */
static __always_inline void put_user_str(struct builder *b, struct d4c_vstr *v, const void *src, __u32 *pflags)
{
	__u32 off = b->s->off;
	v->off = off;
	v->len = 0;
	if (!src || off >= SCRATCH_HALF)
		return;
	long n = bpf_probe_read_user_str(&b->buf[bounded(off)], D4C_PATH_MAX, src);
	if (n <= 0) {
		count(D4C_C_READ_FAIL);
		return;
	}
	if (n == D4C_PATH_MAX) {
		count(D4C_C_TRUNC_STR);
		*pflags |= D4C_PF_NAME_TRUNC;
		b->s->hflags |= D4C_HF_TRUNCATED;
	}
	v->len = n - 1;
	b->s->off = off + n;
}

static __always_inline void put_kernel_str(struct builder *b, struct d4c_vstr *v, const void *src)
{
	__u32 off = b->s->off;
	v->off = off;
	v->len = 0;
	if (!src || off >= SCRATCH_HALF)
		return;
	long n = bpf_probe_read_kernel_str(&b->buf[bounded(off)], D4C_PATH_MAX, src);
	if (n <= 0)
		return;
	if (n == D4C_PATH_MAX) {
		count(D4C_C_TRUNC_STR);
		b->s->hflags |= D4C_HF_TRUNCATED;
	}
	v->len = n - 1;
	b->s->off = off + n;
}

/*
 * Walk a (dentry, vfsmount) pair up to the task's root, crossing mount points, writing the
 * component names leaf first. The same walk as the kernel's d_path/prepend_path, bounded.
 */
static __always_inline void put_path(struct builder *b, struct d4c_path *out, struct dentry *dentry,
				     struct vfsmount *vfsmnt, struct task_struct *t)
{
	struct dentry *root_dentry = BPF_CORE_READ(t, fs, root.dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(t, fs, root.mnt);
	struct mount *mnt = container_of(vfsmnt, struct mount, mnt);
	__u32 start = b->s->off;
	bool done = false;

	out->flags |= D4C_PF_HAS_DIR;
	out->dir.off = start;
	out->dir.len = 0;
	if (!dentry)
		return;
	if (BPF_CORE_READ(dentry, d_hash.pprev) == 0 && BPF_CORE_READ(dentry, d_parent) != dentry)
		out->flags |= D4C_PF_DELETED;

	for (int i = 0; i < D4C_PATH_DEPTH; i++) {
		if (dentry == root_dentry && vfsmnt == root_mnt) {
			done = true;
			break;
		}
		struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		if (dentry == mnt_root || dentry == parent) {
			struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);
			if (dentry != mnt_root || mp == mnt) {
				/* Reached a root other than the task's. */
				out->flags |= D4C_PF_OUTSIDE_ROOT;
				done = true;
				break;
			}
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = mp;
			vfsmnt = __builtin_preserve_access_index(&mp->mnt);
			continue;
		}
		__u32 off = b->s->off;
		if (off - start > D4C_PATH_MAX || off >= SCRATCH_HALF) {
			out->flags |= D4C_PF_TRUNCATED;
			count(D4C_C_TRUNC_PATH);
			b->s->hflags |= D4C_HF_TRUNCATED;
			done = true;
			break;
		}
		const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
		long n = bpf_probe_read_kernel_str(&b->buf[bounded(off)], D4C_NAME_MAX, name);
		if (n <= 0) {
			count(D4C_C_READ_FAIL);
			done = true;
			break;
		}
		b->s->off = off + n;
		dentry = parent;
	}
	if (!done) {
		out->flags |= D4C_PF_DEPTH;
		count(D4C_C_PATH_DEPTH);
		b->s->hflags |= D4C_HF_TRUNCATED;
	}
	out->dir.len = b->s->off - start;
}

static __always_inline struct file *fd_file(struct task_struct *t, int fd)
{
	struct file *f = NULL;
	if (fd < 0)
		return NULL;
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if ((unsigned int)fd >= max)
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	bpf_core_read(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline void put_file_path(struct builder *b, struct d4c_path *out, struct file *f,
					  struct task_struct *t)
{
	if (!f) {
		out->flags |= D4C_PF_BAD_FD;
		out->dir.off = b->s->off;
		return;
	}
	put_path(b, out, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt), t);
}

/* A path argument relative to dirfd (or cwd for AT_FDCWD). */
static __always_inline void put_at_path(struct builder *b, struct d4c_path *out, int dfd, const char *name,
					struct task_struct *t)
{
	char first = 0;
	put_user_str(b, &out->name, name, &out->flags);
	if (out->name.len > 0)
		first = b->buf[bounded(out->name.off)];
	out->dir.off = b->s->off;
	out->dir.len = 0;
	if (first == '/')
		return;
	if (dfd == AT_FDCWD) {
		put_path(b, out, BPF_CORE_READ(t, fs, pwd.dentry), BPF_CORE_READ(t, fs, pwd.mnt), t);
		return;
	}
	put_file_path(b, out, fd_file(t, dfd), t);
}

/* kernfs_node.parent became __parent in 6.15; read whichever this kernel has (CO-RE). */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

static __always_inline void put_cgroup(struct builder *b, struct d4c_hdr *h, struct task_struct *t)
{
	struct kernfs_node *kn = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn);
	__u32 start = b->s->off;
	h->cgroup.off = start;
	for (int i = 0; i < D4C_CGROUP_DEPTH; i++) {
		if (!kn)
			break;
		struct kernfs_node *parent = kn_parent(kn);
		if (!parent)
			break; /* the hierarchy's root: its name is not part of the path */
		__u32 off = b->s->off;
		if (off >= SCRATCH_HALF || i == D4C_CGROUP_DEPTH - 1) {
			count(D4C_C_CGROUP_TRUNC);
			break;
		}
		long n = bpf_probe_read_kernel_str(&b->buf[bounded(off)], D4C_NAME_MAX, BPF_CORE_READ(kn, name));
		if (n <= 0)
			break;
		b->s->off = off + n;
		kn = parent;
	}
	h->cgroup.len = b->s->off - start;
}

static __always_inline __u32 pid_of(struct task_struct *t, int type)
{
	struct pid *p = BPF_CORE_READ(t, signal, pids[type]);
	if (!p)
		return 0;
	return BPF_CORE_READ(p, numbers[0].nr);
}

/* Fills the header for task t; returns the builder positioned after the fixed part `fixed`. */
static __always_inline bool start_record(struct builder *b, struct task_struct *t, __u16 type, __u32 fixed)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!s)
		return false;
	b->s = s;
	b->buf = s->buf;
	s->off = fixed;
	s->hflags = 0;
	struct d4c_hdr *h = (void *)s->buf;
	__builtin_memset(h, 0, sizeof(*h));
	h->type = type;
	h->ts = bpf_ktime_get_boot_ns();
	struct task_struct *leader = BPF_CORE_READ(t, group_leader);
	struct task_struct *parent = BPF_CORE_READ(t, real_parent);
	h->start_time = BPF_CORE_READ(leader, start_boottime);
	h->parent_start_time = BPF_CORE_READ(parent, group_leader, start_boottime);
	h->tgid = BPF_CORE_READ(t, tgid);
	h->tid = BPF_CORE_READ(t, pid);
	h->ppid = BPF_CORE_READ(parent, tgid);
	h->pgid = pid_of(t, PIDTYPE_PGID);
	h->sid = pid_of(t, PIDTYPE_SID);
	struct upid up = task_upid(leader);
	h->vpid = up.nr;
	h->pidns = BPF_CORE_READ(up.ns, ns.inum);
	h->mntns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	const struct cred *c = BPF_CORE_READ(t, real_cred);
	h->uid = BPF_CORE_READ(c, uid.val);
	h->euid = BPF_CORE_READ(c, euid.val);
	h->suid = BPF_CORE_READ(c, suid.val);
	h->gid = BPF_CORE_READ(c, gid.val);
	h->egid = BPF_CORE_READ(c, egid.val);
	h->sgid = BPF_CORE_READ(c, sgid.val);
	bpf_core_read(&h->cap_effective, sizeof(__u64), &c->cap_effective);
	bpf_core_read(&h->cap_permitted, sizeof(__u64), &c->cap_permitted);
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (tty) {
		h->tty_major = BPF_CORE_READ(tty, driver, major);
		h->tty_minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
	}
	h->cgroup_id = task_cgroup_id(t);
	bpf_probe_read_kernel_str(h->comm, sizeof(h->comm), &t->comm);
	put_cgroup(b, h, t);
	return true;
}

static __always_inline void submit(struct builder *b, __u16 type)
{
	struct d4c_hdr *h = (void *)b->buf;
	/* 64-bit: the bound checks then apply to the very register passed to the helper (a u32 is
	 * zero-extended into a copy, which the verifier does not link back). */
	__u64 size = b->s->off;
	if (size > sizeof(b->s->buf))
		size = sizeof(b->s->buf);
	if (size < sizeof(struct d4c_hdr))
		return;
	h->size = size;
	h->flags |= b->s->hflags;
	/*
	 * A wakeup per record costs a context switch per event; the reader polls on a short timer
	 * anyway, so wake it only when a good batch is waiting.
	 */
	__u64 wake = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg.wakeup_bytes ? BPF_RB_FORCE_WAKEUP
										    : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, b->buf, size, wake))
		count(D4C_C_RB_FAIL + (type & 7));
	else
		count(D4C_C_EMITTED + (type & 7));
}

#endif
