// `d4c posture --store DIR [--since DURATION] [--until TIME] [--by workload|image] [--json]`:
// the hardening report per workload (src/baseline/posture.ts), as text or one JSON document.
import {
  type GroupBy,
  openEvents,
  type PostureReport,
  parseWindow,
  postureOf,
  WindowError,
} from '../baseline/index.js';
import { D4cError } from '../util/index.js';
import { parse, UsageError } from './args.js';
import { sanitize } from './table.js';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    store: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    by: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.store) throw new UsageError('--store DIR required');
  const by = (values.by ?? 'workload') as GroupBy;
  if (by !== 'workload' && by !== 'image') throw new UsageError('--by takes workload or image');
  let window: ReturnType<typeof parseWindow>;
  try {
    window = parseWindow(values.since, values.until);
  } catch (e) {
    if (e instanceof WindowError) throw new UsageError(e.message);
    throw e;
  }
  let report: PostureReport;
  try {
    const src = await openEvents(values.store, window);
    try {
      report = await postureOf(src, by, window);
    } finally {
      await src.close();
    }
  } catch (e) {
    if (e instanceof D4cError) {
      process.stderr.write(`d4c posture: ${e.format()}\n`);
      return 1;
    }
    throw e;
  }
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
  return 0;
}

/** Text for a person; values from containers are shown escaped (no terminal control). */
export function render(r: PostureReport): string {
  const out = [`posture of ${r.workloads.length} workload(s) (${r.via}):\n`];
  for (const w of r.workloads) {
    out.push(
      `\n${sanitize(w.workload)} (${w.events} events): ${w.findings.length ? `${w.findings.length} finding(s)` : 'nothing to change seen'}\n`,
    );
    for (const f of w.findings) {
      out.push(`  ${f.severity.toUpperCase().padEnd(8)} ${sanitize(f.summary)}\n`);
      out.push(`           change ${f.field}: ${sanitize(f.fix)}\n`);
    }
  }
  return out.join('');
}
