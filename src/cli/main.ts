// `d4c` entry: dispatches `d4c GROUP [SUBCOMMAND] ...` to command modules, loaded lazily so
// that `d4c policy validate` does not pay for the sensor or the database.
// Exit codes: 0 success, 1 the command ran and found problems, 2 usage error.

import { D4cError } from '../util/index.js';
import { UsageError } from './args.js';
import './commands.js';
import { commandHelp, groupHelp, groups, overview, usageHint } from './help.js';
import { COMMANDS } from './registry.js';

const HELP = new Set(['-h', '--help']);

/** The registered command `argv` starts with (longest prefix: `policy validate` before `policy`). */
function resolve(argv: string[]): { name: string; rest: string[] } | undefined {
  for (let n = Math.min(2, argv.length); n >= 1; n--) {
    const name = argv.slice(0, n).join(' ');
    if (COMMANDS[name]) return { name, rest: argv.slice(n) };
  }
  return undefined;
}

/** `-h`/`--help` among the arguments before a `--` (after it they belong to a command in a pod). */
function asksHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => HELP.has(a));
}

/** `d4c help [COMMAND...]`. */
function help(args: string[]): number {
  const words = args.filter((a) => !HELP.has(a));
  if (words.length === 0) {
    process.stdout.write(overview());
    return 0;
  }
  const found = resolve(words);
  if (found && found.rest.length === 0) {
    process.stdout.write(commandHelp(found.name));
    return 0;
  }
  if (words.length === 1 && groups().has(words[0]!)) {
    process.stdout.write(groupHelp(words[0]!));
    return 0;
  }
  process.stderr.write(`d4c help: unknown command '${words.join(' ')}'\n${overview()}`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || HELP.has(argv[0]!)) {
    process.stdout.write(overview());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === 'help') return help(argv.slice(1));
  if (argv[0] === '--version' || argv[0] === 'version') {
    process.stdout.write('d4c 0.1.0\n');
    return 0;
  }
  const found = resolve(argv);
  if (!found) {
    const group = argv[0]!;
    if (groups().has(group)) {
      // `d4c lab --help` asks for the list; `d4c lab` and `d4c lab nosuch` are usage errors.
      if (argv.length > 1 && asksHelp(argv.slice(1, 2))) {
        process.stdout.write(groupHelp(group));
        return 0;
      }
      const what = argv.length === 1 ? 'a subcommand is needed' : `unknown subcommand '${argv[1]}'`;
      process.stderr.write(`d4c ${group}: ${what}\n${groupHelp(group)}`);
      return 2;
    }
    process.stderr.write(`d4c: unknown command '${argv.slice(0, 2).join(' ')}'\n${overview()}`);
    return 2;
  }
  const { name, rest } = found;
  // Answered from the command table: the command's module (sensor, DuckDB, ...) is not loaded.
  if (asksHelp(rest)) {
    process.stdout.write(commandHelp(name));
    return 0;
  }
  try {
    const cmd = await COMMANDS[name]!.load();
    return await cmd(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`d4c ${name}: ${e.message}\n${usageHint(name)}`);
      return 2;
    }
    if (e instanceof D4cError) {
      process.stderr.write(`${e.format()}\n`);
      return 1;
    }
    throw e;
  }
}

const isEntry = process.argv[1] && /(?:cli[\\/]main\.[tj]s|bin[\\/]d4c(?:\.js)?)$/.test(process.argv[1]);
if (isEntry || process.env.D4C_CLI === '1') {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(
        `d4c: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = 3;
    },
  );
}
