// The stand-in's index-template resolution, as Elasticsearch does it for a new data stream: the
// highest-priority matching index template, its component templates merged in order, then its
// own template. From the result: the default and final ingest pipelines (only `set` processors,
// what d4c's and the cloud_defend package's pipelines use) and `flattened` fields, which reject
// a document whose value there is not an object (a whole-document mapping failure, as ES does).

type Obj = Record<string, unknown>;

export interface Resolved {
  template: string;
  settings: Obj;
  mappings: { properties: Obj };
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(s);
}

/** Settings flattened to dotted keys (`index.default_pipeline`), as ES reads them. */
function flatSettings(s: unknown, prefix = '', out: Obj = {}): Obj {
  if (!isObj(s)) return out;
  for (const [k, v] of Object.entries(s)) {
    if (isObj(v)) flatSettings(v, `${prefix}${k}.`, out);
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

function mergeProps(into: Obj, from: unknown): void {
  if (!isObj(from)) return;
  for (const [k, v] of Object.entries(from)) {
    const have = into[k];
    if (isObj(have) && isObj(v) && isObj(have.properties) && isObj(v.properties)) {
      mergeProps(have.properties, v.properties);
    } else into[k] = structuredClone(v);
  }
}

export function bestTemplate(
  templates: ReadonlyMap<string, Obj>,
  index: string,
): { name: string; t: Obj } | undefined {
  let best: { name: string; t: Obj; priority: number } | undefined;
  for (const [name, t] of templates) {
    const patterns = (t.index_patterns as string[] | undefined) ?? [];
    if (!patterns.some((p) => globMatch(p, index))) continue;
    const priority = Number(t.priority ?? 0);
    if (!best || priority > best.priority) best = { name, t, priority };
  }
  return best;
}

export function resolve(
  templates: ReadonlyMap<string, Obj>,
  components: ReadonlyMap<string, Obj>,
  index: string,
): Resolved | undefined {
  const best = bestTemplate(templates, index);
  if (!best) return undefined;
  const settings: Obj = {};
  const properties: Obj = {};
  const parts = [
    ...((best.t.composed_of as string[] | undefined) ?? []).map(
      (c) => (components.get(c)?.template as Obj | undefined) ?? {},
    ),
    (best.t.template as Obj | undefined) ?? {},
  ];
  for (const p of parts) {
    Object.assign(settings, flatSettings(p.settings));
    mergeProps(properties, (p.mappings as Obj | undefined)?.properties);
  }
  return { template: best.name, settings, mappings: { properties } };
}

/** The mapping of a dotted field, or undefined. */
export function fieldMapping(r: Resolved, path: string): Obj | undefined {
  let props: Obj | undefined = r.mappings.properties;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const m: unknown = props?.[parts[i] as string];
    if (!isObj(m)) return undefined;
    if (i === parts.length - 1) return m;
    props = isObj(m.properties) ? m.properties : undefined;
  }
  return undefined;
}

/** Dotted paths of every `flattened` field. */
function flattenedPaths(props: Obj, prefix = '', out: string[] = []): string[] {
  for (const [k, v] of Object.entries(props)) {
    if (!isObj(v)) continue;
    if (v.type === 'flattened') out.push(`${prefix}${k}`);
    else if (isObj(v.properties)) flattenedPaths(v.properties, `${prefix}${k}.`, out);
  }
  return out;
}

function get(doc: Obj, path: string): unknown {
  let cur: unknown = doc;
  for (const p of path.split('.')) cur = isObj(cur) ? cur[p] : undefined;
  return cur;
}

function set(doc: Obj, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    if (!isObj(cur[p])) cur[p] = {};
    cur = cur[p] as Obj;
  }
  cur[parts[parts.length - 1] as string] = value;
}

/** A mapping failure of a document against the resolved mapping, as ES words it. */
export function mappingError(r: Resolved, doc: Obj): string | undefined {
  for (const path of flattenedPaths(r.mappings.properties)) {
    const v = get(doc, path);
    if (v !== undefined && !isObj(v))
      return `failed to parse field [${path}] of type [flattened]: expected START_OBJECT but found ${
        Array.isArray(v) ? 'START_ARRAY' : 'VALUE_STRING'
      }`;
  }
  return undefined;
}

/** Checks a pipeline body: only `set` processors. */
export function pipelineError(body: Obj): string | undefined {
  const procs = body.processors;
  if (!Array.isArray(procs)) return 'pipeline has no processors';
  for (const p of procs) {
    if (!isObj(p) || Object.keys(p).length !== 1 || !isObj(p.set))
      return `the stand-in runs only set processors, got ${JSON.stringify(p)}`;
    if (typeof p.set.field !== 'string') return 'set processor without field';
  }
  return undefined;
}

/** Runs a pipeline's `set` processors on a document; `{{_ingest.timestamp}}` is now. */
export function runPipeline(body: Obj, doc: Obj, now: Date): void {
  for (const p of body.processors as Obj[]) {
    const s = p.set as { field: string; value?: unknown; override?: boolean };
    if (s.override === false && get(doc, s.field) !== undefined) continue;
    const v =
      typeof s.value === 'string'
        ? s.value.replace(/\{\{\{?\s*_ingest\.timestamp\s*\}?\}\}/g, now.toISOString())
        : s.value;
    set(doc, s.field, v);
  }
}
