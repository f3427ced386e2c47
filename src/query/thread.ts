// The query worker: runs a served query's JavaScript — document parsing, KQL/EQL matching, the
// ES|QL in-memory evaluator, output formatting — off the agent's thread, under the heap limit
// and deadline query-thread.ts gives it. Store reads are asked of the server (the store is not
// here); results go back as output text, in order. One query at a time.
import { parentPort, workerData } from 'node:worker_threads';
import type { AggregateRow } from '../store/index.js';
import { D4cError } from '../util/index.js';
import type { QueryRequest } from './request.js';
import { runQuery } from './run.js';
import { wireError } from './socket.js';
import type { FromThread, SqlParams, ThreadInit, ThreadJob, ToThread } from './thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('thread.ts runs as a worker thread');
const init = (workerData ?? {}) as ThreadInit;
const send = (m: FromThread) => port.postMessage(m);

const waits = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextId = 0;
const ask = <T>(m: (id: number) => FromThread): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const id = ++nextId;
    waits.set(id, { resolve: resolve as (v: unknown) => void, reject });
    send(m(id));
  });

let reads = 0;
const store = {
  async sql(text: string, params: SqlParams = []): Promise<AggregateRow[]> {
    const rows = await ask<AggregateRow[]>((id) => ({ t: 'sql', id, text, params }));
    if (init.testSpin && ++reads === 1) for (;;); // test-only, see ThreadInit
    return rows;
  },
};

// Output is posted in chunks (one message per line would cost the server more than the line).
const CHUNK = 64 << 10;
let out = '';
const flush = () => {
  if (out.length > 0) send({ t: 'out', text: out });
  out = '';
};
const line = (l: string) => {
  out += l;
  if (out.length >= CHUNK) flush();
};

async function run(job: ThreadJob): Promise<void> {
  const r = job.req;
  const q: QueryRequest = {
    lang: r.lang,
    text: r.text,
    store,
    pageSize: job.pageSize,
    fallbackMaxDocs: job.fallbackMaxDocs,
    pace: async () => {
      flush();
      await ask<void>((id) => ({ t: 'pace', id }));
    },
    ...(r.from !== undefined ? { from: r.from } : {}),
    ...(r.to !== undefined ? { to: r.to } : {}),
    ...(r.limit !== undefined ? { limit: r.limit } : {}),
    ...(r.now !== undefined ? { now: new Date(r.now) } : {}),
  };
  try {
    const info = await runQuery(q, {
      emit: (x) => line(`${JSON.stringify(x)}\n`),
      warn: (w) => line(`!${JSON.stringify({ warn: w })}\n`),
    });
    flush();
    send({ t: 'done', info });
  } catch (e) {
    flush(); // results before the error are part of the answer, as on the direct path
    send({ t: 'error', error: wireError(e) });
  }
}

port.on('message', (m: ToThread) => {
  if (m.t === 'run') {
    void run(m.job);
    return;
  }
  const w = waits.get(m.id);
  if (!w) return;
  waits.delete(m.id);
  if (m.t === 'refused') {
    const e = m.error;
    w.reject(e.code ? new D4cError(e.code, e.message, e.file) : new Error(e.message));
  } else w.resolve(m.t === 'rows' ? m.rows : undefined);
});
send({ t: 'ready' });
