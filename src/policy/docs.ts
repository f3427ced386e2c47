// Renders the generated parts of docs/policy.md from the condition and code tables.
// scripts/gen-policy-docs.ts writes them; docs.test.ts fails when the file is stale.

import { CODES } from './codes.js';
import { CONDITIONS, MAX_NAME_CHARS, maxBytesOf, NAME_PATTERN_SOURCE } from './conditions.js';
import { SECTIONS } from './model.js';

const cell = (s: string) => s.replace(/\|/g, '\\|');
const code = (s: string) => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

export function renderConditions(): string {
  const rows = [
    '| condition | sections | value | pattern | max bytes | not with | notes |',
    '|---|---|---|---|---|---|---|',
    `| \`name\` | all | string, required, unique | ${code(cell(NAME_PATTERN_SOURCE))} (any case) | ${MAX_NAME_CHARS} chars | | |`,
  ];
  for (const c of CONDITIONS) {
    const sections = c.sections.length === SECTIONS.length ? 'all' : c.sections.join(', ');
    const value =
      c.kind === 'flag'
        ? 'boolean flag'
        : c.kind === 'boolean'
          ? 'boolean'
          : c.kind === 'portList'
            ? 'list of ports and ranges'
            : 'list of strings';
    const string = c.kind === 'stringList';
    const examples = [
      c.valid?.length ? `valid: ${c.valid.map((v) => code(cell(v))).join(', ')}` : '',
      c.invalid?.length ? `invalid: ${c.invalid.map((v) => (v ? code(cell(v)) : '(empty)')).join(', ')}` : '',
    ].filter(Boolean);
    rows.push(
      `| \`${c.name}\` | ${sections} | ${value} | ${c.pattern ? code(cell(c.pattern.source)) : ''} | ${string ? maxBytesOf(c) : ''} | ${(c.not ?? []).map((n) => `\`${n}\``).join(', ')} | ${cell([c.notes, ...examples].filter(Boolean).join('; '))} |`,
    );
  }
  return rows.join('\n');
}

export function renderCodes(): string {
  const rows = ["| code | severity | message | Elastic's text |", '|---|---|---|---|'];
  for (const c of Object.values(CODES)) {
    rows.push(`| ${c.code} | ${c.severity} | ${code(cell(c.message))} | ${c.elastic ? 'yes' : ''} |`);
  }
  return rows.join('\n');
}

export const GENERATED: Record<string, () => string> = {
  conditions: renderConditions,
  codes: renderCodes,
};

/** Replaces each `<!-- generated:NAME -->...<!-- end generated:NAME -->` block. */
export function updateGenerated(markdown: string): string {
  let out = markdown;
  for (const [name, render] of Object.entries(GENERATED)) {
    const begin = `<!-- generated:${name} (scripts/gen-policy-docs.ts) -->`;
    const end = `<!-- end generated:${name} -->`;
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`docs: missing markers for ${name}`);
    out = `${out.slice(0, i + begin.length)}\n${render()}\n${out.slice(j)}`;
  }
  return out;
}

/** Table cells trimmed and rules shortened: the formatter pads tables, the content is what matters. */
export function normaliseTables(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split(/(?<!\\)\|/)
            .map((cell) => cell.trim().replace(/^-{3,}$/, '---'))
            .join('|')
        : line,
    )
    .join('\n');
}
