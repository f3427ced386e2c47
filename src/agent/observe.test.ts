// The enforcer helper's counters reach --stats and /metrics (issue 22, finding 5): what the
// helper let through on its own (deadline timeouts, queue full, overflow) is not invisible.
import { describe, expect, it } from 'vitest';
import { HELPER_COUNTERS, type HelperCounters } from '../enforce/index.js';
import { agentRegistry } from '../metrics/index.js';
import { metricsSnapshot } from './observe.js';
import { type AgentStats, formatStats, newCounters } from './stats.js';

function stats(helper?: HelperCounters): AgentStats {
  return {
    ...newCounters(),
    ...(helper ? { enforceHelper: helper } : {}),
    uptimeSeconds: 1,
    kernel: undefined,
    sensor: undefined,
    processTable: { size: 0, live: 0, exited: 0, unknownPidEvents: 0, evicted: 0 },
    containers: {
      cached: 0,
      lookups: 0,
      hits: 0,
      misses: 0,
      notFound: 0,
      timeouts: 0,
      sourceFailures: 0,
      unreachable: 0,
      watchFailures: 0,
      heldTimeouts: 0,
      startEvents: 0,
      dieEvents: 0,
      evictions: 0,
    } as AgentStats['containers'],
    kubernetes: { source: 'none' } as AgentStats['kubernetes'],
    holdQueue: 0,
    helperRestarts: {},
    helperRestartFailures: {},
    outputs: {},
    rssBytes: 0,
  };
}

function helper(): HelperCounters {
  const h = Object.fromEntries(HELPER_COUNTERS.map((k) => [k, 0])) as HelperCounters;
  h.asked = 40;
  h.timeoutAllowed = 7;
  h.agentBusy = 3;
  h.overflow = 2;
  return h;
}

describe('enforcer helper counters', () => {
  it('are on the --stats line', () => {
    const line = formatStats({ ...stats(helper()), enforceWaived: 5, enforceLate: 4 });
    expect(line).toContain(
      'enforce_helper=asked 40, timeout_allowed 7, timeout_denied 0, late 0, busy 3, overflow 2',
    );
    expect(line).toContain('waived 5, late 4');
    expect(formatStats(stats())).not.toContain('enforce_helper=');
  });

  it('are d4c_enforcement_total outcomes on /metrics', async () => {
    const snap = metricsSnapshot({ ...stats(helper()), enforceWaived: 5, enforceLate: 4 });
    expect(snap.enforcement).toMatchObject({
      helper_asked: 40,
      helper_timeout_allowed: 7,
      helper_agent_busy: 3,
      helper_overflow: 2,
      fanotify_waived: 5,
      fanotify_late: 4,
    });
    const text = await agentRegistry(() => snap, false).metrics();
    expect(text).toContain('d4c_enforcement_total{outcome="helper_timeout_allowed"} 7');
    expect(text).toContain('d4c_enforcement_total{outcome="helper_overflow"} 2');
    expect(text).toContain('d4c_enforcement_total{outcome="fanotify_late"} 4');
  });
});
