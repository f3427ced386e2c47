// `d4c query`: KQL, EQL or ES|QL over an NDJSON file or the embedded store. Results go to
// `emit` as JSON-able objects (documents, `{sequence: [...]}` / `{sample: [...]}`, or ES|QL rows).
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildMatcher,
  compileKql,
  newSequenceMatcher,
  parseEql,
  parseEsql,
  parseKql,
  positionIn,
  QueryError,
  runPipeline,
  SampleMatcher,
} from '../rules/index.js';
import type { TimeBound } from '../store/index.js';
import { EventStore, runOnStore, STORE_CODES, type StoreRunInfo } from '../store/index.js';
import { boundedLines, D4cError, LineTooLongError } from '../util/index.js';
import { QUERY_CODES } from './codes.js';
import { DEFAULT_QUERY_LIMIT, DEFAULT_STORE_DIR } from './defaults.js';
import { queryThroughAgent } from './remote.js';
import type { QueryRequest, QuerySink } from './request.js';
import { querySocketPath } from './socket.js';
import { scanStore } from './store-scan.js';

/** Opens an existing store (never creates one: a mistyped --store is an error, not an empty store). */
async function openStore(dir: string): Promise<EventStore> {
  if (!existsSync(join(dir, 'events.duckdb')))
    throw new D4cError(
      QUERY_CODES.noStore.code,
      `no event store in ${dir} (give --store DIR, or --events FILE.ndjson)`,
    );
  return EventStore.open({ dir, retentionIntervalMs: 0 });
}

/** Compiles the query (errors as D4cError at `<query>:LINE:COL`). */
function compile(req: QueryRequest) {
  const name = req.queryName ?? '<query>';
  try {
    switch (req.lang) {
      case 'kql':
        return { lang: 'kql' as const, test: compileKql(parseKql(req.text)) };
      case 'eql': {
        const q = parseEql(req.text);
        return { lang: 'eql' as const, q, m: buildMatcher(q, 'compiled') };
      }
      case 'esql':
        return { lang: 'esql' as const, p: parseEsql(req.text) };
    }
  } catch (e) {
    throw toD4c(e, name, req.text);
  }
}

function toD4c(e: unknown, name: string, text: string): unknown {
  if (e instanceof QueryError) return e.toD4cError(name, text);
  return e;
}

function tsOf(doc: unknown): number {
  const v = (doc as Record<string, unknown> | null)?.['@timestamp'];
  return typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Number.NaN;
}

function boundMs(v: TimeBound | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms))
    throw new D4cError(QUERY_CODES.badTime.code, `invalid time for --${what}: ${JSON.stringify(v)}`);
  return ms;
}

/** Documents of an NDJSON file in order, within the time range. */
async function* readEvents(path: string, from?: number, to?: number): AsyncGenerator<unknown> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  const name = path === '-' ? '<stdin>' : path;
  const opened = new Promise<void>((resolve, reject) => {
    if (path === '-') resolve();
    else input.once('open', () => resolve()).once('error', reject);
  });
  try {
    await opened;
  } catch (e) {
    throw new D4cError(QUERY_CODES.unreadable.code, `cannot read ${name}: ${(e as Error).message}`);
  }
  let n = 0;
  const lines = boundedLines(input);
  try {
    for (;;) {
      let next: IteratorResult<string>;
      try {
        next = await lines.next();
      } catch (e) {
        if (!(e instanceof LineTooLongError)) throw e;
        throw new D4cError(QUERY_CODES.badEvents.code, e.message, name, { line: e.line, col: 1 });
      }
      if (next.done) break;
      const line = next.value;
      n++;
      if (line.trim() === '') continue;
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch (e) {
        throw new D4cError(QUERY_CODES.badEvents.code, `invalid JSON: ${(e as Error).message}`, name, {
          line: n,
          col: 1,
        });
      }
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
        throw new D4cError(QUERY_CODES.badEvents.code, 'an event must be a JSON object', name, {
          line: n,
          col: 1,
        });
      if (from !== undefined || to !== undefined) {
        const ts = tsOf(doc);
        if (!Number.isFinite(ts) || (from !== undefined && ts < from) || (to !== undefined && ts >= to))
          continue;
      }
      yield doc;
    }
  } finally {
    // A consumer that stops early (a LIMIT) closes the input.
    await lines.return(undefined);
  }
}

/** Runs a query; returns how the store answered an ES|QL query (for --explain style output). */
export async function runQuery(req: QueryRequest, sink: QuerySink): Promise<StoreRunInfo | null> {
  const c = compile(req);
  if (req.events !== undefined || req.store !== undefined) return runCompiled(req, c, sink);
  const dir = req.storeDir ?? DEFAULT_STORE_DIR;
  let store: EventStore;
  try {
    store = await openStore(dir);
  } catch (e) {
    // DuckDB allows one process per database file: while an agent holds the store, the agent
    // runs the query for us on its query socket.
    if (!(e instanceof D4cError) || e.code !== STORE_CODES.cannotOpen.code) throw e;
    const sock = querySocketPath(dir);
    if (!existsSync(sock))
      throw new D4cError(
        QUERY_CODES.agentUnreachable.code,
        `the event store in ${dir} is in use by another process and no agent serves queries on ${sock} (${e.message})`,
      );
    sink.note?.(`d4c query: the store is held by a running agent; querying through it (${sock})`);
    return queryThroughAgent(sock, req, sink);
  }
  try {
    return await runCompiled({ ...req, store }, c, sink);
  } finally {
    await store.close();
  }
}

async function runCompiled(
  req: QueryRequest,
  c: ReturnType<typeof compile>,
  sink: QuerySink,
): Promise<StoreRunInfo | null> {
  const name = req.queryName ?? '<query>';
  const limit = req.limit ?? DEFAULT_QUERY_LIMIT;
  const from = boundMs(req.from, 'from');
  const to = boundMs(req.to, 'to');
  const range = { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };

  if (c.lang === 'esql') {
    const opts = { defaultLimit: limit, ...(req.now ? { now: req.now } : {}) };
    let res: Awaited<ReturnType<typeof runOnStore>> | ReturnType<typeof runPipeline>;
    let info: StoreRunInfo | null = null;
    try {
      if (req.events !== undefined) {
        const docs: unknown[] = [];
        for await (const d of readEvents(req.events, from, to)) docs.push(d);
        res = runPipeline(c.p, docs, opts);
      } else {
        await req.pace?.();
        const r = await runOnStore(req.store as Pick<EventStore, 'sql'>, c.p, {
          ...opts,
          ...range,
          ...(req.fallbackMaxDocs !== undefined ? { fallbackMaxDocs: req.fallbackMaxDocs } : {}),
          ...(req.pageSize ? { pageSize: req.pageSize } : {}),
          ...(req.pace ? { onPage: req.pace } : {}),
        });
        info = r.info;
        res = r;
      }
    } catch (e) {
      throw toD4c(e, name, req.text);
    }
    for (const w of res.warnings) {
      const pos = positionIn(req.text, w.offset);
      sink.warn(`${name}:${pos.line}:${pos.col}: warning: ${w.message}`);
    }
    // Rows in pages too: a slow reader of 10,000 rows pauses the query, not the server's memory.
    const page = req.pageSize ?? 10_000;
    let n = 0;
    for (const row of res.rows) {
      sink.emit(row);
      if (++n % page === 0) await req.pace?.();
    }
    return info;
  }

  // KQL / EQL: documents in order through the compiled matcher.
  let emitted = 0;
  const out = (x: unknown): boolean => {
    if (emitted >= limit) return false;
    sink.emit(x);
    emitted++;
    return emitted < limit;
  };
  let source: AsyncIterable<unknown>;
  if (req.events !== undefined) source = readEvents(req.events, from, to);
  else {
    let categories: string[] | undefined;
    // Candidates by event category (EQL): the store's list test, exact like EQL's category match.
    if (c.lang === 'eql') {
      const q = c.q;
      const cats =
        q.kind === 'event'
          ? [q.filter.category]
          : [...q.stages, ...(q.kind === 'sequence' && q.until ? [q.until] : [])].map(
              (s) => s.filter.category,
            );
      if (!cats.includes(null)) categories = [...new Set(cats as string[])];
    }
    source = scanStore(req.store as Pick<EventStore, 'sql'>, {
      ...range,
      ...(categories ? { categories } : {}),
      ...(req.pageSize ? { pageSize: req.pageSize } : {}),
      ...(req.pace ? { onPage: req.pace } : {}),
    });
  }
  await matchDocs(c, source, out);
  return null;
}

async function matchDocs(
  c: Exclude<ReturnType<typeof compile>, { lang: 'esql' }>,
  source: AsyncIterable<unknown>,
  out: (x: unknown) => boolean,
): Promise<void> {
  if (c.lang === 'kql') {
    for await (const d of source) if (c.test(d) && !out(d)) break;
    return;
  }
  const m = c.m;
  if (m.kind === 'event') {
    for await (const d of source) if (m.test(d) && !out(d)) break;
    return;
  }
  // Sequences and samples: the matcher reports ids; the id we give is the document itself.
  if (m.kind === 'sequence') {
    const seq = newSequenceMatcher(m.plan);
    let last = Number.NEGATIVE_INFINITY;
    for await (const d of source) {
      let ts = tsOf(d);
      if (!Number.isFinite(ts)) ts = Number.isFinite(last) ? last : 0;
      last = Math.max(last, ts);
      for (const docs of seq.push(d, ts, d)) if (!out({ sequence: docs })) return;
    }
    for (const docs of seq.flush()) if (!out({ sequence: docs })) return;
    return;
  }
  const sample = new SampleMatcher(m.plan);
  for await (const d of source) for (const docs of sample.push(d, d)) if (!out({ sample: docs })) return;
  return;
}
