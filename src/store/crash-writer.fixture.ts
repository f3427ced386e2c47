// Child process for the crash test (crash.int.test.ts): writes numbered batches into a store as fast
// as it can and reports each batch on stdout only after flush() says it is committed. The test
// SIGKILLs it at a random moment. Usage: crash-writer.fixture.ts DIR BATCH_SIZE FIRST_BATCH [CHECKPOINT_THRESHOLD]
// (D4C_STORE_WORKER=1 in the environment: the store runs its worker thread.)

import { sampleIter } from './sample-docs.fixture.js';
import { EventStore } from './store.js';

const [dir, size, first, threshold] = process.argv.slice(2);
if (!dir || !size || !first) {
  process.stderr.write('usage: crash-writer.fixture.ts DIR BATCH_SIZE FIRST_BATCH [CHECKPOINT_THRESHOLD]\n');
  process.exit(2);
}
const batchSize = Number(size);
const store = await EventStore.open({
  dir,
  batchSize,
  flushIntervalMs: 60_000,
  worker: process.env.D4C_STORE_WORKER === '1',
  duckdb: threshold ? { checkpoint_threshold: threshold } : {},
});
process.stdout.write('ready\n');
for (let b = Number(first); ; b++) {
  let i = 0;
  for (const s of sampleIter(batchSize, { seed: b })) {
    s.doc.labels = { batch: b };
    (s.doc.event as Record<string, unknown>).id = `b${b}-${i++}`;
    store.write(s.doc, s.stream);
  }
  await store.flush();
  process.stdout.write(`committed ${b}\n`);
}
