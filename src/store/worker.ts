// The store worker: owns the DuckDB instance (a StoreCore) so data chunks, Appender calls,
// commits, retention and queries run off the caller's thread; documents arrive encoded
// (columnar.ts) and go into chunks from their bytes. Messages are handled in arrival
// order, so a `flush` call sees every document posted before it.
import { parentPort, workerData } from 'node:worker_threads';
import { D4cError } from '../util/index.js';
import { buffersOf } from './columnar.js';
import { StoreCore } from './core.js';
import type { CallMethod, FromWorker, Progress, ToWorker, WireError, WorkerInit } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread');
const send = (m: FromWorker) => port.postMessage(m);

function wireError(e: unknown): WireError {
  if (e instanceof D4cError) return { code: e.code, message: e.message, ...(e.file ? { file: e.file } : {}) };
  return { message: e instanceof Error ? e.message : String(e) };
}

const init = workerData as WorkerInit;
let core: StoreCore;
try {
  core = await StoreCore.open(init.options);
} catch (e) {
  send({ t: 'openError', error: wireError(e) });
  port.close();
  process.exit(0); // ends this thread only
}

const progress = (): Progress => ({ stats: core.stats(), processed: core.processed });

// Counters go back after each commit (coalesced), so the caller's `pending` and `stats()` move.
let scheduled = false;
core.onChange = () => {
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    send({ t: 'progress', progress: progress() });
  });
};

// A committed message's buffers go back to the caller's encoder (see ColumnEncoder.recycle).
core.onDone = (m) => {
  const buffers = buffersOf(m);
  port.postMessage({ t: 'free', buffers } satisfies FromWorker, buffers);
};

async function call(method: CallMethod, args: unknown[]): Promise<unknown> {
  const c = core as unknown as Record<CallMethod, (...a: unknown[]) => Promise<unknown>>;
  return c[method].apply(core, args);
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'cols') {
    core.writeColumns(m.cols);
    return;
  }
  call(m.method, m.args).then(
    (value) => {
      send({ t: 'reply', id: m.id, ok: true, value, progress: progress() });
      if (m.method === 'close') port.close();
    },
    (e: unknown) => send({ t: 'reply', id: m.id, ok: false, error: wireError(e), progress: progress() }),
  );
});
send({ t: 'open', path: core.path, progress: progress() });
