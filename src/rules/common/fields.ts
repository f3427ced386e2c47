// Field access over ECS documents that may use nested objects (`{process:{name}}`), dotted keys
// (`{"process.name": …}`) or any mix (`kubernetes.audit.user.extra["authentication.kubernetes.io/pod-name"]`).
// A field resolves to: undefined (missing), one scalar, or an array (multi-valued; any element matches).

export type Getter = (doc: unknown) => unknown;

/**
 * Most dot-separated segments in a field name a query may use. Far above any ECS field; the
 * resolution over dotted keys is quadratic in the segments (cubic to precompute), so query front
 * ends reject longer names with a positioned error.
 */
export const MAX_FIELD_SEGMENTS = 64;

/** Whether a field name has more than MAX_FIELD_SEGMENTS segments (stops counting there). */
export function tooManySegments(path: string): boolean {
  let n = 1;
  for (let i = path.indexOf('.'); i !== -1; i = path.indexOf('.', i + 1)) {
    if (++n > MAX_FIELD_SEGMENTS) return true;
  }
  return false;
}

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

/**
 * Compiled accessor: the path is split once and turned into straight-line property reads with
 * constant names (generated code, so each field gets its own inline caches: several times faster
 * than one shared loop over keys). Anything unusual (arrays on the way, dotted keys, missing
 * parts, nulls) falls back to the general resolution, so results equal resolveField's — for
 * documents that write a field in one form. One that holds the same field both nested and as a
 * dotted key (`{b: {c: 1}, "b.c": 2}`) gets only the nested value here where resolveField gives
 * both: checking for the dotted twin at every level would slow every read, and ECS producers
 * (ours, Elastic's) write one form.
 */
export function compileGetter(path: string): Getter {
  const segs = path.split('.');
  const n = segs.length;
  // Names the front ends would refuse (from elsewhere, e.g. an exception list): the general
  // resolution, without the per-field table below, whose size grows with the cube of the segments.
  if (n > MAX_FIELD_SEGMENTS) return (doc) => resolveField(doc, path);
  // joined[i][k]: the dotted key made of segments i..i+k, built once (no concatenation per event).
  const joined = segs.map((_, i) => segs.slice(i).map((_, k) => segs.slice(i, i + k + 1).join('.')));
  const out: unknown[] = [];
  const col = (obj: unknown, i: number): void => {
    if (i === n) {
      pushLeaf(obj, out);
      return;
    }
    if (Array.isArray(obj)) {
      for (const e of obj) col(e, i);
      return;
    }
    if (obj === null || typeof obj !== 'object') return;
    const keys = joined[i]!;
    for (let k = 0; k < keys.length; k++) {
      const v = (obj as Record<string, unknown>)[keys[k]!];
      if (v !== undefined && Object.hasOwn(obj, keys[k]!)) col(v, i + k + 1);
    }
  };
  const slow = (doc: unknown): unknown => {
    out.length = 0;
    col(doc, 0);
    return out.length === 0 ? undefined : out.length === 1 ? out[0] : out.slice();
  };
  let body = 'let v = d;\n';
  for (const s of segs) {
    // Keys are emitted as JSON string literals, never as code. Names that exist on
    // Object.prototype ("constructor", …) need an own-property check.
    const k = JSON.stringify(s);
    body += "if (v === null || typeof v !== 'object') return slow(d);\n";
    body += s in Object.prototype ? `if (!Object.hasOwn(v, ${k})) return slow(d);\n` : '';
    body += `v = v[${k}];\nif (v === undefined) return slow(d);\n`;
  }
  body += "if (typeof v !== 'object') return v;\nconst l = flatLeaf(v);\nreturn l === SLOW ? slow(d) : l;";
  // Generated from JSON-quoted property names only (no field text ever becomes code).
  const make = new Function('slow', 'flatLeaf', 'SLOW', `return function get(d) {\n${body}\n};`);
  return make(slow, flatLeaf, SLOW) as Getter;
}

const SLOW = Symbol('slow');

// The fast path's result for an object value: a flat array of scalars is the multi-value itself
// (one element: that element), anything else (nulls, nesting, empty) needs the general path.
// Non-array objects are returned as they are: comparisons treat them as matching nothing.
function flatLeaf(v: object): unknown {
  if (!Array.isArray(v)) return v;
  const n = v.length;
  if (n === 0) return SLOW;
  for (let i = 0; i < n; i++) {
    const e = v[i];
    if (e === null || e === undefined || typeof e === 'object') return SLOW;
  }
  return n === 1 ? v[0] : v;
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
