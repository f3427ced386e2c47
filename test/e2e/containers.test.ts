// The helpers other integration tests rely on: real podman containers, exec with and without a
// terminal, capabilities as granted, and cleanup.
import { execFileSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { execIn, removeAll, runContainer, withContainer } from './containers.js';
import { describeLive } from './gate.js';

const CAP_SYS_ADMIN = 21n;
const capEff = (status: string) => BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(status)?.[1] ?? '0'}`);

describeLive('podman')('test/e2e/containers', () => {
  afterAll(removeAll);

  it('runs, execs (plain and under a pty) and removes a container', async () => {
    let id = '';
    await withContainer({}, async (c) => {
      id = c.id;
      expect(c.id).toMatch(/^[0-9a-f]{64}$/);
      expect(c.pid).toBeGreaterThan(1);
      const plain = await c.exec(['sh', '-c', 'echo hi; tty; exit 0']);
      expect(plain.stdout).toContain('hi');
      expect(plain.stdout).toContain('not a tty');
      const tty = await execIn(c.id, ['sh', '-c', 'tty'], { tty: true });
      expect(tty.stdout).toMatch(/\/dev\/pts\/\d+/);
      const fail = await c.exec(['sh', '-c', 'exit 4']);
      expect(fail.code).toBe(4);
    });
    const left = execFileSync('podman', ['ps', '-aq', '--no-trunc', '--filter', `id=${id}`], {
      encoding: 'utf8',
    });
    expect(left.trim()).toBe('');
  });

  it('grants CAP_SYS_ADMIN only with --cap-add SYS_ADMIN or --privileged', async () => {
    const plain = await runContainer({});
    const capped = await runContainer({ capAdd: ['SYS_ADMIN'] });
    const priv = await runContainer({ privileged: true });
    const has = async (id: string) =>
      ((capEff((await execIn(id, ['cat', '/proc/self/status'])).stdout) >> CAP_SYS_ADMIN) & 1n) === 1n;
    expect(await has(plain.id)).toBe(false);
    expect(await has(capped.id)).toBe(true);
    expect(await has(priv.id)).toBe(true);
  });

  it('a failed run is an error with podman’s message, and leaves nothing', async () => {
    await expect(runContainer({ image: 'localhost/d4c/does-not-exist:1' })).rejects.toThrow(
      /podman run failed/,
    );
  });
});
