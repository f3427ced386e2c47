// Helpers shared by the policy tests (not part of the public entry).
import { formatDiagnostic } from '../util/diagnostics.js';
import { type ParseOptions, parsePolicy } from './load.js';

/** Strips the common indentation of a template literal, so tests can indent YAML naturally. */
export function y(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw
    .replace(/^\n/, '')
    .replace(/\n[ \t]*$/, '\n')
    .split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** `CODE LINE:COL severity: message` for each diagnostic, in report order. */
export function problems(text: string, options?: ParseOptions): string[] {
  return parsePolicy(text, 'p.yaml', options).diagnostics.map(
    (d) => `${d.code} ${formatDiagnostic(d).slice('p.yaml:'.length)}`,
  );
}

/** 1-based line and column of the `n`th occurrence of `needle`. */
export function where(text: string, needle: string, n = 1): string {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`not found: ${needle}`);
  }
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return `${line}:${at - before.lastIndexOf('\n')}`;
}
