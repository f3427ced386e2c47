// `d4c policy default|validate`: output and exit codes, run in-process through main().
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../../test/run-main.js';
import { DEFAULT_POLICY, ELASTIC_DEFAULT_POLICY } from '../policy/index.js';

const dir = mkdtempSync(join(tmpdir(), 'd4c-policy-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...argv: string[]) => runMain(argv);

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const BAD = `process:
  selectors:
    - name: allProcs
      processName: [kube-controller-manager]
      operation: [exec]
    - name: shells
      proccessName: [sh]
  responses:
    - match: [allProcs, shels]
      actions: [alert, block]
file:
  selectors:
    - name: etcWrites
      operation: [modifyFile, createFile]
  responses:
    - match: [etcWrites]
      actions: [block]
`;

describe('d4c policy', () => {
  it('default prints the default policy, which validates clean', async () => {
    const r = await run('policy', 'default');
    expect(r).toEqual({ code: 0, out: DEFAULT_POLICY, err: '' });
    const p = file('default.yaml', r.out);
    expect(await run('policy', 'validate', p)).toEqual({ code: 0, out: `${p}: ok\n`, err: '' });
    expect(await run('policy', 'validate', '--quiet', p)).toEqual({ code: 0, out: '', err: '' });
  });

  it("default --elastic prints Elastic's default exactly", async () => {
    const r = await run('policy', 'default', '--elastic');
    expect(r).toEqual({ code: 0, out: ELASTIC_DEFAULT_POLICY, err: '' });
    expect(r.out).not.toContain('#');
    expect(r.out).toContain(
      '- name: executableChanges\n      operation: [createExecutable, modifyExecutable]',
    );
  });

  it('validate prints positioned errors and exits 1 (golden)', async () => {
    const p = file('p.yaml', BAD);
    const r = await run('policy', 'validate', p);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.replaceAll(dir, 'DIR')).toBe(
      [
        'DIR/p.yaml:4:21: error: selector "allProcs": "processName" values cannot exceed 15 bytes',
        'DIR/p.yaml:6:13: error: selector "shells": At least one condition per selector is required.',
        'DIR/p.yaml:6:13: warning: selector "shells": This selector is not in use by any response.',
        'DIR/p.yaml:7:7: error: unknown key "proccessName" in selector "shells" (did you mean "processName"?)',
        'DIR/p.yaml:9:25: error: process response #1: no selector named "shels" (did you mean "shells"?)',
        'DIR/p.yaml:17:17: error: file response #1: The alert action is required when "block" action used.',
        'DIR/p.yaml:17:17: error: file response #1: The "block" action requires targetFilePath be included in all "match" selectors using FIM operations or in at least one "exclude" selector. Note that selectors without operation will match on all operations, including createFile, modifyFile or deleteFile (without targetFilePath: "etcWrites")',
        'DIR/p.yaml:17:17: warning: file response #1: "block" on createFile alerts but does not prevent the operation on this kernel (fanotify can deny: modifyExecutable, modifyFile, exec)',
        '',
      ].join('\n'),
    );
    const coded = await run('policy', 'validate', '--codes', '--quiet', p);
    expect(coded.err.split('\n')[0]).toMatch(/ \[D4C-POL-021\]$/);
  });

  it('warnings alone still exit 0', async () => {
    const p = file(
      'warn.yaml',
      ELASTIC_DEFAULT_POLICY.replace(
        '      operation: [fork, exec]',
        '      operation: [fork, exec]\n    - name: unused\n      operation: [exec]',
      ),
    );
    const r = await run('policy', 'validate', p);
    expect(r).toEqual({
      code: 0,
      out: `${p}: ok (1 warning)\n`,
      err: `${p}:5:13: warning: selector "unused": This selector is not in use by any response.\n`,
    });
  });

  it('reads standard input for -, through the real binary', () => {
    const bin = fileURLToPath(new URL('../../bin/d4c.js', import.meta.url));
    const r = spawnSync(process.execPath, [bin, 'policy', 'validate', '--codes', '-'], {
      input: 'file:\n  selectors: []\n',
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        '-:1:1: error: "file" needs "responses" with at least one item [D4C-POL-010]',
        '-:2:3: error: "file.selectors" needs at least one item [D4C-POL-010]',
        '',
      ].join('\n'),
    );
  });

  it('an unreadable file is an input error (1); no file is a usage error (2)', async () => {
    const good = file('good.yaml', DEFAULT_POLICY);
    const missing = join(dir, 'missing.yaml');
    expect((await run('policy', 'validate', '--codes', missing)).err).toBe(
      `${missing}: error: cannot read: ENOENT [D4C-POL-038]\n`,
    );
    expect(await run('policy', 'validate', missing, good)).toEqual({
      code: 1,
      out: `${good}: ok\n`,
      err: `${missing}: error: cannot read: ENOENT\n`,
    });
    expect((await run('policy', 'validate', dir)).err).toBe(`${dir}: error: cannot read: EISDIR\n`);
    const usage = await run('policy', 'validate');
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('usage: d4c policy validate');
    expect((await run('policy', 'validate', '--bogus', good)).code).toBe(2);
    expect((await run('policy', 'default', 'extra')).code).toBe(2);
  });
});
