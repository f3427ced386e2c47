// Fails when the helpers' C headers and the TS side drift: compiles offsetof/sizeof of struct req
// and the frame/kind constants and the counter count (bpf/enforcer.h), the connect filter's rule
// and constants (bpf/connect-block.h), and the exit codes (bpf/exit-codes.h), and compares them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CONNECT_OP_BIND,
  CONNECT_OP_CONNECT,
  CONNECT_PROTO_TCP,
  CONNECT_PROTO_UDP,
} from '../policy/connect-rules.js';
import { MAX_CONNECT_RULES } from './connect-block.js';
import { EXIT } from './exit-codes.js';
import {
  FR_MARKED,
  FR_READY,
  FR_REQUEST,
  FR_STATS,
  HELPER_COUNTER_ENUM,
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
  ...Object.fromEntries(HELPER_COUNTERS.map((k, i) => [HELPER_COUNTER_ENUM[k], i])),
  D4C_CB_MAX_RULES: MAX_CONNECT_RULES,
  D4C_CB_TCP: CONNECT_PROTO_TCP,
  D4C_CB_UDP: CONNECT_PROTO_UDP,
  D4C_CB_CONNECT: CONNECT_OP_CONNECT,
  D4C_CB_BIND: CONNECT_OP_BIND,
  ...EXIT,
};

/** struct d4c_cb_rule, in the order of the helper's `rule` line (connect-block.ts writes it). */
const CB_RULE: Record<string, number> = { net: 0, mask: 16, lo: 32, hi: 36, proto: 40, ops: 44 };
const CB_RULE_SIZE = 48;

describe('helper layouts and exit codes', () => {
  it('match bpf/enforcer.h, bpf/connect-block.h and bpf/exit-codes.h', () => {
    const lines = [
      '#include <stdio.h>',
      '#include <stddef.h>',
      '#include <linux/types.h>',
      '#include "enforcer.h"',
      '#include "connect-block.h"',
      '#include "exit-codes.h"',
      'int main(void) {',
    ];
    lines.push('  printf("sizeof %zu\\n", sizeof(struct req));');
    for (const f of Object.keys(REQ_OFFSETS))
      lines.push(`  printf("${f} %zu\\n", offsetof(struct req, ${f}));`);
    lines.push('  printf("d4c_cb_rule sizeof %zu\\n", sizeof(struct d4c_cb_rule));');
    for (const f of Object.keys(CB_RULE))
      lines.push(`  printf("d4c_cb_rule ${f} %zu\\n", offsetof(struct d4c_cb_rule, ${f}));`);
    for (const c of Object.keys(CONSTS)) lines.push(`  printf("${c} %d\\n", (int)(${c}));`);
    lines.push('  return 0;', '}');
    writeFileSync(join(work, 'l.c'), lines.join('\n'));
    execFileSync(CC, [`-I${bpfDir}`, '-o', join(work, 'l'), join(work, 'l.c')]);
    const got = execFileSync(join(work, 'l'), { encoding: 'utf8' }).trim().split('\n');
    const want = [
      `sizeof ${REQ_SIZE}`,
      ...Object.entries(REQ_OFFSETS).map(([f, o]) => `${f} ${o}`),
      `d4c_cb_rule sizeof ${CB_RULE_SIZE}`,
      ...Object.entries(CB_RULE).map(([f, o]) => `d4c_cb_rule ${f} ${o}`),
      ...Object.entries(CONSTS).map(([c, v]) => `${c} ${v}`),
    ];
    expect(got).toEqual(want);
  });

  it('mirror every exit code of bpf/exit-codes.h', () => {
    const h = readFileSync(join(bpfDir, 'exit-codes.h'), 'utf8');
    const names = [...h.matchAll(/^#define (D4C_EXIT_\w+) /gm)].map((m) => m[1]);
    expect(names).toEqual(Object.keys(EXIT));
  });
});
