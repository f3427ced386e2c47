// Container image references, normalised as Docker does (distribution/reference's
// ParseNormalizedNamed): `nginx` is `docker.io/library/nginx`, `index.docker.io` is
// `docker.io`, a first component is a registry only if it has a `.` or `:`, is `localhost`, or
// is a bracketed IPv6 address, or has an upper-case letter (repository paths cannot). The
// registry host is kept as written, as Docker does (no lower-casing, no `registry-1.docker.io`
// alias). The one implementation: the ECS builder (src/ecs/image.ts), the container resolvers
// (src/container/image-ref.ts) and the policy (src/policy/patterns.ts) all delegate here, so
// every side agrees on one spelling. Parsing happens once per container or distinct policy or
// event value (callers cache), never per event.
import { IMAGE_REF_CODES } from './image-ref-codes.js';

export interface ImageRef {
  /** Registry host[:port], e.g. `docker.io`, `gcr.io`, `localhost:5000`, `[::1]:5000`. */
  domain: string;
  /** Repository path below the registry, e.g. `library/nginx`, `p/i`. */
  path: string;
  /** `domain/path`: container.image.name and D4C's containerImageFullName. */
  fullName: string;
  /** Last path component: D4C's containerImageName, e.g. `nginx`. */
  name: string;
  /** As written; absent when none (the runtime then means `latest` unless a digest is given). */
  tag?: string;
  /** `algorithm:hex`, e.g. `sha256:…`. */
  digest?: string;
}

export type ImageRefResult = { ok: true; ref: ImageRef } | { ok: false; code: string; message: string };

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const MAX_NAME_LENGTH = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HOST_PART =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]$/;
const PORT = /^[0-9]+$/;
/** Docker refuses a bare 64-hex name: it is an image id. */
const IMAGE_ID = /^[a-f0-9]{64}$/;

function fail(code: string, message: string): ImageRefResult {
  return { ok: false, code, message };
}

/** Parses and normalises an image reference such as `nginx:1.25`, `gcr.io/p/i@sha256:…`. */
export function parseImageRef(input: string): ImageRefResult {
  const s = input.trim();
  if (s === '') return fail(IMAGE_REF_CODES.empty.code, 'image reference is empty');
  if (IMAGE_ID.test(s))
    return fail(IMAGE_REF_CODES.imageId.code, `"${s}" is a 64-hex image id, not a repository name`);

  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest))
      return fail(IMAGE_REF_CODES.badDigest.code, `invalid digest "${digest}" in "${s}"`);
  }

  // The tag is after the last ':' that follows the last '/': a ':' before it is a port.
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash && !rest.slice(lastSlash + 1).startsWith('[')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return fail(IMAGE_REF_CODES.badTag.code, `invalid tag "${tag}" in "${s}"`);
  }

  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (isDomain(first)) {
      if (!validDomain(first))
        return fail(IMAGE_REF_CODES.badRegistry.code, `invalid registry "${first}" in "${s}"`);
      domain = first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first;
      path = rest.slice(slash + 1);
    }
  }
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_PREFIX + path;

  const components = path.split('/');
  for (const c of components) {
    if (!PATH_COMPONENT.test(c)) {
      const why = c !== c.toLowerCase() ? ' (repository names must be lowercase)' : '';
      return fail(
        IMAGE_REF_CODES.badComponent.code,
        `invalid repository name component "${c}" in "${s}"${why}`,
      );
    }
  }
  const fullName = `${domain}/${path}`;
  if (fullName.length > MAX_NAME_LENGTH) {
    return fail(
      IMAGE_REF_CODES.nameTooLong.code,
      `repository name exceeds ${MAX_NAME_LENGTH} characters in "${s}"`,
    );
  }
  const ref: ImageRef = { domain, path, fullName, name: components[components.length - 1]! };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest.toLowerCase();
  return { ok: true, ref };
}

/** Like parseImageRef, but undefined on a bad reference (for callers that count and go on). */
export function tryParseImageRef(input: string): ImageRef | undefined {
  const r = parseImageRef(input);
  return r.ok ? r.ref : undefined;
}

/**
 * Normalises a full image name without tag or digest (a policy's containerImageFullName,
 * e.g. `docker.io/nginx` → `docker.io/library/nginx`). Undefined if invalid or tagged.
 */
export function normaliseImageName(input: string): string | undefined {
  const r = parseImageRef(input);
  if (!r.ok || r.ref.tag !== undefined || r.ref.digest !== undefined) return undefined;
  return r.ref.fullName;
}

/**
 * Docker's rule (splitDockerDomain): a first component is a registry if it looks like a host,
 * not a user name; upper case counts, since repository components are lower case.
 */
function isDomain(first: string): boolean {
  return (
    first.includes('.') ||
    first.includes(':') ||
    first === 'localhost' ||
    first.startsWith('[') ||
    first !== first.toLowerCase()
  );
}

function validDomain(d: string): boolean {
  let host = d;
  let port: string | undefined;
  if (d.startsWith('[')) {
    const close = d.indexOf(']');
    if (close < 0) return false;
    host = d.slice(0, close + 1);
    const after = d.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return false;
      port = after.slice(1);
    }
    if (!IPV6.test(host)) return false;
  } else {
    const c = d.lastIndexOf(':');
    if (c >= 0) {
      host = d.slice(0, c);
      port = d.slice(c + 1);
    }
    if (!HOST_PART.test(host)) return false;
  }
  return port === undefined || PORT.test(port);
}
