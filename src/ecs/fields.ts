// The field reference: every field the builders can emit, with its ECS type and where it comes
// from. docs/fields.md is generated from this table (scripts/gen-fields-doc.ts), and tests check
// that the golden documents emit exactly these fields.

export type FieldType =
  | 'keyword'
  | 'constant_keyword'
  | 'wildcard'
  | 'long'
  | 'short'
  | 'float'
  | 'boolean'
  | 'date'
  | 'ip';

/**
 * `ecs`: an ECS field as Elastic's D4C emits it. `ours`: our addition or a different shape,
 * documented so that users of Elastic's data know the difference.
 */
export type FieldOrigin = 'ecs' | 'ours';

export interface FieldDef {
  /** Dotted name; a trailing `.*` stands for counters named at run time. */
  field: string;
  type: FieldType;
  origin: FieldOrigin;
  /** Which documents carry it: `all`, `event` (process/file/alerts), `process`, `file`, … */
  in: string;
  description: string;
}

export const LEADERS = ['parent', 'group_leader', 'session_leader', 'entry_leader'] as const;

/** Fields each leader object carries (process.<leader>.<field>). */
export const LEADER_FIELDS: readonly [string, FieldType, string][] = [
  ['pid', 'long', 'Process id in the host pid namespace.'],
  ['entity_id', 'keyword', 'Unique process id (see entity ids).'],
  ['name', 'keyword', 'Basename of the executable.'],
  ['executable', 'keyword', 'Absolute path of the executable, as the container sees it.'],
  ['args', 'keyword', 'argv.'],
  ['args_count', 'long', 'The true argument count (more than the length of args when argv was cut).'],
  ['args_truncated', 'boolean', 'Ours: argv was cut at the sensor’s 4 KiB bound; absent otherwise.'],
  ['start', 'date', 'Start time.'],
  ['interactive', 'boolean', 'Has a controlling terminal by Elastic’s TTY rule.'],
  [
    'same_as_process',
    'boolean',
    'This leader is the process itself (ECS has it for the group, session and entry leaders; on `parent` it is ours).',
  ],
  ['working_directory', 'keyword', 'Current working directory.'],
  ['tty.char_device.major', 'long', 'Controlling terminal major device number.'],
  ['tty.char_device.minor', 'long', 'Controlling terminal minor device number.'],
  ['user.id', 'keyword', 'Effective user id.'],
  ['user.name', 'keyword', 'Effective user name, when known.'],
  ['group.id', 'keyword', 'Effective group id.'],
  ['group.name', 'keyword', 'Effective group name, when known.'],
];

const f = (
  field: string,
  type: FieldType,
  origin: FieldOrigin,
  inDocs: string,
  description: string,
): FieldDef => ({
  field,
  type,
  origin,
  in: inDocs,
  description,
});

const BASE: FieldDef[] = [
  f(
    '@timestamp',
    'date',
    'ecs',
    'all',
    'When the event happened (kernel time); build time for heartbeat/metrics.',
  ),
  f('ecs.version', 'keyword', 'ecs', 'all', 'ECS version the document follows.'),
  f('data_stream.type', 'constant_keyword', 'ecs', 'all', '`logs` or `metrics`.'),
  f('data_stream.dataset', 'constant_keyword', 'ecs', 'all', '`cloud_defend.<stream>`.'),
  f('data_stream.namespace', 'constant_keyword', 'ecs', 'all', 'Data stream namespace (agent option).'),
  f('event.id', 'keyword', 'ecs', 'all', 'Unique id; the alerts copy of an event keeps its id.'),
  f(
    'event.kind',
    'keyword',
    'ecs',
    'all',
    '`event` (process/file), `alert` (alerts), `metric` (heartbeat/metrics).',
  ),
  f(
    'event.category',
    'keyword',
    'ecs',
    'event',
    '`process`, `file` or `network`; `host` on the agent’s own alerts (helper restarts).',
  ),
  f(
    'event.type',
    'keyword',
    'ecs',
    'event',
    '`start`, `end`, `creation`, `change`, `deletion`, `access` (a read-only open, readFile); network: `connection`+`start` (connect, accept), `info` (bind), `start` (listen); `denied` when blocked.',
  ),
  f(
    'event.action',
    'keyword',
    'ecs',
    'event',
    '`fork`, `exec`, `end`, `creation`, `modification`, `open` (with event.type `change` for a write, `access` for a read), `deletion`, `rename`, `link`; network: `connection_attempted`, `connection_accepted`, `bind`, `listen`; `helper_restarted` (the agent restarted a helper that went down).',
  ),
  f(
    'event.outcome',
    'keyword',
    'ecs',
    'network',
    '`success`, `failure`, or `unknown` (a non-blocking connect still in progress).',
  ),
  f('event.dataset', 'keyword', 'ecs', 'all', 'Same as data_stream.dataset.'),
  f('event.module', 'keyword', 'ecs', 'all', '`cloud_defend`.'),
  f('event.created', 'date', 'ecs', 'all', 'When the agent built the document.'),
  f(
    'message',
    'keyword',
    'ecs',
    'alerts',
    'Alerts: what Kibana names the alert by (Container Workload Protection’s `rule_name_override`). Policy alerts: the response, operation, target and matched selectors, e.g. `Blocked: createExecutable /usr/bin/x (selector binDirs)`; detections: the rule name.',
  ),
  f('agent.id', 'keyword', 'ecs', 'all', 'Agent id (persisted per host).'),
  f('agent.name', 'keyword', 'ecs', 'all', 'Agent name, when configured.'),
  f('agent.type', 'keyword', 'ecs', 'all', '`cloud-defend`.'),
  f('agent.version', 'keyword', 'ecs', 'all', 'd4c version.'),
  f('host.id', 'keyword', 'ecs', 'all', 'Host id (/etc/machine-id).'),
  f('host.name', 'keyword', 'ecs', 'all', 'Host name.'),
  f('host.hostname', 'keyword', 'ecs', 'all', 'Host name as the kernel reports it.'),
  f('host.architecture', 'keyword', 'ecs', 'all', '`uname -m`.'),
  f('host.boot.id', 'keyword', 'ecs', 'all', '/proc/sys/kernel/random/boot_id.'),
  f('host.pid_ns_ino', 'keyword', 'ecs', 'all', 'Inode of the initial pid namespace.'),
  f('host.ip', 'ip', 'ecs', 'all', 'Host addresses.'),
  f('host.mac', 'keyword', 'ecs', 'all', 'Host MAC addresses.'),
  f('host.os.type', 'keyword', 'ecs', 'all', '`linux` (nearly every rule filters on it).'),
  f('host.os.name', 'keyword', 'ecs', 'all', 'From /etc/os-release.'),
  f('host.os.kernel', 'keyword', 'ecs', 'all', 'Kernel release.'),
  f('host.os.family', 'keyword', 'ecs', 'all', 'e.g. `debian`.'),
  f('host.os.platform', 'keyword', 'ecs', 'all', 'e.g. `debian`.'),
  f('host.os.version', 'keyword', 'ecs', 'all', 'OS version.'),
  f('host.os.full', 'keyword', 'ecs', 'all', 'OS name and version.'),
  f(
    'host.os.codename',
    'keyword',
    'ours',
    'all',
    'OS code name, from /etc/os-release `VERSION_CODENAME` (not an ECS field).',
  ),
  f(
    'cloud.provider',
    'keyword',
    'ecs',
    'all',
    'From this node’s `spec.providerID` (`aws`, `gcp`, `azure`…), via the Kubernetes API.',
  ),
  f('cloud.region', 'keyword', 'ecs', 'all', 'The node’s `topology.kubernetes.io/region` label.'),
  f(
    'cloud.availability_zone',
    'keyword',
    'ecs',
    'all',
    'The node’s `topology.kubernetes.io/zone` label, else from its providerID.',
  ),
  f('cloud.account.id', 'keyword', 'ecs', 'all', 'Azure subscription, from the providerID.'),
  f('cloud.project.id', 'keyword', 'ecs', 'all', 'GCP project, from the providerID.'),
  f('cloud.instance.id', 'keyword', 'ecs', 'all', 'AWS instance id, from the providerID.'),
  f(
    'cloud.instance.name',
    'keyword',
    'ecs',
    'all',
    'GCP/Azure instance name, from the providerID; else the Kubernetes node name (EKS, kubeadm, bare metal, the lab), which Kibana’s Kubernetes dashboard counts nodes by.',
  ),
  f('container.id', 'keyword', 'ecs', 'event', '64 hex characters.'),
  f('container.name', 'keyword', 'ecs', 'event', 'Container name.'),
  f(
    'container.image.name',
    'keyword',
    'ecs',
    'event',
    'Full normalised name without tag, e.g. `docker.io/library/nginx`.',
  ),
  f('container.image.tag', 'keyword', 'ecs', 'event', 'Image tag.'),
  f('container.image.hash.all', 'keyword', 'ecs', 'event', 'Image digests (`sha256:…`).'),
  f('container.runtime', 'keyword', 'ecs', 'event', 'e.g. `runc`, `crun`, `containerd`.'),
  f('container.security_context.privileged', 'boolean', 'ecs', 'event', 'Privileged container.'),
  f('orchestrator.type', 'keyword', 'ecs', 'event', '`kubernetes`.'),
  f(
    'orchestrator.cluster.id',
    'keyword',
    'ecs',
    'event',
    '`--cluster-id`, else the UID of the `kube-system` namespace (Kubernetes API).',
  ),
  f(
    'orchestrator.cluster.name',
    'keyword',
    'ecs',
    'event',
    '`--cluster-name`, else the kubeconfig’s current-context cluster, else kubeadm’s `clusterName`.',
  ),
  f('orchestrator.namespace', 'keyword', 'ecs', 'event', 'Pod namespace.'),
  f('orchestrator.resource.type', 'keyword', 'ecs', 'event', '`pod`.'),
  f('orchestrator.resource.name', 'keyword', 'ecs', 'event', 'Pod name.'),
  f('orchestrator.resource.id', 'keyword', 'ecs', 'event', 'Pod UID.'),
  f('orchestrator.resource.ip', 'ip', 'ecs', 'event', 'Pod IP.'),
  f(
    'orchestrator.resource.label',
    'keyword',
    'ours',
    'event',
    'Pod labels as a `key:value` list, sorted by key: the form D4C selectors match, mapped `keyword` by d4c’s templates and the cloud_defend package’s later versions. Some package versions map it `flattened`, which rejects a list: the Elasticsearch output reads each stream’s live mapping at start and writes `{key: value}` objects there (docs/outputs.md).',
  ),
  f(
    'orchestrator.resource.annotation',
    'keyword',
    'ours',
    'event',
    'Pod annotations as a `key:value` list, sorted by key; objects where the stream maps it `flattened`, as for label.',
  ),
  f('orchestrator.resource.parent.type', 'keyword', 'ecs', 'event', 'Owner kind, e.g. `ReplicaSet`.'),
  f(
    'user.id',
    'keyword',
    'ours',
    'event',
    'Effective user of the acting process (copy of process.user.id; rules join sequences on it).',
  ),
  f('user.name', 'keyword', 'ours', 'event', 'Copy of process.user.name.'),
  f('group.id', 'keyword', 'ours', 'event', 'Copy of process.group.id.'),
  f('group.name', 'keyword', 'ours', 'event', 'Copy of process.group.name.'),
  f('process.pid', 'long', 'ecs', 'event', 'Process id in the host pid namespace.'),
  f(
    'process.vpid',
    'long',
    'ecs',
    'event',
    'Process id in its own pid namespace (1 for a container’s init).',
  ),
  f('process.entity_id', 'keyword', 'ecs', 'event', 'Unique process id; see “Entity ids” below.'),
  f('process.name', 'keyword', 'ecs', 'event', 'Basename of the executable.'),
  f(
    'process.executable',
    'keyword',
    'ecs',
    'event',
    'Absolute path of the executable, as the container sees it.',
  ),
  f('process.args', 'keyword', 'ecs', 'event', 'argv.'),
  f(
    'process.args_count',
    'long',
    'ecs',
    'event',
    'The true argument count: more than the length of args when argv was cut (see process.args_truncated).',
  ),
  f(
    'process.args_truncated',
    'boolean',
    'ours',
    'event',
    'argv was cut at the sensor’s 4 KiB bound: args holds the arguments kept (the last may be partial), args_count the true count. Absent when argv is whole.',
  ),
  f(
    'process.command_line',
    'wildcard',
    'ours',
    'event',
    'args joined by spaces (Elastic’s D4C does not emit it).',
  ),
  f('process.working_directory', 'keyword', 'ecs', 'event', 'Current working directory.'),
  f('process.start', 'date', 'ecs', 'event', 'Start time of the process.'),
  f('process.end', 'date', 'ecs', 'process', 'Exit time (end events).'),
  f('process.exit_code', 'long', 'ecs', 'process', 'Exit status, 128+signal when killed (end events).'),
  f('process.interactive', 'boolean', 'ecs', 'event', 'Has a controlling terminal by Elastic’s TTY rule.'),
  f(
    'process.drift',
    'boolean',
    'ours',
    'event',
    'The executable was created or modified inside the container after it started (a write the sensor saw, or the file is in the overlay upper layer); false for image files; absent when unknown (host processes). On every document of the process, not only its exec.',
  ),
  f(
    'process.container_entry',
    'keyword',
    'ours',
    'event',
    'How the process’s session came into its container, whatever its terminal: `init` (started by the container’s own init tree), `exec` (entered from outside by the runtime: runc/crun exec, as `kubectl exec`, `crictl exec`, `podman exec`, `docker exec` do), `nsenter` (joined from the host with setns). Decided at the pid-namespace boundary and inherited by everything the session starts; absent on the host.',
  ),
  f(
    'process.container_init',
    'boolean',
    'ours',
    'event',
    'The process is the container’s init (pid 1 of its pid namespace, `process.vpid` 1); false for every other container process; absent on the host.',
  ),
  f(
    'process.io.type',
    'keyword',
    'ours',
    'text_output',
    '`tty`: the document holds what the process wrote to a terminal (ECS; Elastic Defend writes it, Elastic’s D4C does not).',
  ),
  f(
    'process.io.text',
    'wildcard',
    'ours',
    'text_output',
    'The terminal output of one batch, as written (escape sequences kept), decoded as UTF-8 per process with invalid bytes replaced (U+FFFD). Kibana’s Session View plays it.',
  ),
  f(
    'process.io.total_bytes_captured',
    'long',
    'ours',
    'text_output',
    'Bytes of this batch kept in `process.io.text` (as written, before UTF-8 repair).',
  ),
  f(
    'process.io.total_bytes_skipped',
    'long',
    'ours',
    'text_output',
    'Bytes of this batch written but not kept: beyond the 12 KiB a write record holds, or past `--tty-max-bytes-per-process`. Never dropped silently.',
  ),
  f(
    'process.io.bytes_skipped.offset',
    'long',
    'ours',
    'text_output',
    'Where bytes were skipped: the number of captured bytes of this document before the gap (ECS; one entry per gap, with `length`).',
  ),
  f('process.io.bytes_skipped.length', 'long', 'ours', 'text_output', 'How many bytes were skipped there.'),
  f(
    'process.io.max_bytes_per_process_exceeded',
    'boolean',
    'ours',
    'text_output',
    'The process has written more than `--tty-max-bytes-per-process` (default 512 KiB) to its terminal: later output is counted, not kept.',
  ),
  f('process.tty.char_device.major', 'long', 'ecs', 'event', 'Controlling terminal major device number.'),
  f('process.tty.char_device.minor', 'long', 'ecs', 'event', 'Controlling terminal minor device number.'),
  f('process.user.id', 'keyword', 'ecs', 'event', 'Effective user id.'),
  f('process.user.name', 'keyword', 'ecs', 'event', 'Effective user name, when known.'),
  f('process.group.id', 'keyword', 'ecs', 'event', 'Effective group id.'),
  f('process.group.name', 'keyword', 'ecs', 'event', 'Effective group name, when known.'),
  f('process.real_user.id', 'keyword', 'ecs', 'event', 'Real user id.'),
  f('process.real_user.name', 'keyword', 'ecs', 'event', 'Real user name, when known.'),
  f('process.saved_user.id', 'keyword', 'ecs', 'event', 'Saved set-user id.'),
  f('process.saved_user.name', 'keyword', 'ecs', 'event', 'Saved set-user name, when known.'),
  f('process.real_group.id', 'keyword', 'ecs', 'event', 'Real group id.'),
  f('process.real_group.name', 'keyword', 'ecs', 'event', 'Real group name, when known.'),
  f('process.saved_group.id', 'keyword', 'ecs', 'event', 'Saved set-group id.'),
  f('process.saved_group.name', 'keyword', 'ecs', 'event', 'Saved set-group name, when known.'),
  f('process.thread.id', 'long', 'ecs', 'event', 'Thread that acted.'),
  f(
    'process.thread.capabilities.effective',
    'keyword',
    'ecs',
    'event',
    '`CAP_*` names; `[CAP_ALL]` when every capability of the running kernel is set.',
  ),
  f(
    'process.thread.capabilities.permitted',
    'keyword',
    'ecs',
    'event',
    'As effective, for the permitted set.',
  ),
  f(
    'process.previous.executable',
    'keyword',
    'ecs',
    'process',
    'exec events: the image(s) before this exec.',
  ),
  f('process.previous.args', 'keyword', 'ecs', 'process', 'exec events: argv before this exec.'),
  f('process.previous.args_count', 'long', 'ecs', 'process', 'exec events: length of previous args.'),
  f(
    'process.entry_leader.entry_meta.type',
    'keyword',
    'ecs',
    'event',
    '`container` or `terminal` (Elastic’s session model).',
  ),
  f(
    'file.path',
    'keyword',
    'ecs',
    'file',
    'Absolute path as the container sees it (the new path for a rename).',
  ),
  f('file.name', 'keyword', 'ecs', 'file', 'Basename of file.path.'),
  f('file.directory', 'keyword', 'ecs', 'file', 'Directory of file.path.'),
  f('file.extension', 'keyword', 'ecs', 'file', 'After the last dot of the name; none for `.bashrc`.'),
  f('file.mode', 'keyword', 'ecs', 'file', 'Permission bits after the change, octal, e.g. `0755`.'),
  f('file.type', 'keyword', 'ecs', 'file', '`file`, `dir` or `symlink`.'),
  f('file.inode', 'keyword', 'ecs', 'file', 'Inode number.'),
  f('file.Ext.original.path', 'keyword', 'ecs', 'file', 'rename: the old path.'),
  f(
    'file.Ext.original.name',
    'keyword',
    'ours',
    'file',
    'rename: basename of the old path (as Elastic Endpoint has it; a multi-source rule reads it).',
  ),
  f(
    'source.ip',
    'ip',
    'ecs',
    'network',
    'connect: this socket’s address; accept: the client’s. IPv4-mapped IPv6 is given as IPv4.',
  ),
  f('source.port', 'long', 'ecs', 'network', 'Port of source.ip.'),
  f('source.address', 'keyword', 'ecs', 'network', 'source.ip, or the unix socket path of a bound client.'),
  f(
    'destination.ip',
    'ip',
    'ecs',
    'network',
    'connect: the peer; accept: the listening end; bind/listen: the local address.',
  ),
  f('destination.port', 'long', 'ecs', 'network', 'Port of destination.ip (the bound port after bind).'),
  f(
    'destination.address',
    'keyword',
    'ecs',
    'network',
    'destination.ip, or the unix socket path (`@name` for the abstract namespace).',
  ),
  f(
    'network.transport',
    'keyword',
    'ecs',
    'network',
    '`tcp`, `udp` (or `icmp`, `sctp`, …); absent for unix sockets, which have no ECS transport.',
  ),
  f('network.type', 'keyword', 'ecs', 'network', '`ipv4` or `ipv6`; absent for unix sockets.'),
  f(
    'cloud_defend.network.family',
    'keyword',
    'ours',
    'network',
    'Socket family: `inet`, `inet6` or `unix` (a unix socket has no ECS network.transport or network.type; the policy’s `transport: unix` matches on this).',
  ),
  f(
    'network.direction',
    'keyword',
    'ecs',
    'network',
    '`egress` (connect) or `ingress` (accept, bind, listen), from the container’s point of view.',
  ),
  f('error.code', 'keyword', 'ecs', 'network', 'errno name of a failed call, e.g. `ECONNREFUSED`.'),
  f(
    'destination.domain',
    'keyword',
    'ecs',
    'network',
    'connect: the name this network namespace resolved destination.ip from (the question of an earlier DNS answer, within its TTL).',
  ),
  f('network.protocol', 'keyword', 'ecs', 'dns', '`dns` on DNS transaction documents.'),
  f('dns.id', 'keyword', 'ecs', 'dns', 'The message id of the query (and its response).'),
  f(
    'dns.type',
    'keyword',
    'ecs',
    'dns',
    '`answer` when a response came, `query` when none did within the timeout.',
  ),
  f('dns.op_code', 'keyword', 'ecs', 'dns', '`QUERY`, `NOTIFY`, `UPDATE`, …'),
  f(
    'dns.header_flags',
    'keyword',
    'ecs',
    'dns',
    'The response’s (or the query’s) `AA`, `TC`, `RD`, `RA`, `AD`, `CD` bits and EDNS `DO`.',
  ),
  f(
    'dns.response_code',
    'keyword',
    'ecs',
    'dns',
    '`NOERROR`, `NXDOMAIN`, `SERVFAIL`, …; absent without a response.',
  ),
  f(
    'dns.question.name',
    'keyword',
    'ecs',
    'dns',
    'The name asked, as sent (non-printable bytes as `\\DDD`).',
  ),
  f('dns.question.type', 'keyword', 'ecs', 'dns', '`A`, `AAAA`, `TXT`, … (`TYPE<n>` for unlisted types).'),
  f('dns.question.class', 'keyword', 'ecs', 'dns', '`IN` mostly.'),
  f(
    'dns.question.registered_domain',
    'keyword',
    'ecs',
    'dns',
    'The registered domain by the Public Suffix List (ICANN section, `tldts`): `example.co.uk`.',
  ),
  f('dns.question.top_level_domain', 'keyword', 'ecs', 'dns', 'The public suffix: `co.uk`.'),
  f('dns.question.subdomain', 'keyword', 'ecs', 'dns', 'The labels left of the registered domain: `api`.'),
  f('dns.answers.name', 'keyword', 'ecs', 'dns', 'Owner name of each answer record.'),
  f('dns.answers.type', 'keyword', 'ecs', 'dns', 'Type of each answer record.'),
  f('dns.answers.class', 'keyword', 'ecs', 'dns', 'Class of each answer record.'),
  f('dns.answers.ttl', 'long', 'ecs', 'dns', 'TTL of each answer record, seconds.'),
  f(
    'dns.answers.data',
    'keyword',
    'ecs',
    'dns',
    'Each answer’s data: an address, a name, `pref name` (MX), TXT text, or hex for other types.',
  ),
  f('dns.resolved_ip', 'ip', 'ecs', 'dns', 'Every A and AAAA address in the answers.'),
  f(
    'cloud_defend.ioc_domain',
    'keyword',
    'ours',
    'dns',
    'The `--ioc-domains` entry the question (or, on a connect, the name behind destination.ip) matched; such events alert.',
  ),
  f(
    'cloud_defend.matched_selectors',
    'keyword',
    'ecs',
    'event',
    'Every selector of the policy that matched, sorted.',
  ),
  f(
    'cloud_defend.hook_point',
    'keyword',
    'ecs',
    'event',
    "Kernel hook(s) that saw the event, in Elastic D4C's names: `tracepoint__sched_process_fork`/`_exec`/`_exit`; for files the LSM hook of the operation (`lsm__file_open`, `lsm__path_mknod`, `_truncate`, `_chmod`, `_rename`, `_link`, `_unlink`; d4c adds `lsm__path_symlink`, `lsm__path_rmdir`), which d4c observes at the syscall's exit; `tracepoint__syscalls__sys_exit_<call>` for network; `fanotify__open_perm`/`fanotify__open_exec_perm` for a fanotify denial.",
  ),
  f('cloud_defend.package_policy_id', 'keyword', 'ecs', 'all', 'Policy id.'),
  f('cloud_defend.package_policy_revision', 'short', 'ecs', 'all', 'Policy revision.'),
  f(
    'cloud_defend.operation',
    'keyword',
    'ours',
    'event',
    'The one D4C operation of the event: `fork`, `exec`, `createExecutable`, `modifyExecutable`, `createFile`, `modifyFile`, `deleteFile`, `connect`, `accept`, `bind`, `listen` (none on end events).',
  ),
  f(
    'cloud_defend.mount.type',
    'keyword',
    'ours',
    'file',
    '`volume` or `file` (what ignoreVolumeMounts/ignoreVolumeFiles test); absent on the root filesystem.',
  ),
  f(
    'cloud_defend.metadata_complete',
    'boolean',
    'ours',
    'event',
    'The container’s runtime metadata was merged (or the process is in no container); `false`: only the cgroup identity (`container.id`, a pod uid) was known — the runtime was unreachable, slow, or the container already gone.',
  ),
  f(
    'cloud_defend.block_mode',
    'keyword',
    'ours',
    'alerts',
    '`enforce`: the operation was denied; `monitoring`: a `block` response let through by `--monitoring` (it would have been denied); `failed_open`: a `block` response matched while enforcing but the operation went through (`cloud_defend.block_failure` says why).',
  ),
  f(
    'cloud_defend.helper.name',
    'keyword',
    'ours',
    'alerts',
    'Helper-restart alerts (`event.action: helper_restarted`): the helper the agent restarted, `d4c-sensor` or `d4c-enforcer`.',
  ),
  f(
    'cloud_defend.helper.down_reason',
    'keyword',
    'ours',
    'alerts',
    'Helper-restart alerts: how the helper ended, e.g. `signal SIGKILL`, `exit code 3`.',
  ),
  f(
    'cloud_defend.helper.restarts',
    'long',
    'ours',
    'alerts',
    'Helper-restart alerts: restarts of that helper since the agent started, this one included.',
  ),
  f(
    'cloud_defend.block_failure',
    'keyword',
    'ours',
    'alerts',
    'With `block_mode: failed_open`: `helper_down` (the d4c-enforcer helper was not running, or had been restarted less than 3 s before), `unknown_metadata` (waived by `--unknown-metadata allow`: the container was not known yet and the decision depends on it), `helper_allowed` (the helper answered allow itself: the agent missed `--enforce-deadline-ms`, its queue was full, a host process, or the mount was not marked; the helper counters in `--stats`/`/metrics` say which).',
  ),
  f(
    'cloud_defend.detection.event_ids',
    'keyword',
    'ours',
    'alerts',
    'Detections: the `event.id`s of the events behind the detection, in order.',
  ),
  f('cloud_defend.detection.rule_id', 'keyword', 'ours', 'alerts', 'Detections: id of the rule.'),
  f('cloud_defend.detection.rule_name', 'keyword', 'ours', 'alerts', 'Detections: name of the rule.'),
  f(
    'cloud_defend.block_action_enabled',
    'boolean',
    'ecs',
    'heartbeat',
    'The policy in force has a block action.',
  ),
  f(
    'cloud_defend.learning',
    'boolean',
    'ours',
    'heartbeat',
    'The agent runs the learning policy (`d4c agent --learn`, docs/baseline.md); absent otherwise.',
  ),
  f(
    'event.severity',
    'long',
    'ecs',
    'alerts',
    'Detections: the rule’s severity as a number (low 21, medium 47, high 73, critical 99).',
  ),
  f('event.risk_score', 'float', 'ecs', 'alerts', 'Detections: the rule’s risk score.'),
  f('rule.id', 'keyword', 'ecs', 'alerts', 'Detections: rule id.'),
  f('rule.uuid', 'keyword', 'ecs', 'alerts', 'Detections: rule id (as `rule.id`).'),
  f('rule.name', 'keyword', 'ecs', 'alerts', 'Detections: rule name.'),
  f('rule.description', 'keyword', 'ecs', 'alerts', 'Detections: rule description.'),
  f(
    'rule.severity',
    'keyword',
    'ours',
    'alerts',
    'Detections: `low`, `medium`, `high` or `critical` (not an ECS field; ECS has `event.severity`).',
  ),
  f(
    'rule.risk_score',
    'float',
    'ours',
    'alerts',
    'Detections: risk score, 0–100 (not an ECS field; ECS has `event.risk_score`).',
  ),
  f('rule.tags', 'keyword', 'ours', 'alerts', 'Detections: the rule’s tags (not an ECS field).'),
  f('rule.ruleset', 'keyword', 'ecs', 'alerts', 'Detections: rule type (`eql`, `query`…).'),
  f('threat.framework', 'keyword', 'ecs', 'alerts', 'Detections: `MITRE ATT&CK`.'),
  f('threat.tactic.id', 'keyword', 'ecs', 'alerts', 'Detections: tactic id, e.g. `TA0002`.'),
  f('threat.tactic.name', 'keyword', 'ecs', 'alerts', 'Detections: tactic name.'),
  f('threat.tactic.reference', 'keyword', 'ecs', 'alerts', 'Detections: tactic URL.'),
  f('threat.technique.id', 'keyword', 'ecs', 'alerts', 'Detections: technique ids, e.g. `T1059`.'),
  f('threat.technique.name', 'keyword', 'ecs', 'alerts', 'Detections: technique names.'),
  f('threat.technique.reference', 'keyword', 'ecs', 'alerts', 'Detections: technique URLs.'),
  f(
    'threat.technique.subtechnique.id',
    'keyword',
    'ecs',
    'alerts',
    'Detections: sub-technique ids, e.g. `T1059.004`.',
  ),
  f('threat.technique.subtechnique.name', 'keyword', 'ecs', 'alerts', 'Detections: sub-technique names.'),
  f('threat.technique.subtechnique.reference', 'keyword', 'ecs', 'alerts', 'Detections: sub-technique URLs.'),
  f('cloud_defend.metrics.events_seen.*', 'long', 'ours', 'metrics', 'Sensor events read, by type.'),
  f('cloud_defend.metrics.docs_emitted.*', 'long', 'ours', 'metrics', 'Documents written, by stream.'),
  f('cloud_defend.metrics.kernel_drops.*', 'long', 'ours', 'metrics', 'Losses in the kernel, by reason.'),
  f('cloud_defend.metrics.user_drops.*', 'long', 'ours', 'metrics', 'Losses in user space, by reason.'),
  f('cloud_defend.metrics.process_table.size', 'long', 'ours', 'metrics', 'Processes tracked.'),
  f('cloud_defend.metrics.process_table.evicted', 'long', 'ours', 'metrics', 'Exited processes evicted.'),
  f('cloud_defend.metrics.rss_bytes', 'long', 'ours', 'metrics', 'Agent resident memory.'),
  f('cloud_defend.metrics.uptime_seconds', 'long', 'ours', 'metrics', 'Agent uptime.'),
];

export const FIELDS: readonly FieldDef[] = Object.freeze([
  ...BASE,
  ...LEADERS.flatMap((l) =>
    LEADER_FIELDS.map(([name, type, description]) =>
      l === 'parent' && name === 'same_as_process'
        ? f(`process.${l}.${name}`, type, 'ours', 'event', 'Always false (not an ECS field).')
        : f(`process.${l}.${name}`, type, 'ecs', 'event', description),
    ),
  ),
]);

/** The table entry describing a concrete field name (`.*` entries match any suffix). */
export function fieldDef(name: string): FieldDef | undefined {
  return FIELD_INDEX.get(name) ?? WILDCARDS.find((w) => name.startsWith(w.field.slice(0, -1)));
}

const FIELD_INDEX = new Map(FIELDS.filter((d) => !d.field.endsWith('.*')).map((d) => [d.field, d]));
const WILDCARDS = FIELDS.filter((d) => d.field.endsWith('.*'));

/**
 * Flattens a document to its leaf field names, as Elasticsearch maps them: arrays of scalars
 * are one field, arrays of objects contribute their objects' fields.
 */
export function flattenFieldNames(doc: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(doc)) {
    if (doc.some((v) => v !== null && typeof v === 'object')) {
      for (const v of doc) flattenFieldNames(v, prefix, out);
    } else if (prefix) out.add(prefix.slice(0, -1));
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      if (v !== undefined) flattenFieldNames(v, `${prefix}${k}.`, out);
    }
  } else if (prefix) out.add(prefix.slice(0, -1));
  return out;
}
