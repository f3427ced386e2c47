// Serialising documents: the same text as JSON.stringify, but the frozen fragments documents
// share (agent, host, cloud, data_stream, container, orchestrator) are serialised once and
// their text reused. About a quarter of an exec document is such text.

const cache = new WeakMap<object, string>();
const keyText = new Map<string, string>();

function fragmentJson(v: object): string {
  let s = cache.get(v);
  if (s === undefined) {
    s = JSON.stringify(v);
    cache.set(v, s);
  }
  return s;
}

/** JSON text of a document (one NDJSON line without the newline). */
export function serializeDoc(doc: object): string {
  let out = '{';
  for (const key in doc) {
    const v = (doc as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    let k = keyText.get(key);
    if (k === undefined) {
      k = `${JSON.stringify(key)}:`;
      if (keyText.size < 256) keyText.set(key, k);
    }
    const s = v !== null && typeof v === 'object' && Object.isFrozen(v) ? fragmentJson(v) : JSON.stringify(v);
    if (s === undefined) continue;
    out += out.length === 1 ? k + s : `,${k}${s}`;
  }
  return `${out}}`;
}
