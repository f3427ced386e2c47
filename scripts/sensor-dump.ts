// Debug aid: prints decoded sensor events as JSON lines. Usage: tsx scripts/sensor-dump.ts [--include-host]
import { startSensor } from '../src/sensor/index.js';

const s = startSensor({ includeHost: process.argv.includes('--include-host') });
s.on('event', (e) =>
  process.stdout.write(
    `${JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}\n`,
  ),
);
s.ready.then(
  () => process.stderr.write('sensor: ready\n'),
  (e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  },
);
const stop = async () => {
  process.stderr.write(`${JSON.stringify(await s.stats())}\n`);
  await s.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
