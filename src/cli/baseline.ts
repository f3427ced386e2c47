// `d4c baseline --store DIR [--since DURATION] [--until TIME] [--by workload|image]
//   [--mode alert|block] [--min-events N] [--no-network] [--out FILE]`: writes the D4C policy
// of what each workload did in the window (src/baseline), YAML on stdout or in FILE (0600), and
// a summary on stderr: the workloads learned and those left out.
import { chmodSync, writeFileSync } from 'node:fs';
import {
  type GroupBy,
  Learner,
  openEvents,
  parseWindow,
  WindowError,
  writeBaseline,
} from '../baseline/index.js';
import { D4cError } from '../util/index.js';
import { parse, UsageError } from './args.js';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    store: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    by: { type: 'string' },
    mode: { type: 'string' },
    'min-events': { type: 'string' },
    'no-network': { type: 'boolean' },
    out: { type: 'string', short: 'o' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.store) throw new UsageError('--store DIR required');
  const by = (values.by ?? 'workload') as GroupBy;
  if (by !== 'workload' && by !== 'image') throw new UsageError('--by takes workload or image');
  const mode = values.mode ?? 'alert';
  if (mode !== 'alert' && mode !== 'block') throw new UsageError('--mode takes alert or block');
  const minEvents = values['min-events'] === undefined ? 10 : Number(values['min-events']);
  if (!Number.isInteger(minEvents) || minEvents < 1)
    throw new UsageError('--min-events takes a whole number >= 1');
  let window: ReturnType<typeof parseWindow>;
  try {
    window = parseWindow(values.since, values.until);
  } catch (e) {
    if (e instanceof WindowError) throw new UsageError(e.message);
    throw e;
  }
  try {
    const src = await openEvents(values.store, window);
    const learner = new Learner(by);
    try {
      for await (const ev of src.events()) learner.add(ev);
    } finally {
      await src.close();
    }
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const since = iso(window.from);
    const until = iso(window.to);
    const b = writeBaseline([...learner.workloads.values()], {
      mode,
      minEvents,
      network: values['no-network'] !== true,
      source: `the store in ${values.store}, by ${by}`,
      window: { ...(since ? { since } : {}), ...(until ? { until } : {}) },
    });
    if (values.out !== undefined) {
      writeFileSync(values.out, b.yaml, { mode: 0o600 });
      chmodSync(values.out, 0o600); // an existing file keeps its mode otherwise
    } else process.stdout.write(b.yaml);
    const lines = [
      `d4c baseline: ${b.workloads.length} workload(s) learned${values.out ? `, policy written to ${values.out}` : ''} (mode ${mode})`,
      ...b.workloads.map(
        (w) =>
          `  learned   ${w.workload} (${w.events} events, ${w.first} to ${w.last}; selectors ${w.selectorStem}*)`,
      ),
      ...b.leftOut.map((w) => `  left out  ${w.workload}: ${w.reason}`),
    ];
    if (learner.host) lines.push(`  ${learner.host} host events (no container) are no workload's`);
    process.stderr.write(`${lines.join('\n')}\n`);
    return b.workloads.length > 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof D4cError) {
      process.stderr.write(`d4c baseline: ${e.format()}\n`);
      return 1;
    }
    throw e;
  }
}
