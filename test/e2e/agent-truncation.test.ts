// Truncation leaves a mark (issue 22, finding 7): a container exec's an argv padded past the
// sensor's 4 KiB bound; the real agent's document carries the true argument count and
// `process.args_truncated: true`, while an ordinary exec carries neither mark.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Doc, type RunningAgent, startAgent } from './agent-runner.js';
import { removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';

describeLive('podman')('argv past the sensor bound (live)', () => {
  let agent: RunningAgent;
  let box: TestContainer;
  beforeAll(async () => {
    agent = await startAgent(['--no-store']);
    box = await runContainer({});
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await removeAll();
  });

  it('reports the true argument count and marks the cut', async () => {
    // 300 arguments of 40 bytes: 12 KiB of argv, three times what the sensor keeps.
    const pad = Array.from({ length: 300 }, (_, i) => `${String(i).padStart(3, '0')}${'x'.repeat(36)}`);
    await box.exec(['true', ...pad]);
    await box.exec(['true', 'short']);
    const isExec = (d: Doc, first: string) =>
      d.container?.id === box.id && d.event?.action === 'exec' && d.process?.args?.[1] === first;
    const cut = await agent.waitForDoc((d) => isExec(d, pad[0] as string), 'the padded exec');
    expect(cut.process.args_count).toBe(301);
    expect(cut.process.args_truncated).toBe(true);
    expect(cut.process.args.length).toBeLessThan(301);
    expect(cut.process.args.join('\0').length).toBeLessThanOrEqual(4096);
    const whole = await agent.waitForDoc((d) => isExec(d, 'short'), 'the short exec');
    expect(whole.process.args).toEqual(['true', 'short']);
    expect(whole.process.args_count).toBe(2);
    expect(whole.process.args_truncated).toBeUndefined();
  }, 60_000);
});
