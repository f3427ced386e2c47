// Inputs of the process table, mirroring what the eBPF sensor reports per process event.
// Plain numbers, bigints and strings so the agent can adapt sensor records with a thin mapping;
// nothing here imports the sensor or the ECS builders.

/** A 64-bit kernel value: the sensor may hand over a bigint, tests and /proc give numbers. */
export type U64 = number | bigint;

/**
 * Facts the sensor reports with every process event, about the task that caused it. Kept in one
 * object of one shape for every event kind, so the table's hot path reads them monomorphically.
 */
export interface TaskFacts {
  /** Process id (thread group id) in the initial pid namespace. */
  tgid: number;
  /** Thread id; a fork or exit with `tid !== tgid` is a thread's, and leaves the table alone. */
  tid: number;
  /** Parent process id (the real parent's tgid, initial pid namespace). */
  ppid: number;
  pgid: number;
  sid: number;
  /** The pid as seen inside the process' own pid namespace (NSpid's last value). */
  vpid: number;
  /**
   * Start time of the process (its thread group leader) in ns since boot. Use the kernel's
   * `start_boottime`, which is what /proc/PID/stat shows (in clock ticks), so that processes
   * found at bootstrap and later events agree.
   */
  startNs: U64;
  ruid: number;
  euid: number;
  suid: number;
  rgid: number;
  egid: number;
  sgid: number;
  capEff: U64;
  capPrm: U64;
  /** Controlling TTY; 0/0 when none. */
  ttyMajor: number;
  ttyMinor: number;
  cgroupId: U64;
  cgroupPath: string;
  pidNsInum: number;
  mntNsInum: number;
  /** The task's comm (at most 15 bytes). */
  comm: string;
}

export interface ProcessEvent {
  task: TaskFacts;
  /** When the event happened, ns since boot (same clock as `startNs`). Defaults to the table's clock. */
  timeNs?: U64;
}

/** A new process: the task is the child; `task.ppid` names the parent. */
export interface ForkRecord extends ProcessEvent {
  /** The parent's start time, when the sensor knows it: rules out a reused parent pid. */
  parentStartNs?: U64;
}

export interface ExecRecord extends ProcessEvent {
  /** The executable's path. */
  filename: string;
  argv: readonly string[];
  /** The true argument count (the kernel's), when argv was cut: more than `argv.length`. */
  argc?: number;
  /** argv was cut at the sensor's bound (4 KiB): the last kept argument may be partial. */
  argsTruncated?: boolean;
  cwd: string;
}

export interface ExitRecord extends ProcessEvent {
  exitCode: number;
}

export type SetsidRecord = ProcessEvent;

/** Elastic's entry types (`process.entry_leader.entry_meta.type`). */
export type EntryType = 'init' | 'sshd' | 'ssm' | 'container' | 'terminal' | 'console' | 'unknown';

/**
 * How a container process's session began (`process.container_entry`): `init`, the container's
 * own init tree (pid 1 of its pid namespace and what it started); `exec`, entered from outside
 * by the runtime (runc/crun exec: kubectl, crictl, podman, docker exec); `nsenter`, joined from
 * the host with setns(2) by nsenter.
 */
export type ContainerEntry = 'init' | 'exec' | 'nsenter';

/** One image a process ran before an exec (`process.previous[]`). */
export interface PreviousImage {
  readonly args: readonly string[];
  readonly executable: string;
}

/** The fields ECS gives the process and each of its leaders (`process.parent.*`, ...). */
export interface ProcessView {
  pid: number;
  entity_id: string;
  name: string;
  executable: string;
  args: readonly string[];
  args_count: number;
  /** ISO 8601 start time. */
  start: string;
  interactive: boolean;
  working_directory: string;
  /** Effective ids; absent when unknown (unreadable /proc/PID/status). */
  user?: { id: string };
  group?: { id: string };
  /** Set on leaders: whether the leader is the process itself. */
  same_as_process?: boolean;
  /** Set on `entry_leader` only. */
  entry_meta?: { type: EntryType };
}

/** `process.*` of an event: the process with its relatives, shaped as ECS wants it. */
export interface ProcessSnapshot extends ProcessView {
  /** pid inside the process' own pid namespace. */
  vpid: number;
  end?: string;
  exit_code?: number;
  tty?: { char_device: { major: number; minor: number } };
  /** Container processes only: how the session entered the container; whether this is its pid 1. */
  container_entry?: ContainerEntry;
  container_init?: boolean;
  real_user?: { id: string };
  saved_user?: { id: string };
  real_group?: { id: string };
  saved_group?: { id: string };
  previous?: readonly PreviousImage[];
  parent?: ProcessView;
  group_leader?: ProcessView;
  session_leader?: ProcessView;
  entry_leader?: ProcessView;
}

export interface ProcessTableOptions {
  /** `agent.id`, the first part of every entity id. */
  agentId: string;
  /** Cap on live + exited entries (default 65536). */
  maxEntries?: number;
  /** How long an exited process stays resolvable, in ns (default 30 s). */
  exitedGraceNs?: number;
  /** How many earlier images `process.previous` keeps (default 1: the image before the exec). */
  maxPrevious?: number;
  /** procfs root for bootstrap and the lazy fill of unknown pids (default `/proc`). */
  procRoot?: string;
  /** Lazy /proc reads for unknown pids allowed per second (default 50; 0 turns them off). */
  lazyFillPerSecond?: number;
  /** USER_HZ of /proc/PID/stat start times (default 100, as on every Linux). */
  clockTicksPerSecond?: number;
  /** Wall-clock time of boot in ms since the epoch (default: `btime` of PROCROOT/stat). */
  bootTimeMs?: number;
  /** Current time in ns since boot (default: CLOCK_MONOTONIC via process.hrtime). */
  nowNs?: () => number;
  /** Mount point of the cgroup v2 hierarchy, to find cgroup ids at bootstrap (default: from mounts). */
  cgroup2Root?: string;
}

export interface ProcessTableStats {
  size: number;
  live: number;
  exited: number;
  forks: number;
  execs: number;
  exits: number;
  setsids: number;
  /** Events whose pid the table did not know: the entry was created from the event itself. */
  unknownPidEvents: number;
  /** Parent/group/session leader lookups that found nobody. */
  unknownParentLookups: number;
  unknownLeaderLookups: number;
  /** A new process took the pid of one still in the table. */
  pidReuse: number;
  /** Events about an older process than the one now holding the pid (answered, table untouched). */
  lateEvents: number;
  duplicateForks: number;
  duplicateExits: number;
  /** Fork/exit records of threads (tid !== tgid), which do not change the table. */
  threadEventsIgnored: number;
  /** Exec whose image equals the one /proc already showed (an event older than the bootstrap read). */
  execReplays: number;
  evictedExpired: number;
  evictedExitedForCap: number;
  evictedLiveForCap: number;
  lazyFills: number;
  lazyFillMisses: number;
  lazyFillRateLimited: number;
  internResets: number;
  bootstrap: BootstrapStats;
}

export interface BootstrapStats {
  processes: number;
  /** Processes that disappeared while being read. */
  vanished: number;
  /** Files that could not be read for lack of permission. */
  permissionDenied: number;
  /** Other read or parse failures. */
  errors: number;
  /** Processes read with some of their files missing. */
  partial: number;
  durationMs: number;
}
