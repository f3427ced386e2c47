// The selector conditions of the D4C language as one declarative table. It drives the
// validator (load.ts), the JSON Schema (schema.ts) and the reference in docs/policy.md
// (docs.ts), so the three cannot drift apart. Facts from Elastic's cloud_defend editor.

import {
  FILE_OPERATIONS,
  NETWORK_OPERATIONS,
  type Operation,
  PROCESS_OPERATIONS,
  SECTIONS,
  type Section,
  type SelectorConditions,
  TRANSPORTS,
} from './model.js';
import { parseAddressValue } from './net.js';

export type ConditionName = keyof SelectorConditions;

/**
 * `stringList`: a non-empty list of strings (values ORed). `operationList`: the same, values
 * from the section's operations. `portList`: a non-empty list of ports (YAML integers) and
 * port ranges (strings `N-M`). `flag`: a boolean that only ever narrows (true = ignore).
 * `boolean`: a boolean compared with the event.
 */
export type ValueKind = 'stringList' | 'operationList' | 'portList' | 'flag' | 'boolean';

export interface ConditionPattern {
  /** The pattern as Elastic publishes it, for messages, docs and the JSON Schema. */
  source: string;
  /** An equivalent matcher that runs in linear time (Elastic's full-image-name regex backtracks exponentially). */
  test: RegExp;
  /** Elastic's specific message; when absent the generic pattern message is used. */
  error?: string;
}

export interface ConditionSpec {
  name: ConditionName;
  sections: readonly Section[];
  kind: ValueKind;
  pattern?: ConditionPattern;
  /** UTF-8 byte limit per value (string kinds only). */
  maxBytes?: number;
  /** Conditions that cannot appear in the same selector. */
  not?: readonly ConditionName[];
  /** A closed set of values (reported with D4C-POL-041 and a "did you mean"). */
  values?: readonly string[];
  /** A check of each value beyond a pattern: the reason it is invalid, or undefined. */
  check?: (value: string) => string | undefined;
  valid?: readonly string[];
  invalid?: readonly string[];
  notes: string;
}

export const MAX_VALUE_BYTES = 511;
export const MAX_NAME_CHARS = 128;
export const MAX_SELECTORS_AND_RESPONSES = 64;
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/i;
export const NAME_PATTERN_SOURCE = '^[a-z0-9][a-z0-9_\\-]*$';

const PATH_SOURCE = '^(?:\\/[^\\/\\*]+)*(?:\\/\\*|\\/\\*\\*)?$';
const PATH_TEST = /^(?:\/[^/*]+)*(?:\/\*|\/\*\*)?$/;
const PATH_VALID = ['/usr/bin/**', '/usr/bin/*', '/*', '/**', '/usr/bin/ls'];
const PATH_INVALID = [
  'badpath',
  '/',
  '/etc/',
  '/usr/sbin*',
  '/usr/*/bin',
  '/usr/bin/**/x',
  '/usr/bin/***',
  '',
];

export const OPERATIONS_BY_SECTION: Readonly<Record<Section, readonly Operation[]>> = {
  process: PROCESS_OPERATIONS,
  file: FILE_OPERATIONS,
  network: NETWORK_OPERATIONS,
};

/**
 * Operations a selector covers when it names none: every operation of its section except
 * `readFile`, which is opt-in (Elastic's policies keep their meaning; reads cost nothing unless
 * a selector names them together with paths), and `dns`, also opt-in (a network selector written
 * for connections keeps its meaning).
 */
export const IMPLIED_OPERATIONS_BY_SECTION: Readonly<Record<Section, readonly Operation[]>> = {
  process: PROCESS_OPERATIONS,
  file: FILE_OPERATIONS.filter((op) => op !== 'readFile'),
  network: NETWORK_OPERATIONS.filter((op) => op !== 'dns'),
};

/** The operations a selector covers: its `operation` list, or its section's implied ones. */
export function selectorOperations(sel: {
  section: Section;
  operation?: readonly Operation[];
}): readonly Operation[] {
  return sel.operation ?? IMPLIED_OPERATIONS_BY_SECTION[sel.section];
}

/** Every operation of every section, in section order. */
export const ALL_OPERATIONS: readonly Operation[] = SECTIONS.flatMap((s) => OPERATIONS_BY_SECTION[s]);

/** The section an operation belongs to (operation names are unique across sections). */
export function sectionOfOperation(op: string): Section | undefined {
  return SECTIONS.find((s) => (OPERATIONS_BY_SECTION[s] as readonly string[]).includes(op));
}

const ALL: readonly Section[] = SECTIONS;

/** Operations a blocking response must bound with `targetFilePath` (Elastic's FIM_OPERATIONS). */
export const FIM_OPERATIONS: readonly Operation[] = ['createFile', 'modifyFile', 'deleteFile'];

export const CONDITIONS: readonly ConditionSpec[] = [
  {
    name: 'operation',
    sections: ALL,
    kind: 'operationList',
    notes:
      'process: `fork`, `exec`; file: `createExecutable`, `modifyExecutable`, `createFile`, `modifyFile`, `deleteFile`, `readFile`; network: `connect`, `accept`, `bind`, `listen`, `dns`. Absent = every operation of the section except `readFile`, which must be named, and only with `targetFilePath`, and `dns`, which must be named',
  },
  {
    name: 'containerImageFullName',
    sections: ALL,
    kind: 'stringList',
    pattern: {
      source: '^(?:\\[[a-fA-F0-9:]+\\]|(?:[a-zA-Z0-9-](?:\\.[a-z0-9]+)*)+)(?::[0-9]+)?(?:\\/[a-z0-9]+)+$',
      // Same language as the source, without the nested quantifier.
      test: /^(?:\[[a-fA-F0-9:]+\]|[a-zA-Z0-9-](?:[a-zA-Z0-9-]|\.[a-z0-9])*)(?::[0-9]+)?(?:\/[a-z0-9]+)+$/,
      error:
        '"Full container image name" values must be in the format: image_repo/image_name e.g. "docker.io/nginx"',
    },
    not: ['containerImageName'],
    valid: ['docker.io/nginx', 'gcr.io/proj/img', 'localhost:5000/app', '[::1]:5000/app'],
    invalid: ['nginx', 'docker.io/nginx:latest', 'docker.io/Nginx'],
    notes: 'registry and repository, no tag; `nginx` events match `docker.io/library/nginx`',
  },
  {
    name: 'containerImageName',
    sections: ALL,
    kind: 'stringList',
    pattern: {
      source: '^([a-z0-9]+(?:[._-][a-z0-9]+)*)$',
      test: /^([a-z0-9]+(?:[._-][a-z0-9]+)*)$/,
    },
    not: ['containerImageFullName'],
    valid: ['nginx', 'elastic-agent', 'my_app.v2'],
    invalid: ['Nginx', 'bad*imagename', 'nginx:latest', 'docker.io/nginx'],
    notes: 'the last path component of the image repository, lowercase',
  },
  {
    name: 'containerImageTag',
    sections: ALL,
    kind: 'stringList',
    valid: ['latest', '1.25'],
    notes: 'e.g. `latest`; quote numeric tags (`"1.25"`)',
  },
  {
    name: 'kubernetesClusterId',
    sections: ALL,
    kind: 'stringList',
    notes: 'the UID of the `kube-system` namespace',
  },
  { name: 'kubernetesClusterName', sections: ALL, kind: 'stringList', notes: '' },
  { name: 'kubernetesNamespace', sections: ALL, kind: 'stringList', notes: '' },
  {
    name: 'kubernetesPodName',
    sections: ALL,
    kind: 'stringList',
    valid: ['web-7d9f', 'web-*'],
    notes: 'a trailing `*` matches any suffix',
  },
  {
    name: 'kubernetesPodLabel',
    sections: ALL,
    kind: 'stringList',
    pattern: {
      source: '^([a-zA-Z0-9\\.\\-]+\\/)?[a-zA-Z0-9\\.\\-]+:[a-zA-Z0-9\\.\\-\\_]*\\*?$',
      test: /^([a-zA-Z0-9.-]+\/)?[a-zA-Z0-9.-]+:[a-zA-Z0-9._-]*\*?$/,
      error:
        'Kubernetes pod label values must have the format: "key:value". A wildcard "*" can be used at the end of the value. e.g. "key:val*". To match on an empty label value, use "key:".',
    },
    valid: ['key1:value1', 'key1:value*', 'key:', 'key:*', 'app.kubernetes.io/name:web'],
    invalid: ['key1*:value', 'key1', 'env:prod*x', 'a/b/c:d'],
    notes:
      '`key:value`; the key may have a `prefix/`; trailing `*` on the value only; `key:` = empty value; `key:*` = any value',
  },
  {
    name: 'targetFilePath',
    sections: ['file'],
    kind: 'stringList',
    maxBytes: 255,
    pattern: {
      source: PATH_SOURCE,
      test: PATH_TEST,
      error:
        '"Target file path" values must use absolute paths. A trailing * wildcard may be used to match all files in the target directory. Use double ** to match all files recursively. e.g /etc/**',
    },
    valid: PATH_VALID,
    invalid: PATH_INVALID,
    notes: 'absolute path; a final `/*` matches direct children, a final `/**` any depth',
  },
  {
    name: 'ignoreVolumeMounts',
    sections: ['file'],
    kind: 'flag',
    not: ['ignoreVolumeFiles'],
    notes: 'ignore files on any volume mount (anything but the container root filesystem)',
  },
  {
    name: 'ignoreVolumeFiles',
    sections: ['file'],
    kind: 'flag',
    not: ['ignoreVolumeMounts'],
    notes: 'ignore file mounts only (configMap, secret, single bind-mounted files)',
  },
  {
    name: 'processExecutable',
    sections: ['process', 'network'],
    kind: 'stringList',
    pattern: {
      source: PATH_SOURCE,
      test: PATH_TEST,
      error:
        '"Process executable" values must use absolute paths. A trailing * wildcard may be used to match all files in the target directory. Use double ** to match all files recursively. e.g /usr/bin/**',
    },
    not: ['processName'],
    valid: PATH_VALID,
    invalid: PATH_INVALID,
    notes: 'same path rules as `targetFilePath`',
  },
  {
    name: 'processName',
    sections: ['process', 'network'],
    kind: 'stringList',
    maxBytes: 15,
    not: ['processExecutable'],
    valid: ['nginx', 'kube-controller'],
    notes: "basename, at most 15 bytes (the kernel's comm length)",
  },
  {
    name: 'sessionLeaderInteractive',
    sections: ['process'],
    kind: 'boolean',
    notes: 'the session leader has a controlling TTY',
  },
  {
    name: 'processDrift',
    sections: ALL,
    kind: 'boolean',
    notes:
      "the acting process runs an executable created or modified in the container after it started (ECS `process.drift`); d4c's extension",
  },
  {
    name: 'destinationAddress',
    sections: ['network'],
    kind: 'stringList',
    check: (v) => {
      const r = parseAddressValue(v);
      return r.ok ? undefined : r.reason;
    },
    valid: [
      '10.0.0.0/8',
      '169.254.169.254',
      'fd00::/8',
      '::1',
      '/run/docker.sock',
      '/run/containerd/**',
      '@/tmp/.X11-unix/*',
    ],
    invalid: ['10.0.0.256', '10.0.0.0/33', 'fe80::1%eth0', 'example.com', '/run/', '@'],
    notes:
      "d4c's extension. IPv4/IPv6 addresses and CIDRs (an IPv4-mapped IPv6 address equals its IPv4 address); unix socket paths (`/...`, abstract `@...`) with `targetFilePath`'s wildcards",
  },
  {
    name: 'destinationPort',
    sections: ['network'],
    kind: 'portList',
    valid: ['443', '8000-8080', '0-1023'],
    invalid: ['65536', '8080-8000', 'http'],
    notes: "d4c's extension. Ports 0-65535 as numbers, ranges as strings `N-M` (inclusive)",
  },
  {
    name: 'dnsQuestionName',
    sections: ['network'],
    kind: 'stringList',
    check: dnsNameReason,
    maxBytes: 253,
    valid: ['example.com', '*.example.com', 'metadata.google.internal', 'xmr.pool.example'],
    invalid: ['*example.com', 'a..b', '*', 'ex ample.com', 'a.*.com'],
    notes:
      "d4c's extension (operation `dns`). The question's name (`dns.question.name`, any case, without the trailing dot): `example.com` is that name, `*.example.com` every name below it (not example.com itself)",
  },
  {
    name: 'transport',
    sections: ['network'],
    kind: 'stringList',
    values: TRANSPORTS,
    valid: [...TRANSPORTS],
    invalid: ['TCP', 'sctp'],
    notes:
      "d4c's extension. `tcp`, `udp` (ECS `network.transport`), `unix` (a unix socket, `cloud_defend.network.family`)",
  },
];

export const CONDITION_BY_NAME: ReadonlyMap<string, ConditionSpec> = new Map(
  CONDITIONS.map((c) => [c.name, c]),
);

/** Conditions Elastic's schema once had and dropped: named in the unknown-key message. */
export const REMOVED_CONDITIONS: readonly string[] = [
  'processUserId',
  'processUserName',
  'sessionLeaderName',
  'orchestratorClusterId',
  'orchestratorClusterName',
  'orchestratorNamespace',
  'orchestratorResourceLabel',
  'orchestratorResourceName',
  'orchestratorType',
  'fullContainerImageName',
];

export const SELECTOR_KEYS: readonly string[] = ['name', ...CONDITIONS.map((c) => c.name)];
export const RESPONSE_KEYS: readonly string[] = ['match', 'exclude', 'actions'];
export const SECTION_KEYS: readonly string[] = ['selectors', 'responses'];

export function maxBytesOf(c: ConditionSpec): number {
  return c.maxBytes ?? MAX_VALUE_BYTES;
}

const DNS_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** Why a `dnsQuestionName` value is not a name or `*.name`; undefined when it is. */
export function dnsNameReason(v: string): string | undefined {
  const name = v.startsWith('*.') ? v.slice(2) : v;
  if (name.includes('*')) return 'a wildcard may only be a leading "*." (every name below the rest)';
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n.length === 0) return 'empty name';
  if (n.length > 253) return 'longer than 253 characters';
  for (const l of n.split('.')) {
    if (l === '') return 'empty label';
    if (!DNS_LABEL.test(l)) return `bad label ${JSON.stringify(l)} (letters, digits, "-", "_", at most 63)`;
  }
  return undefined;
}

/** A `dnsQuestionName` value matches a question name (both case-insensitive, trailing dot ignored). */
export function dnsNameMatches(pattern: string, name: string): boolean {
  const n = (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
  const p0 = pattern.endsWith('.') ? pattern.slice(0, -1) : pattern;
  const p = p0.toLowerCase();
  if (p.startsWith('*.')) return n.length > p.length - 1 && n.endsWith(p.slice(1));
  return n === p;
}
