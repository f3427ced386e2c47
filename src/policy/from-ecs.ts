// ECS document -> PolicyEvent, for evaluating a policy over recorded telemetry
// (`d4c policy test`). Documents may use nested objects, dotted keys ({"process.name": "sh"}),
// or any mix, as the agent and Elasticsearch write them. Never throws: a field of the wrong
// type is unknown (and unknown fields never match a condition); a document that is not a
// process, file or network event yields `{ event: undefined, reason }`.
//
// Field mapping:
//   section                    event.category contains `file` -> file, else `network` ->
//                              network, else `process` -> process
//   operation                  cloud_defend.operation when it names an operation of the section,
//                              else derived (below)
//   filePath                   file.path
//   mount                      cloud_defend.mount.type: `volume` | `file` (else root fs)
//   processExecutable / Name   process.executable / process.name
//   sessionLeaderInteractive   process.session_leader.interactive (boolean only)
//   processDrift               process.drift (boolean only)
//   destinationAddress         network: destination.address, else destination.ip
//   destinationIp              network: destination.ip
//   destinationPort            network: destination.port, an integer 0-65535 (or such a string)
//   transport                  network: `unix` when cloud_defend.network.family is unix, else
//                              network.transport when tcp, udp or unix (any case)
//   containerImageFullName     container.image.name, normalised (tag and digest dropped)
//   containerImageTag          container.image.tag, else the tag inside container.image.name
//   kubernetesClusterId / Name orchestrator.cluster.id / orchestrator.cluster.name
//   kubernetesNamespace        orchestrator.namespace
//   kubernetesPodName          orchestrator.resource.name
//   kubernetesPodLabels        orchestrator.resource.label ("key:value" strings; non-strings dropped)
// Empty strings are unknown. A one-element array stands for its element (Elasticsearch's
// `fields` output wraps every value in an array).
//
// Operation derivation when cloud_defend.operation is absent or invalid:
//   process: event.action `fork` -> fork, `exec` -> exec; anything else (e.g. `end`) is not a
//            policy event.
//   network: event.action `connection_attempted` -> connect, `connection_accepted` -> accept,
//            `bind`, `listen`; anything else is not a policy event.
//   file:    event.action `open` with event.type `access` (and not `change`/`creation`) ->
//            readFile (an open without write intent).
//            event.action `creation` | `link` -> create; `modification` | `open` | `rename`
//            -> modify (a rename makes file.path, the destination, appear with new content);
//            `deletion` -> deleteFile. Without a known action, event.type (a string or list)
//            `creation` -> create, `change` -> modify, `deletion` -> deleteFile (`denied` and
//            other values are skipped). create/modify become createExecutable/modifyExecutable
//            when file.mode (octal string such as "0755" or "100755", or a number) has any of
//            the 0o111 bits and file.type, when present, is `file`; otherwise
//            createFile/modifyFile. A missing or unparsable file.mode counts as not executable.

import { sectionOfOperation } from './conditions.js';
import {
  FILE_OPERATIONS,
  type FileOperation,
  type MountKind,
  NETWORK_OPERATIONS,
  type NetworkOperation,
  type Operation,
  type PolicyEvent,
  PROCESS_OPERATIONS,
  type ProcessOperation,
  type Section,
  TRANSPORTS,
  type Transport,
} from './model.js';
import { imageReferenceTag, normalizeImageName } from './patterns.js';

export type EcsConversion = { event: PolicyEvent; reason?: undefined } | { event: undefined; reason: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The value at a dotted ECS path, trying every split of the path into keys, longest key
 * first: `a.b.c` is found as {"a.b.c"}, {"a": {"b.c"}}, {"a.b": {"c"}} or {"a": {"b": {"c"}}}.
 */
export function ecsField(doc: unknown, path: string): unknown {
  return lookup(doc, path.split('.'), 0);
}

function lookup(obj: unknown, parts: string[], from: number): unknown {
  if (!isObject(obj)) return undefined;
  for (let to = parts.length; to > from; to--) {
    const key = parts.slice(from, to).join('.');
    if (!Object.hasOwn(obj, key)) continue;
    const v = obj[key];
    if (to === parts.length) {
      if (v !== undefined) return v;
      continue;
    }
    const found = lookup(v, parts, to);
    if (found !== undefined) return found;
  }
  return undefined;
}

function unwrap(v: unknown): unknown {
  return Array.isArray(v) && v.length === 1 ? v[0] : v;
}

function str(doc: unknown, path: string): string | undefined {
  const v = unwrap(ecsField(doc, path));
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function bool(doc: unknown, path: string): boolean | undefined {
  const v = unwrap(ecsField(doc, path));
  return typeof v === 'boolean' ? v : undefined;
}

/** A string or a list of strings as a list; other element types are dropped. */
function strList(doc: unknown, path: string): string[] | undefined {
  const v = ecsField(doc, path);
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return undefined;
  return v.filter((x): x is string => typeof x === 'string');
}

function section(doc: unknown): Section | undefined {
  const cats = strList(doc, 'event.category') ?? [];
  if (cats.includes('file')) return 'file';
  if (cats.includes('network')) return 'network';
  if (cats.includes('process')) return 'process';
  return undefined;
}

/** True when a file mode has any execute bit. */
export function modeIsExecutable(mode: unknown): boolean {
  const m = unwrap(mode);
  if (typeof m === 'number') return Number.isInteger(m) && m >= 0 && (m & 0o111) !== 0;
  if (typeof m === 'string' && /^[0-7]{1,7}$/.test(m)) return (Number.parseInt(m, 8) & 0o111) !== 0;
  return false;
}

function processOperation(doc: unknown): ProcessOperation | string {
  const explicit = str(doc, 'cloud_defend.operation');
  if ((PROCESS_OPERATIONS as readonly string[]).includes(explicit ?? '')) return explicit as ProcessOperation;
  const actions = strList(doc, 'event.action') ?? [];
  if (actions.includes('fork')) return 'fork';
  if (actions.includes('exec')) return 'exec';
  return actions.length > 0
    ? `process event.action ${JSON.stringify(actions.join(','))} is not fork or exec`
    : 'process event has no cloud_defend.operation and no event.action';
}

const FILE_ACTION_KIND: Record<string, 'create' | 'modify' | 'delete'> = {
  creation: 'create',
  link: 'create',
  modification: 'modify',
  open: 'modify',
  rename: 'modify',
  deletion: 'delete',
};
const FILE_TYPE_KIND: Record<string, 'create' | 'modify' | 'delete'> = {
  creation: 'create',
  change: 'modify',
  deletion: 'delete',
};

const NETWORK_ACTIONS: Record<string, NetworkOperation> = {
  connection_attempted: 'connect',
  connection_accepted: 'accept',
  bind: 'bind',
  listen: 'listen',
  lookup_result: 'dns',
};

function networkOperation(doc: unknown): NetworkOperation | string {
  const explicit = str(doc, 'cloud_defend.operation');
  if ((NETWORK_OPERATIONS as readonly string[]).includes(explicit ?? '')) return explicit as NetworkOperation;
  const actions = strList(doc, 'event.action') ?? [];
  const op = actions
    .map((a) => (Object.hasOwn(NETWORK_ACTIONS, a) ? NETWORK_ACTIONS[a] : undefined))
    .find(Boolean);
  if (op !== undefined) return op;
  return actions.length > 0
    ? `network event.action ${JSON.stringify(actions.join(','))} is not connection_attempted, connection_accepted, bind, listen or lookup_result`
    : 'network event has no cloud_defend.operation and no event.action';
}

function fileOperation(doc: unknown): FileOperation | string {
  const explicit = str(doc, 'cloud_defend.operation');
  if ((FILE_OPERATIONS as readonly string[]).includes(explicit ?? '')) return explicit as FileOperation;
  const types = strList(doc, 'event.type') ?? [];
  if (
    (strList(doc, 'event.action') ?? []).includes('open') &&
    types.includes('access') &&
    !types.includes('change') &&
    !types.includes('creation')
  ) {
    return 'readFile';
  }
  const pick = (values: string[], table: Record<string, 'create' | 'modify' | 'delete'>) =>
    values.map((v) => (Object.hasOwn(table, v) ? table[v] : undefined)).find((k) => k !== undefined);
  const kind =
    pick(strList(doc, 'event.action') ?? [], FILE_ACTION_KIND) ??
    pick(strList(doc, 'event.type') ?? [], FILE_TYPE_KIND);
  if (kind === undefined)
    return 'file event has no cloud_defend.operation and no known event.action/event.type';
  if (kind === 'delete') return 'deleteFile';
  const type = str(doc, 'file.type');
  const executable = (type === undefined || type === 'file') && modeIsExecutable(ecsField(doc, 'file.mode'));
  if (kind === 'create') return executable ? 'createExecutable' : 'createFile';
  return executable ? 'modifyExecutable' : 'modifyFile';
}

function isOperation(op: string): op is Operation {
  return sectionOfOperation(op) !== undefined;
}

function port(doc: unknown): number | undefined {
  const v = unwrap(ecsField(doc, 'destination.port'));
  const n = typeof v === 'string' && /^[0-9]{1,5}$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
}

function transport(doc: unknown): Transport | undefined {
  // A unix socket has no ECS transport: d4c documents say so in cloud_defend.network.family
  // (older ones, and other producers, in network.transport).
  if (str(doc, 'cloud_defend.network.family')?.toLowerCase() === 'unix') return 'unix';
  const t = str(doc, 'network.transport')?.toLowerCase();
  return (TRANSPORTS as readonly string[]).includes(t ?? '') ? (t as Transport) : undefined;
}

export function policyEventFromEcs(doc: unknown): EcsConversion {
  if (!isObject(doc)) return { event: undefined, reason: 'not a JSON object' };
  const sec = section(doc);
  if (sec === undefined)
    return { event: undefined, reason: 'event.category is neither process, file nor network' };
  const op =
    sec === 'process' ? processOperation(doc) : sec === 'file' ? fileOperation(doc) : networkOperation(doc);
  if (!isOperation(op)) return { event: undefined, reason: op };

  const ev: PolicyEvent = { section: sec, operation: op };
  const set = <K extends keyof PolicyEvent>(key: K, value: PolicyEvent[K] | undefined) => {
    if (value !== undefined) ev[key] = value;
  };
  if (sec === 'file') {
    set('filePath', str(doc, 'file.path'));
    const mount = str(doc, 'cloud_defend.mount.type');
    if (mount === 'volume' || mount === 'file') set('mount', mount satisfies MountKind);
  }
  if (sec === 'network') {
    const ip = str(doc, 'destination.ip');
    set('destinationAddress', str(doc, 'destination.address') ?? ip);
    set('destinationIp', ip);
    set('destinationPort', port(doc));
    set('transport', transport(doc));
    set('dnsQuestionName', str(doc, 'dns.question.name'));
  }
  set('processDrift', bool(doc, 'process.drift'));
  set('processExecutable', str(doc, 'process.executable'));
  set('processName', str(doc, 'process.name'));
  set('sessionLeaderInteractive', bool(doc, 'process.session_leader.interactive'));
  const image = str(doc, 'container.image.name');
  if (image !== undefined) {
    set('containerImageFullName', normalizeImageName(image));
    set('containerImageTag', str(doc, 'container.image.tag') ?? imageReferenceTag(image));
  } else {
    set('containerImageTag', str(doc, 'container.image.tag'));
  }
  set('kubernetesClusterId', str(doc, 'orchestrator.cluster.id'));
  set('kubernetesClusterName', str(doc, 'orchestrator.cluster.name'));
  set('kubernetesNamespace', str(doc, 'orchestrator.namespace'));
  set('kubernetesPodName', str(doc, 'orchestrator.resource.name'));
  set('kubernetesPodLabels', strList(doc, 'orchestrator.resource.label'));
  return { event: ev };
}
