import { describe, expect, it } from 'vitest';
import { AlertSummary, alertKey } from './summary.js';

const alert = (extra: Record<string, unknown>) => ({
  event: { kind: 'alert' },
  orchestrator: { namespace: 'shop', resource: { name: 'web' } },
  ...extra,
});

describe('AlertSummary', () => {
  it('groups alerts by rule or selectors and pod, counts them, ignores other documents', () => {
    const s = new AlertSummary();
    s.add(alert({ rule: { name: 'Cron Job Modified' } }));
    s.add(alert({ rule: { name: 'Cron Job Modified' } }));
    s.add({
      ...alert({ cloud_defend: { matched_selectors: ['executableChanges'] } }),
      orchestrator: undefined,
      container: { name: 'c1' },
    });
    s.add({ event: { kind: 'event' }, rule: { name: 'not an alert' } });
    s.add({
      'event.kind': 'alert',
      'rule.name': 'Dotted',
      'orchestrator.namespace': 'b',
      'orchestrator.resource.name': 'w',
    });
    expect(s.list()).toEqual([
      { source: 'rule: Dotted', where: 'b/w', count: 1 },
      { source: 'rule: Cron Job Modified', where: 'shop/web', count: 2 },
      { source: 'policy: executableChanges', where: 'c1', count: 1 },
    ]);
    expect(s.format()).toEqual([
      'COUNT  POD       RAISED BY',
      '    1  b/w       rule: Dotted',
      '    2  shop/web  rule: Cron Job Modified',
      '    1  c1        policy: executableChanges',
    ]);
  });

  it('says so when there is none, and survives garbage', () => {
    const s = new AlertSummary();
    for (const junk of [null, 1, 'x', [], { event: null }, { event: { kind: 'alert' }, rule: { name: 3 } }])
      expect(() => s.add(junk)).not.toThrow();
    expect(alertKey({ event: { kind: 'alert' } })).toEqual({
      source: 'policy: (no selector)',
      where: 'host',
    });
    expect(new AlertSummary().format()).toEqual(['no alerts']);
  });
});
