// `d4c COMMAND --help`, `d4c help ...`, groups, usage errors, and docs/cli.md, through main().
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { renderCliDoc } from '../../scripts/gen-cli-doc.js';
import { BIN, runCli } from '../../test/cli.js';
import { runMain } from '../../test/run-main.js';
import { allOptions, commandHelp, groupHelp, overview, synopsis } from './help.js';
import { COMMANDS } from './registry.js';

const run = (...argv: string[]) => runMain(argv);

const NAMES = Object.keys(COMMANDS);
const loads = new Map(NAMES.map((n) => [n, COMMANDS[n]!.load]));
afterEach(() => {
  for (const [n, load] of loads) COMMANDS[n]!.load = load;
});
/** Help must not load the command's module (sensor, DuckDB, ...): loading it now fails the test. */
function forbidLoading(): void {
  for (const n of NAMES)
    COMMANDS[n]!.load = () => {
      throw new Error(`help loaded the module of '${n}'`);
    };
}

describe('--help and -h', () => {
  it.each(NAMES)('d4c %s', async (name) => {
    forbidLoading();
    const words = name.split(' ');
    const help = commandHelp(name);
    expect(help.startsWith(`usage: d4c ${name}`)).toBe(true);
    for (const argv of [
      [...words, '--help'],
      [...words, '-h'],
      [...words, '--bogus', 'x', '-h'], // anywhere, and before the command could reject anything
      ['help', ...words],
      ['help', ...words, '--help'],
    ])
      expect(await run(...argv)).toEqual({ code: 0, out: help, err: '' });
  });

  it('after -- it belongs to the command, not to d4c', async () => {
    // A file named -h, as `policy validate -- -h` says.
    expect(await run('policy', 'validate', '--', '-h')).toEqual({
      code: 1,
      out: '',
      err: '-h: error: cannot read: ENOENT\n',
    });
  });

  it('the real binary answers without running anything', () => {
    const r = runCli(['agent', '--help']);
    expect(r).toEqual({ code: 0, out: commandHelp('agent'), err: '' });
    expect(BIN).toMatch(/d4c\.js$/);
  });

  it('every option is in the help with its placeholder and default', () => {
    const h = commandHelp('lab run');
    expect(h).toContain('      --label K=V');
    const flat = h.replace(/\s+/g, ' ');
    expect(flat).toContain("--namespace NS the pod's namespace (a DNS label). Default: `default`.");
    expect(flat).toContain('--cap-add CAP add a capability (e.g. `SYS_ADMIN`). Repeatable.');
    expect(commandHelp('policy validate')).toContain('  -q, --quiet');
  });
});

describe('the help texts', () => {
  it.each(NAMES)('d4c %s: synopsis names only real options and arguments; lines fit 80 columns', (name) => {
    const h = COMMANDS[name]!.help;
    const options = allOptions(h);
    const syn = h.synopsis.join(' ');
    for (const [, long] of syn.matchAll(/--([a-z][a-z-]*)/g))
      expect(
        options.map((o) => o.name),
        `--${long} in the synopsis`,
      ).toContain(long);
    for (const [, letters] of syn.matchAll(/(?:^|[\s[])-([a-zA-Z]+)\b/g))
      for (const c of letters!) expect(options.map((o) => o.short)).toContain(c);
    for (const a of h.args ?? []) expect(syn).toContain(a.name);
    for (const line of commandHelp(name).split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    // Wrapping only breaks lines between the synopsis' parts.
    expect(synopsis(name).replace(/\s+/g, ' ').trim()).toBe(
      h.synopsis.map((f, i) => `${i ? '' : 'usage: '}d4c ${name} ${f}`.trim()).join(' '),
    );
    expect(h.description.endsWith('.')).toBe(true);
    for (const o of options) expect(o.help, `--${o.name}`).toMatch(/\.$/);
  });
});

describe('groups and the command list', () => {
  it('a bare group lists its subcommands (usage error); --help and `help GROUP` do so on stdout', async () => {
    const bare = await run('lab');
    expect(bare.code).toBe(2);
    expect(bare.out).toBe('');
    expect(bare.err).toBe(`d4c lab: a subcommand is needed\n${groupHelp('lab')}`);
    expect(bare.err).toMatch(/^ {2}exec +run a command in a lab pod/m);
    expect(bare.err).not.toContain('agent');
    expect(await run('lab', '--help')).toEqual({ code: 0, out: groupHelp('lab'), err: '' });
    expect(await run('help', 'policy')).toEqual({ code: 0, out: groupHelp('policy'), err: '' });
    const typo = await run('policy', 'valdate', 'x.yaml');
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/^d4c policy: unknown subcommand 'valdate'\n/);
  });

  it('d4c help / --help / no arguments; unknown commands', async () => {
    expect(await run('help')).toEqual({ code: 0, out: overview(), err: '' });
    expect(await run('--help')).toEqual({ code: 0, out: overview(), err: '' });
    expect((await run()).code).toBe(2);
    for (const n of NAMES) expect(overview()).toContain(`  ${n} `);
    const r = await run('help', 'nosuch');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^d4c help: unknown command 'nosuch'\n/);
    expect((await run('nosuch')).code).toBe(2);
  });
});

describe('usage errors', () => {
  it('name the problem, then the synopsis and where the options are', async () => {
    const r = await run('policy', 'validate');
    expect(r).toEqual({
      code: 2,
      out: '',
      err: `d4c policy validate: no policy file given (\`-\` reads standard input)\n${synopsis('policy validate')}\nrun 'd4c policy validate --help' for the options\n`,
    });
    const t = await run('policy', 'test', '--events', 'x.ndjson');
    expect(t.err.split('\n')[0]).toBe('d4c policy test: --policy FILE required');
    expect((await run('policy', 'test')).err.split('\n')[0]).toBe(
      'd4c policy test: --policy FILE and --events FILE.ndjson required',
    );
  });

  it('an unknown option suggests the nearest one', async () => {
    const r = await run('query', '--klq', 'a');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe("d4c query: unknown option '--klq' (did you mean --kql?)");
    expect((await run('query', '--zzzzzz')).err.split('\n')[0]).toBe("d4c query: unknown option '--zzzzzz'");
    expect((await run('lab', 'rm', '--namespace', 'x')).err.split('\n')[0]).toBe(
      'd4c lab rm: give the pod to remove',
    );
  });

  it('demo refuses --store with --no-store, as the agent does (before needing root or the lab)', async () => {
    const r = await run('demo', '--store', '/tmp/x', '--no-store');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('d4c demo: --no-store cannot be combined with --store');
  });
});

it('docs/cli.md is up to date (npx tsx scripts/gen-cli-doc.ts)', () => {
  const path = new URL('../../docs/cli.md', import.meta.url);
  expect(readFileSync(path, 'utf8')).toBe(renderCliDoc());
});
