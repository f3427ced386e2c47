// Container metadata as the agent needs it for ECS `container.*`/`orchestrator.*` fields and
// D4C selectors. Filled by sources (Docker-compatible API, OCI spec, CRI) and merged by the resolver.
import type { RuntimeHint } from './cgroup.js';

export type RuntimeName = 'docker' | 'podman' | 'containerd' | 'cri-o';

export interface MountInfo {
  /** Path inside the container. */
  destination: string;
  /** Host path (or volume data directory). */
  source: string;
  /** `volume`: a runtime/Kubernetes volume; `bind`: a host path; others as the runtime says (tmpfs...). */
  type: 'volume' | 'bind' | 'tmpfs' | 'other';
  readOnly: boolean;
  /**
   * `file`: a single file or a kubelet projected-files volume (secret, configMap, projected,
   * downwardAPI), what ignoreVolumeFiles ignores; `directory`: any other directory mount.
   */
  target: 'file' | 'directory' | 'unknown';
}

export interface ImageInfo {
  /** Normalised repository name, e.g. docker.io/library/nginx. */
  name: string;
  tag?: string;
  /** Repository digest `sha256:...` when the runtime knows one. */
  digest?: string;
  /** Image id (config digest) `sha256:...`. */
  id?: string;
  /** name[:tag][@digest]. */
  full: string;
}

export interface PodInfo {
  uid: string;
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ip?: string;
}

export interface ContainerMeta {
  id: string;
  name?: string;
  runtime?: RuntimeName;
  image?: ImageInfo;
  privileged?: boolean;
  /** Capabilities added on top of the runtime default (`CAP_` prefix). */
  capAdd?: string[];
  capDrop?: string[];
  /** Effective capabilities of the container's process, from the OCI spec. */
  capabilities?: string[];
  mounts?: MountInfo[];
  labels?: Record<string, string>;
  pod?: PodInfo;
  /** Host pid of the container's init process, when known. */
  pid?: number;
  /** Which sources contributed (e.g. `podman-api`, `oci`). */
  sources: string[];
  /** False when a lookup failed or timed out and only the cgroup-derived identity is known. */
  complete: boolean;
  /** Set once the runtime reported the container gone; the entry lives on for a grace period. */
  endedAt?: number;
  /** From the cgroup path, when that is how we first saw it. */
  runtimeHint?: RuntimeHint;
}

export type SourceResult =
  | { status: 'ok'; meta: Partial<ContainerMeta> & { sources: string[] } }
  | { status: 'not-found' }
  | { status: 'error'; error: string; unreachable?: boolean };

export interface RuntimeEvent {
  type: 'start' | 'die';
  id: string;
  time: number;
  source: string;
}

export interface WatchHealth {
  down(error: string, unreachable: boolean): void;
  up(): void;
}

/** A place metadata comes from. inspect() must never reject. */
export interface MetadataSource {
  readonly name: string;
  /** Runtimes this source answers for best (the resolver asks them first for such hints). */
  readonly runtimes: readonly RuntimeHint[];
  inspect(id: string): Promise<SourceResult>;
  /**
   * Container start/die notifications; returns a stop function. `health` hears when the event
   * feed fails (the runtime went away) and when it works again, so that an outage is reported
   * even while no container is being looked up.
   */
  watch?(onEvent: (e: RuntimeEvent) => void, health?: WatchHealth): () => void;
  close?(): void;
}

export function normalizeCap(c: string): string {
  const u = c.trim().toUpperCase();
  return u.startsWith('CAP_') ? u : `CAP_${u}`;
}
