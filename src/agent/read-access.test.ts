import { describe, expect, it } from 'vitest';
import type { Policy, Selector } from '../policy/index.js';
import { kernelPrefix, policyReadPrefixes, readWatch, respell } from './read-access.js';

const pos = { file: 'p.yaml', line: 1, col: 1 };
const sel = (name: string, s: Partial<Selector>): Selector =>
  ({ name, section: 'file', pos, ...s }) as Selector;

describe('read prefixes from the policy', () => {
  it('puts each prefix in the kernel form', () => {
    expect(kernelPrefix('/var/run/secrets/kubernetes.io/serviceaccount/')).toBe(
      '/var/run/secrets/kubernetes.io/serviceaccount',
    );
    expect(kernelPrefix('/etc/shadow')).toBe('/etc/shadow');
    expect(kernelPrefix('/a/./b/../c/')).toBe('/a/c');
    expect(kernelPrefix('/')).toBeUndefined();
    expect(kernelPrefix('relative/x')).toBeUndefined();
    expect(kernelPrefix('/1/2/3/4/5/6/7/8/9/10')).toBe('/1/2/3/4/5/6/7/8');
    expect(kernelPrefix(`/a/${'x'.repeat(70)}/b`)).toBe('/a');
  });

  it('takes only readFile selectors that a response with an action matches', () => {
    const policy = {
      source: 'p.yaml',
      file: {
        selectors: [
          sel('reads', {
            operation: ['readFile'],
            targetFilePath: ['/etc/shadow', '/run/secrets/**'],
          }),
          sel('quiet', { operation: ['readFile'], targetFilePath: ['/opt/**'] }),
          sel('writes', { operation: ['createFile'], targetFilePath: ['/etc/**'] }),
          sel('all', { targetFilePath: ['/usr/**'] }),
        ],
        responses: [
          {
            section: 'file',
            index: 0,
            match: ['reads', 'writes', 'all'],
            exclude: [],
            actions: ['log'],
            pos,
          },
          { section: 'file', index: 1, match: ['quiet'], exclude: [], actions: [], pos },
        ],
      },
    } as Policy;
    expect(policyReadPrefixes(policy)).toEqual(['/etc/shadow', '/run/secrets']);
  });
});

describe('kernel slots', () => {
  it('watches /var/run and /run forms and spells matches back as the policy did', () => {
    const w = readWatch(['/var/run/secrets/kubernetes.io/serviceaccount', '/etc/shadow']);
    expect(w.kernel).toEqual([
      '/etc/shadow',
      '/run/secrets/kubernetes.io/serviceaccount',
      '/var/run/secrets/kubernetes.io/serviceaccount',
    ]);
    const slot = w.kernel.indexOf('/run/secrets/kubernetes.io/serviceaccount');
    expect(respell(w, slot, '/run/secrets/kubernetes.io/serviceaccount/token')).toBe(
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
    );
    expect(respell(w, 0, '/etc/shadow')).toBe('/etc/shadow');
    expect(respell(w, 99, '/x')).toBe('/x');
    expect(respell(w, undefined, '/x')).toBe('/x');
  });

  it('drops covered prefixes and widens the deepest beyond 16 slots', () => {
    expect(readWatch(['/etc', '/etc/shadow']).kernel).toEqual(['/etc']);
    const many = Array.from({ length: 20 }, (_, i) => `/srv/app${i % 10}/k${i}`);
    const w = readWatch(many);
    expect(w.kernel.length).toBeLessThanOrEqual(16);
    expect(w.widened).toBeGreaterThan(0);
    // every original prefix is still covered by some slot
    for (const p of many) expect(w.kernel.some((k) => p === k || p.startsWith(`${k}/`))).toBe(true);
  });
});
