// Every command's help lists exactly the options its parser accepts. The parser's table is
// captured where it is used: `parse` (args.ts) is replaced by one that records its options and
// stops the command, and each registered command is called for real. Adding an option to a
// command (or to AGENT_OUTPUT_OPTIONS) without documenting it in commands.ts fails here.
import { afterAll, describe, expect, it, vi } from 'vitest';

type ParseOptions = Record<string, { type: string; multiple?: boolean; short?: string; default?: unknown }>;

const seen = vi.hoisted(() => {
  class Stop extends Error {}
  return { Stop, options: undefined as ParseOptions | undefined, positionals: true };
});

vi.mock('./args.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./args.js')>();
  return {
    ...real,
    parse: (_argv: string[], options: ParseOptions, allowPositionals = true) => {
      seen.options = options;
      seen.positionals = allowPositionals;
      throw new seen.Stop();
    },
  };
});

// `npm run test:unit` runs files one after another in a worker (--no-isolate): the commands are
// loaded afresh so that they take the mock whatever ran before, and neither the mock nor the
// modules that took it outlive this file.
vi.resetModules();
await import('./commands.js');
const { allOptions } = await import('./help.js');
const { COMMANDS } = await import('./registry.js');
afterAll(() => {
  vi.doUnmock('./args.js');
  vi.resetModules();
});

async function parserOf(name: string): Promise<{ options: ParseOptions; positionals: boolean }> {
  seen.options = undefined;
  const run = await COMMANDS[name]!.load();
  await expect(run([])).rejects.toBeInstanceOf(seen.Stop);
  if (!seen.options) throw new Error(`${name}: parse() was not called`);
  return { options: seen.options, positionals: seen.positionals };
}

describe('help lists exactly the options each parser accepts', () => {
  it.each(Object.keys(COMMANDS))('d4c %s', async (name) => {
    const { options, positionals } = await parserOf(name);
    const help = COMMANDS[name]!.help;
    const documented = allOptions(help);
    expect(documented.map((o) => o.name).sort()).toEqual(Object.keys(options).sort());
    for (const o of documented) {
      const p = options[o.name]!;
      expect({
        option: o.name,
        takesValue: o.arg !== undefined,
        multiple: o.multiple === true,
        short: o.short,
      }).toEqual({
        option: o.name,
        takesValue: p.type === 'string',
        multiple: p.multiple === true,
        short: p.short,
      });
      if (p.default !== undefined) expect(o.default, `--${o.name} has a default`).toBeDefined();
    }
    // Documented arguments need a parser that takes them.
    if (help.args?.length) expect(positionals).toBe(true);
  });
});
