// Container identity and runtime metadata: the public entry.
import { existsSync } from 'node:fs';
import { CriSource, DEFAULT_CRI_SOCKETS } from './cri.js';
import { DEFAULT_SOCKETS, DockerApiClient } from './docker-api.js';
import { type OciSourceOptions, OciSpecSource } from './oci.js';
import { ContainerResolver, type ResolverOptions } from './resolver.js';
import { ContainersStorageSource, type StorageSourceOptions } from './storage.js';
import type { MetadataSource } from './types.js';

export * from './cgroup.js';
export { CriClient, CriSource, DEFAULT_CRI_SOCKETS } from './cri.js';
export { DEFAULT_SOCKETS, DockerApiClient } from './docker-api.js';
export { type ClusterInfo, type EcsContainerFields, ecsContainerFields, parentKind } from './ecs.js';
export { type ImageRef, normalizeImageRef } from './image-ref.js';
export { OciSpecSource } from './oci.js';
export { type ProcScanResult, type RunningContainer, scanRunningContainers } from './proc-scan.js';
export { ContainerResolver, type ResolverCounters, type ResolverOptions } from './resolver.js';
export { ContainersStorageSource } from './storage.js';
export type * from './types.js';

export interface DefaultResolverOptions extends Omit<ResolverOptions, 'sources'> {
  /** Docker-compatible API sockets; default the standard ones that exist now. */
  sockets?: string[];
  /** CRI sockets (containerd, CRI-O; the lab's); default the standard ones that exist now. */
  criSockets?: string[];
  oci?: OciSourceOptions | false;
  /** podman/CRI-O's containers/storage (names and images without an API service). */
  storage?: StorageSourceOptions | false;
  /** Extra sources (e.g. a CRI client), asked before the others for their runtimes. */
  extraSources?: MetadataSource[];
}

/**
 * A resolver over the sources reachable on this host: CRI sockets, Docker-compatible sockets
 * (given, or the standard ones present), then containers/storage and the OCI spec on disk. Call start() to follow runtime events.
 */
export function createResolver(opts: DefaultResolverOptions = {}): ContainerResolver {
  const sockets = opts.sockets ?? DEFAULT_SOCKETS.filter((s) => existsSync(s));
  const criSockets = opts.criSockets ?? DEFAULT_CRI_SOCKETS.filter((s) => existsSync(s));
  const sources: MetadataSource[] = [...(opts.extraSources ?? [])];
  criSockets.forEach((socketPath, i) => {
    sources.push(new CriSource(socketPath, { name: i === 0 ? 'cri' : `cri:${socketPath}` }));
  });
  for (const socketPath of sockets) sources.push(new DockerApiClient({ socketPath }));
  if (opts.storage !== false) sources.push(new ContainersStorageSource(opts.storage || {}));
  if (opts.oci !== false) sources.push(new OciSpecSource(opts.oci || {}));
  return new ContainerResolver({ ...opts, sources });
}
