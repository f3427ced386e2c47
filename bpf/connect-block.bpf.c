// SPDX-License-Identifier: GPL-2.0
/*
 * Denies outbound connects by destination for the processes of a cgroup (v2): attached as
 * cgroup/connect4 and cgroup/connect6, a return of 0 makes connect() fail with EPERM. The
 * rules come from the policy's blocking network responses (src/enforce/connect-block.ts).
 * A UDP datagram sent to an address without connect() (sendto, sendmsg, sendmmsg) is decided
 * the same way by cgroup/sendmsg4 and sendmsg6: otherwise an unconnected socket would reach
 * any destination the policy blocks. cgroup/bind4 and bind6 deny bind() by the requested local
 * address and port (rules marked D4C_CB_BIND): a bind shell cannot take its port.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "connect-block.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 nrules = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, D4C_CB_MAX_RULES);
	__type(key, __u32);
	__type(value, struct d4c_cb_rule);
} rules SEC(".maps");

/* [0] connects and sends denied, [1] allowed. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counts, &which);
	if (c)
		__sync_fetch_and_add(c, 1);
}

static __always_inline int decide(__u32 a0, __u32 a1, __u32 a2, __u32 a3, __u32 port, __u32 protocol, __u32 op)
{
	__u32 pbit = protocol == IPPROTO_TCP ? D4C_CB_TCP : protocol == IPPROTO_UDP ? D4C_CB_UDP : 0;
	for (__u32 i = 0; i < D4C_CB_MAX_RULES; i++) {
		if (i >= nrules)
			break;
		__u32 k = i;
		struct d4c_cb_rule *r = bpf_map_lookup_elem(&rules, &k);
		if (!r)
			break;
		if ((a0 & r->mask[0]) != r->net[0] || (a1 & r->mask[1]) != r->net[1] ||
		    (a2 & r->mask[2]) != r->net[2] || (a3 & r->mask[3]) != r->net[3])
			continue;
		if (port < r->lo || port > r->hi || !(r->proto & pbit) || !(r->ops & op))
			continue;
		count(0);
		return 0;
	}
	count(1);
	return 1;
}

/*
 * One pair of programs per hook: the IPv4 one sees the address as IPv4-mapped IPv6, like the
 * rules; a return of 0 makes the call fail with EPERM.
 */
#define ADDR_PROGS(hook, op)                                                                           \
	SEC("cgroup/" #hook "4")                                                                         \
	int d4c_##hook##4(struct bpf_sock_addr *ctx)                                                     \
	{                                                                                                \
		return decide(0, 0, 0xffff, bpf_ntohl(ctx->user_ip4), bpf_ntohs(ctx->user_port), ctx->protocol, \
			      op);                                                                       \
	}                                                                                                \
	SEC("cgroup/" #hook "6")                                                                         \
	int d4c_##hook##6(struct bpf_sock_addr *ctx)                                                     \
	{                                                                                                \
		return decide(bpf_ntohl(ctx->user_ip6[0]), bpf_ntohl(ctx->user_ip6[1]),                   \
			      bpf_ntohl(ctx->user_ip6[2]), bpf_ntohl(ctx->user_ip6[3]),                   \
			      bpf_ntohs(ctx->user_port), ctx->protocol, op);                              \
	}

ADDR_PROGS(connect, D4C_CB_CONNECT)
ADDR_PROGS(sendmsg, D4C_CB_CONNECT)
ADDR_PROGS(bind, D4C_CB_BIND)
