// The agent's output settings: defaults, then the configuration file, then environment variables
// (secrets), then flags — flags win. parseAgentOutputFlags takes node:util parseArgs values for
// AGENT_OUTPUT_OPTIONS (the agent merges these option descriptors into its own).

import { D4cError } from '../util/index.js';
import { CONFIG_CODES } from './codes.js';
import { type ConfigFile, loadConfig } from './load.js';
import { type HostPort, parseDuration, parseHostPort, parseSize } from './units.js';

export type FullPolicy = 'drop_oldest' | 'drop_newest';

export interface EsSettings {
  hosts: string[];
  apiKey?: string;
  username?: string;
  password?: string;
  caFile?: string;
  verifyTls: boolean;
  skipTemplates: boolean;
  requestTimeoutMs: number;
  batchMaxDocs: number;
  batchMaxBytes: number;
  backoffMaxMs: number;
  compression: boolean;
}

export interface AgentOutputSettings {
  /** Data stream namespace of every document (`logs-cloud_defend.process-<namespace>`). */
  namespace: string;
  store: { enabled: boolean; dir: string; maxAgeMs?: number; maxBytes?: number };
  /** Absent when no Elasticsearch URL is configured. */
  elasticsearch?: EsSettings;
  spool: { dir: string; maxBytes: number; fullPolicy: FullPolicy; fsync: boolean; deadLetterFile?: string };
  metrics: { addr?: HostPort; heartbeatPeriodMs: number; metricsPeriodMs: number };
  /** Cluster identity (src/k8s): flags/keys win over the Kubernetes API; `api: false` never asks it. */
  kubernetes: KubernetesSettings;
  /** The configuration file read, if any. */
  configFile?: string;
}

export interface KubernetesSettings {
  clusterName?: string;
  clusterId?: string;
  kubeconfig?: string;
  nodeName?: string;
  api: boolean;
  timeoutMs: number;
}

export const DEFAULTS = {
  namespace: 'default',
  storeDir: '/var/lib/d4c/store',
  spoolDir: '/var/lib/d4c/spool',
  spoolMaxBytes: 2 ** 30,
  metricsAddr: '127.0.0.1:9464',
  heartbeatPeriodMs: 30 * 60_000,
  metricsPeriodMs: 60_000,
  requestTimeoutMs: 30_000,
  batchMaxDocs: 1000,
  batchMaxBytes: 5 * 2 ** 20,
  backoffMaxMs: 30_000,
  kubernetesTimeoutMs: 5000,
} as const;

/** Environment variables read for secrets (and the URL list), below flags, above the file. */
export const ENV = {
  url: 'D4C_ES_URL',
  apiKey: 'D4C_ES_API_KEY',
  username: 'D4C_ES_USERNAME',
  password: 'D4C_ES_PASSWORD',
} as const;

/** node:util parseArgs descriptors of the output flags (exact names from the CLI contract). */
export const AGENT_OUTPUT_OPTIONS = {
  config: { type: 'string' },
  store: { type: 'string' },
  'no-store': { type: 'boolean' },
  'es-url': { type: 'string', multiple: true },
  'es-api-key': { type: 'string' },
  'es-username': { type: 'string' },
  'es-password': { type: 'string' },
  'es-ca': { type: 'string' },
  'es-insecure': { type: 'boolean' },
  'allow-insecure': { type: 'boolean' },
  'es-namespace': { type: 'string' },
  'es-skip-templates': { type: 'boolean' },
  'es-timeout': { type: 'string' },
  'spool-dir': { type: 'string' },
  'spool-max-size': { type: 'string' },
  'spool-full-policy': { type: 'string' },
  'spool-fsync': { type: 'boolean' },
  'dead-letter': { type: 'string' },
  'metrics-addr': { type: 'string' },
  'heartbeat-period': { type: 'string' },
  'metrics-period': { type: 'string' },
  'cluster-name': { type: 'string' },
  'cluster-id': { type: 'string' },
  kubeconfig: { type: 'string' },
  'node-name': { type: 'string' },
  'no-kubernetes-api': { type: 'boolean' },
} as const;

export type AgentOutputFlagValues = Partial<{
  [K in keyof typeof AGENT_OUTPUT_OPTIONS]: (typeof AGENT_OUTPUT_OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof AGENT_OUTPUT_OPTIONS)[K] extends { type: 'boolean' }
      ? boolean
      : string;
}>;

function flagError(flag: string, msg: string): D4cError {
  return new D4cError(CONFIG_CODES.flag.code, `--${flag}: ${msg}`);
}

function fileError(file: string | undefined, msg: string): D4cError {
  return new D4cError(CONFIG_CODES.invalid.code, msg, file);
}

/** Resolves settings from a loaded file (optional), flag values and the environment. */
export function resolveAgentOutputSettings(
  file: ConfigFile | undefined,
  flags: AgentOutputFlagValues,
  env: NodeJS.ProcessEnv = process.env,
  configPath?: string,
): AgentOutputSettings {
  const f = file ?? {};
  const size = (
    flag: keyof AgentOutputFlagValues | undefined,
    fromFile: unknown,
    dflt: number,
    where: string,
  ): number => {
    const fv = flag ? flags[flag] : undefined;
    if (typeof fv === 'string') {
      const n = parseSize(fv);
      if (n === undefined)
        throw flagError(flag as string, `"${fv}" is not a size (e.g. 512MiB, 1GB, 1048576)`);
      return n;
    }
    if (fromFile === undefined) return dflt;
    const n = parseSize(fromFile);
    if (n === undefined) throw fileError(configPath, `${where}: "${fromFile}" is not a size`);
    return n;
  };
  const duration = (
    flag: keyof AgentOutputFlagValues | undefined,
    fromFile: unknown,
    dflt: number,
    where: string,
  ): number => {
    const fv = flag ? flags[flag] : undefined;
    if (typeof fv === 'string') {
      const n = parseDuration(fv);
      if (n === undefined) throw flagError(flag as string, `"${fv}" is not a duration (e.g. 30s, 5m, 1h)`);
      return n;
    }
    if (fromFile === undefined) return dflt;
    const n = parseDuration(fromFile);
    if (n === undefined) throw fileError(configPath, `${where}: "${fromFile}" is not a duration`);
    return n;
  };

  const namespace = flags['es-namespace'] ?? f.namespace ?? DEFAULTS.namespace;
  if (!/^[a-z0-9_][a-z0-9_.]{0,99}$/.test(namespace))
    throw flagError(
      'es-namespace',
      `"${namespace}" is not a data stream namespace (lowercase letters, digits, _ and .)`,
    );

  const storeEnabled = flags['no-store'] ? false : (f.store?.enabled ?? true);
  if (flags['no-store'] && flags.store !== undefined)
    throw flagError('no-store', 'cannot be combined with --store');
  const store: AgentOutputSettings['store'] = {
    enabled: storeEnabled,
    dir: flags.store ?? f.store?.dir ?? DEFAULTS.storeDir,
  };
  if (f.store?.max_age !== undefined)
    store.maxAgeMs = duration(undefined, f.store.max_age, 0, 'store.max_age');
  if (f.store?.max_size !== undefined)
    store.maxBytes = size(undefined, f.store.max_size, 0, 'store.max_size');

  const fe = f.elasticsearch ?? {};
  const envUrls = env[ENV.url]
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const fileHosts = typeof fe.hosts === 'string' ? [fe.hosts] : fe.hosts;
  const hosts =
    flags['es-url'] && flags['es-url'].length > 0 ? flags['es-url'] : (envUrls ?? fileHosts ?? []);
  for (const h of hosts) {
    let ok = false;
    try {
      const u = new URL(h);
      ok = u.protocol === 'http:' || u.protocol === 'https:';
    } catch {}
    if (!ok)
      throw flagError('es-url', `"${h.replace(/\/\/[^@/]*@/, '//<redacted>@')}" is not an http(s) URL`);
  }
  let elasticsearch: EsSettings | undefined;
  if (hosts.length > 0) {
    // Auth comes from one level only, the highest that names a method: flags, then the
    // environment, then the file (a password may come from the environment with a flag username).
    const envPw = env[ENV.password];
    const level =
      flags['es-api-key'] !== undefined || flags['es-username'] !== undefined
        ? { key: flags['es-api-key'], user: flags['es-username'], pass: flags['es-password'] ?? envPw }
        : env[ENV.apiKey] !== undefined || env[ENV.username] !== undefined
          ? { key: env[ENV.apiKey], user: env[ENV.username], pass: flags['es-password'] ?? envPw }
          : { key: fe.api_key, user: fe.username, pass: flags['es-password'] ?? envPw ?? fe.password };
    elasticsearch = {
      hosts,
      verifyTls: flags['es-insecure'] ? false : (fe.verify_tls ?? true),
      skipTemplates: flags['es-skip-templates'] ?? fe.skip_templates ?? false,
      requestTimeoutMs: duration(
        'es-timeout',
        fe.timeout,
        DEFAULTS.requestTimeoutMs,
        'elasticsearch.timeout',
      ),
      batchMaxDocs: fe.batch_docs ?? DEFAULTS.batchMaxDocs,
      batchMaxBytes: size(undefined, fe.batch_size, DEFAULTS.batchMaxBytes, 'elasticsearch.batch_size'),
      backoffMaxMs: duration(undefined, fe.backoff_max, DEFAULTS.backoffMaxMs, 'elasticsearch.backoff_max'),
      compression: fe.compression ?? false,
    };
    const { key, user, pass } = level;
    if (key !== undefined) elasticsearch.apiKey = key;
    else if (user !== undefined) {
      elasticsearch.username = user;
      elasticsearch.password = pass ?? '';
    } else if (pass !== undefined) throw flagError('es-password', 'given without --es-username');
    if (key !== undefined && user !== undefined)
      throw flagError('es-api-key', 'use either an API key or a username/password, not both');
    // Credentials over plain http are readable by anyone on the path (issue 22, finding 9).
    const creds = key !== undefined || user !== undefined;
    for (const h of hosts) {
      const u = new URL(h);
      if (
        u.protocol === 'http:' &&
        (creds || u.username !== '' || u.password !== '') &&
        !flags['allow-insecure']
      )
        throw new D4cError(
          CONFIG_CODES.insecure.code,
          `--es-url: "${h.replace(/\/\/[^@/]*@/, '//<redacted>@')}" would send credentials in clear text: use https://, or --allow-insecure`,
        );
    }
    const ca = flags['es-ca'] ?? fe.ca;
    if (ca !== undefined) elasticsearch.caFile = ca;
  } else {
    for (const k of [
      'es-api-key',
      'es-username',
      'es-password',
      'es-ca',
      'es-skip-templates',
      'es-insecure',
    ] as const)
      if (flags[k] !== undefined) throw flagError(k, 'needs --es-url');
  }

  const fs = f.spool ?? {};
  const policy = flags['spool-full-policy'] ?? fs.full_policy ?? 'drop_oldest';
  if (policy !== 'drop_oldest' && policy !== 'drop_newest')
    throw flagError('spool-full-policy', `"${policy}" must be drop_oldest or drop_newest`);
  const spool: AgentOutputSettings['spool'] = {
    dir: flags['spool-dir'] ?? fs.dir ?? DEFAULTS.spoolDir,
    maxBytes: size('spool-max-size', fs.max_size, DEFAULTS.spoolMaxBytes, 'spool.max_size'),
    fullPolicy: policy,
    fsync: flags['spool-fsync'] ?? fs.fsync ?? false,
  };
  if (spool.maxBytes < 1 << 20) throw flagError('spool-max-size', 'must be at least 1MiB');
  const dl = flags['dead-letter'] ?? fs.dead_letter;
  if (dl !== undefined) spool.deadLetterFile = dl;

  const fm = f.metrics ?? {};
  const addrText = flags['metrics-addr'] ?? fm.addr ?? DEFAULTS.metricsAddr;
  const metrics: AgentOutputSettings['metrics'] = {
    heartbeatPeriodMs: duration(
      'heartbeat-period',
      fm.heartbeat_period,
      DEFAULTS.heartbeatPeriodMs,
      'metrics.heartbeat_period',
    ),
    metricsPeriodMs: duration(
      'metrics-period',
      fm.metrics_period,
      DEFAULTS.metricsPeriodMs,
      'metrics.metrics_period',
    ),
  };
  if (addrText !== 'off') {
    const hp = parseHostPort(addrText);
    if (!hp) throw flagError('metrics-addr', `"${addrText}" must be HOST:PORT (e.g. 127.0.0.1:9464) or off`);
    metrics.addr = hp;
  }
  for (const [k, v] of [
    ['heartbeat-period', metrics.heartbeatPeriodMs],
    ['metrics-period', metrics.metricsPeriodMs],
  ] as const)
    if (v < 1000) throw flagError(k, 'must be at least 1s');

  const fk = f.kubernetes ?? {};
  const kubernetes: KubernetesSettings = {
    api: flags['no-kubernetes-api'] ? false : (fk.api ?? true),
    timeoutMs: duration(undefined, fk.timeout, DEFAULTS.kubernetesTimeoutMs, 'kubernetes.timeout'),
  };
  const kv = {
    clusterName: flags['cluster-name'] ?? fk.cluster_name,
    clusterId: flags['cluster-id'] ?? fk.cluster_id,
    kubeconfig: flags.kubeconfig ?? fk.kubeconfig,
    nodeName: flags['node-name'] ?? fk.node_name,
  };
  for (const [k, v] of Object.entries(kv)) if (v !== undefined) Object.assign(kubernetes, { [k]: v });
  if (kubernetes.timeoutMs < 100) throw fileError(configPath, 'kubernetes.timeout: must be at least 100ms');

  const out: AgentOutputSettings = { namespace, store, spool, metrics, kubernetes };
  if (elasticsearch) out.elasticsearch = elasticsearch;
  if (configPath) out.configFile = configPath;
  return out;
}

/** Settings from flag values (parseArgs `values` for AGENT_OUTPUT_OPTIONS), reading `--config FILE` if given. */
export function parseAgentOutputFlags(
  flags: AgentOutputFlagValues,
  env: NodeJS.ProcessEnv = process.env,
): AgentOutputSettings {
  const path = flags.config;
  const file = path !== undefined ? loadConfig(path) : undefined;
  return resolveAgentOutputSettings(file, flags, env, path);
}

/** Settings as text safe to print (secrets replaced). */
export function describeSettings(s: AgentOutputSettings): string {
  const es = s.elasticsearch
    ? {
        ...s.elasticsearch,
        hosts: s.elasticsearch.hosts.map((h) => h.replace(/\/\/[^@/]*@/, '//<redacted>@')),
        apiKey: s.elasticsearch.apiKey ? '<redacted>' : undefined,
        password: s.elasticsearch.password !== undefined ? '<redacted>' : undefined,
      }
    : undefined;
  return JSON.stringify({ ...s, elasticsearch: es });
}
