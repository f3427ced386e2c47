// Image reference normalisation, the way Docker's reference library reads names:
// `nginx` = `docker.io/library/nginx:latest`. A small local copy until the lead unifies it
// with src/ecs/image.ts (written concurrently by another helper).

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

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Normalises an image reference; undefined when it is not one (empty, spaces, bad tag). */
export function normalizeImageRef(ref: string): ImageRef | undefined {
  let rest = ref.trim();
  if (rest.length === 0 || /\s/.test(rest)) return undefined;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  // A colon after the last slash is a tag; before it, a registry port (localhost:5000/x).
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  if (rest.length === 0 || rest.startsWith('/') || rest.endsWith('/') || rest.includes('//'))
    return undefined;
  // sha256:<id> alone is an image id, not a name.
  if (/^sha256$/.test(rest) && tag && /^[0-9a-f]{64}$/.test(tag)) return undefined;
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let name: string;
  if (!hasRegistry) name = slash < 0 ? `docker.io/library/${rest}` : `docker.io/${rest}`;
  else if (first === 'docker.io' || first === 'index.docker.io' || first === 'registry-1.docker.io') {
    const path = rest.slice(slash + 1);
    name = path.includes('/') ? `docker.io/${path}` : `docker.io/library/${path}`;
  } else name = rest;
  if (name !== name.toLowerCase() && !hasRegistry) return undefined; // repository names are lower case
  if (!tag && !digest) tag = 'latest';
  const full = `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  const out: ImageRef = { name, full };
  if (tag) out.tag = tag;
  if (digest) out.digest = digest;
  return out;
}
