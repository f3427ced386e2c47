/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network events (issue 8): connect, accept/accept4, bind, listen from watched tasks, for AF_INET,
 * AF_INET6 and AF_UNIX sockets; and datagrams sent to an address (sendto, sendmsg) that the connect
 * filter refused (EPERM), reported as connect attempts. Syscall tracepoints only (no kprobes here): the entry saves the fd
 * and the caller's sockaddr pointer, the exit builds one record with the result. Every program is
 * named d4c_net_* so that the loader can leave them unattached (--no-network).
 */
#ifndef D4C_NET_BPF_H
#define D4C_NET_BPF_H

#include "record.bpf.h"

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define S_IFSOCK 0140000
#define UNIX_PATH_MAX 108
#define EINPROGRESS 115
#define EPERM 1

struct net_enter {
	__u64 uaddr;
	__s32 fd;
	__u32 addrlen;
	__u32 op;
	__u32 flags; /* D4C_NF_SENDTO / D4C_NF_SENDMSG for a send */
};

/* Separate from enter_state: that map is pinned for the file enforcer and its values mean opens. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct net_enter);
} net_state SEC(".maps");

static __always_inline int net_enter(__u32 op, __s32 fd, __u64 uaddr, __u32 addrlen)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	if (!want_task(t))
		return 0;
	struct net_enter e = {.uaddr = uaddr, .fd = fd, .addrlen = addrlen, .op = op};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&net_state, &tid, &e, BPF_ANY))
		count(D4C_C_NET_STATE_FULL);
	return 0;
}

/*
 * A send of a watched task: with an address, its state is kept for the exit (which reports it
 * only if it failed with EPERM); without one, an older send's state is removed, so that a
 * refused send can never be reported with another send's address.
 */
static __always_inline int send_enter(__u32 flag, __s32 fd, __u64 uaddr, __u32 addrlen)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (!uaddr || addrlen < 2) {
		bpf_map_delete_elem(&net_state, &tid);
		return 0;
	}
	struct net_enter e = {.uaddr = uaddr, .fd = fd, .addrlen = addrlen, .op = D4C_NOP_CONNECT, .flags = flag};
	if (bpf_map_update_elem(&net_state, &tid, &e, BPF_ANY))
		count(D4C_C_NET_STATE_FULL);
	return 0;
}

/* The socket behind fd, or NULL when fd is no socket (checked on the inode, S_IFSOCK). */
static __always_inline struct sock *fd_sock(struct task_struct *t, int fd)
{
	struct file *f = fd_file(t, fd);
	if (!f)
		return NULL;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *so = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(so, sk);
}

/* DNS capture (issue 18) hooks into the connect and send programs below. */
#include "dns.bpf.h"

/* Raw sun_path bytes (user or kernel memory) -> vstr; at most UNIX_PATH_MAX bytes. */
static __always_inline void put_sun_path(struct builder *b, struct d4c_vstr *v, const void *src, __u32 n,
					 bool user)
{
	__u32 off = b->s->off;
	v->off = off;
	v->len = 0;
	if (!src || n == 0 || off >= SCRATCH_HALF)
		return;
	__u64 sz = n > UNIX_PATH_MAX ? UNIX_PATH_MAX : n;
	barrier_var(sz);
	sz &= 0x7f; /* a bound the verifier sees on the very register the helper gets */
	long r = user ? bpf_probe_read_user(&b->buf[bounded(off)], sz, src)
		      : bpf_probe_read_kernel(&b->buf[bounded(off)], sz, src);
	if (r) {
		count(D4C_C_READ_FAIL);
		return;
	}
	v->len = sz;
	b->s->off = off + sz;
}

/* A bound unix socket's own address (unix_sock->addr), if any. */
static __always_inline bool put_unix_addr(struct builder *b, struct d4c_vstr *v, struct sock *sk)
{
	struct unix_sock *u = (void *)sk;
	struct unix_address *a = BPF_CORE_READ(u, addr);
	if (!a)
		return false;
	int len = BPF_CORE_READ(a, len) - 2; /* minus sun_family */
	if (len <= 0)
		return false;
	put_sun_path(b, v, &a->name[0].sun_path, len, false);
	return v->len > 0;
}

/* This end of an inet socket: bound address and port (skc_num, host order). */
static __always_inline void sock_local(struct d4c_net *e, struct sock *sk)
{
	if (e->family == AF_INET) {
		bpf_core_read(e->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		e->nflags |= D4C_NF_LOCAL4;
	} else {
		bpf_core_read(e->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	}
	e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->nflags |= D4C_NF_LOCAL;
}

static __always_inline void sock_remote(struct d4c_net *e, struct sock *sk)
{
	if (e->family == AF_INET) {
		bpf_core_read(e->raddr, 4, &sk->__sk_common.skc_daddr);
		e->nflags |= D4C_NF_REMOTE4;
	} else {
		bpf_core_read(e->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->nflags |= D4C_NF_REMOTE;
}

/*
 * The caller's sockaddr (connect: the peer; bind: the local end) into the remote or local slot.
 * Returns false for AF_UNSPEC and other families (a UDP "disconnect", netlink): no record.
 */
static __always_inline bool user_sockaddr(struct builder *b, struct d4c_net *e, __u64 uaddr, __u32 addrlen,
					  bool remote)
{
	union {
		struct sockaddr_in6 sa;
		__u8 raw[32]; /* the read size is masked to 31 */
	} u = {};
	__u32 n = addrlen;
	if (n > sizeof(struct sockaddr_in6))
		n = sizeof(struct sockaddr_in6);
	if (n < 2 || bpf_probe_read_user(&u, n & 0x1f, (void *)uaddr)) {
		count(D4C_C_READ_FAIL);
		return e->family == AF_UNIX; /* still worth a record, without the address */
	}
	struct sockaddr_in6 sa = u.sa;
	__u16 fam = sa.sin6_family;
	__u8 *ip = remote ? e->raddr : e->laddr;
	__u16 port = bpf_ntohs(sa.sin6_port);
	if (fam == AF_INET) {
		struct sockaddr_in *s4 = (void *)&sa;
		__builtin_memcpy(ip, &s4->sin_addr, 4);
		e->nflags |= remote ? D4C_NF_REMOTE4 : D4C_NF_LOCAL4;
	} else if (fam == AF_INET6) {
		__builtin_memcpy(ip, &sa.sin6_addr, 16);
	} else if (fam == AF_UNIX) {
		struct d4c_vstr *v = remote ? &e->rpath : &e->lpath;
		put_sun_path(b, v, (const void *)(uaddr + 2), addrlen - 2, true);
		if (v->len > 0)
			e->nflags |= remote ? D4C_NF_REMOTE : D4C_NF_LOCAL;
		return true;
	} else {
		count(D4C_C_NET_OTHER);
		return false;
	}
	if (remote) {
		e->rport = port;
		e->nflags |= D4C_NF_REMOTE;
	} else {
		e->lport = port;
		e->nflags |= D4C_NF_LOCAL;
	}
	return true;
}

/*
 * One exit program for all five syscalls (tail call from small stubs): connect, bind and listen
 * come with their entry state; accept's fd is its return value.
 */
static __always_inline int net_leave(struct trace_event_raw_sys_exit *ctx, bool accept, bool send)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	if (!want_task(t))
		return 0;
	long ret = ctx->ret;
	struct net_enter st = {.op = D4C_NOP_ACCEPT, .fd = ret};
	if (accept) {
		if (ret < 0)
			return 0; /* EAGAIN on a non-blocking listener: nothing happened */
	} else {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		struct net_enter *pe = bpf_map_lookup_elem(&net_state, &tid);
		if (!pe) {
			if (!send) /* a refused send without an address has no state: not a miss */
				count(D4C_C_MISSING_ENTER);
			return 0;
		}
		st = *pe;
		bpf_map_delete_elem(&net_state, &tid);
		if (send != (st.flags != 0))
			return 0; /* the state of another call (a send interrupted before its exit) */
	}
	struct sock *sk = fd_sock(t, st.fd);
	if (!sk) {
		/* connect/bind/listen on a non-socket fail with ENOTSOCK: only count the surprising case */
		if (ret >= 0)
			count(D4C_C_NET_NOT_SOCKET);
		return 0;
	}
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6 && family != AF_UNIX) {
		count(D4C_C_NET_OTHER);
		return 0;
	}
	if (send && family == AF_UNIX)
		return 0; /* the connect filter is for inet destinations */

	struct builder b;
	if (!start_record(&b, t, D4C_EV_NET, sizeof(struct d4c_net)))
		return 0;
	struct d4c_net *e = (void *)b.buf;
	__builtin_memset((__u8 *)e + sizeof(struct d4c_hdr), 0, sizeof(*e) - sizeof(struct d4c_hdr));
	e->op = st.op;
	e->nflags = st.flags;
	e->ret = ret;
	e->family = family;
	e->sock_type = BPF_CORE_READ(sk, sk_type);
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
	e->lpath.off = e->rpath.off = b.s->off;
	e->netns = BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
	bool unix = family == AF_UNIX;

	switch (st.op) {
	case D4C_NOP_CONNECT:
		if (!user_sockaddr(&b, e, st.uaddr, st.addrlen, true))
			return 0;
		if (unix) {
			if (put_unix_addr(&b, &e->lpath, sk))
				e->nflags |= D4C_NF_LOCAL;
		} else {
			sock_local(e, sk);
			if (cfg.dns && !send && e->rport == D4C_DNS_PORT && (ret == 0 || ret == -EINPROGRESS))
				dns_mark(t, st.fd, sk);
		}
		break;
	case D4C_NOP_ACCEPT:
		if (unix) {
			if (put_unix_addr(&b, &e->lpath, sk))
				e->nflags |= D4C_NF_LOCAL;
			struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
			if (peer && put_unix_addr(&b, &e->rpath, peer))
				e->nflags |= D4C_NF_REMOTE;
		} else {
			sock_local(e, sk);
			sock_remote(e, sk);
		}
		break;
	case D4C_NOP_BIND:
		if (!unix && ret == 0) {
			sock_local(e, sk); /* the port actually bound (the caller may have asked for 0) */
		} else if (!user_sockaddr(&b, e, st.uaddr, st.addrlen, false)) {
			return 0;
		}
		break;
	default: /* LISTEN */
		if (unix) {
			if (put_unix_addr(&b, &e->lpath, sk))
				e->nflags |= D4C_NF_LOCAL;
		} else {
			sock_local(e, sk);
		}
		break;
	}
	submit(&b, D4C_EV_NET);
	return 0;
}

SEC("tp/syscalls/sys_enter_connect")
int d4c_net_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	return net_enter(D4C_NOP_CONNECT, ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tp/syscalls/sys_enter_bind")
int d4c_net_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	return net_enter(D4C_NOP_BIND, ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tp/syscalls/sys_enter_listen")
int d4c_net_enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	return net_enter(D4C_NOP_LISTEN, ctx->args[0], 0, 0);
}

SEC("tp/syscalls/sys_enter_sendto")
int d4c_net_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	if (!want_task(t))
		return 0;
	send_enter(D4C_NF_SENDTO, ctx->args[0], ctx->args[4], ctx->args[5]);
	if (cfg.dns)
		dns_enter_buf(ctx->id, D4C_DSYS_SENDTO, D4C_DNS_QUERY, ctx->args[0], ctx->args[1], ctx->args[2],
			      ctx->args[4], ctx->args[5]);
	return 0;
}

/* struct user_msghdr at `uaddr` (sendmsg's argument, or the first mmsghdr of sendmmsg's vector,
 * which starts with one): msg_name, then msg_namelen. */
static __always_inline int msghdr_enter(struct trace_event_raw_sys_enter *ctx, __u32 flag, bool mmsg)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	if (!want_task(t))
		return 0;
	__s32 fd = ctx->args[0];
	__u64 uaddr = ctx->args[1];
	struct umsg_head h = {};
	if (uaddr && bpf_probe_read_user(&h, sizeof(h), (void *)uaddr))
		h.name = 0;
	send_enter(flag, fd, h.name, h.namelen < 0 ? 0 : h.namelen);
	if (cfg.dns)
		dns_enter_msg(ctx->id, mmsg ? D4C_DSYS_SENDMMSG : D4C_DSYS_SENDMSG, D4C_DNS_QUERY, fd, &h,
			      mmsg ? uaddr : 0, mmsg ? ctx->args[2] : 1);
	return 0;
}

SEC("tp/syscalls/sys_enter_sendmsg")
int d4c_net_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	return msghdr_enter(ctx, D4C_NF_SENDMSG, false);
}

SEC("tp/syscalls/sys_enter_sendmmsg")
int d4c_net_enter_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{
	return msghdr_enter(ctx, D4C_NF_SENDMMSG, true);
}

SEC("tp")
int d4c_net_leave(struct trace_event_raw_sys_exit *ctx)
{
	return net_leave(ctx, false, false);
}

SEC("tp")
int d4c_net_leave_accept(struct trace_event_raw_sys_exit *ctx)
{
	return net_leave(ctx, true, false);
}

SEC("tp")
int d4c_net_leave_send(struct trace_event_raw_sys_exit *ctx)
{
	return net_leave(ctx, false, true);
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} net_tail SEC(".maps") = {
	.values = {[0] = (void *)&d4c_net_leave, [1] = (void *)&d4c_net_leave_accept, [2] = (void *)&d4c_net_leave_send},
};

#define NET_EXIT(name, slot)                                             \
	SEC("tp/syscalls/sys_exit_" #name)                               \
	int d4c_net_exit_##name(struct trace_event_raw_sys_exit *ctx)    \
	{                                                                \
		bpf_tail_call(ctx, &net_tail, slot);                     \
		return 0;                                                \
	}

NET_EXIT(connect, 0)
NET_EXIT(bind, 0)
NET_EXIT(listen, 0)
NET_EXIT(accept, 1)
NET_EXIT(accept4, 1)

/* Sends: only a refusal (EPERM) or a saved DNS call is worth a tail call. */
#define SEND_EXIT(name)                                                  \
	SEC("tp/syscalls/sys_exit_" #name)                               \
	int d4c_net_exit_##name(struct trace_event_raw_sys_exit *ctx)    \
	{                                                                \
		if (ctx->ret == -EPERM)                                  \
			bpf_tail_call(ctx, &net_tail, 2);                \
		else if (cfg.dns)                                        \
			dns_exit(ctx);                                   \
		return 0;                                                \
	}

SEND_EXIT(sendto)
SEND_EXIT(sendmsg)
SEND_EXIT(sendmmsg)

#endif
