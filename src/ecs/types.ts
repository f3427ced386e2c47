// The documents the builders return: plain JSON objects with nested ECS fields. Sub-objects
// marked "shared" are frozen and reused across documents (compiled once): copy before changing.

import type { DataStream } from './streams.js';

/** An ECS document in its nested-object form, as Elasticsearch stores it (`{process: {pid: 1}}`). */
export type EcsDoc = Record<string, unknown>;

export interface EcsIdName {
  id: string;
  name?: string;
}

export interface EcsTty {
  char_device: { major: number; minor: number };
}

/** ECS `process.io`: captured terminal output (text_output documents). */
export interface EcsProcessIo {
  type: 'tty';
  text: string;
  total_bytes_captured: number;
  total_bytes_skipped: number;
  max_bytes_per_process_exceeded: boolean;
  /** Where bytes were skipped: offsets into the captured bytes of this document. */
  bytes_skipped?: { offset: number; length: number }[];
}

/** Fields common to the process and its leaders. */
export interface EcsProcessBase {
  pid: number;
  vpid?: number;
  entity_id: string;
  name?: string;
  executable?: string;
  args?: string[];
  args_count?: number;
  /** Ours: argv was cut at the sensor's 4 KiB bound (args holds what was kept; args_count is the true count). */
  args_truncated?: boolean;
  start?: string;
  interactive: boolean;
  working_directory?: string;
  tty?: EcsTty;
  user?: EcsIdName;
  group?: EcsIdName;
}

export interface EcsLeader extends EcsProcessBase {
  same_as_process: boolean;
}

export interface EcsEntryLeader extends EcsLeader {
  entry_meta?: { type: string };
}

export interface EcsProcess extends EcsProcessBase {
  /** Our addition: args joined by spaces (Elastic's D4C does not emit it; Endpoint does). */
  command_line?: string;
  /** Our addition: the executable was created or modified inside the container (drift). */
  drift?: boolean;
  /** Our addition: how the session entered the container (init tree, runtime exec, nsenter). */
  container_entry?: 'init' | 'exec' | 'nsenter';
  /** Our addition: the container's init (pid 1 of its pid namespace). */
  container_init?: boolean;
  real_user?: EcsIdName;
  saved_user?: EcsIdName;
  real_group?: EcsIdName;
  saved_group?: EcsIdName;
  thread?: { id?: number; capabilities?: { effective: readonly string[]; permitted: readonly string[] } };
  end?: string;
  exit_code?: number;
  previous?: { executable?: string; args?: string[]; args_count?: number }[];
  /** text_output documents: what the process wrote to its terminal (ECS process.io). */
  io?: EcsProcessIo;
  parent?: EcsLeader;
  group_leader?: EcsLeader;
  session_leader?: EcsLeader;
  entry_leader?: EcsEntryLeader;
}

export interface EcsFile {
  path: string;
  name: string;
  directory: string;
  extension?: string;
  mode?: string;
  type?: 'file' | 'dir' | 'symlink';
  inode?: string;
  Ext?: { original: { path: string; name: string } };
}

export interface EcsEndpoint {
  ip?: string;
  port?: number;
  address?: string;
  /** destination.domain: the name the container resolved to this address (issue 18). */
  domain?: string;
}

export interface EcsNetwork {
  transport?: string;
  type?: string;
  direction?: 'egress' | 'ingress';
  /** `dns` on DNS transaction documents. */
  protocol?: string;
}

/** ECS `dns.*` of a DNS transaction document (issue 18). */
export interface EcsDns {
  id: string;
  type: 'query' | 'answer';
  op_code: string;
  header_flags?: string[];
  response_code?: string;
  question: {
    name: string;
    type: string;
    class: string;
    registered_domain?: string;
    top_level_domain?: string;
    subdomain?: string;
  };
  answers?: { name: string; type: string; class: string; ttl: number; data: string }[];
  resolved_ip?: string[];
}

export interface EcsEvent {
  id: string;
  kind: 'event' | 'alert' | 'metric' | 'state';
  category?: string[];
  type?: string[];
  action?: string;
  /** network documents: success, failure, unknown. */
  outcome?: string;
  dataset: string;
  module: 'cloud_defend';
  created: string;
}

export interface EcsCloudDefend {
  /** Our extension, helper-restart alerts: which helper, why it went down, restarts so far. */
  helper?: { name: string; down_reason: string; restarts: number };
  matched_selectors?: string[];
  hook_point?: string[];
  package_policy_id?: string;
  package_policy_revision?: number;
  /** Our extension: the one D4C operation of the event (fork, exec, createExecutable, …). */
  operation?: string;
  /** Our extension, network events: the socket family (`inet`, `inet6`, `unix`). */
  network?: { family: string };
  /** Our extension (issue 18): the `--ioc-domains` entry a DNS question or a connect's domain matched. */
  ioc_domain?: string;
  /** Our extension: mount kind of the target file (`volume` or `file`); absent on the root fs. */
  mount?: { type: string };
  /** Our extension: false when only the container's cgroup identity was known. */
  metadata_complete?: boolean;
  /** Our extension: `enforce` (denied) or `monitoring` (a block let through by --monitoring). */
  block_mode?: 'enforce' | 'monitoring' | 'failed_open';
  /** Our extension, with block_mode `failed_open`: `helper_down`, `unknown_metadata`, `helper_timeout` or `helper_allowed`. */
  block_failure?: string;
  /** Our extension, rule-engine detections: the events behind it and the rule. */
  detection?: { event_ids: string[]; rule_id: string; rule_name: string };
  /** heartbeat stream. */
  block_action_enabled?: boolean;
  /** Heartbeats of an agent running the learning policy. */
  learning?: boolean;
  /** metrics stream (our layout). */
  metrics?: Record<string, unknown>;
}

export interface EcsDocument {
  '@timestamp': string;
  event: EcsEvent;
  /** shared */
  data_stream: DataStream;
  /** shared */
  agent: Readonly<Record<string, unknown>>;
  /** shared */
  host: Readonly<Record<string, unknown>>;
  /** shared */
  ecs: { readonly version: string };
  /** shared, when known */
  cloud?: Readonly<Record<string, unknown>>;
  /** shared per container */
  container?: Readonly<Record<string, unknown>>;
  /** shared per pod */
  orchestrator?: Readonly<Record<string, unknown>>;
  process?: EcsProcess;
  file?: EcsFile;
  source?: EcsEndpoint;
  destination?: EcsEndpoint;
  network?: EcsNetwork;
  dns?: EcsDns;
  error?: { code: string };
  /** The effective user/group of the acting process (rules join sequences on `user.id`). */
  user?: EcsIdName;
  group?: EcsIdName;
  cloud_defend?: EcsCloudDefend;
  /** Alerts: what Kibana names the alert by (policy alerts: response, operation, target, selectors; detections: the rule name). */
  message?: string;
}
