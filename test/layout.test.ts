// Test helpers that live beside the sources are named *.fixture.ts, which tsconfig.build.json and
// .containerignore keep out of the build. tsc still compiles an excluded file that production code
// imports, so this checks the boundary both ways: the build's entry points reach no fixture, and
// every source file they do not reach (and no script uses) is a test or a fixture.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f))
    .map((f) => join(dir, f));
}

/** Relative module specifiers in a file (static and dynamic imports, `new URL('./x.js', ...)`). */
function deps(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/['"](\.{1,2}\/[^'"\s]+\.(?:js|ts|tsx))['"]/g)].map((m) => {
    const target = normalize(join(dirname(file), m[1]!)).replace(/\.js$/, '.ts');
    return target.endsWith('.ts') && !SOURCES.has(target) && SOURCES.has(`${target}x`)
      ? `${target}x`
      : target;
  });
}

const SOURCES = new Set(tsFiles('src'));
const isTest = (f: string) => /\.(test|fixture)\.tsx?$/.test(f);
// What runs in production: the CLI, the store's worker thread (started by URL) and the console's
// front end (bundled from its entry). The scripts are the developers' tools; what they use is kept.
const ENTRIES = ['src/cli/main.ts', 'src/console/ui/main.ts'];

function reach(from: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...from];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    if (seen.has(f) || !SOURCES.has(f)) continue;
    seen.add(f);
    todo.push(...deps(f));
  }
  return seen;
}

it('production code reaches no test or fixture', () => {
  const reached = reach(ENTRIES);
  expect(reached.size).toBeGreaterThan(100);
  expect([...reached].filter(isTest)).toEqual([]);
});

it('a source file only tests use is a *.fixture.ts', () => {
  const used = reach([...ENTRIES, ...tsFiles('scripts').flatMap(deps)]);
  expect([...SOURCES].filter((f) => !isTest(f) && !used.has(f))).toEqual([]);
});
