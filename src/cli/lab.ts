// `d4c lab up|down|run|exec|rm`: see docs/containers.md. Errors from the lab are one sentence, exit 1.
import {
  execInPod,
  LAB_UP_STEPS,
  LabError,
  labDown,
  labPaths,
  labUp,
  listPods,
  parseVolume,
  removePod,
  runPod,
  waitExit,
} from '../lab/index.js';
import { parse, UsageError } from './args.js';
import { progress } from './progress.js';

const say = (s: string) => process.stderr.write(`${s}\n`);

async function guarded(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof LabError) {
      say(`d4c lab: ${e.message}`);
      return 1;
    }
    const grpc = e as { code?: number; details?: string };
    if (typeof grpc.code === 'number' && grpc.details) {
      say(`d4c lab: containerd: ${grpc.details}`);
      return 1;
    }
    throw e;
  }
}

export async function runUp(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { dir: { type: 'string' }, image: { type: 'string', multiple: true } },
    false,
  );
  const p = labPaths(values.dir);
  return guarded(async () => {
    // On a terminal, a spinner with the step (building images can take a minute the first time).
    const spin = progress('lab up', { total: LAB_UP_STEPS });
    try {
      await labUp(p, values.image ?? [], spin.log, spin.step);
    } finally {
      spin.done();
    }
    process.stdout.write(`${p.socket}\n`);
    return 0;
  });
}

export async function runDown(argv: string[]): Promise<number> {
  const { values } = parse(argv, { dir: { type: 'string' } }, false);
  return guarded(async () => {
    await labDown(labPaths(values.dir), say);
    return 0;
  });
}

function labels(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--label wants key=value, got ${JSON.stringify(kv)}`);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

export async function runRun(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    dir: { type: 'string' },
    namespace: { type: 'string', default: 'default' },
    pod: { type: 'string' },
    container: { type: 'string' },
    label: { type: 'string', multiple: true },
    image: { type: 'string' },
    privileged: { type: 'boolean' },
    'cap-add': { type: 'string', multiple: true },
    'no-service-account': { type: 'boolean' },
    volume: { type: 'string', multiple: true },
    wait: { type: 'boolean' },
  });
  if (!values.pod) throw new UsageError('--pod NAME is required');
  if (positionals.length === 0) throw new UsageError('give the command after --');
  const p = labPaths(values.dir);
  return guarded(async () => {
    const r = await runPod(p, {
      namespace: values.namespace ?? 'default',
      pod: values.pod!,
      container: values.container,
      labels: labels(values.label),
      image: values.image,
      privileged: values.privileged,
      capAdd: values['cap-add'],
      serviceAccount: values['no-service-account'] !== true,
      volumes: (values.volume ?? []).map(parseVolume),
      command: positionals,
    });
    process.stdout.write(`${r.containerId}\n`);
    return values.wait ? waitExit(p, r.containerId) : 0;
  });
}

export async function runExec(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    dir: { type: 'string' },
    namespace: { type: 'string' },
    interactive: { type: 'boolean', short: 'i' },
    tty: { type: 'boolean', short: 't' },
    as: { type: 'string' },
  });
  if (values.as === '') throw new UsageError('--as takes a user name');
  const [pod, ...command] = positionals;
  if (!pod || command.length === 0)
    throw new UsageError(
      pod ? 'give the command after --: POD -- CMD...' : 'give the pod and the command: POD -- CMD...',
    );
  return guarded(() =>
    execInPod(labPaths(values.dir), {
      pod,
      namespace: values.namespace,
      command,
      tty: values.tty,
      stdin: values.interactive,
      ...(values.as !== undefined ? { as: values.as } : {}),
    }),
  );
}

export async function runRm(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { dir: { type: 'string' }, namespace: { type: 'string' } });
  const [pod] = positionals;
  if (!pod) throw new UsageError('give the pod to remove');
  return guarded(async () => ((await removePod(labPaths(values.dir), pod, values.namespace)) ? 0 : 1));
}

export async function runPs(argv: string[]): Promise<number> {
  const { values } = parse(argv, { dir: { type: 'string' } }, false);
  return guarded(async () => {
    const rows = await listPods(labPaths(values.dir));
    const table = [['NAMESPACE', 'POD', 'CONTAINER', 'ID', 'STATE', 'IMAGE']];
    for (const r of rows)
      table.push([r.namespace, r.pod, r.container, r.containerId.slice(0, 12), r.state, r.image]);
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table)
      process.stdout.write(
        `${row
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
      );
    return 0;
  });
}
