// ECS document building: the compiled builder (agent/host/container fragments, capability
// names and start times built once) against the same builder compiled per event (what a
// builder without "compile at load" pays), with and without JSON serialisation.
// Default export: results in the shape bench/harness.ts (BenchResult) expects.

import { createEcsBuilder, type EcsBuilderOptions, randomEventIds, serializeDoc } from '../src/ecs/index.js';
import { AGENT, curl, HOST, NGINX, nginxWorker, POD, PRIV, t } from '../test/ecs/fixtures.js';

interface Result {
  group: string;
  name: string;
  opsPerSec: number;
  baseline?: boolean;
}

let sink: unknown;

/** Median ops/s over samples of `batch(n)` after a warm-up. */
function measure(batch: (n: number) => unknown, timeMs = 1000, samples = 7): number {
  let n = 64;
  const warmEnd = performance.now() + 200;
  while (performance.now() < warmEnd) {
    sink = batch(n);
    if (n < 1 << 20) n *= 2;
  }
  const t0 = performance.now();
  sink = batch(n);
  const perOp = Math.max((performance.now() - t0) / n, 1e-7);
  const ops = Math.max(1, Math.round(timeMs / samples / perOp));
  const rates: number[] = [];
  for (let i = 0; i < samples; i++) {
    const s = performance.now();
    sink = batch(ops);
    rates.push(ops / ((performance.now() - s) / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[samples >> 1]!;
}

export default async function ecsBench(): Promise<Result[]> {
  // One id source for both: the baseline should pay for compiling, not for a fresh random prefix.
  const opts: EcsBuilderOptions = {
    agent: AGENT,
    host: HOST,
    namespace: 'default',
    eventIds: randomEventIds(),
  };
  const compiled = createEcsBuilder(opts);
  const policy = { matchedSelectors: ['allProcesses'], actions: ['log'] as const };
  // Realistic inputs: the resolvers keep one context object per container and pod.
  const exec = { timeNs: t(230.3), process: curl, container: PRIV, policy };
  const file = {
    timeNs: t(233),
    process: nginxWorker,
    container: NGINX,
    orchestrator: POD,
    policy,
    file: {
      path: '/var/log/nginx/access.log',
      operation: 'modifyFile',
      action: 'open',
      mode: 0o100640,
    } as const,
  };

  const perEvent = (n: number, json: boolean) => {
    let last: unknown;
    for (let i = 0; i < n; i++) {
      const d = createEcsBuilder(opts).processExecDoc(exec);
      last = json ? JSON.stringify(d) : d;
    }
    return last;
  };
  const once = (n: number, json: boolean) => {
    let last: unknown;
    for (let i = 0; i < n; i++) {
      const d = compiled.processExecDoc(exec);
      last = json ? JSON.stringify(d) : d;
    }
    return last;
  };
  const onceFast = (n: number) => {
    let last: unknown;
    for (let i = 0; i < n; i++) last = serializeDoc(compiled.processExecDoc(exec));
    return last;
  };
  const fileOnce = (n: number) => {
    let last: unknown;
    for (let i = 0; i < n; i++) last = compiled.fileDoc(file);
    return last;
  };

  const results: Result[] = [
    {
      group: 'ecs exec doc',
      name: 'compiled per event',
      opsPerSec: measure((n) => perEvent(n, false)),
      baseline: true,
    },
    { group: 'ecs exec doc', name: 'compiled at load', opsPerSec: measure((n) => once(n, false)) },
    {
      group: 'ecs exec doc + JSON',
      name: 'compiled per event',
      opsPerSec: measure((n) => perEvent(n, true)),
      baseline: true,
    },
    { group: 'ecs exec doc + JSON', name: 'compiled at load', opsPerSec: measure((n) => once(n, true)) },
    { group: 'ecs exec doc + JSON', name: '+ serializeDoc', opsPerSec: measure(onceFast) },
    { group: 'ecs file doc', name: 'compiled at load', opsPerSec: measure(fileOnce) },
  ];
  void sink;
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await ecsBench()) {
    console.log(
      `${r.group.padEnd(22)} ${r.name.padEnd(20)} ${Math.round(r.opsPerSec).toLocaleString('en')} ops/s`,
    );
  }
}
