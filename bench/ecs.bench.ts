// ECS document building: the compiled builder (agent/host/container fragments, capability
// names and start times built once) against the same builder compiled per event (what a
// builder without "compile at load" pays), with and without JSON serialisation.
// Default export: BenchResult[] (bench/harness.ts), measured with the shared harness.

import { createEcsBuilder, type EcsBuilderOptions, randomEventIds, serializeDoc } from '../src/ecs/index.js';
import { AGENT, curl, HOST, NGINX, nginxWorker, POD, PRIV, t } from '../test/ecs/fixtures.js';
import { type BenchResult, measure } from './harness.js';

export default async function ecsBench(): Promise<BenchResult[]> {
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

  const results: BenchResult[] = [
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
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await ecsBench()) {
    console.log(
      `${r.group.padEnd(22)} ${r.name.padEnd(20)} ${Math.round(r.opsPerSec).toLocaleString('en')} ops/s`,
    );
  }
}
