// The container resolvers' view of an image reference: Docker's normalisation from
// src/util/image-ref.ts (the one implementation), plus the runtime's default tag `latest`
// when neither tag nor digest is given, and a full `name[:tag][@digest]` string.

import { parseImageRef } from '../util/index.js';

export interface ImageRef {
  /** Full repository name: `docker.io/library/nginx`, `quay.io/org/app`, `localhost/d4c/busybox`. */
  name: string;
  /** Tag, `latest` when neither tag nor digest is given; undefined for digest-only references. */
  tag?: string;
  /** `sha256:...` when the reference pins one. */
  digest?: string;
  /** name[:tag][@digest], normalised. */
  full: string;
}

/** `sha256:<id>` is how runtimes report an image they know only by id: not a name. */
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** Normalises an image reference; undefined when it is not one (empty, spaces, bad tag, image id). */
export function normalizeImageRef(ref: string): ImageRef | undefined {
  if (IMAGE_ID.test(ref.trim())) return undefined;
  const r = parseImageRef(ref);
  if (!r.ok) return undefined;
  const { fullName: name, digest } = r.ref;
  const tag = r.ref.tag ?? (digest === undefined ? 'latest' : undefined);
  const full = `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  const out: ImageRef = { name, full };
  if (tag) out.tag = tag;
  if (digest) out.digest = digest;
  return out;
}
