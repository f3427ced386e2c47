// `d4c policy test --policy FILE --events FILE.ndjson`
// Evaluates a policy over recorded ECS documents so an engineer can tune it before deploying.
// stdout: exactly one JSON line per input line, in order:
//   {"actions": [...], "matched_selectors": [...]}   (both sorted; empty lists when nothing matched)
// A line that is not a JSON object gets empty lists plus an "error" key, and a positioned
// diagnostic on stderr; the exit code is then 1. stderr ends with a per-selector and
// per-response hit summary.
// That is the `ndjson` format, the default when stdout is not a terminal. On a terminal (or with
// `--format table|csv`) stdout is instead the hit summary as tables (or CSV), and stderr has only
// the diagnostics.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  compilePolicy,
  DEFAULT_ENFORCEMENT_CAPS,
  firingResponses,
  type Policy,
  parsePolicy,
  policyEventFromEcs,
  SECTIONS,
  type Section,
  withConnectBlock,
} from '../policy/index.js';
import { formatDiagnostic } from '../util/index.js';
import { parse, UsageError } from './args.js';
import { readPolicyFile } from './policy.js';
import { runReplay } from './policy-replay.js';
import { chooseFormat, csvRecord, type Format, renderTable, tableWidth } from './table.js';

export async function runTest(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    policy: { type: 'string' },
    events: { type: 'string' },
    'no-summary': { type: 'boolean' },
    format: { type: 'string' },
    store: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    samples: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  // --store: what-if replay over the embedded store (policy-replay.ts); --events is unchanged.
  if (values.store !== undefined) {
    if (values.events !== undefined)
      throw new UsageError('give --events FILE.ndjson or --store DIR, not both');
    if (values.format !== undefined || values['no-summary'])
      throw new UsageError('--format and --no-summary are for --events; with --store, --json prints JSON');
    if (!values.policy) throw new UsageError('--policy FILE required');
    return runReplay({ ...values, policy: values.policy, store: values.store });
  }
  for (const k of ['since', 'until', 'samples', 'json'] as const)
    if (values[k] !== undefined) throw new UsageError(`--${k} is for --store DIR`);
  const format = chooseFormat(values.format);
  if (!values.policy || !values.events)
    throw new UsageError(
      [values.policy ? '' : '--policy FILE', values.events ? '' : '--events FILE.ndjson']
        .filter(Boolean)
        .join(' and ')
        .concat(' required'),
    );

  if (values.policy === '-' && values.events === '-')
    throw new UsageError('only one of --policy and --events can be -');
  const text = await readPolicyFile(values.policy);
  if (typeof text !== 'string') {
    process.stderr.write(`${values.policy}: error: ${text.message}\n`);
    return 1;
  }
  // Judged as `policy validate` and the agent judge it: the connect filter can block connect and bind.
  const { policy, diagnostics } = parsePolicy(text, values.policy, {
    enforcementCaps: withConnectBlock(DEFAULT_ENFORCEMENT_CAPS),
  });
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (!policy) return 1;

  const compiled = compilePolicy(policy);
  const hits = new Hits(policy);
  let input: NodeJS.ReadableStream;
  try {
    input = values.events === '-' ? process.stdin : await openReadable(values.events);
  } catch (e) {
    process.stderr.write(`${values.events}: error: cannot read: ${(e as NodeJS.ErrnoException).code ?? e}\n`);
    return 1;
  }

  let lineNo = 0;
  let bad = 0;
  const out: string[] = [];
  // Per-line results are the NDJSON format's output; the other formats print the summary only.
  const flush = () => {
    if (out.length && format === 'ndjson') process.stdout.write(out.join(''));
    out.length = 0;
  };
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNo++;
    if (line.trim() === '') {
      out.push('{"actions":[],"matched_selectors":[]}\n');
      continue;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (e) {
      bad++;
      const msg = `invalid JSON: ${e instanceof Error ? e.message : String(e)}`;
      process.stderr.write(`${values.events}:${lineNo}:1: error: ${msg}\n`);
      out.push(`${JSON.stringify({ actions: [], matched_selectors: [], error: msg })}\n`);
      continue;
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      bad++;
      const msg = 'not a JSON object';
      process.stderr.write(`${values.events}:${lineNo}:1: error: ${msg}\n`);
      out.push(`${JSON.stringify({ actions: [], matched_selectors: [], error: msg })}\n`);
      continue;
    }
    const conv = policyEventFromEcs(doc);
    if (!conv.event) {
      hits.skipped++;
      out.push('{"actions":[],"matched_selectors":[]}\n');
      continue;
    }
    const decision = compiled.decide(conv.event);
    hits.count(conv.event.section, decision.matchedSelectors);
    out.push(
      `${JSON.stringify({ actions: [...decision.actions].sort(), matched_selectors: decision.matchedSelectors })}\n`,
    );
    if (out.length >= 512) flush();
  }
  flush();
  if (format !== 'ndjson') process.stdout.write(hits.render(format, lineNo, bad));
  else if (!values['no-summary']) process.stderr.write(hits.report(lineNo, bad));
  return bad > 0 ? 1 : 0;
}

async function openReadable(path: string): Promise<NodeJS.ReadableStream> {
  const s = createReadStream(path);
  await new Promise<void>((resolve, reject) => {
    s.once('open', () => resolve());
    s.once('error', reject);
  });
  return s;
}

/** Per-selector and per-response hit counts, for tuning. */
class Hits {
  readonly selectors = new Map<string, number>();
  readonly responses = new Map<string, number>();
  skipped = 0;
  evaluated = 0;

  constructor(private readonly policy: Policy) {
    for (const section of SECTIONS) {
      const s = policy[section];
      if (!s) continue;
      for (const sel of s.selectors) this.selectors.set(`${section}.${sel.name}`, 0);
      for (const r of s.responses) this.responses.set(responseLabel(section, r.index, r.match), 0);
    }
  }

  count(section: Section, matched: readonly string[]): void {
    this.evaluated++;
    const s = this.policy[section];
    if (!s) return;
    for (const name of matched) {
      const k = `${section}.${name}`;
      this.selectors.set(k, (this.selectors.get(k) ?? 0) + 1);
    }
    for (const r of firingResponses(s, matched)) {
      const k = responseLabel(section, r.index, r.match);
      this.responses.set(k, (this.responses.get(k) ?? 0) + 1);
    }
  }

  private headline(lines: number, bad: number): string {
    return `${lines} lines, ${this.evaluated} evaluated, ${this.skipped} not process/file/network events, ${bad} invalid`;
  }

  /** The summary as tables (a person at a terminal) or as one CSV. */
  render(format: Exclude<Format, 'ndjson'>, lines: number, bad: number): string {
    const responses: string[][] = [];
    for (const section of SECTIONS)
      for (const r of this.policy[section]?.responses ?? [])
        responses.push([
          `${section}.responses[${r.index}]`,
          r.match.join(', '),
          r.exclude.join(', '),
          r.actions.join(', '),
          String(this.responses.get(responseLabel(section, r.index, r.match)) ?? 0),
        ]);
    const selectors = [...this.selectors].map(([k, n]) => [k, String(n)]);
    if (format === 'csv')
      return [
        csvRecord(['kind', 'name', 'match', 'exclude', 'actions', 'hits']),
        ...selectors.map(([k, n]) => csvRecord(['selector', k!, '', '', '', n!])),
        ...responses.map((r) => csvRecord(['response', ...r])),
      ].join('');
    const width = tableWidth();
    const right = [false, false, false, false, true];
    return [
      `${this.headline(lines, bad)}\n\n`,
      selectors.length ? renderTable(['SELECTOR', 'HITS'], selectors, { width, right: [false, true] }) : '',
      responses.length
        ? `\n${renderTable(['RESPONSE', 'MATCH', 'EXCLUDE', 'ACTIONS', 'HITS'], responses, { width, right })}`
        : '',
    ].join('');
  }

  report(lines: number, bad: number): string {
    const rows = [
      `summary: ${this.headline(lines, bad)}`,
      'selectors:',
      ...[...this.selectors].map(([k, n]) => `  ${String(n).padStart(8)}  ${k}`),
      'responses:',
      ...[...this.responses].map(([k, n]) => `  ${String(n).padStart(8)}  ${k}`),
    ];
    return `${rows.join('\n')}\n`;
  }
}

function responseLabel(section: Section, index: number, match: readonly string[]): string {
  return `${section}.responses[${index}] (match: ${match.join(', ')})`;
}
