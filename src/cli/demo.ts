// `d4c demo`: a one-command tour on a fresh machine. Starts the lab node (containerd + CRI), the
// agent with the default policy, and two pods in two namespaces that do ordinary and suspicious
// things; prints every document as one readable line (or NDJSON with --json) and a summary, then
// removes the pods (and stops the lab it started unless --keep).
import { Agent, formatStats } from '../agent/index.js';
import { serializeDoc } from '../ecs/json.js';
import { labDown, labPaths, labRunning, labUp, type RunPodOptions, removePod, runPod } from '../lab/index.js';
import type { EcsDoc, Output, OutputStats } from '../output/index.js';
import { compilePolicy } from '../policy/compile.js';
import { DEFAULT_POLICY, parsePolicy } from '../policy/index.js';
import { D4cError } from '../util/diagnostics.js';
import { parse } from './args.js';

const PODS: RunPodOptions[] = [
  {
    namespace: 'shop',
    pod: 'web',
    labels: { app: 'web', 'pod-template-hash': '7d9f' },
    command: ['sh', '-c', 'sleep 2; ls /etc > /dev/null; cat /etc/hostname > /dev/null; sleep 30'],
  },
  {
    namespace: 'billing',
    pod: 'worker',
    labels: { app: 'worker' },
    // Container drift: a new executable written and run (the default policy alerts on it).
    command: [
      'sh',
      '-c',
      'sleep 3; cp /bin/busybox /tmp/miner; /tmp/miner true; echo x > /etc/motd; sleep 30',
    ],
  },
];

/** One readable line per document. */
class ConsoleOutput implements Output {
  private n = 0;
  constructor(private readonly json: boolean) {}
  write(doc: EcsDoc): void {
    this.n++;
    if (this.json) {
      process.stdout.write(`${serializeDoc(doc)}\n`);
      return;
    }
    // biome-ignore lint/suspicious/noExplicitAny: reading the document's JSON shape
    const d = doc as any;
    const stream = String(d.data_stream?.dataset ?? '').replace('cloud_defend.', '');
    const where = d.orchestrator
      ? `${d.orchestrator.namespace}/${d.orchestrator.resource?.name}`
      : (d.container?.name ?? d.container?.id?.slice(0, 12) ?? 'host');
    const what = d.rule
      ? `RULE ${d.rule.name}`
      : d.file
        ? `${d.cloud_defend?.operation} ${d.file.path}`
        : `${(d.process?.args ?? []).join(' ')}`;
    const ts = String(d['@timestamp']).slice(11, 23);
    process.stdout.write(
      `${ts} ${stream.padEnd(7)} ${String(d.event?.action).padEnd(12)} ${String(where).padEnd(14)} ${what.slice(0, 100)}\n`,
    );
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  stats(): OutputStats {
    return { docsWritten: this.n, docsDropped: {}, queueDepth: 0 };
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { json: { type: 'boolean' }, keep: { type: 'boolean' }, seconds: { type: 'string' } },
    false,
  );
  const seconds = values.seconds === undefined ? 10 : Number(values.seconds);
  if (process.getuid?.() !== 0) {
    process.stderr.write('d4c demo: must run as root (eBPF and containerd): run it with sudo\n');
    return 1;
  }
  const p = labPaths();
  const wasUp = await labRunning(p);
  const log = (s: string) => process.stderr.write(`d4c demo: ${s}\n`);
  if (!wasUp) log('starting the lab node (containerd + CRI)…');
  await labUp(p, []);
  for (const pod of PODS) await removePod(p, pod.pod, pod.namespace).catch(() => false);
  const parsed = parsePolicy(DEFAULT_POLICY, '<default policy>');
  const policy = compilePolicy(parsed.policy!);
  let agent: Agent;
  try {
    agent = await Agent.start({
      policy,
      outputs: { console: new ConsoleOutput(values.json === true) },
      criSockets: [p.socket],
      cluster: { name: 'd4c-lab' },
    });
  } catch (e) {
    if (e instanceof D4cError) log(e.message);
    else throw e;
    return 1;
  }
  log(
    `agent attached (default policy); starting pods ${PODS.map((x) => `${x.namespace}/${x.pod}`).join(', ')} for ${seconds} s`,
  );
  try {
    for (const pod of PODS) await runPod(p, pod);
    await new Promise((r) => setTimeout(r, seconds * 1000));
  } finally {
    await agent.stop();
    for (const pod of PODS) await removePod(p, pod.pod, pod.namespace).catch(() => false);
    if (!wasUp && !values.keep) await labDown(p);
  }
  log(formatStats(agent.stats()));
  return 0;
}
