import { describe, expect, it } from 'vitest';
import {
  AGENT,
  builder,
  curl,
  HOST,
  NGINX,
  nginxInit,
  POD,
  PRIV,
  shell,
  t,
} from '../../test/ecs/fixtures.js';
import { createEcsBuilder, sequentialEventIds } from './index.js';
import type { ProcessInfo } from './input.js';

const withoutId = (d: { event: { id: string } }) => ({ ...d, event: { ...d.event, id: '' } });

describe('EcsBuilder', () => {
  it('builds the same documents warm as a fresh builder (memos hold no stale state)', () => {
    const warm = builder();
    for (let i = 0; i < 3; i++) warm.processExecDoc({ timeNs: t(1), process: shell, container: PRIV });
    const inputs = [
      { timeNs: t(230.3), process: curl, container: PRIV },
      { timeNs: t(100.5), process: nginxInit, container: NGINX, orchestrator: POD },
      { timeNs: t(200.01), process: shell, container: PRIV },
    ];
    for (const input of inputs) {
      expect(withoutId(warm.processExecDoc(input))).toEqual(withoutId(builder().processExecDoc(input)));
    }
  });

  it('renders a changed process object from its new fields', () => {
    const b = builder();
    const p: ProcessInfo = { ...curl, previous: undefined };
    const first = b.processExecDoc({ process: p });
    const q: ProcessInfo = { ...p, name: 'wget', args: ['wget', 'x'] };
    const second = b.processExecDoc({ process: q });
    expect(first.process?.name).toBe('curl');
    expect(second.process?.name).toBe('wget');
    expect(second.process?.args_count).toBe(2);
  });

  it('never crashes on out-of-range times: counts them and uses the build time', () => {
    const b = builder();
    const huge = 10n ** 25n; // ~3e8 years: beyond what a Date holds
    const doc = b.processForkDoc({ timeNs: huge, process: { ...curl, startNs: huge, endNs: huge } });
    expect(doc['@timestamp']).toBe(doc.event.created);
    expect(doc.process?.start).toBeUndefined();
    expect(b.stats.badTimestamps).toBe(1);
    const end = b.processEndDoc({ process: { ...curl, endNs: huge, exitCode: 137 } });
    expect(end.process?.end).toBeUndefined();
    expect(end.process?.exit_code).toBe(137);
  });

  it('handles a minimal process (only pid and entity id)', () => {
    const doc = builder().processForkDoc({ process: { pid: 42, entityId: 'x' } });
    expect(doc.process).toEqual({ pid: 42, entity_id: 'x', interactive: false });
    expect(doc.user).toBeUndefined();
    expect(doc.container).toBeUndefined();
    expect(doc.cloud_defend).toEqual({ operation: 'fork' });
  });

  it('maps unexpected file action kinds to modification instead of crashing', () => {
    const doc = builder().fileDoc({
      process: curl,
      file: { path: '/x', operation: 'modifyFile', action: 'weird' as never },
    });
    expect(doc.event.action).toBe('modification');
    expect(doc.event.type).toEqual(['change']);
  });

  it('routes by the policy outcome', () => {
    const b = builder();
    const doc = b.processExecDoc({ process: curl });
    expect(b.route(doc, { actions: ['log'] })).toEqual([doc]);
    const both = b.route(doc, { actions: ['log', 'alert'] });
    expect(both).toHaveLength(2);
    expect(both[1]!.event.kind).toBe('alert');
    expect(both[1]!.event.id).toBe(doc.event.id);
    expect(both[1]!.data_stream.dataset).toBe('cloud_defend.alerts');
    expect(b.route(doc, { actions: [] })).toEqual([]);
    expect(b.route(doc, undefined)).toEqual([]);
  });

  it('names each policy alert by its response, operation, target and selectors (message)', () => {
    const b = builder();
    const policy = { actions: ['alert'] as const, matchedSelectors: ['metadata', 'tools'] };
    const conn = b.networkDoc({
      process: curl,
      policy,
      network: {
        operation: 'connect',
        transport: 'tcp',
        type: 'ipv6',
        destination: { ip: '2001:db8::1', port: 443, address: '2001:db8::1' },
        outcome: 'success',
      },
    });
    const [alert] = b.route(conn, policy);
    expect(alert?.message).toBe('Alert: connect [2001:db8::1]:443 (selectors metadata, tools)');
    expect(conn.message).toBeUndefined();
    const lookup = b.networkDoc({
      process: curl,
      policy: { actions: ['alert'], matchedSelectors: ['ioc-domains'] },
      network: {
        operation: 'dns',
        transport: 'udp',
        type: 'ipv4',
        destination: { ip: '10.96.0.10', port: 53, address: '10.96.0.10' },
        outcome: 'success',
        dns: {
          id: '1',
          type: 'answer',
          op_code: 'QUERY',
          question: { name: 'c2.evil.example', type: 'A', class: 'IN' },
        },
      },
    });
    const dnsPolicy = { actions: ['alert'] as const, matchedSelectors: ['ioc-domains'] };
    expect(b.route(lookup, dnsPolicy)[0]?.message).toBe(
      'Alert: dns c2.evil.example A (selector ioc-domains)',
    );
    const exec = b.processExecDoc({ process: curl, policy: { actions: ['alert'], matchedSelectors: [] } });
    expect(b.alertDoc(exec).message).toBe(`Alert: exec ${curl.executable}`);
    const file = b.fileDoc({
      process: curl,
      policy: { actions: ['block'], matchedSelectors: ['bin'], blocked: true },
      file: { path: '/usr/bin/x', operation: 'createExecutable', action: 'creation' },
      blockMode: 'enforce',
    });
    expect(b.alertDoc(file).message).toBe('Blocked: createExecutable /usr/bin/x (selector bin)');
  });

  it('rejects a bad namespace at compile time', () => {
    expect(() => createEcsBuilder({ agent: AGENT, host: HOST, namespace: 'Bad-NS' })).toThrow(/namespace/);
  });

  it('uses its event id source', () => {
    const b = createEcsBuilder({ agent: AGENT, host: HOST, eventIds: sequentialEventIds('x') });
    expect(b.heartbeatDoc({ blockActionEnabled: false }).event.id).toBe('x-1');
    expect(b.metricsDoc({}).event.id).toBe('x-2');
    const random = createEcsBuilder({ agent: AGENT, host: HOST });
    const ids = new Set(
      Array.from({ length: 1000 }, () => random.heartbeatDoc({ blockActionEnabled: false }).event.id),
    );
    expect(ids.size).toBe(1000);
  });
});

describe('EcsBuilder with a process table that updates records in place', () => {
  it('renders the current start time after pid reuse on the same object', () => {
    const b = builder();
    const p: ProcessInfo = { pid: 9, entityId: 'a', startNs: t(10) };
    expect(b.processForkDoc({ process: p }).process?.start).toBe('2026-11-28T00:00:10.000Z');
    p.startNs = t(20);
    p.entityId = 'b';
    expect(b.processForkDoc({ process: p }).process?.start).toBe('2026-11-28T00:00:20.000Z');
  });
});
