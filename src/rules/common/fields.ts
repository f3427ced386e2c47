// Field access over ECS documents that may use nested objects (`{process:{name}}`), dotted keys
// (`{"process.name": …}`) or any mix (`kubernetes.audit.user.extra["authentication.kubernetes.io/pod-name"]`).
// A field resolves to: undefined (missing), one scalar, or an array (multi-valued; any element matches).

export type Getter = (doc: unknown) => unknown;

/** Reference resolution: every way of splitting the path over nested objects and dotted keys. */
export function resolveField(doc: unknown, path: string): unknown {
  const out: unknown[] = [];
  collect(doc, path.split('.'), 0, out);
  return out.length === 0 ? undefined : out.length === 1 ? out[0] : out;
}

function collect(obj: unknown, segs: readonly string[], i: number, out: unknown[]): void {
  if (i === segs.length) {
    pushLeaf(obj, out);
    return;
  }
  if (Array.isArray(obj)) {
    for (const e of obj) collect(e, segs, i, out);
    return;
  }
  if (obj === null || typeof obj !== 'object') return;
  const o = obj as Record<string, unknown>;
  let key = segs[i]!;
  for (let j = i; j < segs.length; j++) {
    if (j > i) key += `.${segs[j]}`;
    if (Object.hasOwn(o, key)) collect(o[key], segs, j + 1, out);
  }
}

function pushLeaf(v: unknown, out: unknown[]): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) for (const e of v) pushLeaf(e, out);
  else out.push(v);
}

/** Compiled accessor: path split once; nested-object walk first, general resolution as fallback. */
export function compileGetter(path: string): Getter {
  const segs = path.split('.');
  const n = segs.length;
  const slow = (doc: unknown): unknown => {
    const out: unknown[] = [];
    collect(doc, segs, 0, out);
    return out.length === 0 ? undefined : out.length === 1 ? out[0] : out;
  };
  if (n === 1) {
    const k = segs[0]!;
    return (doc) => {
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return slow(doc);
      const v = (doc as Record<string, unknown>)[k];
      return isPlainLeaf(v) && Object.hasOwn(doc, k) ? v : slow(doc);
    };
  }
  return (doc) => {
    let cur = doc;
    for (let i = 0; i < n; i++) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return slow(doc);
      const next = (cur as Record<string, unknown>)[segs[i]!];
      if (next === undefined || !Object.hasOwn(cur, segs[i]!)) return slow(doc);
      cur = next;
    }
    return isPlainLeaf(cur) ? cur : slow(doc);
  };
}

// A value the fast path may return unchanged: a non-null scalar, or a flat non-empty array of scalars.
// Objects (non-leaf) are returned too: comparisons treat them as matching nothing.
function isPlainLeaf(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (!Array.isArray(v)) return true;
  if (v.length < 2) return false;
  for (const e of v) if (e === null || e === undefined || Array.isArray(e)) return false;
  return true;
}

/** All leaf paths of a document (dotted), with their values; used by KQL wildcard field names. */
export function leafPaths(doc: unknown, prefix = '', out: [string, unknown][] = []): [string, unknown][] {
  if (doc === null || doc === undefined) return out;
  if (Array.isArray(doc)) {
    const scalars: unknown[] = [];
    for (const e of doc) {
      if (e !== null && typeof e === 'object' && !Array.isArray(e)) leafPaths(e, prefix, out);
      else if (e !== null && e !== undefined) scalars.push(e);
    }
    if (scalars.length > 0 && prefix) out.push([prefix, scalars.length === 1 ? scalars[0] : scalars]);
    return out;
  }
  if (typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
      leafPaths(v, prefix ? `${prefix}.${k}` : k, out);
    }
    return out;
  }
  if (prefix) out.push([prefix, doc]);
  return out;
}
