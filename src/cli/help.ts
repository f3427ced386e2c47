// Help texts from the command table (registry.ts): `d4c COMMAND --help`, a group's subcommands,
// the overview, and the synopsis printed after a usage error. Text only, no command loaded.
import { COMMANDS, type CommandHelp, type OptionHelp } from './registry.js';

const WIDTH = 80;

/** Words of `text` in lines of at most `width` columns, each line prefixed by `indent`. */
export function wrap(text: string, indent: string, width = WIDTH, first = indent): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** `-q, --quiet`, `    --rules PATH`: an option as its help lists it. */
export function optionLabel(o: OptionHelp): string {
  return `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.arg ? ` ${o.arg}` : ''}`;
}

/** The option's help with what is implied: repeatable, default. */
export function optionText(o: OptionHelp): string {
  return [o.help, o.multiple ? 'Repeatable.' : '', o.default !== undefined ? `Default: ${o.default}.` : '']
    .filter(Boolean)
    .join(' ');
}

export function allOptions(h: CommandHelp): OptionHelp[] {
  return h.options.flatMap((s) => s.options);
}

function entry(name: string) {
  const c = COMMANDS[name];
  if (!c) throw new Error(`no command '${name}'`);
  return c;
}

/** `usage: d4c NAME SYNOPSIS` (one line per form, wrapped under the command name). */
export function synopsis(name: string): string {
  const lines: string[] = [];
  entry(name).help.synopsis.forEach((form, i) => {
    const head = `${i === 0 ? 'usage: ' : '       '}d4c ${name}`;
    lines.push(...wrapSynopsis(form, head));
  });
  return lines.join('\n');
}

/** Breaks a synopsis between its parts, never inside `[--a X | --b Y]`, `[--v A[:ro]]...` or `-- CMD...`. */
function wrapSynopsis(form: string, head: string): string[] {
  const parts = form.match(/\[[^[\]]*(?:\[[^[\]]*\][^[\]]*)*\](?:\.\.\.)?|\([^)]*\)|-- \S+|\S+/g) ?? [];
  const indent = ' '.repeat(head.length < 30 ? head.length + 1 : 8);
  const lines: string[] = [];
  let line = head;
  for (const p of parts) {
    if (line.length + 1 + p.length > WIDTH && line.trim() !== head.trim()) {
      lines.push(line);
      line = indent + p;
    } else line += ` ${p}`;
  }
  lines.push(line);
  return lines;
}

const HELP_ROW: [string, string] = ['-h, --help', 'print this help and exit.'];

/** The full help of one command. */
export function commandHelp(name: string): string {
  const h = entry(name).help;
  const out = [synopsis(name), '', ...wrap(h.description, '')];
  const labels = [...(h.args ?? []).map((a) => a.name), ...allOptions(h).map(optionLabel), HELP_ROW[0]];
  // One column for the whole command; a longer label gets its text on the next line.
  const col = Math.min(30, Math.max(...labels.map((l) => l.length))) + 4;
  const rows = (list: [string, string][], width = col) => {
    for (const [label, text] of list) {
      const col = width;
      if (label.length + 4 > col) out.push(`  ${label}`, ...wrap(text, ' '.repeat(col)));
      else out.push(...wrap(text, ' '.repeat(col), WIDTH, `  ${label}`.padEnd(col)));
    }
  };
  if (h.args?.length) {
    out.push('', 'arguments:');
    rows(h.args.map((a) => [a.name, a.help]));
  }
  for (const s of h.options) {
    if (s.options.length === 0) continue;
    out.push('', `${s.section || 'options'}:`);
    rows(s.options.map((o) => [optionLabel(o), optionText(o)]));
  }
  out.push('');
  rows([HELP_ROW]);
  out.push('', 'exit status:');
  rows(exitCodes(h), 5);
  if (h.see) out.push('', `see ${h.see} and docs/cli.md`);
  return `${out.join('\n')}\n`;
}

/** [code, meaning]: the command's own (`N` = a command's exit code passed on), then 2. */
export function exitCodes(h: CommandHelp): [string, string][] {
  const given = (h.exit ?? []).map((l): [string, string] => {
    const i = l.indexOf(': ');
    return [l.slice(0, i), l.slice(i + 2)];
  });
  return [
    ...(given.some(([c]) => c === '0' || c === 'N') ? [] : [['0', 'success.'] as [string, string]]),
    ...given,
    ['2', 'usage error: the problem and the synopsis on stderr.'],
  ];
}

/** Printed after a usage error's message (stderr). */
export function usageHint(name: string): string {
  return `${synopsis(name)}\nrun 'd4c ${name} --help' for the options\n`;
}

/** First words of multi-word commands: `lab`, `policy`, ... */
export function groups(): Set<string> {
  return new Set(
    Object.keys(COMMANDS)
      .filter((n) => n.includes(' '))
      .map((n) => n.split(' ')[0]!),
  );
}

function table(names: string[], strip = ''): string[] {
  const col = Math.max(...names.map((n) => n.length - strip.length)) + 4;
  return names.flatMap((n) =>
    wrap(entry(n).summary, ' '.repeat(col), WIDTH + 20, `  ${n.slice(strip.length)}`.padEnd(col)),
  );
}

/** The subcommands of a group (`d4c lab`). */
export function groupHelp(group: string): string {
  const names = Object.keys(COMMANDS)
    .filter((n) => n.startsWith(`${group} `))
    .sort();
  return [
    `usage: d4c ${group} SUBCOMMAND [ARGS...]`,
    '',
    'subcommands:',
    ...table(names, `${group} `),
    '',
    `run 'd4c ${group} SUBCOMMAND --help' for its options`,
    '',
  ].join('\n');
}

/** `d4c help`: every command. */
export function overview(): string {
  const names = Object.keys(COMMANDS).sort((a, b) => a.localeCompare(b));
  return [
    'usage: d4c COMMAND [ARGS...]',
    '',
    'commands:',
    ...table(names),
    '',
    "run 'd4c COMMAND --help' (or 'd4c help COMMAND') for a command's options;",
    "'d4c --version' prints the version. Reference: docs/cli.md",
    '',
  ].join('\n');
}
