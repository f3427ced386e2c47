// Command registry, separate from main.ts so command tables can import it without a cycle.
// Each command is registered with its help (synopsis, options), so that `d4c COMMAND --help`,
// usage errors and docs/cli.md come from one table and need no command module loaded.
export type Command = (argv: string[]) => Promise<number>;

/** One option as its parser accepts it (src/cli/help.test.ts checks both agree). */
export interface OptionHelp {
  /** Long name without the dashes. */
  name: string;
  /** One-letter alias (`-q`). */
  short?: string;
  /** Placeholder of its value; absent for a flag (boolean). */
  arg?: string;
  /** May be given more than once; the values add up. */
  multiple?: boolean;
  /** What applies when the option is not given (text, as a user would write it). */
  default?: string;
  /** One line (or a few sentences) saying what it really does. */
  help: string;
}

export interface CommandHelp {
  /** Usage lines after `d4c NAME` (several for alternative forms). */
  synopsis: string[];
  /** What the command does, a short paragraph. */
  description: string;
  /** Positional arguments, by their placeholder in the synopsis. */
  args?: { name: string; help: string }[];
  /** Options in sections (a long option list reads better grouped); '' for the unnamed first. */
  options: { section: string; options: OptionHelp[] }[];
  /** Exit codes beyond the common ones (0 done, 2 usage error). */
  exit?: string[];
  /** Further reading (docs/*.md). */
  see?: string;
}

export interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
  help: CommandHelp;
}

export const COMMANDS: Record<string, CommandEntry> = {};

export function register(
  name: string,
  summary: string,
  load: () => Promise<Command>,
  help: CommandHelp,
): void {
  COMMANDS[name] = { summary, load, help };
}

const SPEC = /^(?:-([a-zA-Z]), )?--([a-z][a-z0-9-]*)(?: (\S+?)(\.\.\.)?)?$/;

/**
 * An option from how it is written: `opt('--policy FILE', …)`, `opt('-o, --out FILE', …)`;
 * a trailing `...` on the placeholder marks it repeatable (`opt('--rules PATH...', …)`).
 */
export function opt(spec: string, help: string, more: { default?: string } = {}): OptionHelp {
  const m = SPEC.exec(spec);
  if (!m) throw new Error(`bad option spec ${JSON.stringify(spec)}`);
  const [, short, name, arg, dots] = m;
  return {
    name: name!,
    ...(short ? { short } : {}),
    ...(arg ? { arg } : {}),
    ...(dots ? { multiple: true } : {}),
    ...more,
    help,
  };
}
