// `d4c query (--kql Q | --eql Q | --esql Q) [--events FILE.ndjson] [--store DIR] [--from T --to T] [--limit N]`
import { type Lang, runQuery } from '../query/index.js';
import { parse, UsageError } from './args.js';

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
  const lang = given[0] as Lang;
  const info = await runQuery(
    {
      lang,
      text: values[lang] as string,
      ...(values.events !== undefined ? { events: values.events } : {}),
      ...(values.store !== undefined ? { storeDir: values.store } : {}),
      ...(values.from !== undefined ? { from: values.from } : {}),
      ...(values.to !== undefined ? { to: values.to } : {}),
      ...(limit !== undefined ? { limit } : {}),
    },
    {
      emit: (x) => process.stdout.write(`${JSON.stringify(x)}\n`),
      emitLine: (line) => process.stdout.write(`${line}\n`),
      warn: (line) => process.stderr.write(`${line}\n`),
      note: (line) => process.stderr.write(`${line}\n`),
    },
  );
  if (values.explain && info)
    process.stderr.write(
      `esql: ${info.path === 'sql' ? 'translated to SQL' : `evaluated in memory (${info.reason}; ${info.fetched} documents read)`}\n`,
    );
  return 0;
}
