// Reading ECS documents loosely: the store holds whatever the agent wrote, so every field is
// optional and any type; these helpers never throw.
export function get(doc: unknown, path: string): unknown {
  let v: unknown = doc;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    const o = v as Record<string, unknown>;
    v = k in o ? o[k] : undefined;
  }
  return v;
}

export const str = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : Array.isArray(v)
        ? v.map(str).join(' ')
        : '';

export const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(str).filter((x) => x) : v === undefined || v === null || v === '' ? [] : [str(v)];
