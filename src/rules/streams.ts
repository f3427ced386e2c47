// The D4C event streams a rule's query reads, from the event categories it constrains: an EQL
// `process where …` reads the process stream, `any where event.category == "file" or …` the
// ones named, a KQL `event.category:network and …` the network stream. Used to scope an
// exported rule's `index` as Elastic's rules are scoped: a rule over `logs-cloud_defend.*` also
// reads the alerts stream, where every alerted event is a second copy (and d4c's detections a
// third), so Kibana would match each of them again.
import type { Expr, Query } from './eql/index.js';
import type { KqlNode } from './kql/index.js';
import type { ParsedQuery } from './load.js';

/** The D4C event streams with a category of their own. */
export const EVENT_STREAMS = ['process', 'file', 'network'] as const;
export type EventStream = (typeof EVENT_STREAMS)[number];

/** A set of categories, or `null`: no constraint (every stream). */
type Cats = Set<string> | null;

const ALL: readonly EventStream[] = EVENT_STREAMS;
const CATEGORY = 'event.category';

function union(parts: Cats[]): Cats {
  const out = new Set<string>();
  for (const p of parts) {
    if (p === null) return null;
    for (const c of p) out.add(c);
  }
  return out;
}

function intersect(parts: Cats[]): Cats {
  const known = parts.filter((p): p is Set<string> => p !== null);
  const [first, ...rest] = known;
  if (first === undefined) return null;
  return new Set([...first].filter((c) => rest.every((p) => p.has(c))));
}

const lower = (v: unknown): string | undefined => (typeof v === 'string' ? v.toLowerCase() : undefined);

/** Categories an EQL condition admits: only what it requires of event.category counts. */
function eqlCats(e: Expr): Cats {
  switch (e.k) {
    case 'and':
      return intersect(e.items.map(eqlCats));
    case 'or':
      return union(e.items.map(eqlCats));
    case 'cmp': {
      if (e.op !== '==') return null;
      const [f, v] = e.l.k === 'field' ? [e.l, e.r] : [e.r, e.l];
      if (f.k !== 'field' || f.path !== CATEGORY || v.k !== 'lit') return null;
      const c = lower(v.v);
      return c === undefined ? null : new Set([c]);
    }
    case 'in': {
      if (e.l.k !== 'field' || e.l.path !== CATEGORY) return null;
      const out = new Set<string>();
      for (const x of e.list) {
        const c = x.k === 'lit' ? lower(x.v) : undefined;
        if (c === undefined) return null;
        out.add(c);
      }
      return out;
    }
    default:
      return null;
  }
}

function eqlQueryCats(q: Query): Cats {
  const filters =
    q.kind === 'event'
      ? [q.filter]
      : [...q.stages.map((s) => s.filter), ...(q.kind === 'sequence' && q.until ? [q.until.filter] : [])];
  return union(
    filters.map((f) =>
      f.category === null ? eqlCats(f.cond) : intersect([new Set([f.category]), eqlCats(f.cond)]),
    ),
  );
}

function kqlCats(n: KqlNode): Cats {
  switch (n.k) {
    case 'and':
      return intersect(n.items.map(kqlCats));
    case 'or':
      return union(n.items.map(kqlCats));
    case 'match':
      if (n.field?.name !== CATEGORY || n.field.wildcard || n.value.wildcard) return null;
      return new Set([n.value.text.toLowerCase()]);
    default:
      return null;
  }
}

/**
 * The event streams the query reads, in stream order; every stream when the query does not say
 * (or names no category d4c writes), undefined for a query without an index (ES|QL).
 */
export function queryStreams(parsed: ParsedQuery): EventStream[] | undefined {
  let cats: Cats;
  if (parsed.language === 'eql') cats = eqlQueryCats(parsed.ast);
  else if (parsed.language === 'kuery') cats = kqlCats(parsed.ast);
  else return undefined;
  if (cats === null) return [...ALL];
  const known = ALL.filter((s) => cats.has(s));
  return known.length > 0 ? known : [...ALL];
}

/** An index pattern that covers every cloud_defend logs stream (and so the alerts one). */
const WIDE = /^logs-cloud_defend(\.\*|\*|\.\*-\*)$/;

/**
 * The rule's `index` with each pattern over all of cloud_defend's logs replaced by one per
 * stream the query reads (`logs-cloud_defend.process*`, as Elastic's rules write them); other
 * patterns (logs-kubernetes.audit_logs-*, another vendor's) are kept.
 */
export function scopeIndex(index: readonly string[], streams: readonly EventStream[]): string[] {
  const out: string[] = [];
  for (const p of index) {
    const add = WIDE.test(p) ? streams.map((s) => `logs-cloud_defend.${s}*`) : [p];
    for (const a of add) if (!out.includes(a)) out.push(a);
  }
  return out;
}
