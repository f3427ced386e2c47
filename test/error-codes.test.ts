// The error-code registries are the one list of codes: docs/errors.md is generated from them,
// no code is defined twice, every registry module is in the doc, and a code is written as a
// value only in its registry (throw sites and comparisons use the registry: `X_CODES.y.code`).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LAYERS, renderErrorsDoc } from '../scripts/gen-errors-doc.js';

const root = new URL('..', import.meta.url).pathname;
const CODE = /D4C-([A-Z]+)-(\d{3})/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'node_modules' ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** String and template literals whose whole text is a code: a code used as a value. */
function codeValues(text: string): { code: string; line: number }[] {
  const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, false);
  const out: { code: string; line: number }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateLiteralToken(n)) {
      if (/^D4C-[A-Z]+-\d{3}$/.test(n.text))
        out.push({ code: n.text, line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1 });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Exported values of a module that have the shape of a registry (every value a code spec). */
function exportedRegistries(mod: Record<string, unknown>): [string, { code: string }[]][] {
  return Object.entries(mod).flatMap(([name, v]) => {
    if (v === null || typeof v !== 'object') return [];
    const specs = Object.values(v);
    const isSpec = (s: unknown) =>
      s !== null &&
      typeof s === 'object' &&
      typeof (s as { code?: unknown }).code === 'string' &&
      typeof (s as { message?: unknown }).message === 'string';
    return specs.length > 0 && specs.every(isSpec) ? [[name, specs as { code: string }[]]] : [];
  });
}

const rel = (file: string) => file.slice(root.length);
const registered = new Set(LAYERS.flatMap((l) => l.codes.map((c) => c.code)));
const registryFiles = new Set(LAYERS.map((l) => l.source));
const srcFiles = sources(join(root, 'src'));

describe('error codes', () => {
  it('docs/errors.md is up to date (npx tsx scripts/gen-errors-doc.ts)', () => {
    expect(readFileSync(join(root, 'docs/errors.md'), 'utf8')).toBe(renderErrorsDoc());
  });

  it("lists each code once, in the shape D4C-LAYER-NNN, ascending per layer, in its title's layer", () => {
    const codes = LAYERS.flatMap((l) => l.codes.map((c) => c.code));
    const twice = codes.filter((c, i) => codes.indexOf(c) !== i);
    expect(twice).toEqual([]);
    for (const c of codes) expect(c).toMatch(/^D4C-[A-Z]+-\d{3}$/);
    for (const l of LAYERS) {
      const nums = l.codes.map((c) => c.code);
      expect(nums.length, l.title).toBeGreaterThan(0);
      expect(nums, l.title).toEqual([...nums].sort());
      const prefix = /`(D4C-[A-Z]+)`/.exec(l.title)?.[1];
      for (const c of l.codes) {
        expect(c.code.replace(/-\d+$/, ''), l.title).toBe(prefix);
        expect(c.message.length, c.code).toBeGreaterThan(0);
      }
    }
  });

  it('has every registry module in the doc, with every registry it exports', async () => {
    for (const s of registryFiles) expect(statSync(join(root, s)).isFile(), s).toBe(true);
    // A registry module: a codes.ts, or one that builds a registry (errorCodes, describeCodes).
    const builds = /\b(errorCodes|describeCodes)\(/;
    const modules = srcFiles.filter(
      (f) =>
        f.endsWith('/codes.ts') ||
        (!f.endsWith('/util/error-codes.ts') && builds.test(readFileSync(f, 'utf8'))),
    );
    expect(modules.map(rel).filter((f) => !registryFiles.has(f))).toEqual([]);
    const undocumented: string[] = [];
    for (const f of modules) {
      const mod = (await import(pathToFileURL(f).href)) as Record<string, unknown>;
      for (const [name, specs] of exportedRegistries(mod))
        for (const s of specs)
          if (!registered.has(s.code)) undocumented.push(`${s.code} (${name}, ${rel(f)})`);
    }
    expect(undocumented).toEqual([]);
  });

  it('writes a code as a value only in its registry, and names registered codes only', () => {
    const literal: string[] = [];
    const unknown: string[] = [];
    for (const file of [...srcFiles, ...sources(join(root, 'scripts'))]) {
      const text = readFileSync(file, 'utf8');
      if (!registryFiles.has(rel(file)) && text.includes('D4C-'))
        for (const v of codeValues(text)) literal.push(`${v.code} (${rel(file)}:${v.line})`);
      // Comments and prose (help texts) may name a code, as long as it exists.
      for (const m of text.matchAll(CODE)) if (!registered.has(m[0])) unknown.push(`${m[0]} (${rel(file)})`);
    }
    expect(literal).toEqual([]);
    expect(unknown).toEqual([]);
  });

  it('tells a code written as a value from one named in a comment or in prose', () => {
    const text = [
      '// D4C-XYZ-001 in a comment',
      "throw new D4cError('D4C-XYZ-002', 'x');",
      'if (e.code === `D4C-XYZ-003`) f();',
      "const hints = { 'D4C-XYZ-004': 'y' };",
      "opt('--codes', 'e.g. [D4C-XYZ-005]');",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template
      'const t = `${a} (D4C-XYZ-006)`;',
    ].join('\n');
    expect(codeValues(text)).toEqual([
      { code: 'D4C-XYZ-002', line: 2 },
      { code: 'D4C-XYZ-003', line: 3 },
      { code: 'D4C-XYZ-004', line: 4 },
    ]);
  });
});
