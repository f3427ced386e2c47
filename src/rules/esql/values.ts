// ES|QL runtime values and their semantics: null, numbers, strings, booleans, dates (Date), and
// multi-values (arrays of two or more scalars; one element is a single value, none is null).
export type Scalar = number | string | boolean | Date;
export type Value = null | Scalar | Scalar[];

/** Normalises a document value: arrays flattened, nulls dropped, 0 → null, 1 → scalar, objects → null. */
export function norm(v: unknown, date = false): Value {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) {
    const out: Scalar[] = [];
    const push = (x: unknown): void => {
      if (Array.isArray(x)) for (const y of x) push(y);
      else {
        const s = norm(x, date);
        if (s !== null && !Array.isArray(s)) out.push(s);
      }
    };
    push(v);
    return out.length === 0 ? null : out.length === 1 ? (out[0] as Scalar) : out;
  }
  if (date && (typeof v === 'string' || typeof v === 'number')) {
    const d = new Date(typeof v === 'number' ? v : Date.parse(v));
    return Number.isNaN(d.getTime()) ? null : d;
  }
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return null;
}

/** Output form: dates as ISO-8601 strings. */
export function out(v: Value): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => (x instanceof Date ? x.toISOString() : x));
  return v;
}

/** Compares two single values; null when their types do not compare (ES|QL: a type error). */
export function cmp(a: Scalar, b: Scalar): number | null {
  if (a instanceof Date || b instanceof Date) {
    const x = a instanceof Date ? a.getTime() : typeof a === 'string' ? Date.parse(a) : Number.NaN;
    const y = b instanceof Date ? b.getTime() : typeof b === 'string' ? Date.parse(b) : Number.NaN;
    if (Number.isNaN(x) || Number.isNaN(y)) return null;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a !== typeof b) return null;
  if (typeof a === 'string') return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A type-tagged key for grouping and distinct counts. */
export function key(v: Scalar | null): string {
  if (v === null) return 'z';
  if (v instanceof Date) return `d${v.getTime()}`;
  return `${(typeof v)[0]}${String(v)}`;
}

export const values = (v: Value): Scalar[] => (v === null ? [] : Array.isArray(v) ? v : [v]);
