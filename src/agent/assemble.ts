// The node's parts built from its options, not started: the sensor's options, the container
// resolver, process table, ECS builder and the event path over them (runtime.ts starts them).
import { type ContainerResolver, createResolver } from '../container/index.js';
import { createEcsBuilder, type EcsBuilder } from '../ecs/index.js';
import { enforcementReport } from '../enforce/index.js';
import { ProcessTable } from '../process/index.js';
import { RuleEngine } from '../rules/index.js';
import { AGENT_PIN_PREFIX, type SensorOptions } from '../sensor/index.js';
import { AGENT_VERSION, type AgentOptions, packagePolicyOf } from './agent-options.js';
import { policyBlocks } from './connect-enforcement.js';
import { ContainerContexts } from './context.js';
import { DriftTracker } from './drift.js';
import { agentContext, capLastCap, hostContext } from './host.js';
import { Pipeline } from './pipeline.js';
import { policyReadPrefixes, readWatch } from './read-access.js';
import { newCounters } from './stats.js';

export interface Assembled {
  /** Where the sensor pins its open-flags map for the enforcer (undefined: no file blocks). */
  pinDir: string | undefined;
  sensorOpts: SensorOptions;
  resolver: ContainerResolver;
  table: ProcessTable;
  builder: EcsBuilder;
  contexts: ContainerContexts;
  drift: DriftTracker;
  pipeline: Pipeline;
}

export function assemble(o: AgentOptions, warn: (m: string) => void): Assembled {
  const blocks = policyBlocks(o.policy.policy);
  // The enforcer reads the open flags from the sensor's pinned map (one directory per agent).
  const pinDir =
    o.enforce !== undefined && blocks.other ? `/sys/fs/bpf/${AGENT_PIN_PREFIX}${process.pid}` : undefined;
  // readFile: the kernel reports read-only opens under these prefixes only (docs/sensor.md).
  const reads = readWatch(policyReadPrefixes(o.policy));
  const sensorOpts: SensorOptions = {
    includeHost: o.includeHost === true,
    ringBytes: o.ringBytes,
    pinDir,
    network: o.network !== false,
    dns: o.dns !== false,
    ttyOutput: o.ttyOutput !== false,
    readPrefixes: reads.kernel,
  };
  const resolver = createResolver({
    holdMs: o.holdMs ?? 200,
    // Settle with the first answering source of the container's runtime soon, so that a busy
    // API service does not make the hold run out (it fills gaps when it answers).
    partialWaitMs: 50,
    ...(o.criSockets ? { criSockets: o.criSockets } : {}),
    ...(o.dockerSockets ? { sockets: o.dockerSockets } : {}),
    onWarning: warn,
  });
  const agent = agentContext(AGENT_VERSION);
  const table = new ProcessTable({ agentId: agent.id });
  const builder = createEcsBuilder({
    agent,
    host: hostContext(),
    capLastCap: capLastCap(),
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    packagePolicy: packagePolicyOf(o.policy.policy),
  });
  const contexts = new ContainerContexts(o.cluster);
  const c = newCounters();
  const drift = new DriftTracker(c);
  let engine: RuleEngine | undefined;
  if (o.rules && o.rules.length > 0) {
    engine = new RuleEngine(o.rules, o.exceptions ? { exceptions: o.exceptions } : {});
    for (const m of engine.stats().missingExceptionLists)
      warn(`rule '${m.name}' (${m.id}) names exception list '${m.listId}', which no --exceptions file holds`);
  }
  const pipeline = new Pipeline({
    policy: o.policy,
    table,
    resolver,
    builder,
    contexts,
    drift,
    reads,
    outputs: o.outputs,
    counters: c,
    blockable: new Set(enforcementReport().enforced),
    ...(engine ? { engine } : {}),
    ...(o.k8sAudit ? { k8sAudit: o.k8sAudit } : {}),
    ...(o.maxHeld !== undefined ? { maxHeld: o.maxHeld } : {}),
    logAllNetwork: o.logAllNetwork === true,
    ...(o.iocDomains !== undefined ? { iocDomains: o.iocDomains } : {}),
    ttyOutput: o.ttyOutput ?? {},
    warn,
  });
  return { pinDir, sensorOpts, resolver, table, builder, contexts, drift, pipeline };
}
