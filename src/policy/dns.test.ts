// The network section's `dns` operation and `dnsQuestionName` condition (issue 18): validation
// with positions, the block refusal (D4C-POL-047), opt-in coverage, and the compiled matcher
// agreeing with the reference interpreter on names and wildcards.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FULL_ENFORCEMENT_CAPS, withConnectBlock } from './check.js';
import { compilePolicy } from './compile.js';
import { dnsNameMatches } from './conditions.js';
import { problems, where } from './helpers.fixture.js';
import { interpret } from './interpret.js';
import { parsePolicy } from './load.js';
import type { PolicyEvent } from './model.js';

function net(body: string, actions = '[alert]', extra = ''): string {
  return `network:\n  selectors:\n    - name: names\n${body
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n')}\n${extra}  responses:\n    - match: [names]\n      actions: ${actions}\n`;
}

const ev = (name: string | undefined, operation: PolicyEvent['operation'] = 'dns'): PolicyEvent => ({
  section: 'network',
  operation,
  ...(name !== undefined ? { dnsQuestionName: name } : {}),
});

describe('dns in the network section', () => {
  it('loads operation dns with question names and wildcards', () => {
    const r = parsePolicy(
      net('operation: [dns]\ndnsQuestionName: [example.com, "*.pool.example"]'),
      'p.yaml',
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.policy?.network?.selectors[0]).toMatchObject({
      operation: ['dns'],
      dnsQuestionName: ['example.com', '*.pool.example'],
    });
  });

  it('refuses a bad name at the value (D4C-POL-046)', () => {
    const text = net('operation: [dns]\ndnsQuestionName: [ok.example, "*bad.example"]');
    expect(problems(text)).toEqual([
      `D4C-POL-046 ${where(text, '"*bad.example"')}: error: selector "names": "dnsQuestionName" value "*bad.example": a wildcard may only be a leading "*." (every name below the rest)`,
    ]);
  });

  it('refuses block on dns with a clear message (D4C-POL-047), whatever the kernel can block', () => {
    const text = net('operation: [dns]', '[alert, block]');
    const caps = withConnectBlock(FULL_ENFORCEMENT_CAPS);
    expect(problems(text, { enforcementCaps: caps })).toEqual([
      `D4C-POL-047 ${where(text, 'block')}: error: network response #1: "block" on dns is not supported: d4c observes DNS transactions, it does not block them (out of scope); use "alert"`,
    ]);
  });

  it('is opt-in: a selector without operation does not cover dns', () => {
    const p = parsePolicy(net('transport: [udp]', '[log]'), 'p.yaml').policy!;
    const c = compilePolicy(p);
    expect(c.decide({ ...ev('x.example'), transport: 'udp' }).actions).toEqual([]);
    expect(c.decide({ section: 'network', operation: 'connect', transport: 'udp' }).actions).toEqual(['log']);
    expect(c.wants('network', 'dns')).toBe(false);
  });

  it('matches names and suffix wildcards, case-insensitively', () => {
    const p = parsePolicy(net('operation: [dns]\ndnsQuestionName: [Example.com, "*.pool.example"]'), 'p.yaml')
      .policy!;
    const c = compilePolicy(p);
    expect(c.wants('network', 'dns')).toBe(true);
    const hit = (n: string | undefined) => c.decide(ev(n)).actions.length > 0;
    expect(hit('example.com')).toBe(true);
    expect(hit('EXAMPLE.COM.')).toBe(true);
    expect(hit('www.example.com')).toBe(false);
    expect(hit('xmr.pool.example')).toBe(true);
    expect(hit('a.b.pool.example')).toBe(true);
    expect(hit('pool.example')).toBe(false);
    expect(hit('evilpool.example')).toBe(false);
    expect(hit(undefined)).toBe(false);
  });

  it('the compiled matcher agrees with the interpreter on random names and patterns', () => {
    const label = fc.constantFrom('a', 'b', 'pool', 'example', 'com', 'x1');
    const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
    const pattern = fc.tuple(fc.boolean(), name).map(([w, n]) => (w ? `*.${n}` : n));
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 3 }),
        fc.array(name, { maxLength: 8 }),
        (pats, names) => {
          const p = parsePolicy(
            net(`operation: [dns]\ndnsQuestionName: [${pats.map((x) => JSON.stringify(x)).join(', ')}]`),
            'p.yaml',
          ).policy;
          if (p === undefined) return; // duplicate values only warn; anything else is a bug below
          const c = compilePolicy(p);
          for (const n of names) {
            expect(c.decide(ev(n))).toEqual(interpret(p, ev(n)));
            expect(c.decide(ev(n)).actions.length > 0).toBe(pats.some((x) => dnsNameMatches(x, n)));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
