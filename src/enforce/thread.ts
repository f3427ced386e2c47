// The decision thread (issue 22, #1): owns the d4c-enforcer helper, reads its request frames,
// decides each one (decide.ts) and writes the verdicts. It does nothing else, so nothing the
// agent's main thread does (a heavy query, a burst of events, a slow rule) delays a verdict;
// what the main thread knows (container facts) arrives as messages and is never waited for.
import { spawn } from 'node:child_process';
import { parentPort, workerData } from 'node:worker_threads';
import { Decider } from './decide.js';
import { type Frame, FrameReader, type Request } from './protocol.js';
import type { FromThread, ThreadInit, ToThread } from './types.js';

const port = parentPort;
if (!port) throw new Error('thread.ts runs as a worker thread');
const send = (m: FromThread) => port.postMessage(m);

const init = workerData as ThreadInit;
const decider = new Decider(init);
const reader = new FrameReader();
const child = spawn(init.helper, init.args, { stdio: ['pipe', 'pipe', 'pipe'] });
send({ t: 'spawned', pid: child.pid });
let stderr = '';
let statsAsked = false;
let killTimer: NodeJS.Timeout | undefined;
child.stderr?.on('data', (d: Buffer) => {
  stderr = (stderr + d.toString()).slice(-2000);
});
child.stdin?.on('error', () => {}); // EPIPE after the helper exited: reported by 'exit'
child.once('error', (e) => {
  send({ t: 'spawnError', message: e.message });
  port.close();
});
child.once('exit', (code, signal) => {
  clearTimeout(killTimer);
  send({ t: 'exit', code, signal, stderr });
  // Nothing is left to do here: the thread ends with its port.
  port.close();
});

// The verdicts of one chunk's requests go out in one write.
let answers = '';
const decide = (req: Request): void => {
  const o = decider.decide(req);
  answers += o.line;
  if (o.report) send({ t: 'report', ...o.report });
  if (o.ask !== undefined) send({ t: 'ask', cgroupPath: o.ask });
};
const flush = (): void => {
  if (answers) {
    child.stdin?.write(answers);
    answers = '';
  }
};

// Requests of a cgroup seen for the first time wait (others go on) until its facts arrive or
// `firstWaitMs` has passed, whichever is first: then they are decided like any other. A busy
// agent costs a new container that short wait once, never a verdict past the deadline.
const held = new Map<string, Request[]>();
const release = (cgroupPath: string): void => {
  const waiting = held.get(cgroupPath);
  if (!waiting) return;
  held.delete(cgroupPath);
  for (const r of waiting) decide(r);
  flush();
};
const onRequest = (req: Request): void => {
  const cg = req.cgroupPath;
  const waiting = held.get(cg);
  if (waiting) waiting.push(req);
  else if (init.firstWaitMs > 0 && decider.firstSight(cg, performance.now())) {
    held.set(cg, [req]);
    send({ t: 'ask', cgroupPath: cg });
    setTimeout(() => release(cg), init.firstWaitMs);
  } else decide(req);
};

const onFrame = (f: Frame): void => {
  switch (f.type) {
    case 'request':
      onRequest(f.req);
      break;
    case 'ready':
      send({ t: 'ready' });
      break;
    case 'marked':
      send({ t: 'marked', token: f.token, errno: f.errno, count: f.count });
      break;
    case 'stats':
      if (!statsAsked) break;
      statsAsked = false;
      send({
        t: 'stats',
        stats: { ...decider.stats(), decodeErrors: reader.decodeErrors, helper: f.counters },
      });
      break;
    default:
      break;
  }
};
child.stdout?.on('data', (chunk: Buffer) => {
  reader.push(chunk, onFrame);
  flush();
});

port.on('message', (m: ToThread) => {
  switch (m.t) {
    case 'line':
      child.stdin?.write(m.line);
      break;
    case 'policy':
      child.stdin?.write(`want ${decider.setPolicy(m.policy)}\n`);
      break;
    case 'monitoring':
      decider.monitoring = m.on;
      break;
    case 'container':
      decider.setContainer(m.cgroupPath, m.facts);
      release(m.cgroupPath);
      break;
    case 'stats':
      // One answer serves every ask made before it.
      if (!statsAsked) child.stdin?.write('stats\n');
      statsAsked = true;
      break;
    case 'stop':
      child.stdin?.end('quit\n');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
      break;
  }
});
