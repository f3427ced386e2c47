// Child process for the kill -9 test: writes numbered documents through the Elasticsearch
// output (disk spool + EsSender) and reports, after each flush(), the last id that is in the
// spool file. Usage: spool-child.ts URL DIR FIRST COUNT [drain]
import { createEsOutput } from '../../src/output/index.js';

const [url, dir, firstArg, countArg, mode] = process.argv.slice(2);
const first = Number(firstArg);
const count = Number(countArg);
const out = createEsOutput({
  hosts: [url as string],
  dir: dir as string,
  flushIntervalMs: 100,
  backoffInitialMs: 20,
  backoffMaxMs: 200,
  requestTimeoutMs: 2000,
  batchMaxDocs: 200,
});

if (mode === 'drain') {
  const ok = await out.drain(30_000);
  process.stdout.write(`drained ${ok}\n`);
  await out.close();
} else {
  process.stdout.write('ready\n');
  for (let i = first; i < first + count; i++) {
    out.write(
      {
        '@timestamp': new Date().toISOString(),
        event: { id: `ev-${i}`, kind: 'event', action: 'exec' },
        process: { pid: i, args: ['x'.repeat(100)] },
      },
      i % 3 === 0 ? 'logs-cloud_defend.file-default' : 'logs-cloud_defend.process-default',
    );
    if (i % 100 === 99) {
      await out.flush();
      process.stdout.write(`spooled ${i}\n`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  await out.flush();
  process.stdout.write(`spooled ${first + count - 1}\n`);
  await out.drain(30_000);
  process.stdout.write('done\n');
  await out.close();
}
