// The agent's query socket: DuckDB lets one process open a database file, so while the agent
// holds the store, `d4c query` asks the agent to run the query on its open store. A unix socket
// inside the store directory (no port to know; mode 0600: only root, who runs the agent, can
// connect). One request per connection: a JSON line naming the language and the query text, never
// SQL; the answer is the command's own output lines (results verbatim; `!`-prefixed control lines
// for warnings, the end and errors), so both paths print the same bytes.
// Bounded: queries run one at a time (a few wait, more are refused), the result limit is the
// command's (at most 1,000,000), each query's JavaScript runs in a worker thread with a heap
// limit and a deadline that terminates it (query-thread.ts), documents are read in small pages
// with a yield to the event loop between pages (ingest runs in between), and output waits
// for the client to read (a slow reader pauses its query, not the agent's memory).
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { EventStore } from '../store/index.js';
import { D4cError } from '../util/index.js';
import { QUERY_CODES } from './codes.js';
import { QueryThreads } from './query-thread.js';
import { querySocketPath, type WireControl, type WireRequest, wireError } from './socket.js';

export interface QueryServerOptions {
  /** Longest a query may run (default 60 s); a request may ask for less. */
  timeoutMs?: number;
  /** Queries waiting for the one running; beyond, refused (default 4). */
  maxWaiting?: number;
  /** Documents per page read from the store (default 1000: a page is a few ms of matching). */
  pageSize?: number;
  /**
   * Most documents an ES|QL query that does not translate to SQL may load into the agent's
   * memory (default 10,000; the command line's own limit is 1,000,000). Past it the answer says so.
   */
  fallbackMaxDocs?: number;
  /** A connection that has not sent its request line after this long is closed (default 5 s). */
  idleMs?: number;
  /** Connections open at once; more are closed at once (default 16). */
  maxConnections?: number;
  /** Heap limit of the worker that runs a query's JavaScript, MB (default 256). */
  maxHeapMb?: number;
  /** Test-only: the first query worker spins after its first read (see ThreadInit.testSpin). */
  testSpin?: boolean;
}

export interface QueryServerStats {
  served: number;
  failed: number;
  refused: number;
  timedOut: number;
  /** Connections closed for sending no request in time. */
  idleClosed: number;
  /** Queries stopped at the worker's heap limit. */
  outOfMemory: number;
  /** Query workers started (one serves query after query; a stopped one is replaced). */
  workers: number;
  /** Queries waiting now for the one running (at most maxWaiting). */
  waiting: number;
}

export interface QueryServer {
  readonly path: string;
  stats(): QueryServerStats;
  close(): Promise<void>;
}

const MAX_REQUEST = 256 << 10;
/** The in-memory ES|QL fallback's cap for served queries (documents). */
export const DEFAULT_SERVED_FALLBACK_DOCS = 10_000;
const HIGH_WATER = 1 << 20;
const LANGS: ReadonlySet<string> = new Set(['kql', 'eql', 'esql']);
// Only statements that read. The SQL comes from d4c's own translators (values bound as
// parameters), never from the client; this is a second line of defence.
const READ_ONLY = /^\s*(SELECT|WITH)\b[^;]*$/is;

/** The store as the served queries see it: `sql()` only, reads only. */
export function readOnly(store: Pick<EventStore, 'sql'>): Pick<EventStore, 'sql'> {
  return {
    sql(text, params) {
      if (typeof text !== 'string' || !READ_ONLY.test(text))
        return Promise.reject(new D4cError(QUERY_CODES.readOnly.code, 'only read queries are served'));
      return store.sql(text, params);
    },
  };
}

function checkRequest(x: unknown): WireRequest {
  const bad = (m: string) => new D4cError(QUERY_CODES.badRequest.code, `bad query request: ${m}`);
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw bad('not an object');
  const r = x as Record<string, unknown>;
  if (r.v !== 1) throw bad(`unsupported version ${JSON.stringify(r.v)}`);
  if (typeof r.lang !== 'string' || !LANGS.has(r.lang)) throw bad('lang must be kql, eql or esql');
  if (typeof r.text !== 'string' || r.text.length > 128 << 10) throw bad('text must be a string');
  for (const k of ['from', 'to'] as const)
    if (r[k] !== undefined && typeof r[k] !== 'string' && typeof r[k] !== 'number')
      throw bad(`${k} must be a string or a number`);
  if (
    r.limit !== undefined &&
    (!Number.isInteger(r.limit) || (r.limit as number) < 1 || (r.limit as number) > 1e6)
  )
    throw bad('limit must be an integer from 1 to 1000000');
  if (r.now !== undefined && (typeof r.now !== 'string' || !Number.isFinite(Date.parse(r.now))))
    throw bad('now must be an ISO-8601 time');
  if (r.timeoutMs !== undefined && (typeof r.timeoutMs !== 'number' || !(r.timeoutMs > 0)))
    throw bad('timeoutMs must be a positive number');
  return r as unknown as WireRequest;
}

/**
 * Listens on a unix socket that exists only with mode 0600: bind(2) creates the file under the
 * umask, so the umask is 0177 for that call (listen binds synchronously, in this thread). A
 * chmod after listen would leave a window in which the socket is as open as the umask allows.
 */
async function listenPrivate(server: Server, path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const old = process.umask(0o177);
    try {
      server.listen(path, () => resolve());
    } finally {
      process.umask(old);
    }
  });
  const mode = statSync(path).mode & 0o777;
  if (mode !== 0o600) {
    server.close();
    throw new D4cError(
      QUERY_CODES.badSocket.code,
      `query socket ${path} has mode ${mode.toString(8)}, not 600`,
      path,
    );
  }
}

/** Serves queries over `store` on `DIR/query.sock`. The caller holds the store open. */
export async function serveQueries(
  store: Pick<EventStore, 'sql'>,
  storeDir: string,
  o: QueryServerOptions = {},
): Promise<QueryServer> {
  const path = querySocketPath(storeDir);
  // sun_path is 108 bytes on Linux.
  if (Buffer.byteLength(path) > 107)
    throw new D4cError(
      QUERY_CODES.badSocket.code,
      `query socket path too long (${Buffer.byteLength(path)} bytes)`,
      path,
    );
  // A socket left by an agent that was killed: whoever holds the store (we do) owns the name.
  if (existsSync(path)) unlinkSync(path);
  const reader = readOnly(store);
  const timeoutMs = o.timeoutMs ?? 60_000;
  const maxWaiting = o.maxWaiting ?? 4;
  const pageSize = o.pageSize ?? 1000;
  const fallbackMaxDocs = o.fallbackMaxDocs ?? DEFAULT_SERVED_FALLBACK_DOCS;
  const idleMs = o.idleMs ?? 5000;
  const stats: Omit<QueryServerStats, 'waiting' | 'workers'> = {
    served: 0,
    failed: 0,
    refused: 0,
    timedOut: 0,
    idleClosed: 0,
    outOfMemory: 0,
  };
  const threads = new QueryThreads(reader, {
    ...(o.maxHeapMb !== undefined ? { maxHeapMb: o.maxHeapMb } : {}),
    ...(o.testSpin ? { testSpin: true } : {}),
  });
  const sockets = new Set<Socket>();
  let running: Promise<void> = Promise.resolve();
  let waiting = 0;

  const control = (sock: Socket, c: WireControl) => {
    if (!sock.destroyed) sock.write(`!${JSON.stringify(c)}\n`);
  };
  const fail = (sock: Socket, e: unknown) => {
    control(sock, { error: wireError(e) });
    sock.end();
  };

  async function serve(sock: Socket, req: WireRequest): Promise<void> {
    const deadline = Math.min(timeoutMs, req.timeoutMs ?? timeoutMs);
    const pace = async () => {
      await new Promise((r) => setImmediate(r)); // let ingest run between pages
      while (sock.writableLength > HIGH_WATER && !sock.destroyed)
        await new Promise((r) => sock.once('drain', r).once('close', r));
    };
    const write = (text: string) => {
      if (!sock.destroyed) sock.write(text);
    };
    const run = threads.run({ req, pageSize, fallbackMaxDocs }, { write, pace }, deadline);
    const gone = () => run.cancel();
    sock.once('close', gone);
    try {
      const res = await run.answer;
      if (res.ok) {
        stats.served++;
        control(sock, { done: true, info: res.info });
      } else {
        if (res.why === 'timeout') stats.timedOut++;
        else if (res.why === 'memory') stats.outOfMemory++;
        else stats.failed++;
        control(sock, { error: res.error });
      }
      sock.end();
    } finally {
      sock.off('close', gone);
      // The client has its answer at the deadline, but the query's slot is held until the work
      // has really stopped (its worker terminated, its store read finished): a short `timeoutMs`
      // must not start the next query while this one still runs, or the one-at-a-time bound
      // would mean nothing.
      await run.stopped;
    }
  }

  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {}); // a client that goes away mid-answer is not the agent's problem
    sock.setEncoding('utf8');
    // A connection that never finishes its request line would hold a descriptor forever.
    sock.setTimeout(idleMs, () => {
      stats.idleClosed++;
      sock.off('data', onData);
      fail(sock, new D4cError(QUERY_CODES.badRequest.code, `bad query request: none within ${idleMs} ms`));
      sock.destroySoon();
    });
    let buf = '';
    const onData = (s: string) => {
      buf += s;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > MAX_REQUEST) {
          sock.off('data', onData);
          sock.setTimeout(0);
          fail(sock, new D4cError(QUERY_CODES.badRequest.code, 'bad query request: too long'));
        }
        return;
      }
      sock.off('data', onData);
      sock.setTimeout(0); // from here the query's own deadline bounds the connection
      let req: WireRequest;
      try {
        let parsed: unknown;
        try {
          parsed = JSON.parse(buf.slice(0, nl));
        } catch {
          throw new D4cError(QUERY_CODES.badRequest.code, 'bad query request: not JSON');
        }
        req = checkRequest(parsed);
      } catch (e) {
        fail(sock, e);
        return;
      }
      if (waiting >= maxWaiting) {
        stats.refused++;
        fail(sock, new D4cError(QUERY_CODES.busy.code, 'the agent is busy with other queries; try again'));
        return;
      }
      waiting++;
      const prev = running;
      running = prev
        .then(async () => {
          waiting--;
          if (!sock.destroyed) await serve(sock, req);
        })
        .catch(() => {});
    };
    sock.on('data', onData);
  });
  server.maxConnections = o.maxConnections ?? 16;
  await listenPrivate(server, path);
  threads.warm();
  server.unref();
  return {
    path,
    stats: () => ({ ...stats, waiting, workers: threads.counts.started }),
    close: async () => {
      await new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          try {
            unlinkSync(path);
          } catch {}
          resolve();
        });
      });
      await threads.close();
    },
  };
}
