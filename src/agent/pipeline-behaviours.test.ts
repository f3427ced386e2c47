// Agent behaviours the live e2e suite checks that need no kernel, checked here on the Pipeline of
// real parts (pipeline.fixture.ts), without root: drift, exec-into marking, interactive sessions,
// data streams, DNS names on later connects, IoC domains, an unreachable runtime and blocks that
// failed open (down, late). The e2e tests keep proving the same behaviours end to end.
import { describe, expect, it, vi } from 'vitest';
import { answer, dnsEvent, query } from '../dns/events.fixture.js';
import { DomainList } from '../dns/index.js';
import { type DeniedInfo, type Enforcer, type EnforcerOptions, enforcementReport } from '../enforce/index.js';
import { CONST } from '../sensor/record.fixture.js';
import { FileEnforcement } from './file-enforcement.js';
import { connect, exec, exit, file, fork, ID, SHELL, setup, type Who } from './pipeline.fixture.js';
import type { FileBlocks } from './pipeline.js';

const AT = { cgroupPath: `/libpod_parent/libpod-${ID}`, tgid: 300, startTime: 1.5e9 };

/** Blocks (and alerts on) file creation and changes under /etc. */
const BLOCK_ETC = `
file:
  selectors:
    - name: etc
      operation: [createFile, modifyFile]
      targetFilePath: [/etc/**]
  responses:
    - match: [etc]
      actions: [block, alert]
`;

describe('Pipeline behaviours (as the e2e suite checks them live)', () => {
  it('drift: an exec of a file written in the container is drifted, its children inherit it', async () => {
    const { p, docs } = setup();
    p.handle(exec({ ...SHELL }, ['sh', 'bin'], ['sh']));
    p.handle(file({ ...SHELL, ts: 2.2e9 }, CONST.D4C_FOP_CREAT, ['tmp'], 'payload'));
    const child: Who = { tgid: 301, ppid: 300, parentStart: 1.5e9, ts: 2.3e9, start: 2.25e9 };
    p.handle(fork(child));
    p.handle(exec({ ...child, ts: 2.4e9 }, ['payload', 'tmp'], ['/tmp/payload']));
    const grandchild: Who = { tgid: 302, ppid: 301, parentStart: 2.25e9, ts: 2.5e9, start: 2.45e9 };
    p.handle(fork(grandchild));
    await vi.waitFor(() => expect(docs('fork')).toHaveLength(2));
    const [shell, payload] = docs('exec');
    expect(shell?.process.executable).toBe('/bin/sh');
    expect(shell?.process.drift).not.toBe(true);
    expect(payload?.process).toMatchObject({ executable: '/tmp/payload', drift: true });
    expect(docs('fork').find((d) => d.process.pid === 302)?.process.drift).toBe(true);
    expect(p.stats().counters.driftByWrite).toBe(1);
  });

  it('exec-into marking: the init tree is "init", a session entered from another pid namespace "exec"', async () => {
    const { p, docs } = setup();
    const NS = 4026532999;
    const init: Who = { tgid: 500, ppid: 10, ts: 2e9, start: 1.2e9, vpid: 1, pidns: NS };
    p.handle(exec(init, ['sh', 'bin'], ['sh', '-c', 'sleep 1000']));
    const own: Who = {
      tgid: 501,
      ppid: 500,
      parentStart: 1.2e9,
      ts: 2.1e9,
      start: 2.05e9,
      vpid: 2,
      pidns: NS,
    };
    p.handle(fork(own));
    // The runtime's exec: its parent (runc, on the host) is in another pid namespace.
    const runc: Who = {
      tgid: 600,
      ppid: 1,
      ts: 2.2e9,
      start: 2.15e9,
      comm: 'runc',
      pidns: 4026531836,
      host: true,
    };
    p.handle(fork(runc));
    const entered: Who = {
      tgid: 601,
      ppid: 600,
      parentStart: 2.15e9,
      ts: 2.3e9,
      start: 2.25e9,
      vpid: 3,
      pidns: NS,
    };
    p.handle(fork(entered));
    p.handle(exec({ ...entered, ts: 2.4e9 }, ['sh', 'bin'], ['sh']));
    await vi.waitFor(() => expect(docs('exec')).toHaveLength(2));
    const byPid = (pid: number, action: string) => docs(action).find((d) => d.process.pid === pid);
    expect(byPid(500, 'exec')?.process).toMatchObject({ container_entry: 'init', container_init: true });
    expect(byPid(501, 'fork')?.process).toMatchObject({ container_entry: 'init', container_init: false });
    expect(byPid(601, 'exec')?.process).toMatchObject({ container_entry: 'exec', container_init: false });
  });

  it('an interactive session in a container: its shell is the interactive entry leader', async () => {
    const { p, docs } = setup();
    const tty: Who = { ...SHELL, sid: 300, tty: [136, 0] };
    p.handle(exec(tty, ['sh', 'bin'], ['sh']));
    const child: Who = {
      tgid: 310,
      ppid: 300,
      parentStart: 1.5e9,
      sid: 300,
      ts: 2.5e9,
      start: 2.45e9,
      tty: [136, 0],
    };
    p.handle(fork(child));
    p.handle(exec({ ...child, ts: 2.6e9 }, ['id', 'bin', 'usr'], ['id']));
    await vi.waitFor(() => expect(docs('exec')).toHaveLength(2));
    const id = docs('exec')[1];
    expect(id?.process.interactive).toBe(true);
    expect(id?.process.tty).toMatchObject({ char_device: { major: 136, minor: 0 } });
    expect(id?.process.parent.pid).toBe(300);
    expect(id?.process.session_leader.pid).toBe(300);
    // Without a terminal the same tree is not interactive.
    const { p: q, docs: plain } = setup();
    q.handle(exec({ ...SHELL }, ['sh', 'bin'], ['sh']));
    await vi.waitFor(() => expect(plain('exec')).toHaveLength(1));
    expect(plain('exec')[0]?.process.interactive).toBe(false);
  });

  it('each kind of document goes to its data stream; alerts to the alerts stream', async () => {
    const { p, written } = setup();
    p.handle(exec({ ...SHELL, comm: 'nc' }, ['nc', 'bin'], ['nc', '-l']));
    p.handle(file({ ...SHELL, ts: 2.2e9 }, CONST.D4C_FOP_READ, ['secrets', 'run'], 'token', false));
    p.handle(connect({ ...SHELL, ts: 2.3e9 }, [10, 0, 0, 9], 443));
    await vi.waitFor(() => expect(written.filter((w) => w.doc.destination)).toHaveLength(1));
    const streams = (pred: (w: (typeof written)[number]) => boolean) =>
      [...new Set(written.filter(pred).map((w) => w.stream))].sort();
    expect(streams((w) => w.doc.event.action === 'exec' && w.doc.event.kind === 'event')).toEqual([
      'logs-cloud_defend.process-default',
    ]);
    expect(streams((w) => w.doc.event.action === 'exec' && w.doc.event.kind === 'alert')).toEqual([
      'logs-cloud_defend.alerts-default',
    ]);
    expect(streams((w) => w.doc.file !== undefined)).toEqual(['logs-cloud_defend.file-default']);
    expect(streams((w) => w.doc.destination !== undefined)).toEqual(['logs-cloud_defend.network-default']);
    for (const w of written) expect(w.doc.data_stream.dataset).toBe(w.stream.split('-')[1]);
  });

  it('a connect to an address a DNS answer named carries destination.domain', async () => {
    const { p, docs } = setup();
    p.handle(exec({ ...SHELL, comm: 'curl' }, ['curl', 'bin'], ['curl', 'http://api.example.com/']));
    p.handle(dnsEvent({ direction: 'query', payload: query(9, 'api.example.com'), ...AT }));
    p.handle(
      dnsEvent({ direction: 'response', payload: answer(9, 'api.example.com', ['127.0.0.9']), ...AT }),
    );
    p.handle(connect({ ...SHELL, ts: 3e9, comm: 'curl' }, [127, 0, 0, 9], 443));
    p.handle(connect({ ...SHELL, ts: 3.1e9, comm: 'curl' }, [127, 0, 0, 10], 443));
    await vi.waitFor(() => expect(docs().filter((d) => d.destination?.port === 443)).toHaveLength(2));
    const [named, unnamed] = docs().filter((d) => d.destination?.port === 443);
    expect(named?.destination).toMatchObject({ ip: '127.0.0.9', domain: 'api.example.com' });
    expect(unnamed?.destination.domain).toBeUndefined();
  });

  it('an IoC-listed domain raises an alert for the resolution and for a connect to its address', async () => {
    const iocDomains = DomainList.parse('# miners\npool.example.org\n', 'ioc.txt');
    const { p, written, docs } = setup({ iocDomains });
    p.handle(exec({ ...SHELL, comm: 'xmrig' }, ['xmrig', 'tmp'], ['xmrig']));
    p.handle(dnsEvent({ direction: 'query', payload: query(3, 'eu.pool.example.org'), ...AT }));
    p.handle(
      dnsEvent({ direction: 'response', payload: answer(3, 'eu.pool.example.org', ['127.0.0.44']), ...AT }),
    );
    p.handle(dnsEvent({ direction: 'query', payload: query(4, 'example.org'), ...AT }));
    p.handle(dnsEvent({ direction: 'response', payload: answer(4, 'example.org', ['127.0.0.45']), ...AT }));
    p.handle(connect({ ...SHELL, ts: 3e9, comm: 'xmrig' }, [127, 0, 0, 44], 3333));
    const alerts = () => written.filter((w) => w.stream.includes('alerts')).map((w) => w.doc);
    await vi.waitFor(() => expect(alerts()).toHaveLength(2));
    expect(alerts().map((d) => d.dns?.question.name ?? d.destination?.domain)).toEqual([
      'eu.pool.example.org',
      'eu.pool.example.org',
    ]);
    expect(alerts()[1]?.destination).toMatchObject({ ip: '127.0.0.44', port: 3333 });
    // The parent domain alone is not listed: no alert for example.org.
    expect(alerts().filter((d) => d.dns?.question.name === 'example.org')).toEqual([]);
    expect(docs().filter((d) => d.dns?.question.name === 'example.org')).toHaveLength(1);
  });

  it('with the runtime unreachable, documents still flow, marked metadata_complete: false', async () => {
    const { p, docs, warnings } = setup({ unreachable: true });
    p.handle(exec({ ...SHELL }, ['sh', 'bin'], ['sh']));
    p.handle(exit({ ...SHELL, ts: 2.2e9 }));
    await vi.waitFor(() => expect(docs('end')).toHaveLength(1));
    for (const d of docs()) {
      expect(d.container.id).toBe(ID);
      expect(d.cloud_defend.metadata_complete).toBe(false);
    }
    expect(p.stats().counters.docsIncompleteMetadata).toBe(2);
    expect(warnings.join('\n')).toMatch(/unreachable|ECONNREFUSED/);
  });

  it('a write seen through a matched block while enforcing is marked failed_open with the reason', async () => {
    const asked: [number, string | undefined][] = [];
    const files: FileBlocks = {
      onExec: () => {},
      monitoring: false,
      failure: (pid, path) => {
        asked.push([pid, path]);
        return 'helper_down';
      },
    };
    const { p, docs } = setup({ policy: BLOCK_ETC, files, blockable: ['createFile', 'modifyFile'] });
    p.handle(exec({ ...SHELL }, ['sh', 'bin'], ['sh']));
    p.handle(file({ ...SHELL, ts: 2.2e9 }, CONST.D4C_FOP_CREAT, ['etc'], 'evil'));
    p.handle(file({ ...SHELL, ts: 2.3e9 }, CONST.D4C_FOP_CREAT, ['tmp'], 'fine'));
    await vi.waitFor(() => expect(docs().filter((d) => d.file)).toHaveLength(1));
    const d = docs().find((x) => x.file)!;
    expect(d.file.path).toBe('/etc/evil');
    expect(d.event.kind).toBe('alert');
    expect(d.cloud_defend).toMatchObject({ block_mode: 'failed_open', block_failure: 'helper_down' });
    expect(asked).toEqual([[300, '/etc/evil']]);
  });

  it('a block decided past the helper deadline reads helper_timeout, the others helper_allowed', async () => {
    const { p, docs, parts } = setup({ policy: BLOCK_ETC, blockable: ['createFile', 'modifyFile'] });
    // A stand-in for the helper: FileEnforcement's own wiring (onLate, failure()) is under test.
    let opts: EnforcerOptions | undefined;
    const stand: Enforcer = {
      ready: Promise.resolve(),
      report: enforcementReport(),
      watchPid: async () => 1,
      watchMount: async () => 1,
      setPolicy: () => {},
      setMonitoring: () => {},
      setContainer: () => {},
      monitoring: false,
      helperPid: 1,
      running: true,
      exitReason: undefined,
      stats: () => Promise.reject(new Error('not asked')),
      stop: async () => {},
    };
    const files = await FileEnforcement.start(
      {
        ...parts,
        holds: p.holds,
        onDenied: () => {},
        start: (o) => {
          opts = o;
          return stand;
        },
      },
      '/nowhere',
      {},
    );
    p.attach(files, undefined);
    const late = { pid: 300, path: '/etc/late', kind: 'open-write' } as DeniedInfo;
    opts?.onLate?.(late);
    p.handle(exec({ ...SHELL }, ['sh', 'bin'], ['sh']));
    p.handle(file({ ...SHELL, ts: 2.2e9 }, CONST.D4C_FOP_CREAT, ['etc'], 'late'));
    p.handle(file({ ...SHELL, ts: 2.3e9 }, CONST.D4C_FOP_CREAT, ['etc'], 'other'));
    await vi.waitFor(() => expect(docs().filter((d) => d.file)).toHaveLength(2));
    const why = Object.fromEntries(
      docs()
        .filter((d) => d.file)
        .map((d) => [d.file.path, d.cloud_defend]),
    );
    expect(why['/etc/late']).toMatchObject({ block_mode: 'failed_open', block_failure: 'helper_timeout' });
    expect(why['/etc/other']).toMatchObject({ block_mode: 'failed_open', block_failure: 'helper_allowed' });
    expect(docs().find((d) => d.file?.path === '/etc/late')?.message).toMatch(
      /^Block failed \(helper_timeout\)/,
    );
  });
});
