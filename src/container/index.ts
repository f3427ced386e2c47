// Container identity and runtime metadata: the public entry.
import { existsSync } from 'node:fs';
import { DEFAULT_SOCKETS, DockerApiClient } from './docker-api.js';
import { type OciSourceOptions, OciSpecSource } from './oci.js';
import { ContainerResolver, type ResolverOptions } from './resolver.js';
import type { MetadataSource } from './types.js';

export * from './cgroup.js';
export { DEFAULT_SOCKETS, DockerApiClient } from './docker-api.js';
export { type ImageRef, normalizeImageRef } from './image-ref.js';
export { OciSpecSource } from './oci.js';
export { ContainerResolver, type ResolverCounters, type ResolverOptions } from './resolver.js';
export type * from './types.js';

export interface DefaultResolverOptions extends Omit<ResolverOptions, 'sources'> {
  /** Docker-compatible API sockets; default the standard ones that exist now. */
  sockets?: string[];
  oci?: OciSourceOptions | false;
  /** Extra sources (e.g. a CRI client), asked before the others for their runtimes. */
  extraSources?: MetadataSource[];
}

/**
 * A resolver over the sources reachable on this host: each Docker-compatible socket given (or
 * each standard one present), then the OCI spec on disk. Call start() to follow runtime events.
 */
export function createResolver(opts: DefaultResolverOptions = {}): ContainerResolver {
  const sockets = opts.sockets ?? DEFAULT_SOCKETS.filter((s) => existsSync(s));
  const sources: MetadataSource[] = [...(opts.extraSources ?? [])];
  for (const socketPath of sockets) sources.push(new DockerApiClient({ socketPath }));
  if (opts.oci !== false) sources.push(new OciSpecSource(opts.oci || {}));
  return new ContainerResolver({ ...opts, sources });
}
