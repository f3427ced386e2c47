// Structure, names, responses, references and the block rules, with positions.
import { describe, expect, it } from 'vitest';
import { FULL_ENFORCEMENT_CAPS } from './check.js';
import { ELASTIC_DEFAULT_POLICY } from './default.js';
import { problems, where, y } from './helpers.fixture.js';
import { parsePolicy } from './load.js';

describe('the default policy', () => {
  it('validates clean and loads every part', () => {
    const r = parsePolicy(ELASTIC_DEFAULT_POLICY, 'default.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.policy).toEqual({
      source: 'default.yaml',
      process: {
        selectors: [
          { name: 'allProcesses', section: 'process', pos: { line: 3, col: 7 }, operation: ['fork', 'exec'] },
        ],
        responses: [
          {
            section: 'process',
            index: 0,
            match: ['allProcesses'],
            exclude: [],
            actions: ['log'],
            pos: { line: 6, col: 7 },
          },
        ],
      },
      file: {
        selectors: [
          {
            name: 'executableChanges',
            section: 'file',
            pos: { line: 10, col: 7 },
            operation: ['createExecutable', 'modifyExecutable'],
          },
        ],
        responses: [
          {
            section: 'file',
            index: 0,
            match: ['executableChanges'],
            exclude: [],
            actions: ['alert'],
            pos: { line: 13, col: 7 },
          },
        ],
      },
    });
  });
});

describe('policy shape', () => {
  it.each([
    [
      'empty file',
      '',
      [
        'D4C-POL-006 1:1: error: the policy is empty; expected a mapping with "process", "file" and/or "network"',
      ],
    ],
    [
      'a list',
      '- a\n',
      ['D4C-POL-006 1:1: error: a policy is a mapping with "process", "file" and/or "network", not a list'],
    ],
    [
      'a scalar',
      'hello\n',
      ['D4C-POL-006 1:1: error: a policy is a mapping with "process", "file" and/or "network", not a string'],
    ],
    [
      'no section',
      'proces:\n  selectors: []\n',
      [
        'D4C-POL-008 1:1: error: unknown key "proces" in the policy (did you mean "process"?)',
        'D4C-POL-007 1:1: error: A policy needs at least one of "process", "file" or "network".',
      ],
    ],
    [
      'section null',
      'file:\n',
      ['D4C-POL-009 1:1: error: "file" must be a mapping with "selectors" and "responses", not empty'],
    ],
    [
      'section a list',
      'file: [a]\n',
      ['D4C-POL-009 1:7: error: "file" must be a mapping with "selectors" and "responses", not a list'],
    ],
    [
      'section without parts',
      'file: {}\n',
      [
        'D4C-POL-010 1:1: error: "file" needs "selectors" with at least one item',
        'D4C-POL-010 1:1: error: "file" needs "responses" with at least one item',
      ],
    ],
    [
      'empty parts',
      'file:\n  selectors: []\n  responses: []\n',
      [
        'D4C-POL-010 2:3: error: "file.selectors" needs at least one item',
        'D4C-POL-010 3:3: error: "file.responses" needs at least one item',
      ],
    ],
    [
      'parts not lists',
      'file:\n  selectors: {a: 1}\n  responses: x\n  selector: []\n',
      [
        'D4C-POL-009 2:14: error: "file.selectors" must be a list, not a mapping',
        'D4C-POL-009 3:14: error: "file.responses" must be a list, not a string',
        'D4C-POL-008 4:3: error: unknown key "selector" in "file" (did you mean "selectors"?)',
      ],
    ],
    [
      'items not mappings',
      'file:\n  selectors: [a]\n  responses: [3]\n',
      [
        'D4C-POL-009 2:15: error: file selector #1 must be a mapping, not a string',
        'D4C-POL-009 3:15: error: file response #1 must be a mapping, not a number',
      ],
    ],
  ])('%s', (_n, text, expected) => {
    expect(problems(text)).toEqual(expected);
    expect(parsePolicy(text, 'p.yaml').policy).toBeUndefined();
  });

  it('one section alone is a policy', () => {
    const text = ELASTIC_DEFAULT_POLICY.slice(ELASTIC_DEFAULT_POLICY.indexOf('file:'));
    expect(parsePolicy(text, 'p').policy?.file?.selectors).toHaveLength(1);
  });

  it('caps selectors + responses at 64 per section', () => {
    const sel = Array.from({ length: 63 }, (_, i) => `    - {name: s${i}, operation: [exec]}`);
    const resp = `    - match: [${Array.from({ length: 63 }, (_, i) => `s${i}`).join(', ')}]\n      actions: [log]`;
    const ok = `process:\n  selectors:\n${sel.join('\n')}\n  responses:\n${resp}\n`;
    expect(problems(ok)).toEqual([]);
    const over = ok.replace('  responses:\n', '  responses:\n    - {match: [s0], actions: [alert]}\n');
    expect(problems(over)).toEqual([
      'D4C-POL-023 1:1: error: You cannot exceed 64 selectors + responses for a given type e.g file, process (process has 65)',
    ]);
  });
});

describe('selectors', () => {
  const base = (sel: string, match = 'a') =>
    `process:\n  selectors:\n${sel}\n  responses:\n    - match: [${match}]\n      actions: [log]\n`;
  it.each([
    [
      'no name',
      '    - operation: [exec]',
      [
        'D4C-POL-011 3:7: error: process selector #1: a selector needs a "name"',
        'D4C-POL-028 5:15: error: process response #1: no selector named "a"',
      ],
    ],
    [
      'name with a space',
      '    - name: "a b"\n      operation: [exec]',
      ['D4C-POL-012 3:13: error: selector "a b": Selector names must be alphanumeric and contain no spaces.'],
      '"a b"',
    ],
    [
      'name starting with -',
      '    - name: -a\n      operation: [exec]',
      ['D4C-POL-012 3:13: error: selector "-a": Selector names must be alphanumeric and contain no spaces.'],
      '-a',
    ],
    [
      'name a number',
      '    - name: 12\n      operation: [exec]',
      [
        'D4C-POL-009 3:13: error: process selector #1: "name" must be a non-empty string, not a number',
        'D4C-POL-028 6:15: error: process response #1: no selector named "a"',
      ],
    ],
    [
      'no condition',
      '    - name: b\n    - name: c\n      operation: [exec]',
      [
        'D4C-POL-015 3:13: error: selector "b": At least one condition per selector is required.',
        'D4C-POL-032 4:13: warning: selector "c": This selector is not in use by any response.',
      ],
      'b',
    ],
    [
      'a typo',
      '    - name: a\n      proccessName: [sh]',
      [
        'D4C-POL-015 3:13: error: selector "a": At least one condition per selector is required.',
        'D4C-POL-008 4:7: error: unknown key "proccessName" in selector "a" (did you mean "processName"?)',
      ],
    ],
    [
      'a removed condition',
      '    - name: a\n      processUserId: ["0"]\n      operation: [exec]',
      ['D4C-POL-008 4:7: error: "processUserId" is no longer part of Elastic\'s D4C schema'],
    ],
    [
      'a response key in a selector',
      '    - name: a\n      operation: [exec]\n      actions: [log]',
      ['D4C-POL-008 5:7: error: unknown key "actions" in selector "a"'],
    ],
  ] as [string, string, string[], string?][])('%s', (_n, sel, expected, match) => {
    const text = base(sel, match);
    expect(problems(text)).toEqual(expected);
  });

  it('a name of 128 characters is the limit', () => {
    const n128 = `a${'b'.repeat(127)}`;
    expect(
      problems(base(`    - name: ${n128}\n      operation: [exec]`).replace('[a]', `[${n128}]`)),
    ).toEqual([]);
    const n129 = `${n128}c`;
    expect(
      problems(base(`    - name: ${n129}\n      operation: [exec]`).replace('[a]', `[${n129}]`)),
    ).toEqual([
      `D4C-POL-013 3:13: error: selector "${n129.slice(0, 77)}...": Selector names cannot exceed 128 characters.`,
    ]);
  });

  it('names are unique across the whole policy', () => {
    const text = y`
      process:
        selectors:
          - name: a
            operation: [exec]
        responses:
          - {match: [a], actions: [log]}
      file:
        selectors:
          - name: a
            operation: [createFile]
        responses:
          - {match: [a], actions: [log]}
    `;
    expect(problems(text)).toEqual([
      'D4C-POL-014 9:13: error: selector "a": This name is already used by another selector. (first at line 3)',
      'D4C-POL-029 12:16: error: file response #1: "a" is a process selector; a file response can only use file selectors',
    ]);
  });

  it('duplicate values warn and keep the policy', () => {
    const text = base('    - name: a\n      processName: [sh, bash, sh]');
    expect(problems(text)).toEqual([
      `D4C-POL-034 ${where(text, 'sh', 3)}: warning: selector "a": duplicate "processName" value "sh"`,
    ]);
    expect(parsePolicy(text, 'p').policy).toBeDefined();
  });
});

describe('responses', () => {
  const base = (resp: string) =>
    [
      'file:',
      '  selectors:',
      '    - name: exe',
      '      operation: [createExecutable, modifyExecutable]',
      '    - name: etc',
      '      targetFilePath: [/etc/**]',
      '      operation: [modifyFile]',
      '    - name: nginx',
      '      containerImageName: [nginx]',
      '  responses:',
      resp,
    ].join('\n');
  const used = '    - {match: [exe, etc, nginx], actions: [log]}\n';
  it.each([
    [
      'match missing',
      '    - actions: [log]',
      ['D4C-POL-024 12:7: error: file response #2: a response needs "match": at least one selector name'],
    ],
    [
      'match empty',
      '    - {match: [], actions: [log]}',
      ['D4C-POL-018 12:15: error: file response #2: "match": At least one value is required.'],
    ],
    [
      'actions missing',
      '    - match: [exe]',
      ['D4C-POL-025 12:7: error: file response #2: At least one action is required.'],
    ],
    [
      'actions empty',
      '    - {match: [exe], actions: []}',
      ['D4C-POL-025 12:31: error: file response #2: At least one action is required.'],
    ],
    [
      'unknown action',
      '    - {match: [exe], actions: [alret]}',
      [
        'D4C-POL-026 12:32: error: file response #2: "alret" is not an action; expected one of: log, alert, block (did you mean "alert"?)',
      ],
    ],
    [
      'unknown selector',
      '    - {match: [exe, ngnix], actions: [log]}',
      ['D4C-POL-028 12:21: error: file response #2: no selector named "ngnix" (did you mean "nginx"?)'],
    ],
    [
      'unknown exclude selector',
      '    - {match: [exe], exclude: [zzz], actions: [log]}',
      ['D4C-POL-028 12:32: error: file response #2: no selector named "zzz"'],
    ],
    ['empty exclude is fine', '    - {match: [exe], exclude: [], actions: [log]}', []],
    [
      'unknown key',
      '    - {match: [exe], action: [log]}',
      [
        'D4C-POL-025 12:7: error: file response #2: At least one action is required.',
        'D4C-POL-008 12:22: error: unknown key "action" in file response #2 (did you mean "actions"?)',
      ],
    ],
    [
      'match a string',
      '    - {match: exe, actions: [log]}',
      ['D4C-POL-009 12:15: error: file response #2: "match" must be a list, not a string'],
    ],
  ])('%s', (_n, resp, expected) => {
    expect(problems(base(`${used}${resp}`))).toEqual(expected);
  });

  it('a selector no response uses is a warning', () => {
    const text = base('    - {match: [exe, etc], actions: [log]}');
    expect(problems(text)).toEqual([
      'D4C-POL-032 8:13: warning: selector "nginx": This selector is not in use by any response.',
    ]);
    expect(parsePolicy(text, 'p').policy).toBeDefined();
  });

  it('a selector used only in exclude counts as used', () => {
    expect(problems(base('    - {match: [exe, etc], exclude: [nginx], actions: [log]}'))).toEqual([]);
  });

  it('keeps actions in canonical order', () => {
    const r = parsePolicy(base(`${used}    - {match: [etc], actions: [block, alert, log]}`), 'p');
    expect(r.policy?.file?.responses[1]?.actions).toEqual(['log', 'alert', 'block']);
  });
});

describe('block', () => {
  const text = (resp: string) => y`
    process:
      selectors:
        - {name: sh, processName: [sh], operation: [exec]}
        - {name: forks, operation: [fork]}
      responses:
        - {match: [sh, forks], actions: [log]}
    file:
      selectors:
        - {name: etc, targetFilePath: [/etc/**], operation: [modifyFile]}
        - {name: nginx, containerImageName: [nginx]}
        - {name: exe, operation: [modifyExecutable]}
        - {name: created, operation: [createFile, createExecutable, deleteFile], targetFilePath: [/tmp/*]}
        - {name: all, targetFilePath: ["/**"]}
      responses:
        - {match: [etc, nginx, exe, created, all], actions: [log]}
    ${resp}
  `;
  const at = (t: string, n = 1) => where(t, 'block', n);
  it.each([
    ['bounded by the path', '    - {match: [etc], actions: [alert, block]}', () => []],
    ['non-FIM operations need no path', '    - {match: [exe], actions: [alert, block]}', () => []],
    [
      'requires alert',
      '    - {match: [etc], actions: [block]}',
      (t: string) => [
        `D4C-POL-027 ${at(t)}: error: file response #2: The alert action is required when "block" action used.`,
      ],
    ],
    [
      'a selector without operation and path is unbounded',
      '    - {match: [etc, nginx], actions: [block, alert]}',
      (t: string) => [
        `D4C-POL-030 ${at(t)}: error: file response #2: The "block" action requires targetFilePath be included in all "match" selectors using FIM operations or in at least one "exclude" selector. Note that selectors without operation will match on all operations, including createFile, modifyFile or deleteFile (without targetFilePath: "nginx")`,
        `D4C-POL-033 ${at(t)}: warning: file response #2: "block" on createExecutable, createFile, deleteFile alerts but does not prevent the operation on this kernel (fanotify can deny: modifyExecutable, modifyFile, exec)`,
      ],
    ],
    [
      'an exclude selector with a path bounds it',
      '    - {match: [nginx], exclude: [etc], actions: [block, alert]}',
      (t: string) => [
        `D4C-POL-033 ${at(t)}: warning: file response #2: "block" on createExecutable, createFile, deleteFile alerts but does not prevent the operation on this kernel (fanotify can deny: modifyExecutable, modifyFile, exec)`,
      ],
    ],
    [
      'blocking /** warns',
      '    - {match: [all], actions: [block, alert]}',
      (t: string) => [
        `D4C-POL-031 ${at(t)}: warning: file response #2: Warning: Blocking FIM operations: selector "all": It is dangerous to block FIM operations using a targetFilePath of /**. This can lead to system instability. Note that selectors without operation will match on all operations, including createFile, modifyFile or deleteFile`,
        `D4C-POL-033 ${at(t)}: warning: file response #2: "block" on createExecutable, createFile, deleteFile alerts but does not prevent the operation on this kernel (fanotify can deny: modifyExecutable, modifyFile, exec)`,
      ],
    ],
    [
      'blocking creations and deletions is not enforced here',
      '    - {match: [created], actions: [block, alert]}',
      (t: string) => [
        `D4C-POL-033 ${at(t)}: warning: file response #2: "block" on createExecutable, createFile, deleteFile alerts but does not prevent the operation on this kernel (fanotify can deny: modifyExecutable, modifyFile, exec)`,
      ],
    ],
  ])('%s', (_n, resp, expected) => {
    const t = text(resp);
    expect(problems(t)).toEqual(expected(t));
  });

  it('blocking exec is enforced, fork is not', () => {
    const t = text('').replace(
      '    - {match: [sh, forks], actions: [log]}\n',
      '    - {match: [sh, forks], actions: [log]}\n    - {match: [sh], actions: [block, alert]}\n    - {match: [forks], actions: [block, alert]}\n',
    );
    expect(problems(t)).toEqual([
      `D4C-POL-033 ${at(t, 2)}: warning: process response #3: "block" on fork alerts but does not prevent the operation on this kernel (fanotify can deny: modifyExecutable, modifyFile, exec)`,
    ]);
  });

  it('with full enforcement capabilities nothing is reported as unenforced', () => {
    const t = text('    - {match: [created], actions: [block, alert]}');
    expect(problems(t, { enforcementCaps: FULL_ENFORCEMENT_CAPS })).toEqual([]);
  });
});
