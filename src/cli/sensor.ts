// `d4c sensor events`: runs the live sensor and prints its decoded records as NDJSON, for
// debugging the kernel side without the agent. Stops on SIGINT/SIGTERM and prints the counters.
import { startSensor } from '../sensor/index.js';
import { parse } from './args.js';

// Terminal output (tty records' data) as text: a Buffer arrives here already as its toJSON() form.
const isBufferJson = (x: unknown): x is { type: 'Buffer'; data: number[] } =>
  typeof x === 'object' &&
  x !== null &&
  (x as { type?: unknown }).type === 'Buffer' &&
  Array.isArray((x as { data?: unknown }).data);
const json = (v: unknown) =>
  JSON.stringify(v, (_k, x) =>
    typeof x === 'bigint'
      ? `0x${x.toString(16)}`
      : isBufferJson(x)
        ? Buffer.from(x.data).toString('utf8')
        : x,
  );

export async function runEvents(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      'include-host': { type: 'boolean' },
      'ring-bytes': { type: 'string' },
      'read-prefix': { type: 'string', multiple: true },
      stats: { type: 'boolean' },
    },
    false,
  );
  const sensor = startSensor({
    includeHost: values['include-host'] === true,
    ringBytes: values['ring-bytes'] ? Number(values['ring-bytes']) : undefined,
    // Read-only opens under these prefixes are reported too (op `read`); see docs/sensor.md.
    readPrefixes: values['read-prefix'] ?? [],
  });
  sensor.on('event', (e) => process.stdout.write(`${json(e)}\n`));
  await sensor.ready;
  // Caught before `attached` is printed: whoever reads it may stop us at once.
  const stopped = new Promise<void>((res) => {
    process.once('SIGINT', () => res());
    process.once('SIGTERM', () => res());
    sensor.on('exit', () => res());
  });
  process.stderr.write('d4c sensor: attached; Ctrl-C to stop\n');
  await stopped;
  if (values.stats) process.stderr.write(`${json(await sensor.stats())}\n`);
  await sensor.stop();
  return 0;
}
