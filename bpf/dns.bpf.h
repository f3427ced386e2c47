/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DNS messages (issue 18): the payload of what a watched task sends to port 53 (sendto, sendmsg,
 * sendmmsg, write/send on a connected socket) and of what it reads back on the same socket
 * (recvfrom/recv, recvmsg, read), UDP or TCP, copied in the kernel with a bound. Every other
 * socket pays a port check (a sockaddr's port) or one hash lookup (is this fd a DNS socket?).
 *
 * DNS sockets are (tgid, fd) keys in `dns_fds`, added when a connect to port 53 or a send to port
 * 53 goes through; the value is the socket pointer, checked at exit so that a closed and reused
 * fd is not mistaken for the old socket. Sends (sendto, sendmsg, sendmmsg) are checked in the
 * network programs' entries, which save the call (buffer, length, address pointer) in `dns_state`
 * by thread id. write is checked at its exit only (d4c_io_exit_write, shared with terminal capture)
 * and responses (read, recvfrom, recvmsg) at the socket layer's sock_recv_length raw tracepoint,
 * which only socket receives pass: the call's arguments come from the saved registers
 * (syscall_regs), so none of them needs an entry program. One program (d4c_dns_leave, a tail
 * call) builds the records of sends and writes. Programs named d4c_dns_* are left unattached with
 * --no-dns / --no-network; the hooks inside the network and write programs check cfg.dns.
 */
#ifndef D4C_DNS_BPF_H
#define D4C_DNS_BPF_H

#include "record.bpf.h"

struct dns_call {
	__u64 buf;  /* user buffer (or the first iovec's base) */
	__u64 buf2; /* sendmmsg: the second message's first iovec */
	__u64 uaddr; /* sockaddr given (send) or to be filled (recvfrom, recvmsg) */
	__s64 sysno; /* the syscall's number: the exit checks it is the same call */
	__u32 len;
	__u32 len2;
	__s32 fd;
	__u16 dir;
	__u16 sys;
	__u32 to53; /* the call itself addressed port 53 */
	__u32 nmsg;  /* sendmmsg: messages described */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct dns_call);
} dns_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u64);
} dns_fds SEC(".maps");

static __always_inline __u64 dns_key(__u32 tgid, __s32 fd)
{
	return ((__u64)tgid << 32) | (__u32)fd;
}

/*
 * Prefilters in .bss, read without a helper call, so that the reads and writes of every process
 * (which all pass the DNS programs) mostly skip the hash lookups. dns_fd_seen: a slot per hash of
 * (tgid, fd), set when a DNS socket is marked, never cleared (a stale slot costs a lookup, never a
 * miss). dns_tgid_seen: the same per hash of the tgid alone, so that the read and write exits of a
 * process that never had a DNS socket stop before they read the call's registers. dns_busy: per
 * hash of the thread id, the saved calls not yet consumed (incremented on a
 * save, decremented when the exit finds the state; a leak only costs lookups).
 */
#define DNS_FD_SLOTS 32768
#define DNS_TID_SLOTS 4096
#define DNS_TGID_SLOTS 4096
__u8 dns_fd_seen[DNS_FD_SLOTS];
__u8 dns_tgid_seen[DNS_TGID_SLOTS];
__u32 dns_busy[DNS_TID_SLOTS];

static __always_inline __u32 dns_fd_slot(__u64 key)
{
	return (__u32)((key * 0x9E3779B97F4A7C15ULL) >> 49) & (DNS_FD_SLOTS - 1);
}

static __always_inline __u32 dns_tid_slot(__u32 tid)
{
	return (tid * 2654435761u >> 20) & (DNS_TID_SLOTS - 1);
}

static __always_inline void dns_fd_put(__u64 key, __u64 sk)
{
	if (bpf_map_update_elem(&dns_fds, &key, &sk, BPF_ANY))
		count(D4C_C_DNS_STATE_FULL);
	else {
		dns_fd_seen[dns_fd_slot(key)] = 1;
		dns_tgid_seen[dns_tid_slot(key >> 32)] = 1;
	}
}

/* Is (tgid, fd) a known DNS socket? The prefilter first, then the map. */
static __always_inline bool dns_fd_known(__u64 key)
{
	if (!dns_fd_seen[dns_fd_slot(key)])
		return false;
	return bpf_map_lookup_elem(&dns_fds, &key) != NULL;
}

/* A socket that connected to port 53 (called from the connect exit). */
static __always_inline void dns_mark(struct task_struct *t, __s32 fd, struct sock *sk)
{
	dns_fd_put(dns_key(BPF_CORE_READ(t, tgid), fd), (__u64)sk);
}

/*
 * 2: the call addresses port 53; 1: fd is a known DNS socket; 0: not DNS (the common case: one
 * 4-byte user read for a send with an address, which settles it either way; else one lookup).
 */
static __always_inline int dns_wanted(__u32 tgid, __s32 fd, __u64 uaddr, __u32 addrlen, bool send)
{
	if (send && uaddr && addrlen >= 4) {
		struct {
			__u16 fam;
			__u16 port;
		} sa = {};
		if (!bpf_probe_read_user(&sa, sizeof(sa), (void *)uaddr) && (sa.fam == AF_INET || sa.fam == AF_INET6))
			return sa.port == bpf_htons(D4C_DNS_PORT) ? 2 : 0; /* addressed elsewhere: not DNS */
	}
	return dns_fd_known(dns_key(tgid, fd)) ? 1 : 0;
}

static __always_inline void dns_save(struct dns_call *c)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&dns_state, &tid, c, BPF_ANY))
		count(D4C_C_DNS_STATE_FULL);
	else
		__sync_fetch_and_add(&dns_busy[dns_tid_slot(tid)], 1);
}

/* sendto/send of a task that already passed want_task. */
static __always_inline void dns_enter_buf(long sysno, __u16 sys, __u16 dir, __s32 fd, __u64 buf, __u64 len,
					  __u64 uaddr, __u32 addrlen)
{
	int w = dns_wanted(bpf_get_current_pid_tgid() >> 32, fd, uaddr, addrlen, dir == D4C_DNS_QUERY);
	if (!w)
		return;
	struct dns_call c = {.buf = buf,
			     .len = len > 0xffffffff ? 0xffffffff : len,
			     .uaddr = uaddr,
			     .sysno = sysno,
			     .fd = fd,
			     .dir = dir,
			     .sys = sys,
			     .to53 = w == 2,
			     .nmsg = 1};
	dns_save(&c);
}

/* The head of struct user_msghdr: msg_name, msg_namelen, msg_iov, msg_iovlen. */
struct umsg_head {
	__u64 name;
	__s32 namelen;
	__u32 pad;
	__u64 iov;
	__u64 iovlen;
};

struct uiovec {
	__u64 base;
	__u64 len;
};

static __always_inline bool first_iov(__u64 iov, __u64 iovlen, __u64 *base, __u32 *len)
{
	struct uiovec v = {};
	if (!iov || !iovlen || bpf_probe_read_user(&v, sizeof(v), (void *)iov))
		return false;
	*base = v.base;
	*len = v.len > 0xffffffff ? 0xffffffff : v.len;
	return true;
}

/*
 * sendmsg (h: the msghdr already read), sendmmsg (mmsg: the vector; its first msghdr is
 * h; one struct mmsghdr is 64 bytes).
 */
static __always_inline void dns_enter_msg(long sysno, __u16 sys, __u16 dir, __s32 fd, struct umsg_head *h,
					  __u64 mmsg, __u32 vlen)
{
	__u64 uaddr = h->namelen > 0 ? h->name : 0;
	int w = dns_wanted(bpf_get_current_pid_tgid() >> 32, fd, uaddr, h->namelen > 0 ? h->namelen : 0,
			   dir == D4C_DNS_QUERY);
	if (!w)
		return;
	struct dns_call c = {.uaddr = uaddr, .sysno = sysno, .fd = fd, .dir = dir, .sys = sys, .to53 = w == 2, .nmsg = 1};
	if (!first_iov(h->iov, h->iovlen, &c.buf, &c.len))
		return;
	if (mmsg && vlen > 1) {
		struct umsg_head h2 = {};
		if (!bpf_probe_read_user(&h2, sizeof(h2), (void *)(mmsg + 64)) &&
		    first_iov(h2.iov, h2.iovlen, &c.buf2, &c.len2))
			c.nmsg = 2;
	}
	dns_save(&c);
}

/* The remote end from a user sockaddr (an unconnected UDP socket's peer for this message). */
static __always_inline void dns_user_peer(struct d4c_dns *e, __u64 uaddr)
{
	struct sockaddr_in6 sa = {};
	if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa), (void *)uaddr))
		return;
	if (sa.sin6_family == AF_INET) {
		struct sockaddr_in *s4 = (void *)&sa;
		__builtin_memcpy(e->raddr, &s4->sin_addr, 4);
		e->dflags |= D4C_DF_REMOTE4;
	} else if (sa.sin6_family == AF_INET6) {
		__builtin_memcpy(e->raddr, &sa.sin6_addr, 16);
	} else {
		return;
	}
	e->rport = bpf_ntohs(sa.sin6_port);
	e->dflags |= D4C_DF_REMOTE;
}

static __always_inline void dns_emit(struct task_struct *t, struct sock *sk, struct dns_call *c, __u16 family,
				     __u64 buf, __u32 len, __u16 index)
{
	struct builder b;
	if (!start_record(&b, t, D4C_EV_DNS, sizeof(struct d4c_dns)))
		return;
	struct d4c_dns *e = (void *)b.buf;
	__builtin_memset((__u8 *)e + sizeof(struct d4c_hdr), 0, sizeof(*e) - sizeof(struct d4c_hdr));
	e->netns = BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
	e->fd = c->fd;
	e->dir = c->dir;
	e->sys = c->sys;
	e->family = family;
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
	e->msg_index = index;
	e->len = len;
	if (family == AF_INET) {
		bpf_core_read(e->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		e->dflags |= D4C_DF_LOCAL4;
	} else {
		bpf_core_read(e->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	}
	e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u16 dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (dport) {
		if (family == AF_INET) {
			bpf_core_read(e->raddr, 4, &sk->__sk_common.skc_daddr);
			e->dflags |= D4C_DF_REMOTE4;
		} else {
			bpf_core_read(e->raddr, 16, &sk->__sk_common.skc_v6_daddr);
		}
		e->rport = dport;
		e->dflags |= D4C_DF_REMOTE;
	} else {
		dns_user_peer(e, c->uaddr);
	}

	__u32 off = b.s->off;
	e->payload.off = off;
	e->payload.len = 0;
	__u64 sz = len;
	if (sz > D4C_DNS_PAYLOAD_MAX) {
		sz = D4C_DNS_PAYLOAD_MAX;
		e->dflags |= D4C_DF_TRUNC;
		count(D4C_C_DNS_TRUNC);
	}
	if (off < SCRATCH_HALF && sz > 0) {
		barrier_var(sz);
		sz &= D4C_DNS_PAYLOAD_MAX;
		if (bpf_probe_read_user(&b.buf[bounded(off)], sz, (void *)buf)) {
			count(D4C_C_READ_FAIL);
		} else {
			e->payload.len = sz;
			b.s->off = off + sz;
		}
	}
	submit(&b, D4C_EV_DNS);
}

static __always_inline int dns_leave(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct dns_call *pc = bpf_map_lookup_elem(&dns_state, &tid);
	if (!pc)
		return 0;
	struct dns_call c = *pc;
	bpf_map_delete_elem(&dns_state, &tid);
	__sync_fetch_and_add(&dns_busy[dns_tid_slot(tid)], -1);
	long ret = ctx->ret;
	if (c.sysno != ctx->id || ret <= 0)
		return 0; /* another call's state (a call interrupted before its exit), or nothing moved */
	struct task_struct *t = (void *)bpf_get_current_task();
	struct sock *sk = fd_sock(t, c.fd);
	__u64 key = dns_key(BPF_CORE_READ(t, tgid), c.fd);
	if (!sk) {
		bpf_map_delete_elem(&dns_fds, &key);
		return 0;
	}
	__u64 *known = bpf_map_lookup_elem(&dns_fds, &key);
	bool same = known && *known == (__u64)sk;
	if (!c.to53 && !same) {
		bpf_map_delete_elem(&dns_fds, &key); /* the fd was closed and reused for another socket */
		return 0;
	}
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (!same)
		dns_fd_put(key, (__u64)sk);
	if (c.sys == D4C_DSYS_SENDMMSG) {
		/* ret: messages sent; each one's bytes are its iovec's length */
		dns_emit(t, sk, &c, family, c.buf, c.len, 0);
		if (ret > 1 && c.nmsg > 1)
			dns_emit(t, sk, &c, family, c.buf2, c.len2, 1);
		return 0;
	}
	__u32 n = (__u64)ret < c.len ? (__u32)ret : c.len;
	dns_emit(t, sk, &c, family, c.buf, n, 0);
	return 0;
}

SEC("tp")
int d4c_dns_leave(struct trace_event_raw_sys_exit *ctx)
{
	return dns_leave(ctx);
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} dns_tail SEC(".maps") = {
	.values = {[0] = (void *)&d4c_dns_leave},
};

/* Send exits: the prefilter, then one lookup by thread id; only a saved DNS call is worth the tail call. */
static __always_inline void dns_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (dns_busy[dns_tid_slot(tid)] && bpf_map_lookup_elem(&dns_state, &tid))
		bpf_tail_call(ctx, &dns_tail, 0);
}

/*
 * write's exit (ret > 0; d4c_io_exit_write): is the fd (from the saved registers) a known DNS
 * socket of this process? The prefilters (tgid, then tgid and fd) and one lookup keyed from the
 * helper's tgid, before any task field is read: every write of every process passes here. A
 * socket is only ever marked for a watched task, so want_task runs on hits only; those save the
 * call and let d4c_dns_leave build the record.
 */
static __always_inline void dns_exit_write(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!dns_tgid_seen[dns_tid_slot(tgid)])
		return;
	struct pt_regs *regs = syscall_regs(bpf_get_current_task_btf());
	__s32 fd = PT_REGS_PARM1_SYSCALL(regs);
	if (!dns_fd_known(dns_key(tgid, fd)))
		return;
	if (!want_task((void *)bpf_get_current_task()))
		return;
	__u64 len = PT_REGS_PARM3_SYSCALL(regs);
	struct dns_call c = {.buf = PT_REGS_PARM2_SYSCALL(regs),
			     .len = len > 0xffffffff ? 0xffffffff : len,
			     .sysno = ctx->id,
			     .fd = fd,
			     .dir = D4C_DNS_QUERY,
			     .sys = D4C_DSYS_WRITE,
			     .nmsg = 1};
	dns_save(&c);
	bpf_tail_call(ctx, &dns_tail, 0);
}

#if defined(__TARGET_ARCH_x86)
#define SYSCALL_NR(regs) ((long)(regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_NR(regs) ((long)(regs)->syscallno)
#else
#define SYSCALL_NR(regs) (-1L)
#endif

/*
 * Responses: the socket layer's sock_recv_length tracepoint (a raw tracepoint, much cheaper than a
 * syscall exit, and only socket receives pass it, not every read of every process). It fires in
 * the call after the bytes reached the caller's buffer; the call (read, recvfrom/recv, recvmsg) and
 * its arguments come from the saved registers, and the socket must be the one marked for that fd.
 * The sender's address of a recvfrom/recvmsg is copied out only after this point: a response on an
 * unconnected socket has no remote end (the query's destination says who was asked).
 */
SEC("raw_tp/sock_recv_length")
int BPF_PROG(d4c_dns_recv, struct sock *sk, int ret, int flags)
{
	if (ret <= 0)
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!dns_tgid_seen[dns_tid_slot(tgid)])
		return 0;
	struct pt_regs *regs = syscall_regs(bpf_get_current_task_btf());
	long nr = SYSCALL_NR(regs);
	__u16 sys;
	if (nr == cfg.nr_recvfrom)
		sys = D4C_DSYS_RECVFROM;
	else if (nr == cfg.nr_read)
		sys = D4C_DSYS_READ;
	else if (nr == cfg.nr_recvmsg)
		sys = D4C_DSYS_RECVMSG;
	else
		return 0; /* readv, recvmmsg, io_uring, a receive inside the kernel: not captured */
	__s32 fd = PT_REGS_PARM1_SYSCALL(regs);
	__u64 key = dns_key(tgid, fd);
	if (!dns_fd_seen[dns_fd_slot(key)])
		return 0;
	__u64 *known = bpf_map_lookup_elem(&dns_fds, &key);
	if (!known)
		return 0;
	if (*known != (__u64)sk) {
		bpf_map_delete_elem(&dns_fds, &key); /* the fd was closed and reused for another socket */
		return 0;
	}
	struct task_struct *t = (void *)bpf_get_current_task();
	if (!want_task(t))
		return 0;
	struct dns_call c = {.fd = fd, .dir = D4C_DNS_RESPONSE, .sys = sys, .nmsg = 1};
	if (sys == D4C_DSYS_RECVMSG) {
		struct umsg_head h = {};
		if (bpf_probe_read_user(&h, sizeof(h), (void *)PT_REGS_PARM2_SYSCALL(regs)) ||
		    !first_iov(h.iov, h.iovlen, &c.buf, &c.len))
			return 0;
	} else {
		__u64 len = PT_REGS_PARM3_SYSCALL(regs);
		c.buf = PT_REGS_PARM2_SYSCALL(regs);
		c.len = len > 0xffffffff ? 0xffffffff : len;
	}
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	__u32 n = (__u32)ret < c.len ? (__u32)ret : c.len;
	dns_emit(t, sk, &c, family, c.buf, n, 0);
	return 0;
}

#endif
