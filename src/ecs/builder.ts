// The document builders. `createEcsBuilder` compiles everything that is fixed for one agent
// (agent/host/cloud/ecs/data_stream fragments, capability and start-time memos, the clock and
// event id source); the per-event methods only fill the event's own fields and link the rest.

import { CapabilityNames, DEFAULT_LAST_CAP } from './capabilities.js';
import { type EventIdGenerator, randomEventIds } from './event-id.js';
import type {
  AgentContext,
  CloudContext,
  ContainerContext,
  EventInput,
  FileActionKind,
  FileEventInput,
  HostContext,
  NetworkActivity,
  NetworkEndpoint,
  NetworkEventInput,
  OrchestratorContext,
  PolicyOutcome,
  ProcessEventInput,
  TextOutputInput,
} from './input.js';
import { fileType, octalMode, pathParts } from './path.js';
import { IsoClock, ProcessRenderer } from './process.js';
import {
  compileStatic,
  containerFragment,
  FragmentCache,
  orchestratorFragment,
  type StaticFragments,
} from './static.js';
import {
  type DataStream,
  DEFAULT_NAMESPACE,
  MODULE,
  routeEvent,
  type Stream,
  validNamespace,
} from './streams.js';
import type { EcsCloudDefend, EcsDocument, EcsEndpoint, EcsEvent, EcsFile, EcsNetwork } from './types.js';

export interface EcsBuilderOptions {
  agent: AgentContext;
  host: HostContext;
  cloud?: CloudContext;
  /** data_stream.namespace (default `default`). */
  namespace?: string;
  /** /proc/sys/kernel/cap_last_cap of this kernel (default 40). */
  capLastCap?: number;
  /** event.id source (default: random per-run prefix + counter). */
  eventIds?: EventIdGenerator;
  /** Wall clock in ms since the epoch, for event.created (default Date.now). */
  now?: () => number;
  /**
   * The policy's package policy id and revision (its Elastic Agent input, or flags): every
   * document the policy decided, and the heartbeat, carry them unless the input names its own.
   */
  packagePolicy?: { id?: string; revision?: number };
}

/** Counters of input the builders had to repair rather than drop. */
export interface EcsBuilderStats {
  /** Event times out of range: @timestamp fell back to event.created. */
  badTimestamps: number;
}

export interface AgentMetrics {
  /** Events by type (`exec`, `fork`, `file`, …) read from the sensor. */
  eventsSeen?: Readonly<Record<string, number>>;
  /** Documents written, by stream. */
  docsEmitted?: Readonly<Record<string, number>>;
  /** Losses in the kernel (ring buffer reserve failures, truncated strings), by reason. */
  kernelDrops?: Readonly<Record<string, number>>;
  /** Losses in user space (queue full, output errors), by reason. */
  userDrops?: Readonly<Record<string, number>>;
  processTableSize?: number;
  processTableEvicted?: number;
  rssBytes?: number;
  uptimeSeconds?: number;
}

export interface HelperRestartInput {
  /** d4c-sensor or d4c-enforcer. */
  name: string;
  /** How it ended: `signal SIGKILL`, `exit code 3`. */
  downReason: string;
  /** Restarts of this helper since the agent started, this one included. */
  restarts: number;
  /** How long it was down, in milliseconds. */
  downMs: number;
}

export interface HeartbeatInput {
  /** The policy in force has a `block` action. */
  blockActionEnabled: boolean;
  /** The agent runs the learning policy (`d4c agent --learn`). */
  learning?: boolean;
  packagePolicyId?: string;
  packagePolicyRevision?: number;
}

type FileEventShape = { action: string; type: string };
const FILE_EVENTS: Readonly<Record<FileActionKind, FileEventShape>> = Object.freeze({
  creation: { action: 'creation', type: 'creation' },
  modification: { action: 'modification', type: 'change' },
  open: { action: 'open', type: 'change' },
  deletion: { action: 'deletion', type: 'deletion' },
  rename: { action: 'rename', type: 'change' },
  link: { action: 'link', type: 'creation' },
  // Elastic's D4C has no separate actions for these: they modify the file.
  chmod: { action: 'modification', type: 'change' },
  truncate: { action: 'modification', type: 'change' },
  read: { action: 'open', type: 'access' },
});

/** event.action, event.type and network.direction of each network operation (COMMON contract). */
const NETWORK_EVENTS: Readonly<
  Record<
    NetworkActivity['operation'],
    { action: string; type: readonly string[]; direction: 'egress' | 'ingress' }
  >
> = Object.freeze({
  connect: { action: 'connection_attempted', type: ['connection', 'start'], direction: 'egress' },
  accept: { action: 'connection_accepted', type: ['connection', 'start'], direction: 'ingress' },
  bind: { action: 'bind', type: ['info'], direction: 'ingress' },
  listen: { action: 'listen', type: ['start'], direction: 'ingress' },
  // One document per DNS transaction (issue 18): the query with its response, or its timeout.
  dns: { action: 'lookup_result', type: ['protocol', 'info'], direction: 'egress' },
});

function endpoint(e: NetworkEndpoint): EcsEndpoint {
  const out: EcsEndpoint = {};
  if (e.address !== undefined) out.address = e.address;
  if (e.ip !== undefined) out.ip = e.ip;
  if (e.port !== undefined) out.port = e.port;
  return out;
}

type ProcessAction = 'fork' | 'exec' | 'end';
const PROCESS_TYPE: Readonly<Record<ProcessAction, string>> = { fork: 'start', exec: 'start', end: 'end' };

export class EcsBuilder {
  /** Replaced (never mutated) by setCloud(). */
  fragments: StaticFragments;
  readonly stats: EcsBuilderStats = { badTimestamps: 0 };
  private readonly renderer: ProcessRenderer;
  private readonly nextId: EventIdGenerator;
  private readonly now: () => number;
  private readonly created = new IsoClock();
  private readonly containers = new FragmentCache<ContainerContext>(containerFragment);
  private readonly pods = new FragmentCache<OrchestratorContext>(orchestratorFragment);
  private readonly opts: EcsBuilderOptions & { namespace: string };

  constructor(opts: EcsBuilderOptions) {
    const ns = opts.namespace ?? DEFAULT_NAMESPACE;
    if (!validNamespace(ns)) {
      throw new RangeError(`invalid data stream namespace "${ns}": use lowercase letters, digits, _ and .`);
    }
    this.fragments = compileStatic(opts.agent, opts.host, opts.cloud, ns);
    this.opts = { ...opts, namespace: ns };
    this.renderer = new ProcessRenderer(
      opts.host.bootTimeNs,
      new CapabilityNames(opts.capLastCap ?? DEFAULT_LAST_CAP),
    );
    this.nextId = opts.eventIds ?? randomEventIds();
    this.now = opts.now ?? Date.now;
  }

  /**
   * cloud.* learnt after start (the Kubernetes API answers late, or only after an outage): the
   * documents built from now on carry it. Rare; the fragments are compiled again.
   */
  setCloud(cloud: CloudContext | undefined): void {
    const o = this.opts;
    this.fragments = compileStatic(o.agent, o.host, cloud, o.namespace);
  }

  processForkDoc(input: ProcessEventInput): EcsDocument {
    return this.processDoc('fork', input);
  }

  processExecDoc(input: ProcessEventInput): EcsDocument {
    return this.processDoc('exec', input);
  }

  processEndDoc(input: ProcessEventInput): EcsDocument {
    return this.processDoc('end', input);
  }

  fileDoc(input: FileEventInput): EcsDocument {
    const f = input.file;
    const shape = FILE_EVENTS[f.action] ?? FILE_EVENTS.modification;
    const doc = this.eventDoc(this.fragments.streams.file, 'file', shape.action, shape.type, input);
    const parts = pathParts(f.path);
    const file: EcsFile = { path: f.path, name: parts.name, directory: parts.directory };
    if (parts.extension !== undefined) file.extension = parts.extension;
    if (f.mode !== undefined) {
      file.mode = octalMode(f.mode);
      const t = fileType(f.mode);
      if (t !== undefined) file.type = t;
    }
    if (f.inode !== undefined) file.inode = String(f.inode);
    if (f.originalPath !== undefined) {
      file.Ext = { original: { path: f.originalPath, name: pathParts(f.originalPath).name } };
    }
    doc.file = file;
    this.addProcess(doc, input);
    const cd = this.cloudDefend(input, f.operation);
    if (f.mount !== undefined) cd.mount = { type: f.mount };
    doc.cloud_defend = cd;
    return doc;
  }

  /** A connect, accept, bind or listen: logs-cloud_defend.network-<ns>. */
  networkDoc(input: NetworkEventInput): EcsDocument {
    const n = input.network;
    const shape = NETWORK_EVENTS[n.operation];
    const doc = this.eventDoc(this.fragments.streams.network, 'network', shape.action, '', input);
    if (input.policy?.blocked !== true) doc.event.type = [...shape.type];
    doc.event.outcome = n.outcome;
    if (n.source) doc.source = endpoint(n.source);
    if (n.destination) doc.destination = endpoint(n.destination);
    if (n.destinationDomain !== undefined) {
      const dst = doc.destination ?? {};
      dst.domain = n.destinationDomain;
      doc.destination = dst;
    }
    // A unix socket has neither an ECS transport nor network type: those stay out (ECS values
    // only) and cloud_defend.network.family says `unix`.
    const unix = n.type === 'unix' || n.family === 'unix';
    const net: EcsNetwork = {};
    if (!unix) {
      if (n.transport !== undefined) net.transport = n.transport;
      net.type = n.type;
    }
    net.direction = shape.direction;
    if (n.dns !== undefined) {
      net.protocol = 'dns';
      doc.dns = n.dns;
    }
    doc.network = net;

    if (n.errorCode !== undefined) doc.error = { code: n.errorCode };
    this.addProcess(doc, input);
    const cd = this.cloudDefend(input, n.operation);
    const family = unix ? 'unix' : n.family;
    if (family !== undefined) cd.network = { family };
    if (n.iocDomain !== undefined) cd.ioc_domain = n.iocDomain;
    doc.cloud_defend = cd;
    return doc;
  }

  /**
   * The same event for the alerts stream: event.kind `alert`, the alerts data stream; shares
   * every sub-object except `event` with the log document (same event.id: one event).
   */
  alertDoc(doc: EcsDocument): EcsDocument {
    const event: EcsEvent = { ...doc.event, kind: 'alert', dataset: this.fragments.streams.alerts.dataset };
    return { ...doc, event, data_stream: this.fragments.streams.alerts, message: policyAlertMessage(doc) };
  }

  /** The documents to write for an event document, given the policy's decision. */
  route(doc: EcsDocument, outcome: PolicyOutcome | undefined): EcsDocument[] {
    const out: EcsDocument[] = [];
    const c = doc.event.category?.[0];
    const kind = c === 'file' ? 'file' : c === 'network' ? 'network' : 'process';
    for (const s of routeEvent(kind, outcome?.actions, outcome?.blocked)) {
      out.push(s === 'alerts' ? this.alertDoc(doc) : doc);
    }
    return out;
  }

  heartbeatDoc(input: HeartbeatInput): EcsDocument {
    const doc = this.baseDoc(this.fragments.streams.heartbeat, 'metric', undefined, undefined, undefined);
    const cd: EcsCloudDefend = { block_action_enabled: input.blockActionEnabled };
    if (input.learning === true) cd.learning = true;
    const pp = this.opts.packagePolicy;
    const id = input.packagePolicyId ?? pp?.id;
    const revision = input.packagePolicyRevision ?? pp?.revision;
    if (id !== undefined) cd.package_policy_id = id;
    if (revision !== undefined) cd.package_policy_revision = revision;
    doc.cloud_defend = cd;
    return doc;
  }

  /**
   * An alert of the agent about itself: one of its helpers (d4c-sensor, d4c-enforcer) went down
   * and was restarted (issue 22, finding 4). While it was down the agent was blind or `block`
   * failed open; the alert says so.
   */
  helperRestartDoc(input: HelperRestartInput): EcsDocument {
    const doc = this.baseDoc(this.fragments.streams.alerts, 'alert', 'host', 'change', 'helper_restarted');
    doc.cloud_defend = {
      helper: { name: input.name, down_reason: input.downReason, restarts: input.restarts },
    };
    const what = input.name === 'd4c-enforcer' ? 'block was not enforced' : 'no events were seen';
    doc.message = `Helper restarted: ${input.name} went down (${input.downReason}); ${what} for ${input.downMs} ms (restart ${input.restarts})`;
    return doc;
  }

  metricsDoc(m: AgentMetrics): EcsDocument {
    const doc = this.baseDoc(this.fragments.streams.metrics, 'metric', undefined, undefined, undefined);
    const metrics: Record<string, unknown> = {};
    if (m.eventsSeen) metrics.events_seen = { ...m.eventsSeen };
    if (m.docsEmitted) metrics.docs_emitted = { ...m.docsEmitted };
    if (m.kernelDrops) metrics.kernel_drops = { ...m.kernelDrops };
    if (m.userDrops) metrics.user_drops = { ...m.userDrops };
    if (m.processTableSize !== undefined || m.processTableEvicted !== undefined) {
      const pt: Record<string, number> = {};
      if (m.processTableSize !== undefined) pt.size = m.processTableSize;
      if (m.processTableEvicted !== undefined) pt.evicted = m.processTableEvicted;
      metrics.process_table = pt;
    }
    if (m.rssBytes !== undefined) metrics.rss_bytes = m.rssBytes;
    if (m.uptimeSeconds !== undefined) metrics.uptime_seconds = m.uptimeSeconds;
    doc.cloud_defend = { metrics };
    return doc;
  }

  /**
   * What a process wrote to its terminal (issue 17): `event.action: text_output` in the process
   * stream, as Elastic Defend writes it for Kibana's Session View terminal player. No D4C
   * operation, so no policy decision: cloud_defend carries the hook point only.
   */
  textOutputDoc(input: TextOutputInput): EcsDocument {
    const doc = this.eventDoc(this.fragments.streams.process, 'process', 'text_output', 'info', input);
    const proc = this.addProcess(doc, input);
    proc.tty = { char_device: { major: input.tty.major, minor: input.tty.minor } };
    proc.io = {
      type: 'tty',
      text: input.text,
      total_bytes_captured: input.captured,
      total_bytes_skipped: input.skipped,
      max_bytes_per_process_exceeded: input.exceeded,
    };
    if (input.gaps && input.gaps.length > 0)
      proc.io.bytes_skipped = input.gaps.map((g) => ({ offset: g.offset, length: g.length }));
    doc.cloud_defend = this.cloudDefend(input, undefined);
    return doc;
  }

  private processDoc(action: ProcessAction, input: ProcessEventInput): EcsDocument {
    const doc = this.eventDoc(this.fragments.streams.process, 'process', action, PROCESS_TYPE[action], input);
    const proc = this.addProcess(doc, input);
    if (action === 'exec') this.renderer.previous(input.process, proc);
    else if (action === 'end') this.renderer.end(input.process, proc);
    // Exit is no D4C operation: end documents carry none.
    doc.cloud_defend = this.cloudDefend(input, action === 'end' ? undefined : action);
    return doc;
  }

  private addProcess(doc: EcsDocument, input: ProcessEventInput) {
    const proc = this.renderer.process(input.process);
    doc.process = proc;
    if (proc.user) doc.user = proc.user;
    if (proc.group) doc.group = proc.group;
    return proc;
  }

  private eventDoc(
    ds: DataStream,
    category: string,
    action: string,
    type: string,
    input: EventInput,
  ): EcsDocument {
    // A blocked operation did not happen: `denied` keeps rules from chaining on it. Its kind stays
    // `event` here; alertDoc() makes the `alert` copy for the alerts stream.
    const t = input.policy?.blocked === true ? 'denied' : type;
    const doc = this.baseDoc(ds, 'event', category, t, action, input.timeNs);
    if (input.container) doc.container = this.containers.get(input.container);
    if (input.orchestrator) doc.orchestrator = this.pods.get(input.orchestrator);
    return doc;
  }

  private baseDoc(
    ds: DataStream,
    kind: EcsEvent['kind'],
    category: string | undefined,
    type: string | undefined,
    action: string | undefined,
    timeNs?: bigint,
  ): EcsDocument {
    const created = this.created.iso(this.now()) ?? new Date(0).toISOString();
    let ts = created;
    if (timeNs !== undefined) {
      const t = this.renderer.iso(timeNs);
      if (t === undefined) this.stats.badTimestamps++;
      else ts = t;
    }
    // Literal in a fixed order (one hidden class; readable NDJSON): absent parts stay undefined
    // and JSON.stringify leaves them out.
    const event: EcsEvent = {
      id: this.nextId(),
      kind,
      category: category === undefined ? undefined : [category],
      type: type === undefined ? undefined : [type],
      action,
      dataset: ds.dataset,
      module: MODULE,
      created,
    };
    const f = this.fragments;
    const doc: EcsDocument = {
      '@timestamp': ts,
      event,
      data_stream: ds,
      agent: f.agent,
      host: f.host,
      ecs: f.ecs,
    };
    if (f.cloud) doc.cloud = f.cloud;
    return doc;
  }

  private cloudDefend(input: EventInput, operation: string | undefined): EcsCloudDefend {
    const cd: EcsCloudDefend = {};
    const p = input.policy;
    if (p) {
      cd.matched_selectors = p.matchedSelectors ? [...p.matchedSelectors] : [];
      const pp = this.opts.packagePolicy;
      const id = p.packagePolicyId ?? pp?.id;
      const revision = p.packagePolicyRevision ?? pp?.revision;
      if (id !== undefined) cd.package_policy_id = id;
      if (revision !== undefined) cd.package_policy_revision = revision;
    }
    if (input.hookPoint !== undefined) {
      cd.hook_point = typeof input.hookPoint === 'string' ? [input.hookPoint] : [...input.hookPoint];
    }
    if (operation !== undefined) cd.operation = operation;
    if (input.blockMode !== undefined) cd.block_mode = input.blockMode;
    if (input.blockFailure !== undefined) cd.block_failure = input.blockFailure;
    if (input.metadataComplete !== undefined) cd.metadata_complete = input.metadataComplete;
    return cd;
  }
}

/**
 * `message` of a policy alert: Elastic's "Container Workload Protection" rule names each Kibana
 * alert from it (rule_name_override), so it says what happened: the response, the operation,
 * its target and the selectors that matched.
 */
export function policyAlertMessage(doc: EcsDocument): string {
  const cd = doc.cloud_defend;
  const mode = cd?.block_mode;
  const verb =
    mode === 'enforce'
      ? 'Blocked'
      : mode === 'monitoring'
        ? 'Would block'
        : mode === 'failed_open'
          ? `Block failed (${cd?.block_failure ?? 'unknown'})`
          : 'Alert';
  const op = cd?.operation ?? doc.event.action ?? 'event';
  const target = alertTarget(doc);
  const sel = cd?.matched_selectors ?? [];
  const selectors =
    sel.length === 0 ? '' : ` (${sel.length === 1 ? 'selector' : 'selectors'} ${sel.join(', ')})`;
  return `${verb}: ${op}${target === undefined ? '' : ` ${target}`}${selectors}`;
}

function alertTarget(doc: EcsDocument): string | undefined {
  if (doc.file?.path !== undefined) return doc.file.path;
  // A DNS transaction: the name asked (and its type) says more than the resolver's address.
  const q = doc.dns?.question;
  if (q !== undefined && q.name !== '') return `${q.name} ${q.type}`;
  const d = doc.destination;
  if (d !== undefined) {
    const addr = d.address ?? d.ip;
    if (addr === undefined) return d.port === undefined ? undefined : `port ${d.port}`;
    if (d.port === undefined) return addr;
    return addr.includes(':') ? `[${addr}]:${d.port}` : `${addr}:${d.port}`;
  }
  return doc.process?.executable;
}

export function createEcsBuilder(opts: EcsBuilderOptions): EcsBuilder {
  return new EcsBuilder(opts);
}

export type { Stream };
