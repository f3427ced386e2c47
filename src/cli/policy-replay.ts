// `d4c policy test --policy FILE --store DIR [--since DURATION] [--until TIME] [--samples N] [--json]`:
// what-if replay of the stored events of a window through a policy (src/baseline/replay.ts).
// stdout: a report per response and per selector (events it would apply to, samples), then
// what history cannot judge; `--json` prints the same as one JSON document. Works while an agent
// holds the store (through its query socket).
import {
  openEvents,
  parseWindow,
  Replay,
  type ReplayReport,
  replaySource,
  WindowError,
} from '../baseline/index.js';
import { DEFAULT_ENFORCEMENT_CAPS, parsePolicy, withConnectBlock } from '../policy/index.js';
import { D4cError, formatDiagnostic } from '../util/index.js';
import { UsageError } from './args.js';
import { readPolicyFile } from './policy.js';
import { renderTable, tableWidth } from './table.js';

export interface ReplayFlags {
  policy: string;
  store: string;
  since?: string | undefined;
  until?: string | undefined;
  samples?: string | undefined;
  json?: boolean | undefined;
}

export async function runReplay(f: ReplayFlags): Promise<number> {
  const samples = f.samples === undefined ? 3 : Number(f.samples);
  if (!Number.isInteger(samples) || samples < 0 || samples > 1000)
    throw new UsageError('--samples takes a whole number from 0 to 1000');
  let window: ReturnType<typeof parseWindow>;
  try {
    window = parseWindow(f.since, f.until);
  } catch (e) {
    if (e instanceof WindowError) throw new UsageError(e.message);
    throw e;
  }
  const text = await readPolicyFile(f.policy);
  if (typeof text !== 'string') {
    process.stderr.write(`${f.policy}: error: ${text.message}\n`);
    return 1;
  }
  const { policy, diagnostics } = parsePolicy(text, f.policy, {
    enforcementCaps: withConnectBlock(DEFAULT_ENFORCEMENT_CAPS),
  });
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (!policy) return 1;
  const replay = new Replay(policy, samples);
  let report: ReplayReport;
  try {
    const src = await openEvents(f.store, window);
    if (!src.direct)
      process.stderr.write(
        `d4c policy test: the store is held by a running agent; replaying through it (${src.via.replace(/^.* /, '')})\n`,
      );
    try {
      await replaySource(src, replay, policy);
    } finally {
      await src.close();
    }
    report = replay.report(src.via, window);
  } catch (e) {
    if (e instanceof D4cError) {
      process.stderr.write(`${e.file ? '' : 'd4c policy test: '}${e.format()}\n`);
      return 1;
    }
    throw e;
  }
  process.stdout.write(f.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
  return 0;
}

function sampleLine(s: ReplayReport['responses'][number]['samples'][number]): string {
  return [s.time, s.workload, s.process ?? '', s.path ?? s.destination ?? ''].filter(Boolean).join('  ');
}

/** The report for a person: totals, responses, selectors, samples, what cannot be judged. */
export function renderReport(r: ReplayReport): string {
  const width = tableWidth();
  const t = r.totals;
  const win = `${r.window.since ?? 'the first stored event'} to ${r.window.until ?? 'now'}`;
  const out: string[] = [
    `replayed ${t.events} stored events (${win}, ${r.via}): would log ${t.log}, alert on ${t.alert}, block ${t.block}` +
      `${r.skipped ? `; ${r.skipped} stored documents are not policy events` : ''}\n\n`,
  ];
  if (r.responses.length)
    out.push(
      renderTable(
        ['RESPONSE', 'MATCH', 'EXCLUDE', 'ACTIONS', 'EVENTS'],
        r.responses.map((x) => [
          `${x.section}.responses[${x.index}]`,
          x.match.join(', '),
          x.exclude.join(', '),
          x.actions.join(', '),
          String(x.events),
        ]),
        { width, right: [false, false, false, false, true] },
      ),
    );
  if (r.selectors.length)
    out.push(
      `\n${renderTable(
        ['SELECTOR', 'EVENTS'],
        r.selectors.map((x) => [`${x.section}.${x.name}`, String(x.events)]),
        { width, right: [false, true] },
      )}`,
    );
  const withSamples = r.responses.filter((x) => x.samples.length && !x.actions.every((a) => a === 'log'));
  for (const x of withSamples) {
    out.push(`\nsamples of ${x.section}.responses[${x.index}] (${x.actions.join(', ')}):\n`);
    for (const s of x.samples) out.push(`  ${sampleLine(s)}\n`);
  }
  if (r.notJudged.length) {
    out.push('\nnot judged (the store has no such events in the window; 0 there means unknown, not none):\n');
    for (const n of r.notJudged) out.push(`  ${n.section} ${n.operation} (${n.responses.join(', ')})\n`);
  }
  return out.join('');
}
