/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Read access (issue 8): which read-only opens become D4C_FOP_READ records. Kept apart from the
 * write path so that the common case, a read elsewhere, costs a pointer walk and no copy.
 *
 * The path is the one the kernel walked from the opened file (the same walk as put_path, without
 * writing anything): symlinks, `..`, dirfds and relative names are already resolved, so a
 * prefix matches however the caller spelled the path. The first stage compares component
 * lengths (d_name.len, read with the dentry pointer); names are copied and compared only for
 * the slots whose lengths all match.
 */
#ifndef D4C_READ_BPF_H
#define D4C_READ_BPF_H

#include "common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, D4C_READ_PREFIXES);
	__type(key, __u32);
	__type(value, struct d4c_read_prefix);
} read_prefixes SEC(".maps");

#define S_IFDIR 0040000

/*
 * The walk reads kernel memory directly through read-only BTF pointers (bpf_rdonly_cast, a
 * kfunc since 6.2): a plain load per field instead of a bpf_probe_read_kernel call. A read storm
 * runs this on every open, so it is worth it. Loads through such pointers may fault; the kernel
 * then yields 0 (PROBE_MEM), which ends the walk.
 */
extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id__k) __ksym;
#define RO(type, p) ((type *)bpf_rdonly_cast((const void *)(p), bpf_core_type_id_kernel(type)))

/* Names of the walked path's top components (root side), zero-padded: one per read_match call. */
struct read_names {
	/* The walk's cursor and dentries live here, not on the stack: the verifier then sees one
	 * unknown depth after the loop instead of exploring the rest once per depth. */
	__u32 n;
	__u32 cand; /* stage-1 candidates, one bit per slot (in memory for the same reason) */
	struct dentry *top[D4C_READ_COMPS];
	__u64 w[D4C_READ_COMPS][D4C_READ_COMP_LEN / 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct read_names);
} read_scratch SEC(".maps");

/*
 * The slot index of the first read prefix that the open file lies under, or -1. Counts every
 * rejection: directories, walks that did not reach the root, and plain misses.
 *
 * A global function (verified once, on its own, whatever the caller's state): the kernel
 * pointers travel as plain integers, which is what bpf_get_current_task() gives anyway.
 */
__noinline int read_match(int fd, __u64 task_ptr)
{
	struct task_struct *t = (struct task_struct *)task_ptr;
	__u32 lens[D4C_READ_COMPS] = {};
	bool done = false;
	__u32 zero = 0;

	if (fd < 0)
		return -1;
	struct task_struct *tp = RO(struct task_struct, t);
	/* fd -> file, as fd_file() does, with one copy for the array slot. */
	struct fdtable *fdt = tp->files->fdt;
	if (!fdt || (unsigned int)fd >= fdt->max_fds)
		return -1;
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
	if (!f)
		return -1;
	struct read_names *rs = bpf_map_lookup_elem(&read_scratch, &zero);
	if (!rs)
		return -1;
	rs->n = 0;
	struct file *fp = RO(struct file, f);
	if ((fp->f_inode->i_mode & S_IFMT) == S_IFDIR) {
		count(D4C_C_READ_DIR);
		return -1;
	}
	struct dentry *dentry = fp->f_path.dentry;
	struct vfsmount *vfsmnt = fp->f_path.mnt;
	struct dentry *root_dentry = tp->fs->root.dentry;
	struct vfsmount *root_mnt = tp->fs->root.mnt;
	struct mount *mnt = RO(struct mount, (__u64)vfsmnt - bpf_core_field_offset(struct mount, mnt));
	struct dentry *mnt_root = vfsmnt->mnt_root;

	/* Leaf to root; the last D4C_READ_COMPS dentries seen are the top of the path. */
	for (int i = 0; i < D4C_PATH_DEPTH; i++) {
		if (dentry == root_dentry && vfsmnt == root_mnt) {
			done = true;
			break;
		}
		if (!dentry)
			break;
		struct dentry *parent = dentry->d_parent;
		if (dentry == mnt_root || dentry == parent) {
			struct mount *mp = mnt->mnt_parent;
			if (dentry != mnt_root || mp == mnt)
				break; /* a root other than the task's */
			dentry = mnt->mnt_mountpoint;
			mnt = mp;
			vfsmnt = &mp->mnt;
			mnt_root = vfsmnt->mnt_root; /* read once per mount, not per component */
			continue;
		}
		__u32 n = rs->n;
		rs->top[n & (D4C_READ_COMPS - 1)] = dentry;
		rs->n = n + 1;
		dentry = parent;
	}
	if (!done) {
		count(D4C_C_READ_UNWALKED);
		return -1;
	}
	/* Component i from the root is top[(n - 1 - i) % 8], for i < min(n, 8). */
	__u32 n = rs->n;
	__u32 have = n < D4C_READ_COMPS ? n : D4C_READ_COMPS;
	for (__u32 i = 0; i < D4C_READ_COMPS; i++) {
		if (i >= have)
			break;
		struct dentry *d = RO(struct dentry, rs->top[(n - 1 - i) & (D4C_READ_COMPS - 1)]);
		lens[i] = d->d_name.len;
	}

	/* Stage 1: slots whose component lengths all match (no copy yet). */
	rs->cand = 0;
	__u32 slots = cfg.read_nprefix;
	for (__u32 s = 0; s < D4C_READ_PREFIXES; s++) {
		if (s >= slots)
			break;
		__u32 key = s; /* s stays in a register: the verifier sees the loop progress */
		struct d4c_read_prefix *p = bpf_map_lookup_elem(&read_prefixes, &key);
		if (!p)
			break;
		__u32 nc = p->ncomp;
		if (nc == 0 || nc > have)
			continue;
		__u32 mism = 0;
		for (__u32 i = 0; i < D4C_READ_COMPS; i++)
			if (i < nc)
				mism |= p->len[i] ^ lens[i];
		if (mism == 0)
			rs->cand |= 1u << s;
	}
	if (!rs->cand) {
		count(D4C_C_READ_FILTERED);
		return -1;
	}

	/* Stage 2: copy the top names once, zero-padded. */
	struct read_names *names = rs;
	for (__u32 i = 0; i < D4C_READ_COMPS; i++) {
		__builtin_memset(names->w[i], 0, D4C_READ_COMP_LEN);
		if (i < have && lens[i] < D4C_READ_COMP_LEN) {
			struct dentry *d = rs->top[(n - 1 - i) & (D4C_READ_COMPS - 1)];
			const unsigned char *nm = BPF_CORE_READ(d, d_name.name);
			bpf_probe_read_kernel(names->w[i], lens[i] & (D4C_READ_COMP_LEN - 1), nm);
		}
	}

	/* Stage 3: compare the candidates word by word (padding included: equal lengths). */
	for (__u32 s = 0; s < D4C_READ_PREFIXES; s++) {
		if (!(rs->cand & (1u << s)))
			continue;
		__u32 key = s;
		struct d4c_read_prefix *p = bpf_map_lookup_elem(&read_prefixes, &key);
		if (!p)
			break;
		__u32 nc = p->ncomp;
		__u64 diff = 0;
		for (__u32 k = 0; k < D4C_READ_COMPS * (D4C_READ_COMP_LEN / 8); k++) {
			__u32 i = k / (D4C_READ_COMP_LEN / 8), w = k % (D4C_READ_COMP_LEN / 8);
			if (i < nc)
				diff |= names->w[i][w] ^ p->comp[i][w];
		}
		if (diff == 0)
			return s;
	}
	count(D4C_C_READ_FILTERED);
	return -1;
}

#endif
