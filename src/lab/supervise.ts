// The lab's kubelet loop for one applied pod, in a process of its own (started by `d4c lab
// apply`, stopped by `d4c lab rm`): probes the container, writes its readiness to status.json,
// restarts it when the liveness probe fails failureThreshold times or when it exits (restart
// policy Always, with the kubelet's doubling back-off). Exits when its pod's sandbox is gone.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CriClient } from '../container/index.js';
import { pidAlive } from '../util/index.js';
import {
  definitionFile,
  GRACE_ANNOTATION,
  type PodDefinition,
  type ProbeSpec,
  statusFile,
} from './kubelet.js';
import { type LabPaths, labPaths } from './node.js';
import { podDir } from './volumes.js';

export interface PodStatus {
  containerId: string;
  ready: boolean;
  restarts: number;
  message: string;
}

const supervisorPid = (p: LabPaths, uid: string) => join(podDir(p, uid), 'supervisor.pid');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One HTTP GET on loopback (the lab's pods share the node's network): 200-399 passes. */
export function probe(s: ProbeSpec): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: s.port, path: s.path, timeout: s.timeoutSeconds * 1000 },
      (res) => {
        res.resume();
        resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function writeStatus(p: LabPaths, uid: string, s: PodStatus): void {
  const f = statusFile(p, uid);
  writeFileSync(`${f}.tmp`, JSON.stringify(s));
  renameSync(`${f}.tmp`, f);
}

export function readStatus(p: LabPaths, uid: string): PodStatus | undefined {
  try {
    return JSON.parse(readFileSync(statusFile(p, uid), 'utf8')) as PodStatus;
  } catch {
    return undefined;
  }
}

export async function createContainer(c: CriClient, d: PodDefinition, attempt: number): Promise<string> {
  const config = {
    ...d.containerConfig,
    metadata: { ...d.containerConfig.metadata, attempt },
    logPath: `${d.containerConfig.metadata.name}/${attempt}.log`,
    annotations: {
      ...(d.containerConfig.annotations as Record<string, string>),
      'io.kubernetes.container.restartCount': String(attempt),
    },
  };
  const r = await c.call<{ containerId: string }>('CreateContainer', {
    podSandboxId: d.sandboxId,
    config,
    sandboxConfig: d.sandboxConfig,
  });
  await c.call('StartContainer', { containerId: r.containerId });
  return r.containerId;
}

async function supervise(p: LabPaths, uid: string, firstContainer: string): Promise<void> {
  const d = JSON.parse(readFileSync(definitionFile(p, uid), 'utf8')) as PodDefinition;
  const c = new CriClient(p.socket, 30_000);
  let containerId = firstContainer;
  let restarts = 0;
  let started = Date.now();
  let liveFailures = 0;
  let readyFailures = 0;
  let ready = false;
  let backoff = 2_000;
  let next = { live: 0, ready: 0 };
  let stop = false;
  process.once('SIGTERM', () => {
    stop = true;
  });
  const status = (message: string) => writeStatus(p, uid, { containerId, ready, restarts, message });
  status('started');
  const restart = async (why: string) => {
    ready = false;
    status(`restarting: ${why}`);
    await c
      .call('StopContainer', { containerId, timeout: d.graceSeconds }, (d.graceSeconds + 30) * 1000)
      .catch(() => {});
    await c.call('RemoveContainer', { containerId }).catch(() => {});
    if (stop) return;
    restarts++;
    containerId = await createContainer(c, d, restarts);
    started = Date.now();
    liveFailures = readyFailures = 0;
    next = { live: 0, ready: 0 };
    status(`restarted (${why})`);
  };
  try {
    while (!stop) {
      await sleep(250);
      if (stop) break;
      const sb = await c
        .call<{ status?: { state?: string } }>('PodSandboxStatus', { podSandboxId: d.sandboxId })
        .catch(() => undefined);
      if (sb?.status?.state !== 'SANDBOX_READY') break; // removed: nothing left to supervise
      const cs = await c
        .call<{ status?: { state?: string; exitCode?: number } }>('ContainerStatus', { containerId })
        .catch(() => undefined);
      if (stop) break;
      if (cs?.status?.state === 'CONTAINER_EXITED') {
        ready = false;
        status(`exited with ${cs.status.exitCode ?? '?'}; back-off ${backoff / 1000}s`);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 60_000);
        if (!stop) await restart(`exited with ${cs.status.exitCode ?? '?'}`);
        continue;
      }
      const now = Date.now();
      const age = (now - started) / 1000;
      if (d.readiness && age >= d.readiness.initialDelaySeconds && now >= next.ready) {
        next.ready = now + d.readiness.periodSeconds * 1000;
        if (await probe(d.readiness)) {
          readyFailures = 0;
          if (!ready) {
            ready = true;
            backoff = 2_000;
            status('ready');
          }
        } else if (++readyFailures >= d.readiness.failureThreshold && ready) {
          ready = false;
          status('readiness probe failed');
        }
      } else if (!d.readiness && !ready) {
        ready = true;
        status('running (no readiness probe)');
      }
      if (d.liveness && age >= d.liveness.initialDelaySeconds && now >= next.live) {
        next.live = now + d.liveness.periodSeconds * 1000;
        if (await probe(d.liveness)) liveFailures = 0;
        else if (++liveFailures >= d.liveness.failureThreshold) await restart('liveness probe failed');
      }
    }
  } finally {
    c.close();
  }
}

/** Starts the supervisor of an applied pod, detached from the calling command. */
export function startSupervisor(p: LabPaths, uid: string, containerId: string): number {
  const self = import.meta.url;
  const args = [fileURLToPath(self), p.dir, uid, containerId];
  // From the sources (tsx), the child needs tsx's loader too; compiled output runs as is.
  const pre = self.endsWith('.ts')
    ? ['--import', pathToFileURL(createRequire(self).resolve('tsx/esm')).href]
    : [];
  const child = spawn(process.execPath, [...pre, ...args], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  child.unref();
  writeFileSync(supervisorPid(p, uid), `${child.pid}\n`);
  return child.pid ?? 0;
}

/**
 * What `lab rm` does before removing a pod: stops its supervisor (so that nothing restarts it),
 * then its container with SIGTERM and the pod's grace period (the container's annotation), then
 * SIGKILL, as a kubelet deleting a pod does. Pods without the annotation (`lab run`) stop at once.
 */
export async function stopForRemoval(
  p: LabPaths,
  c: CriClient,
  podUid: string,
  sandboxId: string,
): Promise<void> {
  const pidFile = supervisorPid(p, podUid);
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0 && pidAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && pidAlive(pid); i++) await sleep(50);
    }
  }
  const r = await c.call<{
    containers?: Array<{ id: string; state: string; annotations?: Record<string, string> }>;
  }>('ListContainers', { filter: { podSandboxId: sandboxId } });
  for (const k of r.containers ?? []) {
    if (k.state !== 'CONTAINER_RUNNING') continue;
    const grace = Number(k.annotations?.[GRACE_ANNOTATION] ?? 0);
    if (grace > 0) await c.call('StopContainer', { containerId: k.id, timeout: grace }, (grace + 30) * 1000);
  }
}

// Entry: `node supervise.js LABDIR UID CONTAINER`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [dir, uid, containerId] = process.argv.slice(2);
  if (dir && uid && containerId) {
    supervise(labPaths(dir), uid, containerId).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
}
