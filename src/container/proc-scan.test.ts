import { afterAll, describe, expect, it } from 'vitest';
import { podmanAvailable, removeAll, runContainer } from '../../test/e2e/containers.js';
import { OciSpecSource } from './oci.js';
import { scanRunningContainers } from './proc-scan.js';
import { ContainerResolver } from './resolver.js';

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
      // The agent's start-up path: prime the resolver with what the scan found.
      const resolver = new ContainerResolver({ sources: [new OciSpecSource()], onWarning: () => {} });
      resolver.prime([...r.containers.values()].map((x) => x.identity));
      const m = await resolver.resolve(c.id);
      expect(m).toMatchObject({ id: c.id, runtime: 'podman', complete: true, pid: c.pid });
      await c.remove();
    });
  });
});
