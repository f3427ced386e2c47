// Every condition of the table: its examples, patterns, byte limits, empty values and lists,
// wrong types and wrong sections, each reported at the value's position.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../util/runs.fixture.js';
import { CONDITIONS, type ConditionSpec, maxBytesOf } from './conditions.js';
import { problems, where } from './helpers.fixture.js';
import { parsePolicy } from './load.js';
import { SECTIONS, type Section } from './model.js';

/** A one-selector policy with `key: value` (value written as YAML flow text). */
function policy(section: Section, key: string, value: string): string {
  return [
    `${section}:`,
    '  selectors:',
    '    - name: s1',
    `      ${key}: ${value}`,
    '  responses:',
    '    - match: [s1]',
    '      actions: [log]',
    '',
  ].join('\n');
}

const flow = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
const stringConds = CONDITIONS.filter((c) => c.kind === 'stringList');

/** A value of exactly `bytes` bytes that passes the condition's pattern. */
function valueOfBytes(c: ConditionSpec, bytes: number): string {
  switch (c.name) {
    case 'targetFilePath':
    case 'processExecutable':
    case 'destinationAddress':
      return `/${'a'.repeat(bytes - 1)}`;
    case 'containerImageFullName':
      return `a/${'b'.repeat(bytes - 2)}`;
    case 'kubernetesPodLabel':
      return `k:${'v'.repeat(bytes - 2)}`;
    case 'containerImageName':
      return 'a'.repeat(bytes);
    case 'dnsQuestionName':
      // 63-byte labels: a valid name up to the limit
      return Array.from({ length: bytes }, (_, i) => (i % 64 === 63 ? '.' : 'a')).join('');
    default:
      // Two-byte characters: the limit is in UTF-8 bytes, not characters.
      return 'é'.repeat(Math.floor(bytes / 2)) + 'a'.repeat(bytes % 2);
  }
}

/** The message a value that fails the condition's own rule gets (after `selector "s1": `). */
function valueError(c: ConditionSpec, v: string): [string, string] {
  if (c.values) {
    return ['D4C-POL-041', `"${v}" is not a "${c.name}" value; expected one of: ${c.values.join(', ')}`];
  }
  if (c.check)
    return [
      c.name === 'dnsQuestionName' ? 'D4C-POL-046' : 'D4C-POL-040',
      `"${c.name}" value "${v}": ${c.check(v)}`,
    ];
  return [
    'D4C-POL-020',
    c.pattern!.error ?? `"${c.name}" values must match the pattern: /${c.pattern!.source}/`,
  ];
}

describe.each(stringConds.map((c) => [c.name, c] as const))('condition %s', (_name, c) => {
  const section = c.sections[0]!;

  it.each((c.valid ?? ['abc']).map((v) => [v]))('accepts %j', (v) => {
    expect(problems(policy(section, c.name, flow([v])))).toEqual([]);
  });

  it.each((c.invalid ?? []).filter((v) => v !== '').map((v) => [v]))('rejects %j at the value', (v) => {
    const text = policy(section, c.name, flow([v]));
    const [code, msg] = valueError(c, v);
    const hint = code === 'D4C-POL-041' ? (problems(text)[0]?.match(/ \(did you mean .*\)$/)?.[0] ?? '') : '';
    expect(problems(text)).toEqual([
      `${code} ${where(text, JSON.stringify(v))}: error: selector "s1": ${msg}${hint}`,
    ]);
  });

  it("the pattern agrees with Elastic's published regex on the examples", () => {
    if (!c.pattern) return;
    const elastic = new RegExp(c.pattern.source);
    for (const v of [...(c.valid ?? []), ...(c.invalid ?? [])])
      expect(c.pattern.test.test(v)).toBe(elastic.test(v));
  });

  it(`limits values to ${maxBytesOf(c)} UTF-8 bytes`, () => {
    if (c.values) return; // a closed set
    const max = maxBytesOf(c);
    expect(problems(policy(section, c.name, flow([valueOfBytes(c, max)])))).toEqual([]);
    const text = policy(section, c.name, flow(['x', valueOfBytes(c, max + 1)].slice(c.pattern ? 1 : 0)));
    const at = where(text, JSON.stringify(valueOfBytes(c, max + 1)));
    expect(problems(text)).toContain(
      `D4C-POL-021 ${at}: error: selector "s1": "${c.name}" values cannot exceed ${max} bytes`,
    );
  });

  it('rejects an empty value, an empty list, a non-string, a scalar and null', () => {
    let text = policy(section, c.name, '["a", ""]');
    expect(problems(text)).toContain(
      `D4C-POL-019 4:${where(text, '""').split(':')[1]}: error: selector "s1": "${c.name}" values cannot be empty`,
    );
    text = policy(section, c.name, '[]');
    expect(problems(text)).toEqual([
      `D4C-POL-018 ${where(text, '[]')}: error: selector "s1": "${c.name}": At least one value is required.`,
    ]);
    text = policy(section, c.name, '[12]');
    expect(problems(text)).toEqual([
      `D4C-POL-009 ${where(text, '12')}: error: selector "s1": "${c.name}" values must be strings, not a number; quote it: "12"`,
    ]);
    text = policy(section, c.name, 'abc');
    expect(problems(text)).toEqual([
      `D4C-POL-009 ${where(text, 'abc')}: error: selector "s1": "${c.name}" must be a list, not a string`,
    ]);
    text = policy(section, c.name, '');
    expect(problems(text)).toEqual([
      `D4C-POL-009 4:7: error: selector "s1": "${c.name}" must be a list, not empty`,
    ]);
    text = policy(section, c.name, '{a: b}');
    expect(problems(text)[0]).toContain('must be a list, not a mapping');
  });

  it.each(SECTIONS.filter((s) => !c.sections.includes(s)).map((s) => [s]))(
    'is refused in a %s selector',
    (other) => {
      const op = { process: 'exec', file: 'createFile', network: 'connect' }[other];
      const text = policy(other, c.name, '["/a"]').replace('s1\n', `s1\n      operation: [${op}]\n`);
      expect(problems(text)).toEqual([
        `D4C-POL-017 5:7: error: selector "s1": "${c.name}" is a ${c.sections.join(' and ')} condition; a ${other} selector cannot use it`,
      ]);
    },
  );
});

describe('boolean conditions', () => {
  it.each(
    CONDITIONS.filter((c) => c.kind === 'flag' || c.kind === 'boolean').map((c) => [c.name, c] as const),
  )('%s takes true or false only', (_n, c) => {
    const s = c.sections[0]!;
    expect(problems(policy(s, c.name, 'true'))).toEqual([]);
    expect(problems(policy(s, c.name, 'false'))).toEqual([]);
    expect(problems(policy(s, c.name, 'yes'))).toEqual([
      `D4C-POL-009 4:${9 + c.name.length}: error: selector "s1": "${c.name}" must be true or false, not a string`,
    ]);
    expect(parsePolicy(policy(s, c.name, 'true'), 'p').policy?.[s]?.selectors[0]).toMatchObject({
      [c.name]: true,
    });
  });
});

describe('operation', () => {
  it.each([
    ['process', ['fork', 'exec']],
    ['file', ['createExecutable', 'modifyExecutable', 'createFile', 'modifyFile', 'deleteFile']],
    ['network', ['connect', 'accept', 'bind', 'listen']],
  ] as const)('%s accepts its operations', (section, ops) => {
    const r = parsePolicy(policy(section, 'operation', flow([...ops])), 'p');
    expect(r.diagnostics).toEqual([]);
    expect(r.policy?.[section]?.selectors[0]?.operation).toEqual(ops);
  });
  it("rejects another section's operation and a typo, at the value", () => {
    let text = policy('process', 'operation', '[exec, createFile]');
    expect(problems(text)).toEqual([
      `D4C-POL-016 ${where(text, 'createFile')}: error: selector "s1": "createFile" is not a process operation (it is a file one); expected one of: fork, exec`,
    ]);
    text = policy('file', 'operation', '[modifyFiel]');
    expect(problems(text)).toEqual([
      `D4C-POL-016 ${where(text, 'modifyFiel')}: error: selector "s1": "modifyFiel" is not a file operation; expected one of: createExecutable, modifyExecutable, createFile, modifyFile, deleteFile, readFile (did you mean "modifyFile"?)`,
    ]);
  });
});

describe('mutual exclusions', () => {
  it.each([
    ['file', 'containerImageName', '[nginx]', 'containerImageFullName', '[docker.io/nginx]'],
    ['process', 'processExecutable', '[/bin/sh]', 'processName', '[sh]'],
    ['file', 'ignoreVolumeMounts', 'true', 'ignoreVolumeFiles', 'true'],
  ] as const)('%s: %s with %s', (section, a, av, b, bv) => {
    const text = policy(section, a, av).replace(`${a}: ${av}\n`, `${a}: ${av}\n      ${b}: ${bv}\n`);
    expect(problems(text)).toEqual([
      `D4C-POL-022 5:7: error: selector "s1": "${b}" cannot be used with "${a}" in the same selector`,
    ]);
  });
});

describe('full image name pattern', () => {
  it("the linear matcher accepts exactly what Elastic's regex accepts", () => {
    const spec = CONDITIONS.find((c) => c.name === 'containerImageFullName')!.pattern!;
    const elastic = new RegExp(spec.source);
    // Short strings from the characters that matter: Elastic's regex backtracks badly on long ones.
    const chars = fc.constantFrom(...'aZ0-.:/[]9b'.split(''));
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 12 }).map((a) => a.join('')),
        (s) => {
          expect(spec.test.test(s)).toBe(elastic.test(s));
        },
      ),
      { numRuns: runs(3000) },
    );
  });
  it('does not backtrack on a hostile value', () => {
    const spec = CONDITIONS.find((c) => c.name === 'containerImageFullName')!.pattern!;
    expect(spec.test.test(`a${'.bb'.repeat(150)}!`)).toBe(false);
  });
});
