// `d4c` entry: dispatches `d4c GROUP [SUBCOMMAND] ...` to command modules, loaded lazily so
// that `d4c policy validate` does not pay for the sensor or the database.
// Exit codes: 0 success, 1 the command ran and found problems, 2 usage error.

import { D4cError } from '../util/diagnostics.js';
import { UsageError } from './args.js';
import './commands.js';
import { COMMANDS } from './registry.js';

function usage(): string {
  const lines = ['usage: d4c COMMAND [ARGS...]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${name.padEnd(22)} ${c.summary}`);
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') {
    process.stdout.write(`${usage()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    process.stdout.write('d4c 0.1.0\n');
    return 0;
  }
  // Longest registered prefix wins: `policy validate` before `policy`.
  let name: string | undefined;
  let rest: string[] = [];
  for (let n = Math.min(2, argv.length); n >= 1; n--) {
    const candidate = argv.slice(0, n).join(' ');
    if (COMMANDS[candidate]) {
      name = candidate;
      rest = argv.slice(n);
      break;
    }
  }
  if (!name) {
    process.stderr.write(`d4c: unknown command '${argv.slice(0, 2).join(' ')}'\n${usage()}\n`);
    return 2;
  }
  try {
    const cmd = await COMMANDS[name]!.load();
    return await cmd(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`d4c ${name}: ${e.message}\n`);
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
