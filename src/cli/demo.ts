// `d4c demo`: the whole experience on one machine without a cluster. Starts the local lab
// (containerd's CRI, pods made the way a kubelet makes them), the agent with the default
// policy, the embedded store and the rule pack, then real pods doing ordinary and suspicious
// things, and prints every document the agent emits as one line. Runs until Ctrl-C
// (or --duration), then removes its pods and prints where the events are stored.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { formatDocLine } from '../demo/format.js';
import { execInPod, LabError, labPaths, labUp, removePod, runPod } from '../lab/index.js';
import { defaultRulePaths } from '../rules/pack.js';
import { parse, UsageError } from './args.js';

const BIN = resolve(import.meta.dirname, '../../bin/d4c.js');
const say = (s: string) => process.stderr.write(`d4c demo: ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PODS = [
  {
    namespace: 'shop',
    pod: 'web',
    image: 'docker.io/library/nginx:1.27',
    labels: { app: 'web', tier: 'frontend' },
    privileged: false,
  },
  {
    namespace: 'payments',
    pod: 'worker',
    image: 'docker.io/library/busybox:1.36',
    labels: { app: 'worker' },
    privileged: true,
  },
] as const;

/** What the pods do, in order: [namespace, pod, tty?, command]. */
const SCENARIO: [string, string, boolean, string[]][] = [
  ['shop', 'web', false, ['sh', '-c', 'id; hostname; ls /etc >/dev/null']],
  ['shop', 'web', false, ['sh', '-c', 'echo "10.0.0.9 mirror" >> /etc/hosts']],
  ['shop', 'web', false, ['sh', '-c', 'cp /bin/busybox /tmp/kit && chmod +x /tmp/kit && /tmp/kit uname -a']],
  ['shop', 'web', true, ['sh', '-c', 'whoami; cat /etc/passwd >/dev/null']],
  [
    'payments',
    'worker',
    false,
    ['sh', '-c', 'cat /proc/1/cgroup >/dev/null; cp /bin/busybox /usr/bin/helper'],
  ],
  [
    'payments',
    'worker',
    false,
    ['sh', '-c', 'echo "* * * * * root /tmp/x" > /etc/crontab; rm -f /root/.ash_history'],
  ],
];

export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      duration: { type: 'string' },
      store: { type: 'string' },
      'no-store': { type: 'boolean' },
      json: { type: 'boolean' },
      'lab-dir': { type: 'string' },
    },
    false,
  );
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && !(duration > 0))
    throw new UsageError('--duration takes a number of seconds > 0');
  if (process.getuid?.() !== 0) {
    say('needs root (the eBPF sensor and the lab run as root): run it with sudo');
    return 1;
  }

  const lab = labPaths(values['lab-dir']);
  say('starting the lab (containerd with its CRI plugin, local images)...');
  try {
    await labUp(
      lab,
      PODS.map((p) => p.image),
      (s) => say(s),
    );
  } catch (e) {
    if (e instanceof LabError) {
      say(e.message);
      return 1;
    }
    throw e;
  }

  const work = mkdtempSync(join(tmpdir(), 'd4c-demo-'));
  const ready = join(work, 'ready');
  const agentArgs = ['agent', '--ndjson', '/dev/stdout', '--cri-socket', lab.socket, '--ready-file', ready];
  for (const r of defaultRulePaths()) agentArgs.push('--rules', r);
  if (values['no-store']) agentArgs.push('--no-store');
  else if (values.store) agentArgs.push('--store', values.store);
  const agent: ChildProcess = spawn(process.execPath, [BIN, ...agentArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const counts = new Map<string, number>();
  const lines = createInterface({ input: agent.stdout! });
  lines.on('line', (line) => {
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      return;
    }
    const ds = String((doc as { data_stream?: { dataset?: string } }).data_stream?.dataset ?? 'other');
    counts.set(ds, (counts.get(ds) ?? 0) + 1);
    process.stdout.write(`${values.json ? line : formatDocLine(doc)}\n`);
  });
  const agentExit = new Promise<number>((res) => agent.once('exit', (code) => res(code ?? 1)));

  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  try {
    const t0 = Date.now();
    while (!existsSync(ready)) {
      if (agent.exitCode !== null) {
        say('the agent exited before it was ready (see above)');
        return 1;
      }
      if (Date.now() - t0 > 60_000) {
        say('the agent did not become ready within 60 s');
        return 1;
      }
      await sleep(100);
    }
    say('agent attached; starting pods');
    for (const p of PODS) {
      await removePod(lab, p.pod, p.namespace).catch(() => false);
      const r = await runPod(lab, {
        namespace: p.namespace,
        pod: p.pod,
        image: p.image,
        labels: { ...p.labels },
        privileged: p.privileged,
        command: ['sleep', '86400'],
      });
      say(
        `pod ${p.namespace}/${p.pod} (${p.image}${p.privileged ? ', privileged' : ''}): ${r.containerId.slice(0, 12)}`,
      );
    }
    for (const [namespace, pod, tty, command] of SCENARIO) {
      if (stopping) break;
      await sleep(700);
      say(`exec${tty ? ' -it' : ''} ${namespace}/${pod}: ${command.join(' ')}`);
      if (tty) {
        // A real pseudo-terminal, as `kubectl exec -it` gives: script(1) allocates it.
        const cmd = [
          BIN,
          'lab',
          'exec',
          '-it',
          '--dir',
          lab.dir,
          '--namespace',
          namespace,
          pod,
          '--',
          ...command,
        ]
          .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
          .join(' ');
        spawnSync('script', ['-qc', `${process.execPath} ${cmd}`, '/dev/null'], { stdio: 'ignore' });
      } else {
        await execInPod(lab, { pod, namespace, command }).catch((e) => say(String(e)));
      }
    }
    say(
      duration
        ? `scenario done; watching for ${duration} s`
        : 'scenario done; watching live (try `d4c lab exec -it --namespace shop web -- sh`), Ctrl-C to stop',
    );
    const until = duration ? t0 + duration * 1000 : Number.POSITIVE_INFINITY;
    while (!stopping && Date.now() < until && agent.exitCode === null) await sleep(200);
  } finally {
    if (agent.exitCode === null) agent.kill('SIGTERM');
    const code = await agentExit;
    for (const p of PODS) await removePod(lab, p.pod, p.namespace).catch(() => false);
    rmSync(work, { recursive: true, force: true });
    const summary = [...counts].map(([k, n]) => `${k}: ${n}`).join(', ') || 'no documents';
    say(`agent exited (${code}); ${summary}`);
    if (!values['no-store']) {
      say(
        'events are in the embedded store: try `d4c query --esql "FROM logs-cloud_defend.* | STATS c = COUNT(*) BY event.action"`',
      );
    }
    say('the lab is still up for you: `d4c lab ps`, `d4c lab down` to remove it');
  }
  return 0;
}
