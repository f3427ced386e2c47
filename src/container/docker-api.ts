// A minimal client for the Docker-compatible Engine API over a unix socket (Docker, and podman's
// `podman system service`): container inspect, image digests, and the events stream.
// Nothing here throws into the caller: failures come back as SourceResult errors and counters.

import http from 'node:http';
import type { RuntimeHint } from './cgroup.js';
import { normalizeImageRef } from './image-ref.js';
import { mountTarget } from './mounts.js';
import type {
  ImageInfo,
  MetadataSource,
  MountInfo,
  RuntimeEvent,
  RuntimeName,
  SourceResult,
  WatchHealth,
} from './types.js';
import { normalizeCap } from './types.js';

export const DEFAULT_SOCKETS = ['/run/podman/podman.sock', '/var/run/docker.sock'] as const;

export interface DockerApiOptions {
  socketPath: string;
  /** Per request; default 2000 ms. */
  timeoutMs?: number;
  /** Source name in metadata, metrics and warnings; default `podman-api` when the path says podman, else `docker-api`. */
  name?: string;
}

export interface DockerApiCounters {
  requests: number;
  errors: number;
  timeouts: number;
  notFound: number;
  eventsReceived: number;
  eventStreamErrors: number;
  malformed: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface RawMount {
  Type?: string;
  Source?: string;
  Destination?: string;
  RW?: boolean;
}

export class DockerApiClient implements MetadataSource {
  readonly counters: DockerApiCounters = {
    requests: 0,
    errors: 0,
    timeouts: 0,
    notFound: 0,
    eventsReceived: 0,
    eventStreamErrors: 0,
    malformed: 0,
  };
  readonly socketPath: string;
  private readonly timeoutMs: number;
  private runtime: RuntimeName | undefined;
  private readonly images = new Map<string, { digest?: string }>();
  lastError: string | undefined;

  constructor(opts: DockerApiOptions) {
    this.socketPath = opts.socketPath;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    // Stable from the start: the resolver keys warnings by name, before any ping succeeded.
    this.name = opts.name ?? (this.socketPath.includes('podman') ? 'podman-api' : 'docker-api');
  }
  readonly name: string;

  get runtimes(): readonly RuntimeHint[] {
    const r = this.runtime ?? (this.name.startsWith('podman') ? 'podman' : 'docker');
    return r === 'podman' ? ['podman'] : ['docker'];
  }

  /** GET a JSON document. Rejects with HttpError / Error (internal use only). */
  private getJson(path: string): Promise<unknown> {
    this.counters.requests++;
    return new Promise((resolve, reject) => {
      const req = http.get({ socketPath: this.socketPath, path, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 400) {
            let msg = body.trim();
            try {
              msg = String((JSON.parse(body) as { message?: string }).message ?? msg);
            } catch {}
            reject(new HttpError(res.statusCode ?? 0, msg));
            return;
          }
          try {
            resolve(JSON.parse(body));
          } catch {
            reject(new Error(`malformed JSON from ${path}`));
          }
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
    });
  }

  private fail(e: unknown): SourceResult {
    if (e instanceof HttpError && e.status === 404) {
      this.counters.notFound++;
      return { status: 'not-found' };
    }
    const code = (e as { code?: string }).code;
    if (code === 'ETIMEDOUT') this.counters.timeouts++;
    else this.counters.errors++;
    const unreachable =
      code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'ETIMEDOUT';
    this.lastError = `${this.socketPath}: ${e instanceof Error ? e.message : String(e)}`;
    return { status: 'error', error: this.lastError, unreachable };
  }

  /** Asks the engine who it is (podman or docker). Returns false when unreachable. */
  async ping(): Promise<boolean> {
    try {
      const v = (await this.getJson('/version')) as { Components?: Array<{ Name?: string }> };
      const podman = (v.Components ?? []).some((c) => /podman/i.test(c.Name ?? ''));
      this.runtime = podman ? 'podman' : 'docker';
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  async inspect(id: string): Promise<SourceResult> {
    if (!this.runtime && !(await this.ping())) {
      return { status: 'error', error: this.lastError ?? 'unreachable', unreachable: true };
    }
    let raw: unknown;
    try {
      raw = await this.getJson(`/containers/${encodeURIComponent(id)}/json`);
    } catch (e) {
      return this.fail(e);
    }
    try {
      return await this.toMeta(raw);
    } catch (e) {
      this.counters.malformed++;
      return { status: 'error', error: `malformed inspect document: ${e instanceof Error ? e.message : e}` };
    }
  }

  private async toMeta(raw: unknown): Promise<SourceResult> {
    const c = raw as {
      Id?: string;
      Name?: string;
      Image?: string;
      State?: { Pid?: number };
      Config?: { Image?: string; Labels?: Record<string, string> | null };
      HostConfig?: { Privileged?: boolean; CapAdd?: string[] | null; CapDrop?: string[] | null };
      Mounts?: RawMount[] | null;
    };
    if (typeof c?.Id !== 'string') throw new Error('no Id');
    const image = await this.imageInfo(c.Config?.Image, c.Image);
    const meta = {
      id: c.Id,
      runtime: this.runtime ?? 'docker',
      name: typeof c.Name === 'string' ? c.Name.replace(/^\//, '') : undefined,
      privileged: c.HostConfig?.Privileged === true,
      capAdd: (c.HostConfig?.CapAdd ?? []).map(normalizeCap),
      capDrop: (c.HostConfig?.CapDrop ?? []).map(normalizeCap),
      mounts: await Promise.all((c.Mounts ?? []).map(toMount)),
      labels: { ...(c.Config?.Labels ?? {}) },
      pid: c.State?.Pid || undefined,
      image,
      sources: [this.name],
    };
    return { status: 'ok', meta: stripUndefined(meta) };
  }

  private async imageInfo(
    ref: string | undefined,
    imageId: string | undefined,
  ): Promise<ImageInfo | undefined> {
    const norm = ref ? normalizeImageRef(ref) : undefined;
    if (!norm) return undefined;
    const out: ImageInfo = { name: norm.name, full: norm.full };
    if (norm.tag) out.tag = norm.tag;
    if (imageId) out.id = imageId;
    let digest = norm.digest;
    if (!digest && imageId) digest = (await this.imageDigest(imageId, norm.name)).digest;
    if (digest) out.digest = digest;
    return out;
  }

  /** RepoDigests of the image, matched to the repository name; cached per image id. */
  private async imageDigest(imageId: string, name: string): Promise<{ digest?: string }> {
    const key = `${imageId} ${name}`;
    const hit = this.images.get(key);
    if (hit) return hit;
    let digest: string | undefined;
    try {
      const img = (await this.getJson(`/images/${encodeURIComponent(imageId)}/json`)) as {
        RepoDigests?: string[] | null;
      };
      const all = img.RepoDigests ?? [];
      const match = all.find((d) => normalizeImageRef(d)?.name === name) ?? all[0];
      digest = match ? normalizeImageRef(match)?.digest : undefined;
    } catch (e) {
      this.fail(e);
      return {};
    }
    const v = digest ? { digest } : {};
    if (this.images.size > 1000) this.images.clear();
    this.images.set(key, v);
    return v;
  }

  /**
   * Follows the events stream, calling onEvent for container start and die; reconnects with a
   * backoff when the engine goes away. Returns a stop function.
   */
  watch(onEvent: (e: RuntimeEvent) => void, health?: WatchHealth): () => void {
    let stopped = false;
    let failing = false;
    let req: http.ClientRequest | undefined;
    let timer: NodeJS.Timeout | undefined;
    let backoff = 200;
    const connect = () => {
      if (stopped) return;
      const since = Math.floor(Date.now() / 1000);
      req = http.get({ socketPath: this.socketPath, path: `/events?since=${since}` }, (res) => {
        if ((res.statusCode ?? 0) >= 400) {
          res.resume();
          this.counters.eventStreamErrors++;
          retry();
          return;
        }
        backoff = 200;
        if (failing) health?.up();
        failing = false;
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl = buf.indexOf('\n');
          while (nl >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line) this.onEventLine(line, onEvent);
            nl = buf.indexOf('\n');
          }
        });
        res.on('end', retry);
        res.on('error', () => {});
      });
      req.on('error', (e) => {
        this.counters.eventStreamErrors++;
        this.lastError = `${this.socketPath} events: ${e.message}`;
        failing = true;
        health?.down(this.lastError, true);
        retry();
      });
    };
    const retry = () => {
      if (stopped || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        connect();
      }, backoff);
      timer.unref();
      backoff = Math.min(backoff * 2, 5000);
    };
    connect();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      req?.destroy();
    };
  }

  private onEventLine(line: string, onEvent: (e: RuntimeEvent) => void): void {
    let ev: {
      Type?: string;
      Action?: string;
      status?: string;
      id?: string;
      Actor?: { ID?: string };
      timeNano?: number;
    };
    try {
      ev = JSON.parse(line);
    } catch {
      this.counters.malformed++;
      return;
    }
    if (ev.Type !== 'container') return;
    const action = ev.Action ?? ev.status;
    const type = action === 'start' ? 'start' : action === 'die' || action === 'died' ? 'die' : undefined;
    const id = ev.Actor?.ID ?? ev.id;
    if (!type || typeof id !== 'string') return;
    this.counters.eventsReceived++;
    const time = typeof ev.timeNano === 'number' ? Math.floor(ev.timeNano / 1e6) : Date.now();
    onEvent({ type, id, time, source: this.name });
  }
}

async function toMount(m: RawMount): Promise<MountInfo> {
  const type: MountInfo['type'] =
    m.Type === 'volume' ? 'volume' : m.Type === 'bind' ? 'bind' : m.Type === 'tmpfs' ? 'tmpfs' : 'other';
  const source = m.Source ?? '';
  // The host path tells a file mount from a directory; the agent runs on the host.
  const target = await mountTarget(source);
  return { destination: m.Destination ?? '', source, type, readOnly: m.RW === false, target };
}

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}
