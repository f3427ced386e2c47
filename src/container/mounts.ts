// A mount's target kind from its host path. D4C's `ignoreVolumeFiles` covers single files and the
// kubelet's API-projected volumes (secret, configMap, projected such as the service-account token,
// downwardAPI): directories, but of files the API server supplies, so they count as file mounts.
import { stat } from 'node:fs/promises';
import type { MountInfo } from './types.js';

const PROJECTED = /\/volumes\/kubernetes\.io~(secret|configmap|projected|downward-api)\/[^/]+\/?$/;

/** Whether a host path is a kubelet projected-files volume directory. */
export function isProjectedVolume(source: string): boolean {
  return PROJECTED.test(source);
}

/** `file` for a single file or a projected-files volume, `directory` otherwise (stat on the host). */
export async function mountTarget(source: string): Promise<MountInfo['target']> {
  if (!source.startsWith('/')) return 'unknown';
  if (isProjectedVolume(source)) return 'file';
  try {
    return (await stat(source)).isDirectory() ? 'directory' : 'file';
  } catch {
    return 'unknown';
  }
}
