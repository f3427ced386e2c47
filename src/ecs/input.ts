// The typed inputs the agent hands the ECS builders: the contract between the sensor's
// decoder, the process table, the container/Kubernetes resolvers and the document builders.
// Everything here is plain data; the builders never parse, look anything up or do I/O.
//
// Conventions:
// - Times from the kernel are nanoseconds since boot (CLOCK_BOOTTIME, as bpf_ktime_get_boot_ns
//   and task->start_boottime give them), as bigint: a u64 read with DataView.getBigUint64, and
//   exact beyond the 104 days of uptime where a double stops resolving nanoseconds.
// - Ids (uid, gid, pid) are numbers; the builders render uids/gids as ECS keywords (strings).
// - Optional fields are unknown when absent; the builders omit the corresponding ECS field.

import type { FileOperation, MountKind, NetworkOperation, ProcessOperation } from '../policy/index.js';
import type { EntryType } from '../process/index.js';
import type { EcsDns } from './types.js';

/** A user or group id with its name when the resolver knows it (from the container's /etc/passwd). */
export interface IdName {
  id: number;
  name?: string;
}

/** Real, effective and saved ids (struct cred: uid/euid/suid, gid/egid/sgid). */
export interface Credentials {
  real: IdName;
  effective: IdName;
  saved: IdName;
}

/** Controlling terminal of the process (signal->tty), as its character device numbers. */
export interface TtyDevice {
  major: number;
  minor: number;
}

/**
 * What ECS says about the entry leader of a session (process.entry_leader.entry_meta.type).
 * Elastic's entry types (src/process/leaders.ts decides them; `classifyEntry` in session.ts adapts it).
 */
export type EntryMetaType = EntryType | 'kthread';

/**
 * The fields a leader (parent, group/session/entry leader) shows in a document. The process
 * table may hand a full ProcessInfo, or a lightweight record for a leader it only partly knows
 * (e.g. a parent that exited before the agent started: pid and entity id only).
 */
export interface ProcessRef {
  /** Process id (thread-group id) in the host (initial) pid namespace. */
  pid: number;
  /** process.entity_id, from `entityId()` (entity-id.ts), computed once by the process table. */
  entityId: string;
  /**
   * Start of the thread group, ns since boot: task->group_leader->start_boottime. The same
   * clock as /proc/PID/stat field 22 (in clock ticks) so that processes found at bootstrap and
   * processes seen forking agree (entity ids use tick precision for exactly that reason).
   */
  startNs?: bigint;
  /** Full path of the executable (the exec's resolved filename), as the container sees it. */
  executable?: string;
  /** process.name: basename of the executable (comm is truncated to 15 bytes: avoid it). */
  name?: string;
  /** argv, argv[0] first. Documents share this array (no copy): replace it, never mutate it. */
  args?: readonly string[];
  /** The true argument count when argv was cut (absent: `args.length`). */
  argsCount?: number;
  /** argv was cut at the sensor's 4 KiB bound: `process.args_truncated: true`. */
  argsTruncated?: boolean;
  workingDirectory?: string;
  /** Absent: no controlling terminal. */
  tty?: TtyDevice;
  user?: Credentials;
  group?: Credentials;
}

/**
 * One process as the process table knows it at the time of the event. The builders read it
 * synchronously and keep no reference to it (only a start-time string memo keyed by the
 * object and checked against startNs), so the table may update its records in place.
 */
export interface ProcessInfo extends ProcessRef {
  /** Thread id of the thread that acted (process.thread.id). */
  tid?: number;
  ppid?: number;
  /** Process group id (its leader's pid). */
  pgid?: number;
  /** Session id (its leader's pid). */
  sid?: number;
  /** Pid as seen in the process' own pid namespace (process.vpid); 1 for a container's init. */
  vpid?: number;
  /** Effective and permitted capability sets (kernel_cap_t, a u64 since Linux 6.3). */
  capEffective?: bigint;
  capPermitted?: bigint;
  /** cgroup v2 id (kernfs inode) and path, from the task's default hierarchy. Not emitted. */
  cgroupId?: bigint;
  cgroupPath?: string;
  /** pid and mount namespace inode numbers. Not emitted; used to find the container. */
  pidNsIno?: number;
  mntNsIno?: number;
  /** Kernel thread (PF_KTHREAD): never an entry leader. */
  kthread?: boolean;
  /** exit events: the exit status as the shell shows it (code, or 128+signal). */
  exitCode?: number;
  /** exit events: ns since boot. */
  endNs?: bigint;
  parent?: ProcessRef;
  groupLeader?: ProcessRef;
  sessionLeader?: ProcessRef;
  /** Absent for pid 1 and kernel threads (they have none). */
  entryLeader?: ProcessRef;
  /** Classification of `entryLeader` (the same value for every process of its session). */
  entryMetaType?: EntryMetaType;
  /** exec events: the images the process ran before this exec, most recent first. */
  previous?: readonly PreviousImage[];
  /**
   * `process.drift`: the executable was created or modified inside the container after it
   * started (the sensor saw the write, or it sits in the overlay upper layer). Absent: unknown
   * (host processes, executables the agent could not check).
   */
  drift?: boolean;
  /**
   * `process.container_entry`: how the process's session came into its container: `init` (the
   * container's init tree), `exec` (runc/crun exec: kubectl/crictl/podman/docker exec),
   * `nsenter` (setns from the host). Absent on the host. `process.container_init` is derived:
   * `init` and vpid 1.
   */
  containerEntry?: 'init' | 'exec' | 'nsenter';
}

export interface PreviousImage {
  executable?: string;
  args?: readonly string[];
}

/** What happened to the file, as the sensor saw it (decides event.action/event.type). */
export type FileActionKind =
  | 'creation'
  | 'modification'
  | 'open'
  | 'deletion'
  | 'rename'
  | 'link'
  | 'chmod'
  | 'truncate'
  /** An open without write intent (readFile): event.action `open`, event.type `access`. */
  | 'read';

export interface FileChange {
  /** Absolute path as the container sees it (for a rename: the new path). */
  path: string;
  /** rename: the old path. */
  originalPath?: string;
  /** The one D4C operation of this event (see policy/model.ts: mode after change decides). */
  operation: FileOperation;
  action: FileActionKind;
  /** st_mode after the change (type and permission bits); absent after a deletion. */
  mode?: number;
  inode?: bigint | number;
  /** Where the file sits relative to the container's mounts; absent on the root filesystem. */
  mount?: MountKind;
}

/** One end of a connection: ip + port for inet sockets; address = the ip, or a unix socket path. */
export interface NetworkEndpoint {
  /** Canonical IP text (IPv4 dotted quad, RFC 5952 IPv6; IPv4-mapped given as IPv4). */
  ip?: string;
  port?: number;
  /** The ip for inet sockets; the path (`@name` for abstract) for unix sockets. */
  address?: string;
}

/** AF_INET, AF_INET6, AF_UNIX. */
export type SocketFamily = 'inet' | 'inet6' | 'unix';

/** A connect, accept, bind or listen as the sensor saw it (issue 8). */
export interface NetworkActivity {
  operation: NetworkOperation;
  /**
   * tcp, udp, or another IANA name (icmp, sctp): `network.transport`. `unix` for a unix socket,
   * which has no ECS transport: the document leaves network.transport out.
   */
  transport?: string;
  /** `network.type`; `unix` (no ECS network type) is left out of the document. */
  type: 'ipv4' | 'ipv6' | 'unix';
  /** Socket family (`cloud_defend.network.family`; unix sockets are recognised by it). */
  family?: SocketFamily;
  /** connect: this socket's end; accept: the client. Absent for bind and listen. */
  source?: NetworkEndpoint;
  /** connect: the peer; accept: the listening end; bind/listen: the local address. */
  destination?: NetworkEndpoint;
  /** success, failure, or unknown for a non-blocking connect in progress. */
  outcome: 'success' | 'failure' | 'unknown';
  /** errno name of a failure, e.g. `ECONNREFUSED` (`error.code`). */
  errorCode?: string;
  /** operation `dns`: the transaction's `dns.*` (src/ecs/dns.ts builds it). */
  dns?: EcsDns;
  /** connect: the name this network namespace resolved the destination from (`destination.domain`). */
  destinationDomain?: string;
  /** The IoC-listed domain the question (or the name behind the destination) matched. */
  iocDomain?: string;
}

export interface ContainerContext {
  /** 64 lowercase hex characters. */
  id: string;
  name?: string;
  image?: {
    /** Full normalised name without tag or digest, e.g. `docker.io/library/nginx` (image.ts). */
    name: string;
    tag?: string;
    /** `sha256:<hex>` digest(s) of the image. */
    digests?: readonly string[];
  };
  /** e.g. `runc`, `crun`, `containerd`, `cri-o`, `podman`, `docker`. */
  runtime?: string;
  privileged?: boolean;
}

export interface OrchestratorContext {
  clusterId?: string;
  clusterName?: string;
  namespace?: string;
  podName?: string;
  podUid?: string;
  podIp?: string;
  labels?: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
  /** Kind of the pod's owner as ECS spells it, e.g. `ReplicaSet`, `DaemonSet`, `Job`. */
  parentType?: string;
}

export interface CloudContext {
  provider?: string;
  region?: string;
  availabilityZone?: string;
  /** Azure subscription (`cloud.account.id`). */
  accountId?: string;
  /** GCP project (`cloud.project.id`). */
  projectId?: string;
  instanceName?: string;
  instanceId?: string;
}

export interface HostContext {
  id?: string;
  name: string;
  hostname: string;
  /** `uname -m`, e.g. `x86_64`, `aarch64`. */
  architecture?: string;
  /** /proc/sys/kernel/random/boot_id. */
  bootId?: string;
  /** Inode of the host's initial pid namespace. */
  pidNsIno?: number;
  ip?: readonly string[];
  mac?: readonly string[];
  os?: {
    name?: string;
    kernel?: string;
    family?: string;
    platform?: string;
    version?: string;
    full?: string;
    codename?: string;
  };
  /** Wall-clock time of boot, ns since the epoch: converts kernel times to @timestamp. */
  bootTimeNs: bigint;
}

export interface AgentContext {
  id: string;
  version: string;
  name?: string;
}

export type PolicyAction = 'log' | 'alert' | 'block';

/** What the policy decided for this event (see policy/model.ts Decision). */
export interface PolicyOutcome {
  matchedSelectors?: readonly string[];
  actions?: readonly PolicyAction[];
  /** The operation was stopped before it took effect. */
  blocked?: boolean;
  packagePolicyId?: string;
  packagePolicyRevision?: number;
}

/** Context every event document may carry. */
export interface EventInput {
  /** When it happened, ns since boot (bpf_ktime_get_boot_ns). Absent: the build time. */
  timeNs?: bigint;
  container?: ContainerContext;
  orchestrator?: OrchestratorContext;
  policy?: PolicyOutcome;
  /** cloud_defend.hook_point, e.g. `tracepoint__sched_process_exec`. */
  hookPoint?: string | readonly string[];
  /**
   * cloud_defend.metadata_complete: the container's runtime metadata was merged (true, or no
   * container), or only its cgroup identity was known (false). The agent sets it on every event.
   */
  metadataComplete?: boolean;
  /**
   * cloud_defend.block_mode: `enforce` (denied by the enforcer), `monitoring` (would have been),
   * `failed_open` (a block response matched but the operation went through; blockFailure says why).
   */
  blockMode?: 'enforce' | 'monitoring' | 'failed_open';
  /** cloud_defend.block_failure, with `failed_open`: why the block did not stop the operation. */
  blockFailure?: BlockFailure;
}

/**
 * Why a matched `block` let the operation through: the enforcer helper was down, the decision
 * was waived for a container whose metadata was not known yet (`--unknown-metadata allow`), the
 * block was decided after the helper's deadline had let it through (`helper_timeout`), or the
 * helper answered allow itself (its queue full, the mount not marked).
 */
export type BlockFailure = 'helper_down' | 'unknown_metadata' | 'helper_timeout' | 'helper_allowed';

export interface ProcessEventInput extends EventInput {
  process: ProcessInfo;
}

/** A batch of a process's terminal output (text_output). */
export interface TextOutputInput extends ProcessEventInput {
  text: string;
  /** Bytes kept in this batch, and bytes written but not kept (record size, per-process cap). */
  captured: number;
  skipped: number;
  /** The process reached `--tty-max-bytes-per-process`. */
  exceeded: boolean;
  /** Where bytes were skipped (offsets into the batch's captured bytes); empty: none. */
  gaps?: readonly { offset: number; length: number }[];
  /** The terminal written to (the document's process.tty). */
  tty: { major: number; minor: number };
}

export interface FileEventInput extends EventInput {
  process: ProcessInfo;
  file: FileChange;
}

export interface NetworkEventInput extends EventInput {
  process: ProcessInfo;
  network: NetworkActivity;
}

export type { FileOperation, MountKind, NetworkOperation, ProcessOperation };
