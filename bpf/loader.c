// SPDX-License-Identifier: Apache-2.0
/*
 * d4c-sensor: loads the eBPF programs, attaches them, and copies ring-buffer records to stdout
 * as frames (u32 little-endian length, then the record). Commands arrive on stdin, one a line:
 *   stats                  -> a D4C_FRAME_STATS frame
 *   include-host 0|1       -> switch host monitoring at run time
 *   watch-cgroup ID        -> also watch processes of this cgroup v2 id (e.g. --pid=host containers)
 *   unwatch-cgroup ID
 *   read-prefix PATH       -> also report read-only opens under PATH (absolute; <= 8 components of
 *                             <= 63 bytes; at most 16 prefixes)
 *   read-prefix-clear      -> report no read-only opens
 *   quit (or EOF)          -> detach everything and exit 0
 * --no-network loads the network programs (d4c_net_*) but leaves them unattached: the sensor
 * without network events, at no cost (benchmarks compare the two). --no-dns leaves the DNS capture
 * (d4c_dns_*, and the port-53 checks in the send programs) off; --no-tty-output does the same
 * for terminal output (d4c_tty_*). write's exit program (d4c_io_exit_write) serves both: attached
 * when either is on, each part behind its cfg flag.
 * Exit codes (one cause each, one line on stderr): 2 usage, 3 not root, 4 no BTF, 5 no tracefs,
 * 6 programs refused at load, 7 attach failed, 8 pin failed, 9 stdout closed, 1 other.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "events.h"
#include "exit-codes.h"
#include "d4c.skel.h"


#define POLL_MS 20

static struct d4c *skel;
static struct ring_buffer *rb;
static char pin_dir[512];
static volatile sig_atomic_t stopping;

/* Output batching: frames accumulate here and go out in one write per poll round. */
static unsigned char outbuf[1 << 20];
static size_t outlen;
static uint64_t records_out, bytes_out;
static bool verbose;

static void cleanup(void)
{
	if (pin_dir[0]) {
		char p[600];
		snprintf(p, sizeof(p), "%s/enter_state", pin_dir);
		unlink(p);
		rmdir(pin_dir);
	}
	ring_buffer__free(rb);
	d4c__destroy(skel);
}

static void die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("d4c-sensor: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	cleanup();
	exit(code);
}

static void flush_out(void)
{
	size_t done = 0;
	while (done < outlen) {
		ssize_t n = write(STDOUT_FILENO, outbuf + done, outlen - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(D4C_EXIT_OUTPUT, "output closed (%s): the reader went away; detaching", strerror(errno));
		}
		done += (size_t)n;
	}
	bytes_out += outlen;
	outlen = 0;
}

static void put_frame(const void *data, uint32_t size)
{
	if (outlen + 4 + size > sizeof(outbuf))
		flush_out();
	memcpy(outbuf + outlen, &size, 4);
	memcpy(outbuf + outlen + 4, data, size);
	outlen += 4 + size;
	records_out++;
}

static int on_record(void *ctx, void *data, size_t size)
{
	put_frame(data, (uint32_t)size);
	return 0;
}

static void send_stats(void)
{
	struct {
		uint16_t type, pad;
		uint32_t n;
		uint64_t v[D4C_NCOUNTERS + 2];
	} f = {.type = D4C_FRAME_STATS, .n = D4C_NCOUNTERS + 2};
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals = calloc(ncpu > 0 ? ncpu : 1, sizeof(uint64_t));
	int fd = bpf_map__fd(skel->maps.counters);
	for (uint32_t k = 0; vals && k < D4C_NCOUNTERS; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals) == 0)
			for (int c = 0; c < ncpu; c++)
				f.v[k] += vals[c];
	}
	free(vals);
	/*
	 * Every record counted as emitted is already in the ring: drain it before the snapshot goes
	 * out, so the reader has seen at least what the counters claim when it reads them.
	 */
	ring_buffer__consume(rb);
	f.v[D4C_NCOUNTERS] = records_out;
	f.v[D4C_NCOUNTERS + 1] = bytes_out;
	put_frame(&f, sizeof(f));
}

/*
 * Read prefixes: absolute paths split into components for the kernel's component-wise match.
 * Returns NULL when accepted, else why not.
 */
static const char *add_read_prefix(const char *path)
{
	struct d4c_read_prefix p = {};
	uint32_t slot = skel->bss->cfg.read_nprefix;
	if (slot >= D4C_READ_PREFIXES)
		return "too many read prefixes (at most 16)";
	if (path[0] != '/')
		return "a read prefix must be absolute";
	const char *c = path;
	while (*c) {
		while (*c == '/')
			c++;
		if (!*c)
			break;
		size_t len = strcspn(c, "/");
		if (len == 1 && c[0] == '.') {
			c += len;
			continue;
		}
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return "a read prefix must not contain `..`";
		if (len >= D4C_READ_COMP_LEN)
			return "a read prefix component is longer than 63 bytes";
		if (p.ncomp >= D4C_READ_COMPS)
			return "a read prefix has more than 8 components";
		p.len[p.ncomp] = (uint8_t)len;
		memcpy(p.comp[p.ncomp], c, len);
		p.ncomp++;
		c += len;
	}
	if (p.ncomp == 0)
		return "a read prefix must name at least one component (not `/`)";
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.read_prefixes), &slot, &p, BPF_ANY))
		return "cannot write the read-prefix map";
	/* The slot is complete before the kernel may look at it. */
	__atomic_store_n(&skel->bss->cfg.read_nprefix, slot + 1, __ATOMIC_RELEASE);
	return NULL;
}

static void command(char *line)
{
	unsigned long long id;
	int on;
	uint8_t one = 1;
	if (strcmp(line, "stats") == 0) {
		send_stats();
	} else if (sscanf(line, "include-host %d", &on) == 1) {
		skel->bss->cfg.include_host = on ? 1 : 0;
	} else if (sscanf(line, "watch-cgroup %llu", &id) == 1) {
		__u64 k = id;
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.watch_cgroups), &k, &one, BPF_ANY) == 0)
			skel->bss->cfg.use_cgroup_watch = 1;
	} else if (sscanf(line, "unwatch-cgroup %llu", &id) == 1) {
		__u64 k = id;
		bpf_map_delete_elem(bpf_map__fd(skel->maps.watch_cgroups), &k);
	} else if (strncmp(line, "read-prefix ", 12) == 0) {
		const char *why = add_read_prefix(line + 12);
		if (why)
			fprintf(stderr, "d4c-sensor: read-prefix %s ignored: %s\n", line + 12, why);
	} else if (strcmp(line, "read-prefix-clear") == 0) {
		skel->bss->cfg.read_nprefix = 0;
	} else if (strcmp(line, "quit") == 0) {
		stopping = 1;
	} else if (line[0]) {
		fprintf(stderr, "d4c-sensor: unknown command: %s\n", line);
	}
}

/* Reads what stdin has; returns false at EOF. */
static bool read_commands(void)
{
	static char buf[4096];
	static size_t len;
	ssize_t n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
	if (n == 0)
		return false;
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	len += (size_t)n;
	buf[len] = 0;
	char *start = buf, *nl;
	while ((nl = strchr(start, '\n'))) {
		*nl = 0;
		command(start);
		start = nl + 1;
	}
	len -= (size_t)(start - buf);
	memmove(buf, start, len);
	if (len == sizeof(buf) - 1)
		len = 0; /* an absurd line: drop it */
	return true;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void on_signal(int sig)
{
	stopping = 1;
}

static bool tracefs_ready(void)
{
	struct stat st;
	if (stat("/sys/kernel/tracing/events/syscalls", &st) == 0 ||
	    stat("/sys/kernel/debug/tracing/events/syscalls", &st) == 0)
		return true;
	/* Not mounted: mount it where libbpf looks first. */
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0)
		return false;
	return stat("/sys/kernel/tracing/events/syscalls", &st) == 0;
}

/* bpffs at /sys/fs/bpf, mounted on demand like tracefs (pinning needs it). */
static void ensure_bpffs(void)
{
	struct statfs fs;
	if (statfs("/sys/fs/bpf", &fs) == 0 && fs.f_type == 0xcafe4a11 /* BPF_FS_MAGIC */)
		return;
	mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL);
}

static bool tracepoint_exists(const char *cat, const char *name)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "/sys/kernel/tracing/events/%s/%s", cat, name);
	if (stat(p, &st) == 0)
		return true;
	snprintf(p, sizeof(p), "/sys/kernel/debug/tracing/events/%s/%s", cat, name);
	return stat(p, &st) == 0;
}


static void usage(void)
{
	fprintf(stderr, "usage: d4c-sensor [--include-host] [--ring-bytes N] [--pin DIR] [--host-pidns INUM] [--no-network] [--no-dns] [--no-tty-output] [--read-prefix PATH]... [--verbose]\n");
	exit(D4C_EXIT_USAGE);
}

int main(int argc, char **argv)
{
	bool include_host = false;
	bool network = true;
	bool dns = true;
	bool tty_output = true;
	unsigned long ring = 8UL << 20;
	const char *pin = NULL;
	unsigned int host_pidns = 0;
	const char *read_prefix[D4C_READ_PREFIXES + 1];
	int nread = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--include-host") == 0)
			include_host = true;
		else if (strcmp(argv[i], "--no-network") == 0)
			network = false;
		else if (strcmp(argv[i], "--no-dns") == 0)
			dns = false;
		else if (strcmp(argv[i], "--no-tty-output") == 0)
			tty_output = false;
		else if (strcmp(argv[i], "--verbose") == 0)
			verbose = true;
		else if (strcmp(argv[i], "--ring-bytes") == 0 && i + 1 < argc)
			ring = strtoul(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--host-pidns") == 0 && i + 1 < argc)
			host_pidns = strtoul(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--pin") == 0 && i + 1 < argc)
			pin = argv[++i];
		else if (strcmp(argv[i], "--read-prefix") == 0 && i + 1 < argc && nread <= D4C_READ_PREFIXES)
			read_prefix[nread++] = argv[++i];
		else
			usage();
	}
	/* The ring must be a power of two and a multiple of the page size. */
	long page = sysconf(_SC_PAGESIZE);
	if (ring < (unsigned long)page || (ring & (ring - 1)) != 0) {
		fprintf(stderr, "d4c-sensor: --ring-bytes must be a power of two >= %ld\n", page);
		return D4C_EXIT_USAGE;
	}

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	libbpf_set_print(libbpf_log);

	if (geteuid() != 0)
		die(D4C_EXIT_NOT_ROOT, "must run as root (loading eBPF needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)");
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		die(D4C_EXIT_NO_BTF, "no kernel BTF at /sys/kernel/btf/vmlinux: the kernel needs CONFIG_DEBUG_INFO_BTF=y");
	if (!tracefs_ready())
		die(D4C_EXIT_NO_TRACEFS, "tracefs is not mounted and could not be mounted: run `mount -t tracefs nodev /sys/kernel/tracing`");

	skel = d4c__open();
	if (!skel)
		die(D4C_EXIT_LOAD, "cannot open the eBPF object: %s", strerror(errno));
	bpf_map__set_max_entries(skel->maps.events, ring);
	skel->bss->cfg.include_host = include_host;
	skel->bss->cfg.host_pidns = host_pidns; /* 0: the kernel's initial pid namespace */
	skel->bss->cfg.self_tgid = getpid();
	skel->bss->cfg.dns = network && dns;
	skel->bss->cfg.tty = tty_output;
	skel->bss->cfg.nr_read = SYS_read;
	skel->bss->cfg.nr_recvfrom = SYS_recvfrom;
	skel->bss->cfg.nr_recvmsg = SYS_recvmsg;
	skel->bss->cfg.wakeup_bytes = ring / 16 < (256u << 10) ? ring / 16 : (256u << 10);

	/* Syscalls this architecture lacks (e.g. open, creat on arm64): skip their programs. */
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		if (strncmp(sec, "tp/syscalls/", 12) == 0 && !tracepoint_exists("syscalls", sec + 12))
			bpf_program__set_autoload(prog, false);
		/* sock_recv_length is from Linux 6.4: without it, no DNS responses */
		if (strncmp(sec, "raw_tp/sock_", 12) == 0 && !tracepoint_exists("sock", sec + 7))
			bpf_program__set_autoload(prog, false);
		/* Loaded (the tail-call array refers to them) but not attached. */
		if (!network && strncmp(bpf_program__name(prog), "d4c_net_", 8) == 0)
			bpf_program__set_autoattach(prog, false);
		if ((!network || !dns) && strncmp(bpf_program__name(prog), "d4c_dns_", 8) == 0)
			bpf_program__set_autoattach(prog, false);
		if (!tty_output && strncmp(bpf_program__name(prog), "d4c_tty_", 8) == 0)
			bpf_program__set_autoattach(prog, false);
		if (!tty_output && !skel->bss->cfg.dns && strncmp(bpf_program__name(prog), "d4c_io_", 7) == 0)
			bpf_program__set_autoattach(prog, false);
	}

	int err = d4c__load(skel);
	if (err)
		die(D4C_EXIT_LOAD, "the kernel refused the eBPF programs (%s); `d4c-sensor --verbose` prints the verifier log",
		    strerror(-err));
	for (int i = 0; i < nread; i++) {
		const char *why = add_read_prefix(read_prefix[i]);
		if (why)
			die(D4C_EXIT_USAGE, "--read-prefix %s: %s", read_prefix[i], why);
	}
	err = d4c__attach(skel);
	if (err)
		die(D4C_EXIT_ATTACH, "cannot attach the tracepoint programs: %s", strerror(-err));

	if (pin) {
		char p[600];
		if (strncmp(pin, "/sys/fs/bpf/", 12) == 0)
			ensure_bpffs();
		snprintf(pin_dir, sizeof(pin_dir), "%s", pin);
		mkdir(pin_dir, 0700);
		snprintf(p, sizeof(p), "%s/enter_state", pin_dir);
		unlink(p);
		if (bpf_map__pin(skel->maps.enter_state, p))
			die(D4C_EXIT_PIN, "cannot pin the open-flags map at %s (is bpffs mounted at /sys/fs/bpf?)", p);
	}

	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, NULL, NULL);
	if (!rb)
		die(D4C_EXIT_OTHER, "cannot map the ring buffer: %s", strerror(errno));

	unsigned int attached = 0;
	bpf_object__for_each_program(prog, skel->obj) attached +=
		bpf_program__autoload(prog) && bpf_program__autoattach(prog);
	struct {
		uint16_t type, pad;
		uint32_t n;
	} ready = {.type = D4C_FRAME_READY, .n = attached};
	put_frame(&ready, sizeof(ready));
	flush_out();

	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	struct pollfd pfd[2] = {
		{.fd = ring_buffer__epoll_fd(rb), .events = POLLIN},
		{.fd = STDIN_FILENO, .events = POLLIN},
	};
	bool stdin_open = true;
	while (!stopping) {
		/* The kernel side wakes us only for big batches: the timeout bounds the latency. */
		int n = poll(pfd, stdin_open ? 2 : 1, POLL_MS);
		if (n < 0 && errno != EINTR)
			die(D4C_EXIT_OTHER, "poll: %s", strerror(errno));
		if (ring_buffer__consume(rb) < 0 && !stopping)
			die(D4C_EXIT_OTHER, "ring buffer read failed");
		if (stdin_open && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (!read_commands())
				stopping = 1; /* EOF: the agent is gone or done */
		}
		if (outlen)
			flush_out();
	}
	ring_buffer__consume(rb);
	if (outlen)
		flush_out();
	cleanup();
	return D4C_EXIT_OK;
}
