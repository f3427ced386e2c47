// Agent overhead on real containers: wall time of a workload in a podman busybox container
// (20,000 fork+exec of /bin/true; 50,000 create/write/close/unlink cycles), without the agent,
// with it (d4c's default policy and rule pack, NDJSON output, no store), with it running Elastic's
// default policy and no rules (what the recommended policy and the pack cost over it), and
// without again; the baseline is the mean of the two runs without. Also the event rate the agent handled with zero drops and its RSS.
// Root, podman and the built sensor are needed. Standalone: `npx tsx bench/agent.bench.ts`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ELASTIC_DEFAULT_POLICY } from '../src/policy/index.js';
import { startAgent } from '../test/e2e/agent-runner.js';
import { ensurePodman, TEST_IMAGE } from '../test/e2e/containers.js';
import { type BenchResult, size } from './harness.js';

const SRC = fileURLToPath(new URL('./agent-workload.c', import.meta.url));
const EXECS = Number(process.env.D4C_BENCH_EXECS ?? size(20_000, 200));
const FILES = Number(process.env.D4C_BENCH_FILES ?? size(50_000, 500));

/** CPU seconds (user + system) of a process and its children's threads so far: node + the loader. */
function cpuSeconds(pid: number): number {
  let ticks = 0;
  const pids = [pid];
  try {
    for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) {
      if (c) pids.push(Number(c));
    }
  } catch {
    // gone
  }
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone
    }
  }
  return ticks / 100;
}

function workload(bin: string, mode: 'exec' | 'file', n: number): number {
  const out = execFileSync(
    'podman',
    ['run', '--rm', '--pull=never', '-v', `${bin}:/wl:ro`, TEST_IMAGE, '/wl', mode, String(n)],
    { encoding: 'utf8', timeout: 600_000 },
  );
  return Number(out.trim());
}

export default async function bench(): Promise<BenchResult[]> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('agent bench: needs root (skipped)\n');
    return [];
  }
  await ensurePodman();
  const dir = mkdtempSync(join(tmpdir(), 'd4c-agent-bench-'));
  const bin = join(dir, 'wl');
  try {
    execFileSync('cc', ['-O2', '-static', '-o', bin, SRC]);
    const base1 = { exec: workload(bin, 'exec', EXECS), file: workload(bin, 'file', FILES) };
    const agent = await startAgent([], { defaultRules: true });
    const pid = agent.child.pid ?? 0;
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    const on = { exec: workload(bin, 'exec', EXECS), file: workload(bin, 'file', FILES) };
    const busy = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    const r = await agent.stop();
    const elasticPolicy = join(dir, 'elastic.yaml');
    writeFileSync(elasticPolicy, ELASTIC_DEFAULT_POLICY);
    const plain = await startAgent(['--policy', elasticPolicy]);
    const onElastic = { exec: workload(bin, 'exec', EXECS), file: workload(bin, 'file', FILES) };
    await plain.stop();
    const base2 = { exec: workload(bin, 'exec', EXECS), file: workload(bin, 'file', FILES) };
    const s = r.stats;
    const seen = Object.values(s.eventsSeen as Record<string, number>).reduce((a, b) => a + b, 0);
    const drops = Object.values(s.kernel.ringFull as Record<string, number>).reduce((a, b) => a + b, 0);
    const baseExec = (base1.exec + base2.exec) / 2;
    const baseFile = (base1.file + base2.file) / 2;
    const rows = {
      baseExec: [base1.exec, base2.exec],
      withExec: on.exec,
      ratioExec: on.exec / baseExec,
      baseFile: [base1.file, base2.file],
      withFile: on.file,
      ratioFile: on.file / baseFile,
      eventsSeen: seen,
      kernelDrops: drops,
      handleErrors: s.handleErrors,
      eventsPerSec: Math.round(seen / (on.exec + on.file)),
      agentCpuSeconds: cpu,
      eventsPerAgentCpuSecond: Math.round(seen / cpu),
      agentRssMb: Math.round(s.rssBytes / 2 ** 20),
      wallWithAgentS: busy,
    };
    process.stderr.write(`agent bench: ${JSON.stringify(rows)}\n`);
    const results: BenchResult[] = [
      {
        group: 'agent overhead: 20k fork+exec in a container',
        name: 'without agent',
        opsPerSec: EXECS / baseExec,
        baseline: true,
      },
      {
        group: 'agent overhead: 20k fork+exec in a container',
        name: 'with agent (default policy and rule pack)',
        opsPerSec: EXECS / on.exec,
      },
      {
        group: 'agent overhead: 20k fork+exec in a container',
        name: "with agent (Elastic's default policy, no rules)",
        opsPerSec: EXECS / onElastic.exec,
      },
      {
        group: 'agent overhead: 50k create/write/close/unlink',
        name: 'without agent',
        opsPerSec: FILES / baseFile,
        baseline: true,
      },
      {
        group: 'agent overhead: 50k create/write/close/unlink',
        name: 'with agent (default policy and rule pack)',
        opsPerSec: FILES / on.file,
      },
      {
        group: 'agent overhead: 50k create/write/close/unlink',
        name: "with agent (Elastic's default policy, no rules)",
        opsPerSec: FILES / onElastic.file,
      },
    ];
    if (drops === 0)
      results.push({
        group: 'agent throughput',
        name: 'events/s handled, 0 drops',
        opsPerSec: rows.eventsPerSec,
      });
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) process.stdout.write(`${JSON.stringify(r)}\n`);
}
