// A SIGKILLed loader cannot unlink its pinned map: the next agent removes it (issue 22,
// finding 4). Real loader, real bpffs; the map's owner is a pid that has exited.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGENT_PIN_PREFIX, removeStalePins, startSensor } from '../../src/sensor/index.js';

function loaderPid(): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (name === 'd4c-sensor' && ppid === process.pid) return Number(d);
    } catch {
      // exited while we looked
    }
  }
  return undefined;
}

describe.skipIf(process.getuid?.() !== 0 || !existsSync('/sys/kernel/btf/vmlinux'))(
  'stale pinned maps',
  () => {
    it('a map pinned by a SIGKILLed loader of a gone agent is removed; a live agent’s is kept', async () => {
      // A pid that existed and is gone: the "agent" whose loader was killed.
      const gone = spawnSync('true').pid;
      const dir = `/sys/fs/bpf/${AGENT_PIN_PREFIX}${gone}`;
      const sensor = startSensor({ pinDir: dir, network: false });
      try {
        await sensor.ready;
        expect(existsSync(`${dir}/enter_state`)).toBe(true);
        const pid = loaderPid();
        expect(pid).toBeDefined();
        process.kill(pid!, 'SIGKILL');
        for (let i = 0; i < 200 && sensor.running; i++) await new Promise((r) => setTimeout(r, 25));
        expect(sensor.running).toBe(false);
        // The kill left the pin behind.
        expect(existsSync(`${dir}/enter_state`)).toBe(true);
        // Ours (this process counts as the running agent) is not touched.
        const mine = `/sys/fs/bpf/${AGENT_PIN_PREFIX}${process.pid}`;
        execFileSync('mkdir', ['-p', mine]);
        try {
          expect(removeStalePins()).toContain(dir);
          expect(existsSync(dir)).toBe(false);
          expect(existsSync(mine)).toBe(true);
        } finally {
          execFileSync('rmdir', [mine]);
        }
      } finally {
        await sensor.stop().catch(() => {});
        if (existsSync(dir)) execFileSync('rm', ['-rf', dir]);
      }
    }, 60_000);
  },
);
