// `d4c rules test` and `d4c rules list`.
import { createReadStream } from 'node:fs';
import {
  defaultRulePaths,
  EXCEPTION_CODES,
  type ExceptionList,
  type LoadResult,
  loadExceptions,
  loadRules,
  RuleEngine,
  runPipeline,
  withDefaultExceptions,
} from '../rules/index.js';
import { boundedLines, formatDiagnostic, LineTooLongError, readFileBoundedSync } from '../util/index.js';
import { parse, UsageError } from './args.js';
import { RuleHits } from './rules-summary.js';
import { chooseFormat } from './table.js';

// `d4c rules list | head`: a closed pipe ends output quietly instead of crashing.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

function rulePaths(values: { rules?: string[] | undefined }, positionals: string[]): string[] {
  const paths = [...(values.rules ?? []), ...positionals];
  if (paths.length > 0) return paths;
  const def = defaultRulePaths();
  if (def.length === 0) throw new UsageError('no rules given (--rules PATH...) and no rule pack installed');
  return def;
}

/** Prints load problems to stderr; returns whether any was an error. */
function report(loaded: LoadResult): boolean {
  let bad = false;
  for (const d of loaded.diagnostics) {
    process.stderr.write(`${formatDiagnostic(d)}\n`);
    if (d.severity === 'error') bad = true;
  }
  for (const r of loaded.rules) {
    if (r.status !== 'ok') {
      process.stderr.write(
        `${r.meta.file}:${r.meta.queryPos.line}:${r.meta.queryPos.col}: warning: rule '${r.meta.name}' not run (${r.status}): ${r.reason ?? ''}\n`,
      );
    }
  }
  return bad;
}

/** Largest exception-list export read (Kibana's exports of large lists are a few MiB). */
const MAX_EXCEPTIONS_BYTES = 64 * 1024 * 1024;
export async function runTest(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    rules: { type: 'string', multiple: true },
    events: { type: 'string' },
    exceptions: { type: 'string', multiple: true },
    'no-default-exceptions': { type: 'boolean' },
    interpreter: { type: 'boolean' },
    stats: { type: 'boolean' },
    'dedup-window': { type: 'string' },
    format: { type: 'string' },
  });
  const format = chooseFormat(values.format);
  if (!values.events) throw new UsageError('--events FILE.ndjson is required (use - for stdin)');
  const paths = rulePaths(values, positionals);
  const dedup = values['dedup-window'] === undefined ? undefined : Number(values['dedup-window']);
  if (dedup !== undefined && !(dedup >= 0)) throw new UsageError('--dedup-window takes milliseconds (>= 0)');
  const loaded = loadRules(paths);
  let failed = report(loaded);
  if (loaded.rules.length === 0 && loaded.diagnostics.length === 0) {
    process.stderr.write(`error: no rule files (*.toml) found in ${paths.join(', ')}\n`);
    return 1;
  }
  const ex = readExceptions(values.exceptions ?? []);
  if (ex.failed) failed = true;
  // d4c's tuning of Elastic's rules (exceptions/elastic-d4c.ndjson) unless --no-default-exceptions.
  const tuned = withDefaultExceptions(loaded.rules, ex.lists, values['no-default-exceptions'] === true);
  const engine = new RuleEngine(tuned.rules, {
    ...(tuned.lists ? { exceptions: tuned.lists } : {}),
    mode: values.interpreter ? 'interpreted' : 'compiled',
    includeDisabled: true,
    ...(dedup === undefined ? {} : { dedupWindowMs: dedup }),
  });
  // ES|QL rules run on a schedule in the agent; here once, over every event of the file.
  const esql = loaded.rules.filter((r) => r.status === 'ok' && r.parsed?.language === 'esql');
  const esqlDocs: unknown[] = [];
  for (const m of engine.stats().missingExceptionLists)
    process.stderr.write(
      `warning: rule '${m.name}' (${m.id}) names exception list '${m.listId}', which no --exceptions file holds [${EXCEPTION_CODES.missingList}]\n`,
    );
  for (const s of engine.stats().skipped) {
    if (loaded.rules.some((r) => r.meta.id === s.id && (r.status !== 'ok' || r.parsed?.language === 'esql')))
      continue;
    process.stderr.write(`${s.file}: warning: rule '${s.name}' not run: ${s.reason}\n`);
  }
  const input = values.events === '-' ? process.stdin : createReadStream(values.events);
  const name = values.events === '-' ? '<stdin>' : values.events;
  const lines = boundedLines(input);
  // NDJSON: a line per detection as it happens; table and CSV: a per-rule summary at the end.
  const notRun = new Set(engine.stats().skipped.map((s) => s.id));
  const hits = new RuleHits(
    loaded.rules.filter(
      (r) => r.status === 'ok' && (r.parsed?.language === 'esql' || !notRun.has(r.meta.id)),
    ),
  );
  const write = (ds: ReturnType<RuleEngine['push']>): void => {
    for (const d of ds) {
      if (format !== 'ndjson') hits.add(d.rule.id, d.events);
      else
        process.stdout.write(
          `${JSON.stringify({ rule: { id: d.rule.id, name: d.rule.name }, events: d.events })}\n`,
        );
    }
  };
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch (e) {
        process.stderr.write(`${name}:${lineNo}:1: error: invalid JSON: ${(e as Error).message}\n`);
        failed = true;
        continue;
      }
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
        process.stderr.write(`${name}:${lineNo}:1: error: each line must be a JSON object\n`);
        failed = true;
        continue;
      }
      hits.events++;
      write(engine.push(doc));
      if (esql.length > 0) esqlDocs.push(doc);
    }
  } catch (e) {
    if (e instanceof LineTooLongError) process.stderr.write(`${name}:${e.line}:1: error: ${e.message}\n`);
    else process.stderr.write(`${name}: error: ${(e as Error).message}\n`);
    return 1;
  }
  write(engine.flush());
  for (const r of esql) {
    if (r.parsed?.language !== 'esql') continue;
    try {
      const res = runPipeline(r.parsed.ast, esqlDocs);
      for (const row of res.rows) {
        const id = row['event.id'] ?? row._id;
        const events = id === undefined || id === null ? [] : [id];
        if (format !== 'ndjson') hits.add(r.meta.id, events);
        else
          process.stdout.write(
            `${JSON.stringify({ rule: { id: r.meta.id, name: r.meta.name }, events, row })}\n`,
          );
      }
    } catch (e) {
      process.stderr.write(`${r.meta.file}: error: rule '${r.meta.name}': ${(e as Error).message}\n`);
      failed = true;
    }
  }
  if (format !== 'ndjson') process.stdout.write(hits.render(format));
  if (values.stats) process.stderr.write(`${JSON.stringify(engine.stats())}\n`);
  return failed ? 1 : 0;
}

/**
 * Kibana exception exports (--exceptions), merged by list_id; problems printed as
 * FILE:LINE:COL. `lists` is undefined when no file was given (rules' lists are then metadata).
 */
export function readExceptions(files: readonly string[]): {
  lists: Map<string, ExceptionList> | undefined;
  failed: boolean;
} {
  if (files.length === 0) return { lists: undefined, failed: false };
  const lists = new Map<string, ExceptionList>();
  let failed = false;
  for (const f of files) {
    let text: string;
    try {
      text = readFileBoundedSync(f, MAX_EXCEPTIONS_BYTES);
    } catch (e) {
      process.stderr.write(
        `${f}: error: cannot read the exception lists: ${(e as Error).message} [${EXCEPTION_CODES.invalid}]\n`,
      );
      failed = true;
      continue;
    }
    const r = loadExceptions(text, f);
    for (const d of r.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    if (r.diagnostics.some((d) => d.severity === 'error')) failed = true;
    for (const [id, l] of r.lists) {
      const had = lists.get(id);
      if (had) had.items.push(...l.items);
      else lists.set(id, l);
    }
  }
  return { lists, failed };
}

export async function runList(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    rules: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  });
  const loaded = loadRules(rulePaths(values, positionals));
  for (const d of loaded.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const rows = loaded.rules.map((r) => ({
    id: r.meta.id,
    name: r.meta.name,
    language: r.meta.language,
    severity: r.meta.severity,
    status: r.status,
  }));
  if (values.json) {
    for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    const cols = ['id', 'name', 'language', 'severity', 'status'] as const;
    const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
    const fmt = (vals: string[]): string =>
      vals
        .map((v, i) => v.padEnd(width[i]!))
        .join('  ')
        .trimEnd();
    process.stdout.write(`${fmt(cols.map((c) => c.toUpperCase()))}\n`);
    for (const r of rows) process.stdout.write(`${fmt(cols.map((c) => r[c]))}\n`);
  }
  return loaded.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}
