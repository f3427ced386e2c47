// Golden documents: each case is pinned as JSON under test/golden/ecs/. UPDATE_GOLDEN=1
// rewrites them (review the diff!); otherwise any difference fails.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dataStreamName } from '../../src/ecs/index.js';
import { auditGoldenCases, GOLDEN_DIR, goldenCases } from './golden.js';

const update = process.env.UPDATE_GOLDEN === '1';
const dir = fileURLToPath(GOLDEN_DIR);
const cases = goldenCases();
/** Pinned too; the conventions below are D4C's, not the audit stream's. */
const pinned: Record<string, unknown> = { ...cases, ...auditGoldenCases() };

describe('golden ECS documents', () => {
  if (update) mkdirSync(dir, { recursive: true });

  for (const [name, doc] of Object.entries(pinned)) {
    it(name, () => {
      const file = `${dir}${name}.json`;
      const json = `${JSON.stringify(doc, null, 2)}\n`;
      if (update) writeFileSync(file, json);
      expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(JSON.parse(json)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }

  it('has no stale golden files', () => {
    const names = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(names.sort()).toEqual(
      Object.keys(pinned)
        .map((n) => `${n}.json`)
        .sort(),
    );
  });
});

describe('document conventions (events.md)', () => {
  it('sets the fields every document carries', () => {
    for (const [name, d] of Object.entries(cases)) {
      expect(d.event.module, name).toBe('cloud_defend');
      expect(d.agent.type, name).toBe('cloud-defend');
      expect((d.host.os as { type: string }).type, name).toBe('linux');
      expect(d.ecs.version, name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(d.event.dataset, name).toBe(d.data_stream.dataset);
      expect(d['@timestamp'], name).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('follows the event table', () => {
    const row = (n: string) => {
      const e = cases[n]!.event;
      return [e.category?.[0], e.action, e.type?.join(','), e.kind, dataStreamName(cases[n]!.data_stream)];
    };
    expect(row('process-fork')).toEqual([
      'process',
      'fork',
      'start',
      'event',
      'logs-cloud_defend.process-default',
    ]);
    expect(row('process-exec-init')).toEqual([
      'process',
      'exec',
      'start',
      'event',
      'logs-cloud_defend.process-default',
    ]);
    expect(row('process-end')).toEqual([
      'process',
      'end',
      'end',
      'event',
      'logs-cloud_defend.process-default',
    ]);
    expect(row('file-create')).toEqual([
      'file',
      'creation',
      'creation',
      'event',
      'logs-cloud_defend.file-default',
    ]);
    expect(row('file-open-volume')).toEqual([
      'file',
      'open',
      'change',
      'event',
      'logs-cloud_defend.file-default',
    ]);
    expect(row('file-modify-executable')).toEqual([
      'file',
      'modification',
      'change',
      'event',
      'logs-cloud_defend.file-default',
    ]);
    expect(row('file-delete')).toEqual([
      'file',
      'deletion',
      'deletion',
      'event',
      'logs-cloud_defend.file-default',
    ]);
    expect(row('file-read-secret')).toEqual([
      'file',
      'open',
      'access',
      'event',
      'logs-cloud_defend.file-default',
    ]);
    expect(cases['file-read-secret']!.cloud_defend?.operation).toBe('readFile');
    expect(cases['process-exec-drift']!.process?.drift).toBe(true);
    expect(cases['file-read-secret']!.process?.drift).toBe(false);
    expect(cases['process-exec-child']!.process?.drift).toBeUndefined();
    expect(row('file-rename')).toEqual([
      'file',
      'rename',
      'change',
      'event',
      'logs-cloud_defend.file-default',
    ]);
    expect(row('alert')).toEqual(['process', 'exec', 'start', 'alert', 'logs-cloud_defend.alerts-default']);
    expect(row('blocked')).toEqual([
      'file',
      'creation',
      'denied',
      'alert',
      'logs-cloud_defend.alerts-default',
    ]);
    const net = 'logs-cloud_defend.network-default';
    expect(row('network-connect')).toEqual([
      'network',
      'connection_attempted',
      'connection,start',
      'event',
      net,
    ]);
    expect(row('network-accept')).toEqual([
      'network',
      'connection_accepted',
      'connection,start',
      'event',
      net,
    ]);
    expect(row('network-bind-udp')).toEqual(['network', 'bind', 'info', 'event', net]);
    expect(row('network-listen')).toEqual(['network', 'listen', 'start', 'event', net]);
    expect(dataStreamName(cases.heartbeat!.data_stream)).toBe('metrics-cloud_defend.heartbeat-default');
    expect(dataStreamName(cases.metrics!.data_stream)).toBe('metrics-cloud_defend.metrics-default');
  });

  it('gives network documents their ends, direction and outcome (COMMON contract)', () => {
    const c = cases['network-connect']!;
    expect([c.network?.direction, c.network?.transport, c.network?.type, c.event.outcome]).toEqual([
      'egress',
      'tcp',
      'ipv4',
      'success',
    ]);
    expect(c.destination).toEqual({ address: '169.254.169.254', ip: '169.254.169.254', port: 80 });
    expect(c.process?.name).toBe('curl');
    expect(c.container?.id).toBeDefined();
    expect(c.cloud_defend?.operation).toBe('connect');
    const a = cases['network-accept']!;
    expect([a.network?.direction, a.source?.ip, a.destination?.port]).toEqual(['ingress', '10.88.0.1', 80]);
    expect(a.orchestrator).toBeDefined();
    const r = cases['network-connect-refused']!;
    expect([r.event.outcome, r.error?.code]).toEqual(['failure', 'ECONNREFUSED']);
    const u = cases['network-connect-unix']!;
    expect(u.destination).toEqual({ address: '/var/run/docker.sock' });
    expect(u.cloud_defend?.network).toEqual({ family: 'unix' });
    expect(u.network).toEqual({ direction: 'egress' });
    expect(u.source).toBeUndefined();
    expect(cases['network-listen']!.source).toBeUndefined();
  });

  it('describes the session model', () => {
    const sh = cases['process-exec-interactive']!.process!;
    expect(sh.interactive).toBe(true);
    expect(sh.entry_leader?.same_as_process).toBe(true);
    expect(sh.entry_leader?.entry_meta?.type).toBe('container');
    expect(sh.thread?.capabilities?.effective).toEqual(['CAP_ALL']);
    expect(sh.previous?.[0]?.executable).toBe('/usr/bin/crun');

    const c = cases['process-exec-child']!.process!;
    expect(c.entry_leader?.same_as_process).toBe(false);
    expect(c.entry_leader?.entity_id).toBe(sh.entity_id);
    expect(c.parent?.entity_id).toBe(sh.entity_id);
    expect(c.group_leader?.same_as_process).toBe(true);
    expect(c.previous).toEqual([{ executable: '/bin/bash', args: ['bash'], args_count: 1 }]);

    const init = cases['process-exec-init']!.process!;
    expect(init.interactive).toBe(false);
    expect(init.thread?.capabilities?.effective).toContain('CAP_NET_BIND_SERVICE');
    expect(init.thread?.capabilities?.effective).not.toContain('CAP_SYS_ADMIN');
    expect(init.thread?.capabilities?.effective).not.toContain('CAP_ALL');
  });

  it('shares compiled fragments and never mutates them', () => {
    const a = cases['process-fork']!;
    const b = cases['file-open-volume']!;
    expect(a.host).toBe(b.host);
    expect(a.agent).toBe(b.agent);
    expect(a.container).toBe(b.container);
    expect(a.orchestrator).toBe(b.orchestrator);
    expect(Object.isFrozen(a.host)).toBe(true);
    expect(Object.isFrozen(a.container)).toBe(true);
  });

  it('gives every document its own event.id; the alert copy keeps the event id', () => {
    const ids = Object.values(cases).map((d) => d.event.id);
    // `alert` is the alerts copy of an event built only for it: all ids distinct.
    expect(new Set(ids).size).toBe(ids.length);
  });
});
