// The event path without root or a kernel: records built byte by byte from the shared layout
// (as the sensor sends them), decoded, and handed to a Pipeline of real parts
// (pipeline.fixture.ts); the documents it writes are what is checked. The live e2e tests prove the
// wiring; pipeline-behaviours.test.ts carries the behaviours the e2e suite also checks live.
import { describe, expect, it, vi } from 'vitest';
import { answer, dnsEvent, query } from '../dns/events.fixture.js';
import type { DeniedInfo } from '../enforce/index.js';
import type { PolicyEvent } from '../policy/index.js';
import type { SensorEvent } from '../sensor/index.js';
import { CONST } from '../sensor/record.fixture.js';
import { connect, exec, exit, file, fork, ID, SHELL, setup, ttyWrite, type Who } from './pipeline.fixture.js';

describe('Pipeline', () => {
  it('fork, exec and exit: one document each, with the container, the exit code and ordered', async () => {
    const { p, docs, inspected } = setup();
    p.handle(fork({ ...SHELL, ts: 2e9 }));
    p.handle(exec({ ...SHELL, ts: 2.1e9 }, ['sh', 'bin'], ['sh', '-c', 'id']));
    p.handle(exit({ ...SHELL, ts: 2.2e9 }, 3));
    await vi.waitFor(() => expect(docs()).toHaveLength(3));
    const [f, x, e] = docs();
    expect([f?.event.action, x?.event.action, e?.event.action]).toEqual(['fork', 'exec', 'end']);
    expect(x?.process).toMatchObject({ pid: 300, executable: '/bin/sh', args: ['sh', '-c', 'id'] });
    expect(x?.container).toMatchObject({ id: ID, name: 'web', image: { name: 'nginx', tag: '1.27' } });
    expect(e?.process.exit_code).toBe(3);
    // The same process all along: one entity id.
    expect(new Set(docs().map((d) => d.process.entity_id)).size).toBe(1);
    // The container was looked up once, for all three.
    expect(inspected).toEqual([ID]);
    expect(p.stats().counters.eventsSeen).toMatchObject({ fork: 1, exec: 1, exit: 1 });
  });

  it('holds events while the metadata is late, then releases them in order with it', async () => {
    const { p, docs, release, inspected } = setup({ late: true });
    p.handle(exec({ ...SHELL }, ['sh', 'bin'], ['sh']));
    // A host process behind it waits too: documents go out in the order of their events.
    p.handle(exec({ tgid: 400, ts: 2.3e9, host: true }, ['env', 'bin', 'usr'], ['env']));
    await new Promise((r) => setImmediate(r));
    expect(docs()).toHaveLength(0);
    expect(p.stats().holdQueue).toBe(2);
    release();
    await vi.waitFor(() => expect(docs()).toHaveLength(2));
    expect(docs().map((d) => d.process.pid)).toEqual([300, 400]);
    expect(docs()[0]?.container.name).toBe('web');
    expect(docs()[0]?.cloud_defend.metadata_complete).not.toBe(false);
    expect(docs()[1]?.container).toBeUndefined();
    expect(p.stats().counters.held).toBe(2);
    expect(p.stats().holdQueue).toBe(0);
    // The host process has no container to look up.
    expect(inspected).toEqual([ID]);
  });

  it('drain() releases what is still held, with the metadata known so far', async () => {
    const { p, docs } = setup({ late: true });
    p.handle(exec({ ...SHELL }, ['sh', 'bin'], ['sh']));
    expect(docs()).toHaveLength(0);
    p.drain();
    expect(docs()).toHaveLength(1);
    expect(docs()[0]?.container.id).toBe(ID);
    expect(docs()[0]?.cloud_defend.metadata_complete).toBe(false);
    expect(p.stats().counters.docsIncompleteMetadata).toBe(1);
  });

  it('file changes and reads: decided by their operation, skipped when no response wants them', async () => {
    const { p, docs } = setup();
    p.handle(exec({ ...SHELL }, ['sh', 'bin'], ['sh']));
    p.handle(file({ ...SHELL, ts: 2.2e9 }, CONST.D4C_FOP_CREAT, ['etc'], 'cron.d'));
    p.handle(file({ ...SHELL, ts: 2.3e9 }, CONST.D4C_FOP_CREAT, ['tmp'], 'x'));
    p.handle(file({ ...SHELL, ts: 2.4e9 }, CONST.D4C_FOP_READ, ['secrets', 'run'], 'token', false));
    await vi.waitFor(() => expect(docs().filter((d) => d.file)).toHaveLength(2));
    const [created, read] = docs().filter((d) => d.file);
    expect(created?.file.path).toBe('/etc/cron.d');
    expect(created?.cloud_defend.matched_selectors).toEqual(['etc']);
    expect(read?.file.path).toBe('/run/secrets/token');
    expect(read?.cloud_defend.matched_selectors).toEqual(['secrets']);
    // An alert without log: to the alerts stream only.
    expect(
      docs()
        .filter((d) => d.file?.path === '/etc/cron.d')
        .map((d) => d.event.kind),
    ).toEqual(['alert']);
    expect(p.stats().counters.policyActions['createFile.none']).toBe(1);
  });

  it('a connection from a known process carries its process and destination', async () => {
    const { p, docs } = setup();
    p.handle(exec({ ...SHELL, comm: 'curl' }, ['curl', 'bin'], ['curl', 'http://169.254.169.254/']));
    p.handle(connect({ ...SHELL, ts: 2.5e9, comm: 'curl' }, [169, 254, 169, 254], 80));
    await vi.waitFor(() => expect(docs().filter((d) => d.destination)).toHaveLength(1));
    const n = docs().find((d) => d.destination);
    expect(n?.destination).toMatchObject({ ip: '169.254.169.254', port: 80 });
    expect(n?.process.executable).toBe('/bin/curl');
    expect(n?.container.id).toBe(ID);
  });

  it('a DNS transaction is one network document naming the question and answers', async () => {
    const { p, docs } = setup();
    const at = { cgroupPath: `/libpod_parent/libpod-${ID}`, tgid: 300, startTime: 1.5e9 };
    p.handle(dnsEvent({ direction: 'query', payload: query(7, 'example.com'), ...at }));
    p.handle(
      dnsEvent({ direction: 'response', payload: answer(7, 'example.com', ['93.184.215.14']), ...at }),
    );
    await vi.waitFor(() => expect(docs().filter((d) => d.dns)).toHaveLength(1));
    const d = docs().find((x) => x.dns);
    expect(d?.dns.question.name).toBe('example.com');
    expect(JSON.stringify(d?.dns)).toContain('93.184.215.14');
    expect(d?.container.id).toBe(ID);
  });

  it('terminal output becomes one text_output document, before the process end', async () => {
    const { p, docs } = setup();
    const tty: Who = { ...SHELL, tty: [136, 3] };
    p.handle(exec(tty, ['sh', 'bin'], ['sh']));
    p.handle(ttyWrite({ ...tty, ts: 2.6e9 }, 'uid=0(root)\n'));
    p.handle(ttyWrite({ ...tty, ts: 2.7e9 }, 'gid=0(root)\n'));
    p.handle(exit({ ...tty, ts: 2.8e9 }));
    await vi.waitFor(() => expect(docs('end')).toHaveLength(1));
    const actions = docs().map((d) => d.event.action);
    expect(actions.indexOf('text_output')).toBeGreaterThan(-1);
    expect(actions.indexOf('text_output')).toBeLessThan(actions.indexOf('end'));
    const t = docs('text_output')[0];
    expect(t?.process.io.text).toBe('uid=0(root)\ngid=0(root)\n');
    expect(t?.container.id).toBe(ID);
  });

  it('a denied attempt goes through the same decide-and-build step: one denied alert', async () => {
    const { p, docs, written } = setup();
    p.handle(exec({ ...SHELL }, ['sh', 'bin'], ['sh']));
    await vi.waitFor(() => expect(docs('exec')).toHaveLength(1));
    const info: DeniedInfo = {
      kind: 'exec',
      pid: 300,
      tid: 300,
      path: '/usr/bin/nc',
      mode: 0o100755,
      flags: 0,
      cgroupPath: `/libpod_parent/libpod-${ID}`,
      event: { section: 'process', operation: 'exec' } as PolicyEvent,
      decision: { actions: ['alert', 'block'], matchedSelectors: ['nc'] },
      enforced: true,
      unknownMetadata: false,
      time: new Date(),
    };
    p.denied(info);
    const denied = written.filter((w) =>
      w.doc.cloud_defend?.hook_point?.includes('fanotify__open_exec_perm'),
    );
    expect(denied.map((w) => w.doc.event.kind)).toEqual(['alert']);
    expect(denied[0]?.stream).toContain('alerts');
    const d = denied[0]!.doc;
    expect(d.event.type).toContain('denied');
    expect(d.process).toMatchObject({ pid: 300, executable: '/usr/bin/nc', name: 'nc' });
    expect(d.process.args).toBeUndefined();
    expect(d.cloud_defend).toMatchObject({ block_mode: 'enforce', matched_selectors: ['nc'] });
    expect(d.container).toMatchObject({ id: ID, name: 'web' });
    expect(p.stats().counters.enforceDenied).toBe(1);
    // In monitoring mode the sensor's document is the report: nothing more here.
    p.denied({ ...info, enforced: false });
    expect(p.stats().counters.enforceMonitored).toBe(1);
    expect(
      written.filter((w) => w.doc.cloud_defend?.hook_point?.includes('fanotify__open_exec_perm')),
    ).toHaveLength(1);
  });

  it('detections: a rule matching a written document raises an alert built on it', async () => {
    const { p, docs, written } = setup({ rules: true });
    p.handle(exec({ ...SHELL, comm: 'nc' }, ['nc', 'bin', 'usr'], ['nc', '-l', '4444']));
    await vi.waitFor(() =>
      expect(written.filter((w) => w.doc.message === 'Netcat in a container')).toHaveLength(1),
    );
    const alert = written.find((w) => w.doc.message === 'Netcat in a container')!;
    expect(alert.stream).toContain('alerts');
    expect(alert.doc.process.executable).toBe('/usr/bin/nc');
    expect(docs('exec')[0]?.cloud_defend.matched_selectors).toEqual(['all', 'nc']);
    expect(p.stats().counters.ruleDetections).toBe(1);
  });

  it('runtime setup records are dropped and a failing record does not stop the pipeline', async () => {
    const { p, docs, warnings } = setup();
    p.handle(fork({ ...SHELL, comm: 'runc:[1:CHILD]' }));
    expect(p.stats().counters.runtimeSetupDropped).toBe(1);
    p.handle({ kind: 'exec' } as SensorEvent);
    expect(p.stats().counters.handleErrors).toBe(1);
    expect(warnings[0]).toMatch(/^event skipped \(exec\)/);
    p.handle(exec({ ...SHELL }, ['sh', 'bin'], ['sh']));
    await vi.waitFor(() => expect(docs('exec')).toHaveLength(1));
  });
});
