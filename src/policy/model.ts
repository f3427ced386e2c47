// The D4C policy model after parsing and validation, and the event view policies evaluate.
// This file is the contract between the parser/validator, the evaluators (compiled and
// interpreted), the ECS builder and the sensor. Keep it small and stable.

import type { Position } from '../util/index.js';

export const SECTIONS = ['process', 'file', 'network'] as const;
export type Section = (typeof SECTIONS)[number];

export const PROCESS_OPERATIONS = ['fork', 'exec'] as const;
export const FILE_OPERATIONS = [
  'createExecutable',
  'modifyExecutable',
  'createFile',
  'modifyFile',
  'deleteFile',
  // An open without write intent. Only selectors with `targetFilePath` may enable it, and only
  // by naming it (a selector without `operation` does not cover it): the sensor filters reads
  // in the kernel by those paths' prefixes (readPathPrefixes in read-prefixes.ts).
  'readFile',
] as const;
// `dns`: one DNS transaction (query and response), opt-in like readFile (issue 18).
export const NETWORK_OPERATIONS = ['connect', 'accept', 'bind', 'listen', 'dns'] as const;
export type ProcessOperation = (typeof PROCESS_OPERATIONS)[number];
export type FileOperation = (typeof FILE_OPERATIONS)[number];
export type NetworkOperation = (typeof NETWORK_OPERATIONS)[number];
export type Operation = ProcessOperation | FileOperation | NetworkOperation;

/** `network.transport` values of network events and of the `transport` condition. */
export const TRANSPORTS = ['tcp', 'udp', 'unix'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export const ACTIONS = ['log', 'alert', 'block'] as const;
export type Action = (typeof ACTIONS)[number];

/** Selector conditions, by their D4C names. Lists are ORed, conditions ANDed. */
export interface SelectorConditions {
  operation?: Operation[];
  containerImageFullName?: string[];
  containerImageName?: string[];
  containerImageTag?: string[];
  kubernetesClusterId?: string[];
  kubernetesClusterName?: string[];
  kubernetesNamespace?: string[];
  kubernetesPodName?: string[];
  kubernetesPodLabel?: string[];
  // file only
  targetFilePath?: string[];
  ignoreVolumeMounts?: boolean;
  ignoreVolumeFiles?: boolean;
  // process and network
  processExecutable?: string[];
  processName?: string[];
  // process only
  sessionLeaderInteractive?: boolean;
  // every section: the acting process runs an executable written in the container
  processDrift?: boolean;
  // network only
  /** IP addresses and CIDRs (as written), unix socket paths (`/...`, `@...`). */
  destinationAddress?: string[];
  /** Ports and ranges in canonical text: `443`, `8000-8080`. */
  destinationPort?: string[];
  transport?: Transport[];
  /** Names and `*.suffix` wildcards (operation `dns`). */
  dnsQuestionName?: string[];
}

export interface Selector extends SelectorConditions {
  name: string;
  section: Section;
  /** Where the selector's mapping starts in the source. */
  pos: Position;
}

export interface Response {
  section: Section;
  /** 0-based index within its section's `responses`, for reporting. */
  index: number;
  match: string[];
  exclude: string[];
  actions: Action[];
  pos: Position;
}

export interface PolicySection {
  selectors: Selector[];
  responses: Response[];
}

export interface Policy {
  /** File name the policy came from, for messages. */
  source: string;
  process?: PolicySection;
  file?: PolicySection;
  network?: PolicySection;
  /**
   * `cloud_defend.package_policy_id`/`package_policy_revision` of the documents: from the
   * standalone Elastic Agent input the policy came in, or --policy-id/--policy-revision.
   */
  packagePolicyId?: string;
  /** Within the package's `short` mapping: 0–32767. */
  packagePolicyRevision?: number;
}

/**
 * Where a file sits relative to the container's mounts. `volume`: on any mount other than
 * the container root filesystem (what `ignoreVolumeMounts` ignores). `file`: a file mount
 * (a configMap/secret projection or a single bind-mounted file), which is also a volume
 * (what `ignoreVolumeFiles` ignores). ECS: `cloud_defend.mount.type`.
 */
export type MountKind = 'volume' | 'file';

/**
 * The facts a policy decision needs, extracted once per event (from the sensor's record or
 * from an ECS document). Absent fields are unknown and never match a condition on them.
 */
export interface PolicyEvent {
  section: Section;
  operation: Operation;
  /** file events: `file.path`, as the container sees it. */
  filePath?: string;
  /** file events: mount kind of the target, absent when on the container root fs. */
  mount?: MountKind;
  /** `process.executable` and `process.name` (the process acting, for file events too). */
  processExecutable?: string;
  processName?: string;
  /** `process.session_leader.interactive` */
  sessionLeaderInteractive?: boolean;
  /** `container.image.name` in full normalised form, e.g. `docker.io/library/nginx`. */
  containerImageFullName?: string;
  /** `container.image.tag` */
  containerImageTag?: string;
  kubernetesClusterId?: string;
  kubernetesClusterName?: string;
  kubernetesNamespace?: string;
  kubernetesPodName?: string;
  /** `orchestrator.resource.label` as `key:value` strings. */
  kubernetesPodLabels?: string[];
  /**
   * `process.drift`: the acting process's executable was created or modified inside the
   * container after the container started (overlay upper layer, or a write the sensor saw).
   */
  processDrift?: boolean;
  /**
   * network events: `destination.address`. For IP sockets the canonical IP text (IPv4 dotted
   * quad, IPv6 RFC 5952 compressed, IPv4-mapped IPv6 reported as IPv4), equal to
   * `destination.ip`; for unix sockets the socket path (`@name` for the abstract namespace).
   * For connect it is the peer; for accept the local (listening) side is the destination and
   * the peer is `source.*`; for bind/listen the local address.
   */
  destinationAddress?: string;
  /** network events: `destination.ip`, set for IP sockets only. */
  destinationIp?: string;
  /** network events: `destination.port`, set for IP sockets only. */
  destinationPort?: number;
  /** network events: `network.transport`. */
  transport?: Transport;
  /** dns transactions: `dns.question.name`. */
  dnsQuestionName?: string;
}

export interface Decision {
  /** Union of the actions of every response that fired, in ACTIONS order. */
  actions: Action[];
  /** Every selector of the event's section that matched, sorted. */
  matchedSelectors: string[];
}

export const NO_DECISION: Decision = Object.freeze({ actions: [], matchedSelectors: [] }) as Decision;
