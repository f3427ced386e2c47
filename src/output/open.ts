// Opens the outputs the settings ask for (the embedded store, Elasticsearch through its disk
// spool) and fans every document out to all of them. src/config only describes the outputs;
// whoever starts the agent calls this once at start.

import type { AgentOutputSettings } from '../config/index.js';
import type { EcsDoc } from '../ecs/index.js';
import { EventStore } from '../store/index.js';
import { createEsOutput } from './elasticsearch/index.js';
import type { Output, OutputStats } from './output.js';
import type { SpoolOutput } from './spool/index.js';
import { storeSink } from './store-sink.js';

export interface OpenedOutputs extends Output {
  /** Each output by name (`store`, `elasticsearch`), for stats and health. */
  readonly outputs: Readonly<Record<string, Output>>;
  readonly store: EventStore | undefined;
  readonly elasticsearch: SpoolOutput | undefined;
  /** Per-output stats, as the metrics endpoint wants them. */
  outputStats(): Record<string, OutputStats>;
  /** Healthy when every output is; the reason names the first that is not. */
  health(): { ok: boolean; reason?: string };
}

export interface OpenOutputsOptions {
  /** Redacted error text from remote outputs (the agent logs it, rate-limited). */
  onError?: (output: string, message: string) => void;
  /** What an output found at start (templates left alone, label shapes). Default: stderr. */
  onInfo?: (output: string, message: string) => void;
}

const stderrInfo = (output: string, message: string) => {
  process.stderr.write(`d4c agent: ${output}: ${message}\n`);
};

export async function openOutputs(
  s: AgentOutputSettings,
  o: OpenOutputsOptions = {},
): Promise<OpenedOutputs> {
  const outputs: Record<string, Output> = {};
  let store: EventStore | undefined;
  let es: SpoolOutput | undefined;
  if (s.store.enabled) {
    const opts: { dir: string; maxAgeMs?: number; maxBytes?: number } = { dir: s.store.dir };
    if (s.store.maxAgeMs !== undefined) opts.maxAgeMs = s.store.maxAgeMs;
    if (s.store.maxBytes !== undefined) opts.maxBytes = s.store.maxBytes;
    store = await EventStore.open(opts);
    outputs.store = storeSink(store);
  }
  if (s.elasticsearch) {
    try {
      es = createEsOutput({
        ...s.elasticsearch,
        dir: s.spool.dir,
        maxBytes: s.spool.maxBytes,
        fullPolicy: s.spool.fullPolicy,
        fsync: s.spool.fsync,
        ...(s.spool.deadLetterFile ? { deadLetterFile: s.spool.deadLetterFile } : {}),
        onError: (m) => o.onError?.('elasticsearch', m),
        namespace: s.namespace,
        onInfo: (m) => (o.onInfo ?? stderrInfo)('elasticsearch', m),
      });
    } catch (e) {
      await store?.close();
      throw e;
    }
    outputs.elasticsearch = es;
  }
  const list = Object.values(outputs);
  let closed = false;
  let droppedClosed = 0;
  return {
    outputs,
    store,
    elasticsearch: es,
    write(doc: EcsDoc, stream: string) {
      if (closed) {
        droppedClosed++;
        return;
      }
      for (const out of list) out.write(doc, stream);
    },
    async flush() {
      await Promise.all(list.map((x) => x.flush()));
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(list.map((x) => x.close()));
    },
    outputStats() {
      const r: Record<string, OutputStats> = {};
      for (const [name, out] of Object.entries(outputs)) r[name] = out.stats();
      return r;
    },
    stats(): OutputStats {
      let docsWritten = 0;
      let queueDepth = 0;
      const docsDropped: Record<string, number> = {};
      if (droppedClosed) docsDropped.closed = droppedClosed;
      for (const [name, out] of Object.entries(outputs)) {
        const st = out.stats();
        docsWritten += st.docsWritten;
        queueDepth += st.queueDepth;
        for (const [k, v] of Object.entries(st.docsDropped)) docsDropped[`${name}:${k}`] = v;
      }
      return { docsWritten, docsDropped, queueDepth };
    },
    health() {
      if (es) {
        const h = es.health();
        if (!h.ok) return h;
      }
      return { ok: true };
    },
  };
}
