// `d4c agent`: the node agent. Runs until SIGINT/SIGTERM (or --duration), writing every emitted
// document as NDJSON and into the embedded store. See docs/agent.md.
import { closeSync, existsSync, writeSync } from 'node:fs';
import { Agent, type AgentStats, formatStats } from '../agent/index.js';
import {
  AGENT_OUTPUT_OPTIONS,
  type AgentOutputFlagValues,
  type AgentOutputSettings,
  DEFAULTS,
  parseAgentOutputFlags,
} from '../config/index.js';
import { isLoopback } from '../console/index.js';
import { DomainList } from '../dns/index.js';
import { K8sAudit } from '../k8s/index.js';
import { NdjsonSink, type OpenedOutputs, type Output, openOutputs } from '../output/index.js';
import {
  compilePolicy,
  DEFAULT_ENFORCEMENT_CAPS,
  DEFAULT_POLICY,
  DEFAULT_POLICY_NAME,
  LEARNING_POLICY,
  LEARNING_POLICY_NAME,
  parsePolicy,
  policyIdentity,
  withConnectBlock,
} from '../policy/index.js';
import { defaultRulePaths, type LoadedRule, loadRules, withDefaultExceptions } from '../rules/index.js';
import { SENSOR_CODES } from '../sensor/index.js';
import { makeStoreDir, storeDirWarning } from '../store/index.js';
import { D4cError, formatDiagnostic, openOutputFile } from '../util/index.js';
import { parse, UsageError } from './args.js';
import { parseListen } from './console.js';
import { K8S_AUDIT_OPTIONS, k8sAuditFromFlags, k8sAuditLine } from './k8s-audit.js';
import { readPolicyFile } from './policy.js';
import { readExceptions } from './rules.js';

export const DEFAULT_STORE_DIR: string = DEFAULTS.storeDir;

/** One sentence per cause the sensor reports (its D4cError codes), saying how to fix it. */
const SENSOR_HINTS: Record<string, string> = {
  [SENSOR_CODES.notRoot.code]: 'the agent must run as root (it loads eBPF programs): run it with sudo',
  [SENSOR_CODES.noBtf.code]:
    'this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): use a kernel built with CONFIG_DEBUG_INFO_BTF=y',
  [SENSOR_CODES.noTracefs.code]:
    'tracefs is not available: mount it with `mount -t tracefs nodev /sys/kernel/tracing`',
  [SENSOR_CODES.loadRefused.code]:
    'the kernel refused the eBPF programs: run `d4c sensor events` with --verbose loader output to see the verifier log',
  [SENSOR_CODES.attachFailed.code]:
    'attaching the tracepoints failed: check that tracefs is mounted and that no security module forbids perf events',
  [SENSOR_CODES.loaderMissing.code]:
    'the eBPF sensor is not built: run scripts/build-bpf.sh (or scripts/install.sh)',
};

function fail(message: string): number {
  process.stderr.write(`d4c agent: ${message}\n`);
  return 1;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      policy: { type: 'string' },
      learn: { type: 'boolean' },
      'policy-id': { type: 'string' },
      'policy-revision': { type: 'string' },
      ndjson: { type: 'string' },
      'include-host': { type: 'boolean' },
      stats: { type: 'boolean' },
      'stats-interval': { type: 'string' },
      ...AGENT_OUTPUT_OPTIONS,
      rules: { type: 'string', multiple: true },
      'no-default-rules': { type: 'boolean' },
      exceptions: { type: 'string', multiple: true },
      'no-default-exceptions': { type: 'boolean' },
      'cri-socket': { type: 'string', multiple: true },
      duration: { type: 'string' },
      'ready-file': { type: 'string' },
      'hold-ms': { type: 'string' },
      monitoring: { type: 'boolean' },
      'fail-mode': { type: 'string' },
      'enforce-deadline-ms': { type: 'string' },
      'unknown-metadata': { type: 'string' },
      'log-all-network': { type: 'boolean' },
      'no-network': { type: 'boolean' },
      'no-dns': { type: 'boolean' },
      'ioc-domains': { type: 'string' },
      console: { type: 'string' },
      'console-tls-cert': { type: 'string' },
      'console-tls-key': { type: 'string' },
      'no-tty-output': { type: 'boolean' },
      'tty-max-bytes-per-process': { type: 'string' },
      ...K8S_AUDIT_OPTIONS,
    },
    false,
  );
  // The console's address is checked before anything starts (a refused address is a usage error).
  const consoleAt = values.console === undefined ? undefined : parseListen(values.console);
  const consoleTls = {
    ...(values['console-tls-cert'] !== undefined ? { tlsCert: values['console-tls-cert'] } : {}),
    ...(values['console-tls-key'] !== undefined ? { tlsKey: values['console-tls-key'] } : {}),
  };
  if (consoleAt && !isLoopback(consoleAt.host) && !(consoleTls.tlsCert && consoleTls.tlsKey))
    throw new UsageError(
      `--console ${values.console}: an address other than loopback needs --console-tls-cert FILE and --console-tls-key FILE`,
    );
  if (!consoleAt && Object.keys(consoleTls).length)
    throw new UsageError('--console-tls-cert and --console-tls-key need --console');
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && !(duration > 0))
    throw new UsageError('--duration takes a number of seconds > 0');
  const statsEvery = values['stats-interval'] === undefined ? 10 : Number(values['stats-interval']);
  if (!(statsEvery > 0)) throw new UsageError('--stats-interval takes a number of seconds > 0');
  const holdMs = values['hold-ms'] === undefined ? undefined : Number(values['hold-ms']);
  if (holdMs !== undefined && !(holdMs >= 0)) throw new UsageError('--hold-ms takes a number >= 0');

  const ttyMax =
    values['tty-max-bytes-per-process'] === undefined
      ? undefined
      : Number(values['tty-max-bytes-per-process']);
  if (ttyMax !== undefined && !(Number.isInteger(ttyMax) && ttyMax >= 0))
    throw new UsageError('--tty-max-bytes-per-process takes a whole number of bytes >= 0');
  if (ttyMax !== undefined && values['no-tty-output'] === true)
    throw new UsageError('--tty-max-bytes-per-process and --no-tty-output exclude each other');

  const k8sAuditOpts = k8sAuditFromFlags(values);

  if (values['log-all-network'] === true && values['no-network'] === true)
    throw new UsageError('--log-all-network and --no-network exclude each other');
  if (values['no-dns'] === true && values['ioc-domains'] !== undefined)
    throw new UsageError('--ioc-domains and --no-dns exclude each other');

  const iocFile = values['ioc-domains'];
  let iocDomains: DomainList | undefined;
  if (iocFile !== undefined) {
    try {
      iocDomains = DomainList.load(iocFile);
    } catch (e) {
      if (e instanceof D4cError) return fail(`${e.format()} [${e.code}]`);
      throw e;
    }
  }

  const failMode = values['fail-mode'] ?? 'open';
  if (failMode !== 'open' && failMode !== 'closed') throw new UsageError('--fail-mode takes open or closed');
  const deadlineMs = values['enforce-deadline-ms'] === undefined ? 50 : Number(values['enforce-deadline-ms']);
  if (!Number.isInteger(deadlineMs) || deadlineMs < 1 || deadlineMs > 60_000)
    throw new UsageError('--enforce-deadline-ms takes a whole number of milliseconds from 1 to 60000');
  const unknownMetadata = values['unknown-metadata'] ?? 'allow';
  if (unknownMetadata !== 'allow' && unknownMetadata !== 'deny')
    throw new UsageError('--unknown-metadata takes allow or deny');

  // Cheap checks first, each one sentence with the fix.
  if (process.getuid?.() !== 0) return fail('must run as root (it loads eBPF programs): run it with sudo');
  // Everything the agent writes (store, WAL, spool, NDJSON, ready file) is root's alone.
  process.umask(0o077);
  if (!existsSync('/sys/kernel/btf/vmlinux')) return fail(SENSOR_HINTS[SENSOR_CODES.noBtf.code]!);

  // Policy: the validator's FILE:LINE:COL lines, exit 1.
  const policyFile = values.policy;
  // --learn: the learning policy, so `d4c baseline` has every exec, file change and connection.
  const learning = values.learn === true;
  if (learning && policyFile !== undefined)
    throw new UsageError('--learn runs the learning policy: not with --policy');
  let text = learning ? LEARNING_POLICY : DEFAULT_POLICY;
  let source = learning ? `LEARNING: ${LEARNING_POLICY_NAME}` : DEFAULT_POLICY_NAME;
  if (policyFile !== undefined) {
    const t = await readPolicyFile(policyFile);
    if (typeof t !== 'string') return fail(`${policyFile}: ${t.message}`);
    text = t;
    source = policyFile;
  }
  // The agent runs the cgroup connect filter: `block` on connect is enforceable (what it can express).
  const parsed = parsePolicy(text, source, { enforcementCaps: withConnectBlock(DEFAULT_ENFORCEMENT_CAPS) });
  for (const d of parsed.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (!parsed.policy) return 1;
  // --policy-id/--policy-revision win over the Elastic Agent input's (cloud_defend.package_policy_*).
  const ident = policyIdentity({ id: values['policy-id'], revision: values['policy-revision'] });
  if (ident.error) return fail(ident.error);
  if (ident.id !== undefined) parsed.policy.packagePolicyId = ident.id;
  if (ident.revision !== undefined) parsed.policy.packagePolicyRevision = ident.revision;
  const policy = compilePolicy(parsed.policy);

  // d4c's rule pack runs unless --no-default-rules; --rules adds to it.
  const packPaths = values['no-default-rules'] === true ? [] : defaultRulePaths();
  const rulePaths = [...packPaths, ...(values.rules ?? [])];
  let rules: LoadedRule[] = [];
  if (rulePaths.length > 0) {
    const loaded = loadRules(rulePaths);
    for (const d of loaded.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    if (loaded.diagnostics.some((d) => d.severity === 'error')) return 1;
    rules = loaded.rules;
  }
  // Exception lists: a bad item stops the agent (a rule silently firing on what was excepted,
  // or silent on what was not, is worse than not starting).
  const ex = readExceptions(values.exceptions ?? []);
  if (ex.failed) return 1;
  // d4c's tuning of Elastic's rules (exceptions/elastic-d4c.ndjson) unless --no-default-exceptions.
  const tuned = withDefaultExceptions(rules, ex.lists, values['no-default-exceptions'] === true);

  // Output settings: defaults < --config file < environment (secrets) < flags.
  let settings: AgentOutputSettings;
  try {
    settings = parseAgentOutputFlags(values as AgentOutputFlagValues);
  } catch (e) {
    if (e instanceof D4cError) {
      process.stderr.write(`${e.format()}\n`);
      return 1;
    }
    throw e;
  }

  const kube = settings.kubernetes;
  if (kube.kubeconfig !== undefined && !existsSync(kube.kubeconfig))
    return fail(`--kubeconfig ${kube.kubeconfig}: no such file`);

  const outputs: Record<string, Output> = {};
  let opened: OpenedOutputs | undefined;
  try {
    if (values.ndjson !== undefined) outputs.ndjson = new NdjsonSink(values.ndjson);
    if (settings.store.enabled) {
      const wide = storeDirWarning(settings.store.dir);
      if (wide) process.stderr.write(`d4c agent: warning: ${wide}\n`);
      makeStoreDir(settings.store.dir);
    }
    opened = await openOutputs(settings, { onError: rateLimited() });
    Object.assign(outputs, opened.outputs);
  } catch (e) {
    for (const o of Object.values(outputs)) await o.close().catch(() => {});
    if (e instanceof D4cError) return fail(e.format());
    return fail(`cannot open an output: ${e instanceof Error ? e.message : String(e)}`);
  }

  const ttyOutput =
    values['no-tty-output'] === true ? false : ttyMax === undefined ? {} : { maxBytesPerProcess: ttyMax };
  const store = opened?.store;
  const errText = (e: unknown) =>
    e instanceof D4cError ? e.format() : e instanceof Error ? e.message : String(e);
  const k8sAudit = k8sAuditOpts
    ? new K8sAudit({ ...k8sAuditOpts, namespace: settings.namespace })
    : undefined;
  let agent: Agent;
  try {
    // The outputs are the agent's from here: it closes them (also when it cannot start).
    agent = await Agent.start({
      policy,
      outputs,
      rules: tuned.rules,
      ...(tuned.lists ? { exceptions: tuned.lists } : {}),
      includeHost: values['include-host'] === true,
      logAllNetwork: values['log-all-network'] === true,
      network: values['no-network'] !== true,
      dns: values['no-dns'] !== true,
      ...(iocDomains !== undefined ? { iocDomains } : {}),
      ttyOutput,
      cluster: { id: kube.clusterId, name: kube.clusterName },
      kubernetes: kube.api
        ? {
            timeoutMs: kube.timeoutMs,
            ...(kube.kubeconfig !== undefined ? { kubeconfig: kube.kubeconfig } : {}),
            ...(kube.nodeName !== undefined ? { nodeName: kube.nodeName } : {}),
          }
        : false,
      criSockets: values['cri-socket'],
      ...(k8sAudit ? { k8sAudit } : {}),
      holdMs,
      namespace: settings.namespace,
      enforce: {
        monitoring: values.monitoring === true,
        failMode: failMode === 'closed' ? 'fail-closed' : 'fail-open',
        deadlineMs,
        unknownMetadata,
      },
      // Before the services start (their failures are told after it).
      onCoreReady: (a) => {
        const enf = a.enforcement;
        if (enf) {
          process.stderr.write(
            `d4c agent: enforcing block (${enf.backends.join(' + ')}${enf.monitoring ? ', MONITORING: nothing is blocked, would-be blocks are alerts' : ''}, fail-mode ${failMode}, deadline ${deadlineMs} ms): ` +
              `prevented: ${enf.enforced.join(', ') || 'nothing'}; alert only on this kernel: ${enf.alertOnly.join(', ')}` +
              `${enf.connectCgroups ? `; connect filter on ${enf.connectCgroups.join(', ') || 'no cgroup yet'} (containers only)` : ''} (${enf.note})\n`,
          );
        }
        if (consoleAt && !store)
          process.stderr.write(
            'd4c agent: --console not started: it serves the store, and it is off (--no-store)\n',
          );
      },
      services: {
        ...(learning ? { learning } : {}),
        heartbeatPeriodMs: settings.metrics.heartbeatPeriodMs,
        metricsPeriodMs: settings.metrics.metricsPeriodMs,
        onHeartbeatError: (e) =>
          process.stderr.write(`d4c agent: heartbeat: ${e instanceof Error ? e.message : String(e)}\n`),
        ...(settings.metrics.addr ? { metricsAddr: settings.metrics.addr } : {}),
        ...(opened ? { outputsHealth: () => opened.health() } : {}),
        ...(store ? { store, storeDir: settings.store.dir } : {}),
        ...(consoleAt ? { console: { ...consoleAt, ...consoleTls, policy: { name: source, text } } } : {}),
        rules: tuned.rules,
        onFailed: (what, e) => {
          const addr = settings.metrics.addr;
          const msg =
            what === 'metrics'
              ? `metrics endpoint ${addr?.host}:${addr?.port} not started: ${e instanceof Error ? e.message : String(e)} (use --metrics-addr HOST:PORT or off)`
              : what === 'query'
                ? `query socket not started (d4c query will not work while the agent runs): ${errText(e)}`
                : `console not started: ${e instanceof D4cError ? e.message : e instanceof Error ? e.message : String(e)}`;
          process.stderr.write(`d4c agent: ${msg}\n`);
        },
      },
    });
  } catch (e) {
    if (e instanceof D4cError) {
      const hint = SENSOR_HINTS[e.code];
      return fail(hint ? `${hint} (${e.message})` : e.message);
    }
    return fail(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
  }

  const svc = agent.services;
  const queryServer = svc?.query;
  const metricsServer = svc?.metrics;
  const consoleServer = svc?.console;
  const scheduled = svc?.scheduled?.size ?? 0;
  const esqlRules = rules.filter((r) => r.status === 'ok' && r.parsed?.language === 'esql' && r.meta.enabled);
  if (!store && esqlRules.length > 0)
    process.stderr.write(
      `d4c agent: warning: ${esqlRules.length} ES|QL rule(s) not run: they run over the store, and it is off (--no-store)\n`,
    );
  const dests = [
    values.ndjson ? `ndjson ${values.ndjson}` : '',
    settings.store.enabled
      ? `store ${settings.store.dir}${queryServer ? ` (queries on ${queryServer.path})` : ''}`
      : '',
    settings.elasticsearch
      ? `elasticsearch ${settings.elasticsearch.hosts.length} host(s), spool ${settings.spool.dir}`
      : '',
    metricsServer ? `metrics ${metricsServer.url}` : '',
    consoleServer ? `console on port ${consoleServer.port}` : '',
    k8sAudit ? k8sAuditLine(k8sAudit) : '',
    kubeLine(agent.stats().kubernetes),
    // What is not captured, said where it is read first (issue 18: no silent blind spot).
    values['no-dns'] === true ? 'dns off (--no-dns)' : '',
    values['no-tty-output'] === true ? 'terminal output off (--no-tty-output)' : '',
  ].filter((x) => x !== '');
  // Caught before `ready` is printed: whoever reads it may stop the agent at once (a signal
  // arriving between the two would kill it without draining or its final stats).
  const stopped = agent.untilSignalled({
    ...(duration !== undefined ? { durationMs: duration * 1000 } : {}),
    ...(iocFile !== undefined ? { onHangup: () => reloadIoc(agent, iocFile) } : {}),
  });
  // The address with its token: on its own line, as `d4c console` prints it (never in `ready`), before
  // `ready`: whoever waits for `ready` has it.
  if (consoleServer) process.stderr.write(`d4c console: ${consoleServer.url}\n`);
  process.stderr.write(
    `d4c agent: ready (policy ${source}, ${rulesLine(rules, packPaths, scheduled)}${
      dests.length ? `, ${dests.join(', ')}` : ''
    })\n`,
  );
  // Like --ndjson: never through a symlink planted in a shared directory (src/util/safe-open.ts).
  const readyError = values['ready-file'] ? writeReadyFile(values['ready-file']) : undefined;

  const printStats = (s: AgentStats) => process.stderr.write(`${formatStats(s)}\n`);
  let statsTimer: NodeJS.Timeout | undefined;
  if (values.stats) statsTimer = setInterval(() => printStats(agent.stats()), statsEvery * 1000);

  if (readyError === undefined) await stopped;
  if (statsTimer) clearInterval(statsTimer);
  await agent.stop();
  if (values.stats) {
    printStats(agent.stats());
    process.stderr.write(`${JSON.stringify(agent.stats())}\n`);
  }
  return readyError === undefined ? 0 : fail(readyError);
}

/** Writes the pid to the ready file; the error's text when it cannot (the agent then stops). */
function writeReadyFile(path: string): string | undefined {
  try {
    const fd = openOutputFile(path, 'truncate');
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return undefined;
  } catch (e) {
    return e instanceof D4cError ? e.format() : `--ready-file ${path}: ${(e as Error).message}`;
  }
}

/** SIGHUP: the IoC list read again; a list that does not load leaves the old one in force. */
function reloadIoc(agent: Agent, file: string): void {
  try {
    const list = DomainList.load(file);
    agent.dns.setIoc(list);
    process.stderr.write(`d4c agent: ioc domains reloaded (${list.size} domains)\n`);
  } catch (e) {
    process.stderr.write(
      `d4c agent: ioc domains not reloaded: ${e instanceof D4cError ? `${e.format()} [${e.code}]` : String(e)}\n`,
    );
  }
}

/**
 * `N rules (P from d4c's pack, M from --rules, S ES|QL on a schedule over the store)`: the rules
 * that run (loaded, supported, enabled), where they come from, and those loaded but not run.
 */
export function rulesLine(rules: readonly LoadedRule[], packPaths: readonly string[], scheduled = 0): string {
  const running = rules.filter((r) => r.status === 'ok' && r.meta.enabled);
  if (running.length === 0) return packPaths.length ? '0 rules' : '0 rules (--no-default-rules)';
  const fromPack = running.filter((r) => packPaths.some((p) => r.meta.file.startsWith(p))).length;
  const parts = [];
  if (packPaths.length) parts.push(`${fromPack} from d4c's pack`);
  if (running.length > fromPack) parts.push(`${running.length - fromPack} from --rules`);
  const idle = rules.length - running.length;
  if (scheduled) parts.push(`${scheduled} ES|QL on a schedule over the store`);
  if (idle) parts.push(`${idle} loaded but not run`);
  return `${running.length} rules (${parts.join(', ')})`;
}

function kubeLine(k: AgentStats['kubernetes']): string {
  if (k.source === 'none')
    return k.clusterId || k.clusterName ? `cluster ${k.clusterName ?? k.clusterId}` : '';
  return `kubernetes API ${k.source}: cluster ${k.clusterName ?? '?'} ${k.clusterId ?? '(id not known yet)'}`;
}

/** Remote output errors, at most one line per 10 s (an outage must not flood the log). */
function rateLimited(): (output: string, message: string) => void {
  let last = 0;
  let suppressed = 0;
  return (output, message) => {
    const now = Date.now();
    if (now - last < 10_000) {
      suppressed++;
      return;
    }
    last = now;
    const more = suppressed ? ` (${suppressed} more since the last message)` : '';
    suppressed = 0;
    process.stderr.write(`d4c agent: ${output}: ${message}${more}\n`);
  };
}
