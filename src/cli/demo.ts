// `d4c demo`: the whole experience on one machine without a cluster. Starts the lab node
// (containerd + CRI, pods made the way a kubelet makes them), the agent with the default
// policy, the embedded store and d4c's rule pack, then pods in two namespaces that do ordinary
// and suspicious things (an interactive exec under a real terminal, drift, writes under /etc).
// Prints every document as one readable line (or NDJSON with --json), then removes its pods,
// stops the lab it started (unless --keep) and prints the alerts it raised (rule or policy
// selector, pod, count), the counters and where the events are.

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Agent, formatStats } from '../agent/index.js';
import { CONSOLE_CODES, startConsole } from '../console/index.js';
import { AlertSummary, formatDocLine } from '../demo/index.js';
import { serializeDoc } from '../ecs/index.js';
import {
  execInPod,
  LabError,
  type LabPaths,
  labDown,
  labPaths,
  labRunning,
  labUp,
  type RunPodOptions,
  removePod,
  runPod,
} from '../lab/index.js';
import type { EcsDoc, Output, OutputStats } from '../output/index.js';
import { compilePolicy, DEFAULT_POLICY, DEFAULT_POLICY_NAME, parsePolicy } from '../policy/index.js';
import { defaultRulePaths, loadRules } from '../rules/index.js';
import { EventStore, makeStoreDir } from '../store/index.js';
import { D4cError, formatDiagnostic, pidAlive } from '../util/index.js';
import { DEFAULT_STORE_DIR } from './agent.js';
import { parse, UsageError } from './args.js';
import { untilSignal } from './console.js';
import { type Progress, progress, stdoutIsPipe } from './progress.js';

const BIN = resolve(import.meta.dirname, '../../bin/d4c.js');

/** The pid of the demo that started the lab (`LAB/demo-owner`), if one did. */
function demoOwner(p: LabPaths): number | undefined {
  try {
    const n = Number(readFileSync(join(p.dir, 'demo-owner'), 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Marks the lab as this demo's (or, with --keep, as nobody's: the user keeps it). */
function markOwner(p: LabPaths, pid: number | undefined): void {
  const f = join(p.dir, 'demo-owner');
  if (pid === undefined) rmSync(f, { force: true });
  else writeFileSync(f, `${pid}\n`);
}

const PODS: RunPodOptions[] = [
  {
    namespace: 'shop',
    pod: 'web',
    image: 'docker.io/library/nginx:1.27',
    labels: { app: 'web', 'pod-template-hash': '7d9f' },
    // Ordinary: an entrypoint script reading its configuration (raises nothing).
    command: ['sh', '-c', 'sleep 2; ls /etc > /dev/null; cat /etc/hostname > /dev/null; sleep 3600'],
  },
  {
    namespace: 'billing',
    pod: 'worker',
    labels: { app: 'worker' },
    // Container drift: a new executable written to /tmp and run (the policy's executableChanges
    // alert, the pack's temporary-directory and drift rules).
    command: ['sh', '-c', 'sleep 3; cp /bin/busybox /tmp/miner; /tmp/miner true; sleep 3600'],
  },
];

/**
 * Then, from outside, what an intruder does: [namespace, pod, tty, command]. Each raises at least
 * one alert with the default policy and rules (the e2e test checks which).
 */
const EXECS: [string, string, boolean, string[]][] = [
  // An interactive shell in a container (kubectl exec -it).
  ['shop', 'web', true, ['sh', '-c', 'id; cat /etc/passwd > /dev/null']],
  // The pod's service-account token read by a shell utility.
  ['shop', 'web', false, ['sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token > /dev/null']],
  // /etc/hosts tampered with and made executable.
  ['shop', 'web', false, ['sh', '-c', 'echo "10.0.0.9 mirror" >> /etc/hosts; chmod +x /etc/hosts']],
  // Persistence through cron.
  ['billing', 'worker', false, ['sh', '-c', 'echo "* * * * * root /tmp/miner" > /etc/crontab']],
  // A base64-decoded payload piped to a shell.
  ['billing', 'worker', false, ['sh', '-c', 'echo aWQgPiAvZGV2L251bGwK | base64 -d | sh']],
];

/** One readable line (or one NDJSON line) per document on stdout. */
class ConsoleOutput implements Output {
  private n = 0;
  readonly alerts = new AlertSummary();
  constructor(
    private readonly json: boolean,
    private readonly spin: Progress,
  ) {}
  write(doc: EcsDoc): void {
    this.n++;
    this.alerts.add(doc);
    const line = `${this.json ? serializeDoc(doc) : formatDocLine(doc)}\n`;
    this.spin.interrupt(() => process.stdout.write(line));
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  stats(): OutputStats {
    return { docsWritten: this.n, docsDropped: {}, queueDepth: 0 };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      json: { type: 'boolean' },
      keep: { type: 'boolean' },
      seconds: { type: 'string' },
      store: { type: 'string' },
      'no-store': { type: 'boolean' },
      'no-console': { type: 'boolean' },
    },
    false,
  );
  const seconds = values.seconds === undefined ? 20 : Number(values.seconds);
  if (!(seconds > 0)) throw new UsageError('--seconds takes a number of seconds > 0');
  // As the agent: which one was meant is not ours to guess.
  if (values['no-store'] && values.store !== undefined)
    throw new UsageError('--no-store cannot be combined with --store');
  // On a terminal, a spinner says which stage the demo is in (the lab's start can take a minute
  // the first time); not when stdout is a pipe to a reader on the same terminal.
  const spin = progress('demo', { enabled: !stdoutIsPipe() });
  try {
    return await demo(values, seconds, spin);
  } finally {
    spin.done();
  }
}

async function demo(
  values: { json?: boolean; keep?: boolean; store?: string; 'no-store'?: boolean; 'no-console'?: boolean },
  seconds: number,
  spin: Progress,
): Promise<number> {
  const log = (s: string) => spin.log(`d4c demo: ${s}`);
  if (process.getuid?.() !== 0) {
    log('must run as root (eBPF and containerd): run it with sudo');
    return 1;
  }
  const p = labPaths();
  const wasUp = await labRunning(p);
  // A demo stops the lab it started. One that was killed (-9) could not: the next demo finds
  // its mark with a dead pid and takes the lab over, so it is stopped at the end this time.
  let ours = !wasUp;
  const owner = demoOwner(p);
  if (wasUp && owner !== undefined && !pidAlive(owner)) {
    ours = true;
    log(`the lab was left running by a demo that did not finish (pid ${owner}); this one will stop it`);
  }
  if (!wasUp) log('starting the lab node (containerd + CRI)…');
  try {
    await labUp(
      p,
      [],
      () => {},
      (step) => spin.step(`lab: ${step}`),
    );
  } catch (e) {
    if (e instanceof LabError) {
      log(e.message);
      return 1;
    }
    throw e;
  }
  if (ours) markOwner(p, values.keep ? undefined : process.pid);
  for (const pod of PODS) await removePod(p, pod.pod, pod.namespace).catch(() => false);

  const policy = compilePolicy(parsePolicy(DEFAULT_POLICY, DEFAULT_POLICY_NAME).policy!);
  const loaded = loadRules(defaultRulePaths());
  for (const d of loaded.diagnostics) if (d.severity === 'error') log(formatDiagnostic(d));

  const consoleOut = new ConsoleOutput(values.json === true, spin);
  const outputs: Record<string, Output> = { console: consoleOut };
  const storeDir = values['no-store'] ? undefined : (values.store ?? DEFAULT_STORE_DIR);
  if (storeDir) {
    try {
      makeStoreDir(storeDir);
      outputs.store = await EventStore.open({ dir: storeDir });
    } catch (e) {
      log(
        `cannot open the store ${storeDir} (${e instanceof Error ? e.message : String(e)}); use --no-store`,
      );
      return 1;
    }
  }

  let agent: Agent;
  try {
    // The same runtime as `d4c agent`, without its services (no heartbeats, sockets, console).
    agent = await Agent.start({
      policy,
      outputs,
      rules: loaded.rules,
      criSockets: [p.socket],
      cluster: { name: 'd4c-lab' },
      // The lab is no cluster: a kubeconfig on this machine must not lend it another's identity.
      kubernetes: false,
    });
  } catch (e) {
    // The runtime closed the outputs (they are its own once it starts).
    if (e instanceof D4cError) log(e.message);
    else throw e;
    return 1;
  }
  // Ctrl-C or a TERM ends the run early, through the same clean-up (pods, the lab, the agent).
  // Caught before the line below is printed: whoever reads it may interrupt at once.
  let interrupted = false;
  let wake = () => {};
  const stop = () => {
    interrupted = true;
    wake();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  log(
    `agent attached (policy ${DEFAULT_POLICY_NAME}, ${loaded.rules.length} rules${storeDir ? `, store ${storeDir}` : ''}); ` +
      `pods ${PODS.map((x) => `${x.namespace}/${x.pod}`).join(', ')} for ${seconds} s`,
  );
  const t0 = Date.now();
  try {
    spin.step('starting pods');
    for (const pod of PODS) await runPod(p, pod);
    await sleep(4000);
    spin.step('staging intrusions');
    for (const [namespace, pod, tty, command] of EXECS) {
      log(`exec${tty ? ' -it' : ''} ${namespace}/${pod} -- ${command.join(' ')}`);
      if (tty) {
        // A real pseudo-terminal, as `kubectl exec -it` has: script(1) allocates it.
        const cmd = [
          BIN,
          'lab',
          'exec',
          '-it',
          '--dir',
          p.dir,
          '--namespace',
          namespace,
          pod,
          '--',
          ...command,
        ]
          .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
          .join(' ');
        spawnSync('script', ['-qc', `'${process.execPath}' ${cmd}`, '/dev/null'], { stdio: 'ignore' });
      } else {
        await execInPod(p, { pod, namespace, command }).catch((e) => log(String(e)));
      }
    }
    if (!interrupted) spin.step('watching');
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, Math.max(0, seconds * 1000 - (Date.now() - t0)));
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (interrupted) log('interrupted: cleaning up');
    spin.step('cleaning up');
    await agent.stop();
    for (const pod of PODS) await removePod(p, pod.pod, pod.namespace).catch(() => false);
    if (ours && !values.keep) await labDown(p);
  }
  log('alerts raised (count, pod, rule or policy selectors):');
  for (const line of consoleOut.alerts.format()) log(`  ${line}`);
  log(formatStats(agent.stats()));
  if (storeDir) {
    log(`events are in ${storeDir}: try`);
    log(
      `  d4c query --esql 'FROM logs-cloud_defend.* | STATS n = COUNT(*) BY orchestrator.namespace, event.action'`,
    );
    // On a terminal, the console over what was just recorded, until Ctrl-C; a pipe ends here.
    if (!interrupted && values['no-console'] !== true && process.stdout.isTTY === true) {
      spin.done();
      return serveDemoConsole(storeDir, log);
    }
  }
  return 0;
}

async function serveDemoConsole(dir: string, log: (s: string) => void): Promise<number> {
  const store = await EventStore.open({ dir, retentionIntervalMs: 0 });
  try {
    // The default port, or any free one when another console holds it.
    const server = await startConsole({ store }).catch((e: unknown) => {
      if (e instanceof D4cError && e.code === CONSOLE_CODES.cannotListen.code)
        return startConsole({ store, port: 0 });
      throw e;
    });
    process.stdout.write(`d4c console: ${server.url}\n`);
    log("the console shows the demo's pods, sessions and alerts: open the address above; Ctrl-C ends it");
    await untilSignal();
    await server.close();
  } finally {
    await store.close();
  }
  return 0;
}
