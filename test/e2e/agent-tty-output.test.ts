// Terminal output, live (issue 17): the real agent and sensor over a podman container. What a
// `podman exec -it` session writes to its terminal becomes text_output documents (UTF-8 kept,
// the session's leaders and container on them); an exec without a terminal and a host process
// with one (even with --include-host) give none; past --tty-max-bytes-per-process the rest is
// counted as skipped, to the byte.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Doc, type RunningAgent, startAgent } from './agent-runner.js';
import { removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';

const pexec = promisify(execFile);
const CAP = 10_000;
const BIG = 200_000;

const textDocs = (docs: Doc[]) => docs.filter((d) => d.event?.action === 'text_output');
const textOf = (docs: Doc[], cid: string) =>
  textDocs(docs)
    .filter((d) => d.container?.id === cid)
    .map((d) => d.process.io.text as string)
    .join('');

describeLive('podman')('terminal output (live)', () => {
  let agent: RunningAgent;
  let box: TestContainer;
  let docs: Doc[] = [];
  let stats: Doc;

  beforeAll(async () => {
    agent = await startAgent(['--include-host', '--tty-max-bytes-per-process', String(CAP)]);
    try {
      box = await runContainer({});
      // Computed inside the session: the marker is in the output, not in any argv.
      const tty = await box.exec(['sh', '-c', 'echo tty-marker-$((6*7)); printf "caf\\303\\251\\n"'], {
        tty: true,
      });
      expect(tty.stdout).toContain('tty-marker-42');
      const plain = await box.exec(['sh', '-c', 'echo plain-marker-$((6*7))']);
      expect(plain.stdout).toContain('plain-marker-42');
      // A host process with a terminal: never captured, even with --include-host.
      await pexec('script', ['-qec', 'sh -c "echo host-marker-$((6*7))"', '/dev/null'], { timeout: 30_000 });
      // Far more than the cap, to a terminal.
      const big = await box.exec(['sh', '-c', `head -c ${BIG} /dev/zero | tr '\\0' a; echo big-done`], {
        tty: true,
      });
      expect(big.stdout).toContain('big-done');
      await agent.waitForDoc(
        (d) => d.event?.action === 'text_output' && String(d.process?.io?.text).includes('big-done'),
        'the text_output of the big session',
      );
      await agent.waitForDoc(
        (d) => d.event?.action === 'text_output' && String(d.process?.io?.text).includes('tty-marker-42'),
        'the text_output of the marker session',
      );
    } finally {
      const r = await agent.stop();
      docs = r.docs;
      stats = r.stats;
      await removeAll();
    }
  }, 180_000);

  afterAll(async () => {
    await removeAll();
  });

  it('writes what an interactive exec wrote to its terminal as text_output documents', () => {
    const all = textOf(docs, box.id);
    expect(all).toContain('tty-marker-42');
    expect(all).toContain('café');
    const d = textDocs(docs).find((x) => String(x.process.io.text).includes('tty-marker-42'));
    expect(d.event).toMatchObject({ kind: 'event', category: ['process'], action: 'text_output' });
    expect(d.data_stream.dataset).toBe('cloud_defend.process');
    expect(d.process.io).toMatchObject({ type: 'tty', max_bytes_per_process_exceeded: false });
    expect(d.process.io.total_bytes_captured).toBeGreaterThanOrEqual(
      Buffer.byteLength(d.process.io.text) - 3,
    );
    expect(d.process.tty.char_device.major).toBeGreaterThanOrEqual(136);
    expect(d.process.interactive).toBe(true);
    expect(d.process.container_entry).toBe('exec');
    // Session View groups by the entry leader: the exec'd shell's.
    expect(d.process.entry_leader.entity_id).toBeDefined();
    expect(d.container.id).toBe(box.id);
  });

  it('captures nothing without a terminal, and nothing of the host', () => {
    const all = textDocs(docs)
      .map((d) => d.process.io.text as string)
      .join('');
    expect(all).not.toContain('plain-marker-42');
    expect(all).not.toContain('host-marker-42');
    for (const d of textDocs(docs)) expect(d.container?.id, 'a text_output of the host').toBeDefined();
  });

  it('keeps the per-process cap and counts every byte beyond it as skipped', () => {
    const tr = textDocs(docs).filter((d) => d.container?.id === box.id && d.process.args?.[0] === 'tr');
    expect(tr.length).toBeGreaterThan(0);
    const captured = tr.reduce((n, d) => n + d.process.io.total_bytes_captured, 0);
    const skipped = tr.reduce((n, d) => n + d.process.io.total_bytes_skipped, 0);
    expect(captured).toBe(CAP);
    expect(captured + skipped).toBe(BIG);
    expect(tr.at(-1).process.io.max_bytes_per_process_exceeded).toBe(true);
    expect(tr.map((d) => d.process.io.text).join('')).toBe('a'.repeat(CAP));
    // The gaps say where: they add up to what was skipped.
    const gaps = tr.flatMap((d) => d.process.io.bytes_skipped ?? []);
    expect(gaps.reduce((n: number, g: { length: number }) => n + g.length, 0)).toBe(skipped);
    expect(stats.ttyOutput.bytesSkipped).toBeGreaterThanOrEqual(BIG - CAP);
    expect(stats.ttyOutput.processesCapped).toBeGreaterThanOrEqual(1);
  });

  it('counts the records', () => {
    expect(stats.eventsSeen.tty).toBeGreaterThan(0);
    expect(stats.kernel.emitted.tty).toBe(stats.eventsSeen.tty);
  });
});
