// Issue 22, finding 1, as it was found: with a policy blocking writes under /etc and d4c's rule
// pack running, one container appends to /etc/passwd every 20 ms while a second runs execs whose
// argv is the crafted 4 KiB payload that made backtracking rule patterns take seconds per event.
// Before, 128 of 549 writes got through (the decisions waited behind the rules on the agent's
// thread). Now the rules match in linear time and the decisions run on a thread of their own: not
// one write may get through, and the agent keeps running and stops cleanly.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAgent } from './agent-runner.js';
import { removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';
import { BLOCK_ETC_WRITES } from './policies.js';

const PAYLOAD = 'curl |||'.repeat(510); // 4,080 bytes
// Execs logged, so that they become documents and the rules see them (as under the default policy).
const POLICY = `${BLOCK_ETC_WRITES}process:
  selectors:
    - name: execs
      operation: [exec]
  responses:
    - match: [execs]
      actions: [log]
`;
const WRITES = 250;
// Each attempt's outcome on one line, then the count: an append that succeeded says `through`.
const WRITER = `i=0; n=0; while [ $i -lt ${WRITES} ]; do
  if echo d4c-redos >> /etc/passwd 2>/dev/null; then n=$((n+1)); fi; i=$((i+1)); usleep 20000; done
echo "through=$n"`;

describeLive('podman')('d4c agent: the ReDoS payload from a container against block (live)', () => {
  let writer: TestContainer;
  let attacker: TestContainer;
  let out = '';
  let before = '';
  let after = '';
  let code: number | null = null;
  let attacks = 0;

  beforeAll(async () => {
    const agent = await startAgent(['--stats'], { policy: POLICY, defaultRules: true });
    try {
      writer = await runContainer({});
      attacker = await runContainer({});
      // A first write, and its alert: the enforcer has marked the container and the agent knows it.
      await writer.exec(['sh', '-c', 'echo d4c-first >> /etc/passwd']);
      await agent.waitForDoc(
        (d) => d.container?.id === writer.id && d.event.kind === 'alert' && d.file?.path === '/etc/passwd',
        'the first denied write',
      );
      before = (await writer.exec(['md5sum', '/etc/passwd'])).stdout;
      const loop = writer.exec(['sh', '-c', WRITER]);
      // 16 execs with the payload in argv from one podman exec: they come while the writes go on.
      const storm = attacker
        .exec([
          'sh',
          '-c',
          'for i in 1 2 3 4 5 6 7 8; do busybox true "$1" "$2"; sh -c ": $1"; done; echo attacks=16',
          'storm',
          PAYLOAD,
          PAYLOAD.slice(0, 1000),
        ])
        .then((r) => {
          if (r.stdout.includes('attacks=16')) attacks = 16;
        });
      const [r] = await Promise.all([loop, storm]);
      out = r.stdout;
      after = (await writer.exec(['md5sum', '/etc/passwd'])).stdout;
      await agent.waitForDoc(
        (d) => d.container?.id === attacker.id && (d.process?.args ?? []).includes(`: ${PAYLOAD}`),
        "the last payload's exec",
        60_000,
      );
    } finally {
      code = (await agent.stop()).code;
    }
  }, 180_000);

  afterAll(async () => {
    await removeAll();
  });

  it('lets not one blocked write through while the payload runs', () => {
    expect(attacks).toBe(16);
    expect(out.trim()).toBe('through=0');
    expect(after).toBe(before);
  });

  it('keeps the agent up, and it stops cleanly', () => {
    expect(code).toBe(0);
  });
});
