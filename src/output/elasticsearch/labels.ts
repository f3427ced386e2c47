// Pod labels and annotations in the shape the target mapping takes. d4c writes
// `orchestrator.resource.label`/`.annotation` as `["key:value", …]` (what D4C selectors match,
// and how the cloud_defend package's later versions map them: keyword). Some package versions
// map them as `flattened`, which rejects a string list: the whole document would fail. So at
// start the live mapping of each stream is read (its template's when the stream does not exist
// yet), and documents for a stream with `flattened` get the object form `{key: value}`.
import { type Client, errors } from '@elastic/elasticsearch';

export const LABEL_FIELDS = ['orchestrator.resource.label', 'orchestrator.resource.annotation'] as const;
export type LabelField = (typeof LABEL_FIELDS)[number];

/** `list`: `["key:value"]` (keyword); `object`: `{key: value}` (flattened). */
export type LabelShape = 'list' | 'object';

export interface StreamLabelShape {
  stream: string;
  /** Fields mapped `flattened` (written as objects); the rest stay lists. */
  objects: LabelField[];
  /**
   * `live`: the stream's mapping; `template`: the stream does not exist yet; `unreadable`: the
   * credentials may not read mappings (401/403): lists, what d4c's templates and later packages map.
   */
  from: 'live' | 'template' | 'unreadable';
  /** Why the mapping could not be read. */
  why?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function typeIn(props: unknown, path: string): string | undefined {
  let cur: unknown = props;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const m = isObj(cur) ? cur[parts[i] as string] : undefined;
    if (!isObj(m)) return undefined;
    if (i === parts.length - 1) return typeof m.type === 'string' ? m.type : undefined;
    cur = m.properties;
  }
  return undefined;
}

/**
 * Reads how `stream` maps the label fields: its live mapping, else the template it would get.
 * Credentials that may only write documents (no `view_index_metadata`/`manage_index_templates`)
 * get lists, never a start-up that cannot finish; other failures throw (prepare is retried).
 */
export async function probeLabelShape(
  client: Client,
  stream: string,
  signal: AbortSignal,
): Promise<StreamLabelShape> {
  try {
    return await probe(client, stream, signal);
  } catch (e) {
    if (e instanceof errors.ResponseError && (e.statusCode === 401 || e.statusCode === 403))
      return { stream, objects: [], from: 'unreadable', why: `HTTP ${e.statusCode}` };
    throw e;
  }
}

async function probe(client: Client, stream: string, signal: AbortSignal): Promise<StreamLabelShape> {
  const live = (await client.indices.getFieldMapping(
    { index: stream, fields: [...LABEL_FIELDS] },
    { signal, ignore: [404] },
  )) as unknown as Obj;
  const types = new Map<string, string>();
  // Backing indices may differ (a rollover after a package upgrade): documents go to the write
  // index, the newest generation.
  const gen = (name: string) => Number(/-(\d+)$/.exec(name)?.[1] ?? 0);
  const write = Object.entries(live)
    .filter(([index, v]) => index.includes(stream) && isObj(v) && isObj(v.mappings))
    .sort(([a], [b]) => gen(b) - gen(a))[0];
  const exists = write !== undefined;
  if (write) {
    const mappings = (write[1] as Obj).mappings as Obj;
    for (const f of LABEL_FIELDS) {
      const m = mappings[f];
      const leaf = f.split('.').at(-1) as string;
      const t = isObj(m) && isObj(m.mapping) && isObj(m.mapping[leaf]) ? m.mapping[leaf].type : undefined;
      if (typeof t === 'string') types.set(f, t);
    }
  }
  if (!exists) {
    const sim = (await client.indices.simulateIndexTemplate({ name: stream }, { signal })) as unknown as {
      template?: { mappings?: { properties?: unknown } };
    };
    for (const f of LABEL_FIELDS) {
      const t = typeIn(sim.template?.mappings?.properties, f);
      if (t) types.set(f, t);
    }
  }
  return {
    stream,
    objects: LABEL_FIELDS.filter((f) => types.get(f) === 'flattened'),
    from: exists ? 'live' : 'template',
  };
}

/** The line that says, at start, which shape each stream gets. */
export function describeLabelShapes(shapes: readonly StreamLabelShape[]): string {
  const lists = shapes
    .filter((s) => s.objects.length === 0)
    .map((s) => (s.from === 'unreadable' ? `${s.stream} (mapping not readable: ${s.why})` : s.stream));
  const objects = shapes.filter((s) => s.objects.length > 0);
  const parts: string[] = [];
  if (lists.length > 0) parts.push(`key:value lists (keyword) to ${lists.join(', ')}`);
  for (const s of objects)
    parts.push(
      `objects to ${s.stream} (${s.objects.map((f) => f.split('.').at(-1)).join(' and ')} mapped flattened, ${
        s.from === 'live' ? 'live mapping' : 'its template'
      })`,
    );
  return `pod labels and annotations (orchestrator.resource.label/annotation) are written as ${parts.join('; ')}`;
}

/** `["k:v", …]` → `{k: v}` (the first `:` splits; a label without one gets an empty value). */
export function labelObject(list: readonly unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const x of list) {
    if (typeof x !== 'string') continue;
    const i = x.indexOf(':');
    if (i < 0) out[x] = '';
    else out[x.slice(0, i)] = x.slice(i + 1);
  }
  return out;
}

/** A document body with the given label fields in object form (unchanged when it has none). */
export function reshapeBody(body: string, fields: readonly LabelField[]): string {
  if (!body.includes('"orchestrator"')) return body;
  const doc = JSON.parse(body) as Obj;
  const res =
    isObj(doc.orchestrator) && isObj(doc.orchestrator.resource) ? doc.orchestrator.resource : undefined;
  if (!res) return body;
  let changed = false;
  for (const f of fields) {
    const leaf = f.split('.').at(-1) as string;
    const v = res[leaf];
    if (Array.isArray(v)) {
      // The resource object may be shared (frozen) in-process; the body was parsed afresh here.
      res[leaf] = labelObject(v);
      changed = true;
    }
  }
  return changed ? JSON.stringify(doc) : body;
}
