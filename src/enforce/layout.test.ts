// Fails when bpf/enforcer.h and protocol.ts drift: compiles offsetof/sizeof of struct req and the
// frame/kind constants and the counter count, and compares them with the TS side.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FR_MARKED,
  FR_READY,
  FR_REQUEST,
  FR_STATS,
  HELPER_COUNTERS,
  KIND_EXEC,
  KIND_WRITE,
  REQ_OFFSETS,
  REQ_SIZE,
} from './protocol.js';

const CC = existsSync('/usr/bin/cc') ? 'cc' : 'clang';
const bpfDir = resolve(import.meta.dirname, '../../bpf');
const work = mkdtempSync(join(tmpdir(), 'd4c-enf-layout-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CONSTS = {
  FR_REQUEST,
  FR_READY,
  FR_STATS,
  FR_MARKED,
  KIND_WRITE,
  KIND_EXEC,
  NCOUNT: HELPER_COUNTERS.length,
};

describe('enforcer frame layout', () => {
  it('matches bpf/enforcer.h', () => {
    const lines = ['#include <stdio.h>', '#include <stddef.h>', '#include "enforcer.h"', 'int main(void) {'];
    lines.push('  printf("sizeof %zu\\n", sizeof(struct req));');
    for (const f of Object.keys(REQ_OFFSETS))
      lines.push(`  printf("${f} %zu\\n", offsetof(struct req, ${f}));`);
    for (const c of Object.keys(CONSTS)) lines.push(`  printf("${c} %d\\n", (int)(${c}));`);
    lines.push('  return 0;', '}');
    writeFileSync(join(work, 'l.c'), lines.join('\n'));
    execFileSync(CC, [`-I${bpfDir}`, '-o', join(work, 'l'), join(work, 'l.c')]);
    const got = execFileSync(join(work, 'l'), { encoding: 'utf8' }).trim().split('\n');
    const want = [
      `sizeof ${REQ_SIZE}`,
      ...Object.entries(REQ_OFFSETS).map(([f, o]) => `${f} ${o}`),
      ...Object.entries(CONSTS).map(([c, v]) => `${c} ${v}`),
    ];
    expect(got).toEqual(want);
  });
});
