// containers/storage, the store podman and CRI-O share (/var/lib/containers/storage): its
// containers.json names each container and its image, images.json gives the image digest.
// So podman containers get a name and an image even when no API service runs (the usual case
// on hosts: podman has no daemon). Parsed files are cached until their mtime changes.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeHint } from './cgroup.js';
import { isContainerId } from './cgroup.js';
import { normalizeImageRef } from './image-ref.js';
import type { ImageInfo, MetadataSource, SourceResult } from './types.js';

interface StoredContainer {
  id: string;
  names?: string[];
  image?: string;
  metadata?: string;
}
interface StoredImage {
  id: string;
  digest?: string;
  names?: string[];
}

export interface StorageSourceOptions {
  /** Storage roots; default /var/lib/containers/storage. */
  roots?: string[];
  /** Graph drivers whose files to read; default overlay and vfs. */
  drivers?: string[];
}

export class ContainersStorageSource implements MetadataSource {
  readonly name = 'containers-storage';
  readonly runtimes: readonly RuntimeHint[] = ['podman', 'cri-o'];
  readonly counters = { lookups: 0, found: 0, notFound: 0, malformed: 0 };
  private readonly roots: string[];
  private readonly drivers: string[];
  private readonly cache = new Map<string, { mtimeMs: number; byId: Map<string, unknown> }>();

  constructor(opts: StorageSourceOptions = {}) {
    this.roots = opts.roots ?? ['/var/lib/containers/storage'];
    this.drivers = opts.drivers ?? ['overlay', 'vfs'];
  }

  async inspect(id: string): Promise<SourceResult> {
    this.counters.lookups++;
    if (!isContainerId(id)) {
      this.counters.notFound++;
      return { status: 'not-found' };
    }
    try {
      for (const root of this.roots) {
        for (const d of this.drivers) {
          const c = (await this.table(join(root, `${d}-containers`, 'containers.json'))).get(id) as
            | StoredContainer
            | undefined;
          if (!c) continue;
          const meta = JSON.parse(c.metadata || '{}') as { 'image-name'?: string; name?: string };
          const name = meta.name ?? c.names?.[0];
          const img = c.image
            ? ((await this.table(join(root, `${d}-images`, 'images.json'))).get(c.image) as
                | StoredImage
                | undefined)
            : undefined;
          const image = imageInfo(meta['image-name'] ?? img?.names?.[0], c.image, img?.digest);
          this.counters.found++;
          const out: SourceResult = { status: 'ok', meta: { id, sources: [this.name] } };
          if (name) out.meta.name = name;
          if (image) out.meta.image = image;
          return out;
        }
      }
      this.counters.notFound++;
      return { status: 'not-found' };
    } catch (e) {
      this.counters.malformed++;
      return { status: 'error', error: `containers-storage: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  /** id → record of a JSON array file; empty when the file is absent. */
  private async table(path: string): Promise<Map<string, unknown>> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(path)).mtimeMs;
    } catch {
      return new Map();
    }
    const hit = this.cache.get(path);
    if (hit && hit.mtimeMs === mtimeMs) return hit.byId;
    const list = JSON.parse(await readFile(path, 'utf8')) as Array<{ id?: string }> | null;
    const byId = new Map<string, unknown>();
    for (const r of list ?? []) if (typeof r?.id === 'string') byId.set(r.id, r);
    this.cache.set(path, { mtimeMs, byId });
    return byId;
  }
}

function imageInfo(
  ref: string | undefined,
  imageId: string | undefined,
  digest: string | undefined,
): ImageInfo | undefined {
  const norm = ref ? normalizeImageRef(ref) : undefined;
  if (!norm) return undefined;
  const out: ImageInfo = { name: norm.name, full: norm.full };
  if (norm.tag) out.tag = norm.tag;
  if (norm.digest ?? digest) out.digest = norm.digest ?? digest;
  if (imageId) out.id = `sha256:${imageId}`;
  return out;
}
