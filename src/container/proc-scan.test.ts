import { afterAll, describe, expect, it } from 'vitest';
import { podmanAvailable, removeAll, runContainer } from '../../test/e2e/containers.js';
import { scanRunningContainers } from './proc-scan.js';

describe('scanRunningContainers', () => {
  it('a missing /proc gives an empty result', async () => {
    const r = await scanRunningContainers('/nonexistent');
    expect(r.containers.size).toBe(0);
  });

  describe.skipIf(!podmanAvailable())('with a real container', () => {
    afterAll(removeAll);

    it('finds a running podman container and all its processes', async () => {
      const c = await runContainer({ command: ['sh', '-c', 'sleep 300 & sleep 300 & wait'] });
      const r = await scanRunningContainers();
      const found = r.containers.get(c.id);
      expect(found?.identity).toMatchObject({ id: c.id, runtime: 'podman', layout: 'cgroupfs' });
      expect(found?.pids).toContain(c.pid);
      expect(found?.pids.length).toBeGreaterThanOrEqual(3);
      // This test process is on the host.
      for (const x of r.containers.values()) expect(x.pids).not.toContain(process.pid);
      await c.remove();
    });
  });
});
