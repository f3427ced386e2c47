// Fails when bpf/events.h and events-def.ts drift: compiles offsetof/sizeof of every field and
// every constant the decoder uses, and compares them with the TS layout.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_STRUCTS, CONST, layoutOf } from './events-def.js';

/** Any C compiler: cc where installed, else the clang that builds the BPF side. */
const CC = existsSync('/usr/bin/cc') ? 'cc' : 'clang';

const bpfDir = resolve(import.meta.dirname, '../../bpf');
const work = mkdtempSync(join(tmpdir(), 'd4c-layout-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cProgram(): string {
  const lines = [
    '#include <stdio.h>',
    '#include <stddef.h>',
    '#include <linux/types.h>',
    '#include "events.h"',
    'int main(void) {',
  ];
  for (const def of ALL_STRUCTS) {
    const l = layoutOf(def);
    lines.push(`  printf("${def.cName} sizeof %zu\\n", sizeof(struct ${def.cName}));`);
    for (const field of Object.keys(l.offsets)) {
      lines.push(`  printf("${def.cName} ${field} %zu\\n", offsetof(struct ${def.cName}, ${field}));`);
    }
  }
  for (const name of Object.keys(CONST)) lines.push(`  printf("const ${name} %ld\\n", (long)(${name}));`);
  lines.push('  return 0;', '}');
  return lines.join('\n');
}

function expected(): string[] {
  const out: string[] = [];
  for (const def of ALL_STRUCTS) {
    const l = layoutOf(def);
    out.push(`${def.cName} sizeof ${l.size}`);
    for (const [field, o] of Object.entries(l.offsets)) out.push(`${def.cName} ${field} ${o}`);
  }
  for (const [name, v] of Object.entries(CONST)) out.push(`const ${name} ${v}`);
  return out;
}

describe('kernel/user record layout', () => {
  it('matches bpf/events.h field by field', () => {
    const src = join(work, 'layout.c');
    const bin = join(work, 'layout');
    writeFileSync(src, cProgram());
    execFileSync(CC, ['-I', bpfDir, '-o', bin, src]);
    const got = execFileSync(bin, { encoding: 'utf8' }).trim().split('\n');
    expect(got).toEqual(expected());
  });
});
