/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by connect-block.bpf.c and its loader: one rule of connects (or binds) to deny. */
#ifndef D4C_CONNECT_BLOCK_H
#define D4C_CONNECT_BLOCK_H

#define D4C_CB_MAX_RULES 256
#define D4C_CB_TCP 1
#define D4C_CB_UDP 2
/* d4c_cb_rule.ops: which calls a rule denies (a connect's address is the peer, a bind's the local one). */
#define D4C_CB_CONNECT 1 /* connect(), and UDP sendto/sendmsg to an address */
#define D4C_CB_BIND 2    /* bind() */

/*
 * Addresses are 128-bit, four host-order words, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), the
 * same form as src/policy/net.ts. A connect matches when (addr & mask) == net, lo <= port <= hi
 * and its protocol's bit is in `proto`.
 */
struct d4c_cb_rule {
	__u32 net[4];
	__u32 mask[4];
	__u32 lo;
	__u32 hi;
	__u32 proto;
	__u32 ops; /* D4C_CB_CONNECT | D4C_CB_BIND */
};

#endif
