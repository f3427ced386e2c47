import { describe, expect, it } from 'vitest';
import { formatDocLine } from './format.js';

describe('formatDocLine', () => {
  it('shows time, stream, pod, action, process and path', () => {
    const line = formatDocLine({
      '@timestamp': '2026-11-28T02:40:01.123Z',
      data_stream: { dataset: 'cloud_defend.file' },
      orchestrator: { namespace: 'shop', resource: { name: 'web' } },
      event: { action: 'modification', type: ['change'] },
      process: { name: 'sh', interactive: true },
      file: { path: '/etc/hosts' },
      cloud_defend: { matched_selectors: ['etc'] },
    });
    expect(line).toMatch(
      /^02:40:01\.123 {2}file {5}shop\/web +modification +sh \(tty\) +\/etc\/hosts {2}\[etc\]$/,
    );
  });

  it('marks denied events and alerts from rules, and survives garbage', () => {
    const line = formatDocLine({
      data_stream: { dataset: 'cloud_defend.alerts' },
      event: { action: 'open', type: ['denied'] },
      rule: { name: 'Shadow write' },
    });
    expect(line).toContain('ALERT');
    expect(line).toContain('open DENIED');
    expect(line).toContain('rule: Shadow write');
    for (const junk of [null, 1, 'x', [], { process: { args: [null, 2] } }])
      expect(() => formatDocLine(junk)).not.toThrow();
  });
});
