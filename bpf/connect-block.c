// SPDX-License-Identifier: Apache-2.0
/*
 * d4c-connect-block CGROUP_DIR: denies outbound connects (and UDP sends to an address) and binds
 * of the processes in a cgroup v2 directory (and its descendants) by address. stdin, one command a line:
 *   rule N0 N1 N2 N3 M0 M1 M2 M3 LO HI PROTO [OPS]   (before `go`; see connect-block.h; OPS
 *                                                    defaults to D4C_CB_CONNECT)
 *   go                                         -> load, attach, print "ready RULES"
 *   stats                                      -> print "denied N allowed M"
 *   EOF or quit                                -> exit 0; the links go with the process, so
 *                                                 the programs detach however it ends
 * Exit codes (exit-codes.h; one line on stderr): usage, not root, refused at load, attach failed, other.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "connect-block.h"
#include "exit-codes.h"
#include "connect-block.skel.h"

static int fail(int code, const char *what)
{
	fprintf(stderr, "d4c-connect-block: %s\n", what);
	return code;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return fail(D4C_EXIT_USAGE, "usage: d4c-connect-block CGROUP_DIR (rules on stdin, then go)");
	if (geteuid() != 0)
		return fail(D4C_EXIT_NOT_ROOT, "needs root");
	libbpf_set_print(libbpf_quiet);
	setvbuf(stdout, NULL, _IOLBF, 0);

	static struct d4c_cb_rule rules[D4C_CB_MAX_RULES];
	unsigned n = 0;
	char line[512];
	int go = 0;
	while (fgets(line, sizeof line, stdin)) {
		if (strncmp(line, "go", 2) == 0) {
			go = 1;
			break;
		}
		struct d4c_cb_rule r = { 0 };
		int got = sscanf(line, "rule %u %u %u %u %u %u %u %u %u %u %u %u", &r.net[0], &r.net[1], &r.net[2],
				 &r.net[3], &r.mask[0], &r.mask[1], &r.mask[2], &r.mask[3], &r.lo, &r.hi, &r.proto,
				 &r.ops);
		if (got == 11)
			r.ops = D4C_CB_CONNECT;
		else if (got != 12)
			return fail(D4C_EXIT_USAGE, "bad rule line");
		if (n == D4C_CB_MAX_RULES)
			return fail(D4C_EXIT_USAGE, "too many rules");
		rules[n++] = r;
	}
	if (!go)
		return D4C_EXIT_OK;

	int cg = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (cg < 0)
		return fail(D4C_EXIT_ATTACH, "cannot open the cgroup directory");
	struct d4c_cb *skel = d4c_cb__open();
	if (!skel)
		return fail(D4C_EXIT_LOAD, "cannot open the BPF object");
	skel->rodata->nrules = n;
	if (d4c_cb__load(skel) != 0)
		return fail(D4C_EXIT_LOAD, "the kernel refused the connect programs");
	for (__u32 i = 0; i < n; i++) {
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.rules), &i, &rules[i], BPF_ANY) != 0)
			return fail(D4C_EXIT_OTHER, "cannot write a rule");
	}
	struct bpf_link *l4 = bpf_program__attach_cgroup(skel->progs.d4c_connect4, cg);
	struct bpf_link *l6 = bpf_program__attach_cgroup(skel->progs.d4c_connect6, cg);
	struct bpf_link *s4 = bpf_program__attach_cgroup(skel->progs.d4c_sendmsg4, cg);
	struct bpf_link *s6 = bpf_program__attach_cgroup(skel->progs.d4c_sendmsg6, cg);
	struct bpf_link *b4 = bpf_program__attach_cgroup(skel->progs.d4c_bind4, cg);
	struct bpf_link *b6 = bpf_program__attach_cgroup(skel->progs.d4c_bind6, cg);
	if (!l4 || !l6 || !s4 || !s6 || !b4 || !b6)
		return fail(D4C_EXIT_ATTACH, "cannot attach to the cgroup (is it a cgroup v2 directory?)");
	printf("ready %u\n", n);

	while (fgets(line, sizeof line, stdin)) {
		if (strncmp(line, "quit", 4) == 0)
			break;
		if (strncmp(line, "stats", 5) == 0) {
			__u64 v[2] = { 0, 0 };
			for (__u32 k = 0; k < 2; k++)
				bpf_map_lookup_elem(bpf_map__fd(skel->maps.counts), &k, &v[k]);
			printf("denied %llu allowed %llu\n", (unsigned long long)v[0], (unsigned long long)v[1]);
		}
	}
	bpf_link__destroy(l4);
	bpf_link__destroy(l6);
	bpf_link__destroy(s4);
	bpf_link__destroy(s6);
	bpf_link__destroy(b4);
	bpf_link__destroy(b6);
	d4c_cb__destroy(skel);
	close(cg);
	return D4C_EXIT_OK;
}
