// `d4c query (--kql Q | --eql Q | --esql Q) [--events FILE.ndjson] [--store DIR] [--from T --to T] [--limit N]
//   [--format ndjson|table|csv] [--fields F,...]`
// NDJSON when piped; a table on a terminal. A query still running after a second shows a spinner.
import { DEFAULT_QUERY_LIMIT, type Lang, runQuery } from '../query/index.js';
import { parse, UsageError } from './args.js';
import { progress, stdoutIsPipe } from './progress.js';
import { QueryPrinter } from './query-output.js';
import { chooseFormat, parseFields, tableWidth } from './table.js';

/** A query that runs this long gets a spinner (on a terminal). */
const SPINNER_AFTER_MS = 1000;

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      kql: { type: 'string' },
      eql: { type: 'string' },
      esql: { type: 'string' },
      events: { type: 'string' },
      store: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
      explain: { type: 'boolean' },
      format: { type: 'string' },
      fields: { type: 'string' },
    },
    false,
  );
  const given = (['kql', 'eql', 'esql'] as const).filter((l) => values[l] !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --kql Q, --eql Q, --esql Q');
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (values.events !== undefined && values.store !== undefined)
    throw new UsageError('--events and --store are exclusive (a file, or the store)');
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000)
      throw new UsageError('--limit takes an integer from 1 to 1000000');
  }
  const format = chooseFormat(values.format);
  const fields = parseFields(values.fields);
  if (fields && format === 'ndjson') throw new UsageError('--fields applies to --format table and csv');
  const lang = given[0] as Lang;
  const text = values[lang] as string;
  const group = lang === 'eql' ? /^\s*(sequence|sample)\b/i.exec(text)?.[1]?.toLowerCase() : undefined;
  const spin = progress('query', { delayMs: SPINNER_AFTER_MS, enabled: !stdoutIsPipe() });
  // Results on the spinner's terminal erase it first (it comes back at the next redraw).
  const write = process.stdout.isTTY
    ? (s: string) => spin.interrupt(() => process.stdout.write(s))
    : (s: string) => process.stdout.write(s);
  const printer = new QueryPrinter({
    format,
    lang,
    fields,
    group: group as 'sequence' | 'sample' | undefined,
    width: tableWidth(),
    terminal: process.stdout.isTTY === true,
    write,
    note: (line) => process.stderr.write(`${line}\n`),
  });
  const counted = () => spin.detail(`${printer.count} result${printer.count === 1 ? '' : 's'}`);
  let info: Awaited<ReturnType<typeof runQuery>>;
  try {
    info = await runQuery(
      {
        lang,
        text,
        ...(values.events !== undefined ? { events: values.events } : {}),
        ...(values.store !== undefined ? { storeDir: values.store } : {}),
        ...(values.from !== undefined ? { from: values.from } : {}),
        ...(values.to !== undefined ? { to: values.to } : {}),
        ...(limit !== undefined ? { limit } : {}),
      },
      {
        emit: (x) => {
          printer.add(x);
          counted();
        },
        emitLine: (line) => {
          printer.addLine(line);
          counted();
        },
        warn: (line) => spin.log(line),
        note: (line) => spin.log(line),
      },
    );
  } finally {
    spin.done();
  }
  printer.end();
  if (format === 'table' && lang !== 'esql' && printer.count === (limit ?? DEFAULT_QUERY_LIMIT))
    process.stderr.write(`d4c query: the first ${printer.count} results; there may be more (--limit N)\n`);
  if (values.explain && info)
    process.stderr.write(
      `esql: ${info.path === 'sql' ? 'translated to SQL' : `evaluated in memory (${info.reason}; ${info.fetched} documents read)`}\n`,
    );
  return 0;
}
