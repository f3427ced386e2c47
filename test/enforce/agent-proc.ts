// A stand-in agent for the kill -9 test: enforces, decides every request in 1 ms, prints
// `watching` once the container is marked. Usage: agent-proc.ts PIN_DIR PID CONTAINER_ID
import { startEnforcer } from '../../src/enforce/index.js';
import { blockingPolicy, contextFrom } from './fixtures.js';

const [pinDir, pid, id] = process.argv.slice(2);
const images = new Map([[id!, 'localhost/d4c/busybox']]);
const e = startEnforcer({
  policy: blockingPolicy(),
  pinDir: pinDir!,
  containerOf: contextFrom(images),
  // A slow decider: each decision costs a millisecond, so requests queue up in the helper.
  testDelayMs: 1,
  deadlineMs: 5000,
});
await e.ready;
await e.watchPid(Number(pid));
process.stdout.write(`watching ${e.helperPid}\n`);
setInterval(() => {}, 1000);
