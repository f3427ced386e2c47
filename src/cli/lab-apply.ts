// `d4c lab load IMAGE` and `d4c lab apply FILE`: the agent's image and DaemonSet pod on the lab
// node (docs/deploy.md). Kept apart from lab.ts; errors are one line `d4c lab: ...`, exit 1.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { CriClient } from '../container/index.js';
import {
  createContainer,
  definitionFile,
  LabError,
  labPaths,
  labRunning,
  parseManifests,
  preparePod,
  readStatus,
  removePodDir,
  startSupervisor,
} from '../lab/index.js';
import { parse, UsageError } from './args.js';

const pexec = promisify(execFile);
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

export async function runLoad(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { dir: { type: 'string' } });
  const [image] = positionals;
  if (!image || positionals.length > 1) throw new UsageError('give one image: IMAGE');
  const p = labPaths(values.dir);
  return guarded(async () => {
    if (!(await labRunning(p))) throw new LabError('the lab is not running: run `d4c lab up` first');
    const has = await pexec('podman', ['image', 'exists', image]).then(
      () => true,
      () => false,
    );
    if (!has) throw new LabError(`podman has no image ${image} (build it: scripts/build-image.sh)`);
    try {
      // The same bytes a registry pull would give containerd; the tag is replaced if it exists.
      await pexec(
        'bash',
        [
          '-o',
          'pipefail',
          '-c',
          'podman save -q --format docker-archive "$1" | ctr -a "$2" -n k8s.io images import -',
          '-',
          image,
          p.socket,
        ],
        { timeout: 300_000, maxBuffer: 16 << 20 },
      );
    } catch (e) {
      throw new LabError(`loading ${image}: ${(e as { stderr?: string }).stderr?.trim() || String(e)}`);
    }
    process.stdout.write(`${image}\n`);
    return 0;
  });
}

export async function runApply(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    dir: { type: 'string' },
    'no-wait': { type: 'boolean' },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError('give one manifest file: FILE');
  const p = labPaths(values.dir);
  return guarded(async () => {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      throw new LabError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const all = parseManifests(text, file);
    if (all.daemonSets.length === 0) throw new LabError(`${file}: no DaemonSet to run`);
    if (!(await labRunning(p))) throw new LabError('the lab is not running: run `d4c lab up` first');
    const c = new CriClient(p.socket, 60_000);
    try {
      for (const ds of all.daemonSets) {
        const image = ds.spec!.template.spec!.containers[0]!.image!;
        const st = await c.call<{ image?: unknown }>('ImageStatus', { image: { image } });
        if (!st.image) throw new LabError(`the lab has no image ${image}: run \`d4c lab load ${image}\``);
        const def = await preparePod(p, ds, all);
        let sandboxId: string | undefined;
        try {
          const sb = await c.call<{ podSandboxId: string }>('RunPodSandbox', {
            config: def.sandboxConfig,
            runtimeHandler: '',
          });
          sandboxId = sb.podSandboxId;
          const full = { ...def, sandboxId };
          writeFileSync(definitionFile(p, def.uid), JSON.stringify(full));
          const containerId = await createContainer(c, full, 0);
          startSupervisor(p, def.uid, containerId);
          say(`lab: pod ${def.namespace}/${def.pod} (container ${containerId.slice(0, 12)})`);
          process.stdout.write(`${def.namespace}/${def.pod}\n`);
        } catch (e) {
          if (sandboxId) {
            await c.call('StopPodSandbox', { podSandboxId: sandboxId }).catch(() => {});
            await c.call('RemovePodSandbox', { podSandboxId: sandboxId }).catch(() => {});
          }
          removePodDir(p, def.uid);
          throw e;
        }
        if (values['no-wait']) continue;
        // Ready as its readiness probe says (written by the supervisor), within a bound.
        const until = Date.now() + 180_000;
        for (;;) {
          const s = readStatus(p, def.uid);
          if (s?.ready) break;
          if (Date.now() > until)
            throw new LabError(
              `pod ${def.namespace}/${def.pod} not ready after 180 s: ${s?.message ?? 'no status'} (logs: ${p.logs})`,
            );
          await new Promise((r) => setTimeout(r, 200));
        }
        say(`lab: pod ${def.namespace}/${def.pod} ready`);
      }
    } finally {
      c.close();
    }
    return 0;
  });
}
