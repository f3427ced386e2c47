/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel -> user records of the d4c sensor. Shared by the eBPF programs (d4c.bpf.c), the loader
 * (loader.c) and, through src/sensor/events-def.ts, the TypeScript decoder. A test
 * (src/sensor/layout.test.ts) compiles offsetof/sizeof of every field listed in events-def.ts
 * against this header and fails when the two drift. Change both together.
 *
 * Every record is a fixed struct followed by a variable area. Variable-length data is referenced
 * by a d4c_vstr {off, len}: `off` counts from the start of the record, `len` excludes the
 * terminating NUL. All integers are little-endian (the host's order).
 */
#ifndef D4C_EVENTS_H
#define D4C_EVENTS_H

/* Record types (d4c_hdr.type). */
#define D4C_EV_FORK 1
#define D4C_EV_EXEC 2
#define D4C_EV_EXIT 3
#define D4C_EV_SETSID 4
#define D4C_EV_FILE 5
#define D4C_EV_NET 6
#define D4C_EV_DNS 7
/* Terminal output (issue 17). Counter slots take the type & 7: type 8 uses the slot of type 0, which no record has. */
#define D4C_EV_TTY 8
#define D4C_EV_MAX 8
/*
 * Frames made by the loader, never by the kernel. Payload: u16 type, u16 pad, u32 n, then
 * STATS: n u64 (D4C_NCOUNTERS summed counters, then records and bytes written by the loader);
 * READY: n = number of attached programs, sent once everything is attached.
 */
#define D4C_FRAME_STATS 0x100
#define D4C_FRAME_READY 0x101

/* File operations (d4c_file.op): one per syscall family. */
#define D4C_FOP_OPEN 1      /* open, openat, openat2 with write intent (O_WRONLY|O_RDWR|O_CREAT|O_TRUNC) */
#define D4C_FOP_CREAT 2     /* creat */
#define D4C_FOP_TRUNCATE 3  /* truncate(path) */
#define D4C_FOP_FTRUNCATE 4 /* ftruncate(fd) */
#define D4C_FOP_CHMOD 5     /* chmod, fchmodat, fchmodat2 */
#define D4C_FOP_FCHMOD 6    /* fchmod(fd) */
#define D4C_FOP_RENAME 7    /* rename, renameat, renameat2: path = new name, orig = old name */
#define D4C_FOP_LINK 8      /* link, linkat: path = new link, orig = existing file */
#define D4C_FOP_SYMLINK 9   /* symlink, symlinkat: path = new link, orig.name = link content */
#define D4C_FOP_MKNOD 10    /* mknod, mknodat */
#define D4C_FOP_UNLINK 11   /* unlink, unlinkat */
#define D4C_FOP_RMDIR 12    /* rmdir, unlinkat(AT_REMOVEDIR) */
#define D4C_FOP_READ 13     /* open* without write intent of a non-directory under a watched read prefix */

/* Network operations (d4c_net.op). */
#define D4C_NOP_CONNECT 1 /* connect: one record at exit, with the result (-EINPROGRESS: non-blocking) */
#define D4C_NOP_ACCEPT 2  /* accept, accept4: successful only; both ends read from the new socket */
#define D4C_NOP_BIND 3    /* bind: with the result */
#define D4C_NOP_LISTEN 4  /* listen: with the result; the local address read from the socket */

/* d4c_net.nflags: which addresses the record carries. */
#define D4C_NF_LOCAL 0x1   /* laddr/lport (inet) or lpath (unix) is set */
#define D4C_NF_REMOTE 0x2  /* raddr/rport or rpath is set */
#define D4C_NF_LOCAL4 0x4  /* laddr holds an IPv4 address in its first 4 bytes (else 16-byte IPv6) */
#define D4C_NF_REMOTE4 0x8 /* raddr holds an IPv4 address in its first 4 bytes */
/*
 * A datagram sent to an address (sendto, sendmsg with msg_name) that failed with EPERM: the
 * connect filter refused it (op is D4C_NOP_CONNECT, the address is the remote end). Sends that
 * went through make no record: they are data, not connection attempts.
 */
#define D4C_NF_SENDTO 0x10
#define D4C_NF_SENDMSG 0x20
#define D4C_NF_SENDMMSG 0x40 /* sendmmsg whose first message was refused (later ones only shorten its count) */

/* DNS messages (d4c_dns, issue 18): which way, which syscall, flags. */
#define D4C_DNS_QUERY 1    /* sent by the task (to port 53, or on a socket known to talk to port 53) */
#define D4C_DNS_RESPONSE 2 /* read back by the task on such a socket */
#define D4C_DSYS_SENDTO 1  /* sendto, send */
#define D4C_DSYS_SENDMSG 2
#define D4C_DSYS_SENDMMSG 3 /* one record per message, at most D4C_DNS_MMSG of them */
#define D4C_DSYS_WRITE 4
#define D4C_DSYS_RECVFROM 5 /* recvfrom, recv */
#define D4C_DSYS_RECVMSG 6
#define D4C_DSYS_READ 7
#define D4C_DF_TRUNC 0x1   /* the call moved more than D4C_DNS_PAYLOAD_MAX bytes: payload cut */
#define D4C_DF_LOCAL4 0x4  /* laddr holds IPv4 in its first 4 bytes */
#define D4C_DF_REMOTE4 0x8 /* raddr holds IPv4 in its first 4 bytes */
#define D4C_DF_REMOTE 0x10 /* raddr/rport are set */
#define D4C_DNS_PAYLOAD_MAX 2047 /* bounded copy per message (a power of two minus one: a mask for the verifier) */
#define D4C_DNS_MMSG 2           /* sendmmsg: messages captured per call (glibc sends A and AAAA together) */
#define D4C_DNS_PORT 53

/* d4c_hdr.flags: something in this record was cut short (details in the counters). */
#define D4C_HF_TRUNCATED 0x1

/* d4c_path.flags */
#define D4C_PF_TRUNCATED 0x1    /* path longer than D4C_PATH_MAX bytes: leading components missing */
#define D4C_PF_DEPTH 0x2        /* more than D4C_PATH_DEPTH components: leading components missing */
#define D4C_PF_DELETED 0x4      /* the leaf dentry was unlinked (e.g. deleted cwd) */
#define D4C_PF_OUTSIDE_ROOT 0x8 /* walk reached a root without meeting the task's root (chroot escape, detached mount) */
#define D4C_PF_NAME_TRUNC 0x10  /* the user-supplied string was longer than D4C_PATH_MAX */
#define D4C_PF_HAS_DIR 0x20     /* dir holds kernel-walked components; without it, name alone is the path */
#define D4C_PF_BAD_FD 0x40      /* the fd/dirfd did not resolve to an open file at syscall exit */

/* d4c_file.fflags */
#define D4C_FF_CREATED 0x1     /* the open created the file (FMODE_CREATED) */
#define D4C_FF_MODE_INODE 0x2  /* mode/ino/dev read from the inode after the change */
#define D4C_FF_MODE_ARG 0x4    /* mode taken from the syscall argument (file type may be unknown) */
/* D4C_FOP_READ: bits 8..15 of fflags hold the index of the read prefix that matched. */
#define D4C_FF_PREFIX_SHIFT 8
#define D4C_FF_PREFIX_MASK 0xff00

#define D4C_PATH_MAX 4096
#define D4C_NAME_MAX 256
#define D4C_PATH_DEPTH 128
#define D4C_CGROUP_DEPTH 16
#define D4C_ARGS_MAX 4096
#define D4C_TTY_MAX 12288 /* bytes of one write(2) to a terminal copied into a record (12 KiB) */

/* Loss and health counters: per-CPU u64 in the `counters` map, summed by the loader. */
#define D4C_C_RB_FAIL 0        /* + record type: ring buffer full, record lost (8 slots) */
#define D4C_C_EMITTED 8        /* + record type: records written (8 slots) */
#define D4C_C_TRUNC_STR 16     /* a user string (filename, path argument, symlink content) cut */
#define D4C_C_TRUNC_PATH 17    /* a kernel-walked path cut at D4C_PATH_MAX bytes */
#define D4C_C_TRUNC_ARGV 18    /* exec argv cut at D4C_ARGS_MAX bytes */
#define D4C_C_PATH_DEPTH 19    /* a walk stopped at D4C_PATH_DEPTH components */
#define D4C_C_MISSING_ENTER 20 /* syscall exit of a watched task without its enter state */
#define D4C_C_ENTER_FULL 21    /* enter state could not be stored */
#define D4C_C_READ_FAIL 22     /* a kernel/user read failed (field left empty) */
#define D4C_C_CGROUP_TRUNC 23  /* cgroup path cut */
/* Network (issue 8); taken from the top so that other additions can grow from 24 upwards. */
#define D4C_C_NET_NOT_SOCKET 29 /* a network syscall's fd did not resolve to a socket at exit */
#define D4C_C_NET_OTHER 30      /* a family other than inet/inet6/unix (netlink, packet, ...) or AF_UNSPEC: skipped */
#define D4C_C_NET_STATE_FULL 31 /* network enter state could not be stored */
#define D4C_C_READ_FILTERED 24 /* a watched task's read-only open outside every read prefix (no record) */
#define D4C_C_READ_UNWALKED 25 /* a read-only open whose path walk did not reach the task's root (not matched) */
#define D4C_C_READ_DIR 26      /* a read-only open of a directory (never a read record) */
#define D4C_C_DNS_TRUNC 27      /* a DNS message longer than D4C_DNS_PAYLOAD_MAX: payload cut */
#define D4C_C_DNS_STATE_FULL 28 /* DNS call state or DNS socket could not be stored */
#define D4C_C_TTY_CUT 32       /* a terminal write longer than D4C_TTY_MAX: the rest not copied (counted as skipped) */
#define D4C_NCOUNTERS 40

struct d4c_vstr {
	__u16 off;
	__u16 len;
};

/*
 * A path. `dir` holds components walked in the kernel from a dentry up to the task's root
 * (fs->root), leaf first, each NUL-terminated; `name` is the string the caller passed, or empty.
 * User space joins them: absolute name -> name; else "/" + reverse(dir) + "/" + name.
 */
struct d4c_path {
	struct d4c_vstr dir;
	struct d4c_vstr name;
	__u32 flags;
};

struct d4c_hdr {
	__u16 type;
	__u16 size; /* whole record, bytes */
	__u32 flags;
	__u64 ts;                /* bpf_ktime_get_boot_ns() */
	__u64 start_time;        /* thread-group leader start, ns since boot */
	__u64 parent_start_time; /* real parent's leader start, ns since boot */
	__u64 cgroup_id;         /* cgroup v2 id (kernfs id) */
	__u64 cap_effective;
	__u64 cap_permitted;
	__u32 tgid;
	__u32 tid;
	__u32 ppid;
	__u32 pgid;
	__u32 sid;
	__u32 vpid; /* tgid as seen in the task's own pid namespace */
	__u32 uid;
	__u32 euid;
	__u32 suid;
	__u32 gid;
	__u32 egid;
	__u32 sgid;
	__u32 pidns; /* pid namespace inode number */
	__u32 mntns; /* mount namespace inode number */
	__u16 tty_major;
	__u16 tty_minor;
	struct d4c_vstr cgroup; /* v2 cgroup path components, leaf first, NUL-terminated */
	char comm[16];
};

/* D4C_EV_FORK: the header describes the new child process. */
struct d4c_fork {
	struct d4c_hdr h;
};

/* D4C_EV_EXEC: the header describes the process after the exec. */
struct d4c_exec {
	struct d4c_hdr h;
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 exe_mode;
	__u32 argc;
	__u32 args_truncated;
	struct d4c_vstr filename; /* as passed to execve */
	struct d4c_vstr args;     /* argv, each NUL-terminated */
	struct d4c_path exe;      /* the executed file, walked from bprm->file */
	struct d4c_path cwd;
};

/* D4C_EV_EXIT: the last thread of a process exited. */
struct d4c_exit {
	struct d4c_hdr h;
	__u32 exit_code; /* wait status: (code << 8) | signal */
	__u32 pad;
};

/* D4C_EV_SETSID: a successful setsid(); the header has the new sid. */
struct d4c_setsid {
	struct d4c_hdr h;
};

/* D4C_EV_FILE: a successful file change. */
struct d4c_file {
	struct d4c_hdr h;
	__u64 ino;
	__u32 dev;
	__u32 mode; /* mode after the change; 0 when unknown */
	__u32 op;   /* D4C_FOP_* */
	__u32 open_flags;
	__u32 fflags; /* D4C_FF_* */
	__s32 ret;
	struct d4c_path path;
	struct d4c_path orig;
};

/*
 * D4C_EV_NET: connect, accept, bind, listen on an AF_INET, AF_INET6 or AF_UNIX socket. Addresses
 * are local (this socket's end) and remote (the peer); user space maps them to source/destination.
 * IP addresses are in network order; ports in host order. Unix paths are the raw sun_path bytes
 * (a leading NUL is the abstract namespace), at most 108 bytes.
 */
struct d4c_net {
	struct d4c_hdr h;
	__u32 op;  /* D4C_NOP_* */
	__s32 ret; /* the syscall's return: 0 or the new fd on success, -errno on failure */
	__u16 family;    /* socket family: AF_UNIX 1, AF_INET 2, AF_INET6 10 */
	__u16 sock_type; /* sk_type: SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3, SOCK_SEQPACKET 5 */
	__u16 protocol;  /* sk_protocol: IPPROTO_TCP 6, IPPROTO_UDP 17, ...; 0 for unix */
	__u16 nflags;    /* D4C_NF_* */
	__u16 lport;
	__u16 rport;
	__u8 laddr[16];
	__u8 raddr[16];
	struct d4c_vstr lpath;
	struct d4c_vstr rpath;
	__u32 netns; /* network namespace inode number (the DNS answers cache is per namespace) */
};

/*
 * D4C_EV_DNS (issue 18): one DNS message a watched task sent to port 53, or read back on a socket
 * that talks to port 53, over UDP or TCP (for TCP the payload is the stream's bytes, length
 * prefixes included: user space reassembles). Addresses as in d4c_net; the remote end is the
 * socket's peer, or the address given to / returned by sendto/recvfrom/sendmsg/recvmsg.
 */
struct d4c_dns {
	struct d4c_hdr h;
	__u32 netns;
	__s32 fd;
	__u16 dir;   /* D4C_DNS_QUERY / D4C_DNS_RESPONSE */
	__u16 sys;   /* D4C_DSYS_* */
	__u16 dflags; /* D4C_DF_* */
	__u16 family;
	__u16 protocol; /* sk_protocol: 6 tcp, 17 udp */
	__u16 lport;
	__u16 rport;
	__u16 msg_index; /* sendmmsg: index of the message in the vector */
	__u32 len;       /* bytes the call moved for this message (the payload holds at most D4C_DNS_PAYLOAD_MAX) */
	__u8 laddr[16];
	__u8 raddr[16];
	struct d4c_vstr payload;
};

/*
 * D4C_EV_TTY: a write(2) or writev(2) by a container process with a controlling terminal to a terminal
 * (pseudo-terminal slave, tty, /dev/tty, console), taken at syscall exit (writev: the buffers in
 * order, at most 32 iovecs). `total` is the byte count the call wrote; `data` holds its first
 * D4C_TTY_MAX bytes at most.
 */
struct d4c_tty {
	struct d4c_hdr h;
	__u32 fd;
	__u32 total;
	__u16 major; /* the written terminal's device */
	__u16 minor;
	struct d4c_vstr data;
};

/*
 * Per-thread state saved at syscall entry, map `enter_state` keyed by tid (u32). Pinned for the
 * enforcement side (fanotify): during an open, open_flags holds the caller's flags.
 */
struct d4c_enter {
	__u32 open_flags;
	__u32 op;
	__u32 mode;
	__s32 dfd;
	__s32 dfd2;
	__u32 pad;
	__u64 p1;
	__u64 p2;
};

/* Runtime configuration, in .bss (mmap-ed by the loader; changes take effect at once). */
struct d4c_config {
	__u32 include_host; /* 1: watch every process, not only containers */
	__u32 host_pidns;   /* inode of the host pid namespace (/proc/1/ns/pid) */
	__u32 self_tgid;    /* the loader: never watched */
	__u32 use_cgroup_watch; /* 1: also watch tasks whose cgroup id is in `watch_cgroups` */
	__u32 wakeup_bytes;     /* wake the reader only once this much is waiting (it also polls) */
	__u32 read_nprefix;     /* used slots of `read_prefixes`; 0: read-only opens are never reported */
	__u32 dns;              /* 1: capture port-53 payloads (D4C_EV_DNS); 0: the port check only */
	__u32 tty;              /* 1: capture terminal output (D4C_EV_TTY) in the shared write exit */
	__u32 nr_read;          /* this architecture's syscall numbers (the loader's <sys/syscall.h>) */
	__u32 nr_recvfrom;
	__u32 nr_recvmsg;
};

/*
 * Read access (D4C_FOP_READ): path prefixes as component lists, map `read_prefixes` (array,
 * D4C_READ_PREFIXES slots), written by the loader. A read-only open matches a slot when the first
 * `ncomp` components of the path the kernel walked from the opened file (symlinks, `..` and
 * dirfds already resolved) equal the slot's components. Components are zero-padded so that the
 * comparison is word by word.
 */
#define D4C_READ_PREFIXES 16
#define D4C_READ_COMPS 8
#define D4C_READ_COMP_LEN 64 /* a component is at most 63 bytes */
struct d4c_read_prefix {
	__u32 ncomp;
	__u32 pad;
	__u8 len[D4C_READ_COMPS];
	__u64 comp[D4C_READ_COMPS][D4C_READ_COMP_LEN / 8];
};

#endif
