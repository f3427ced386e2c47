// The policy's view of an event (policy/model.ts PolicyEvent), taken from the same typed inputs
// the document builders get, so that the agent decides before it builds (and builds nothing for
// events no response logs). Field by field it is what the documents say: a test checks that.

import { type PolicyEvent, TRANSPORTS, type Transport } from '../policy/index.js';
import type {
  FileEventInput,
  NetworkEventInput,
  OrchestratorContext,
  ProcessEventInput,
  ProcessOperation,
} from './input.js';
import { isInteractive } from './session.js';
import { keyValueList } from './static.js';

const labelLists = new WeakMap<OrchestratorContext, string[]>();

function podLabels(o: OrchestratorContext): string[] | undefined {
  if (!o.labels) return undefined;
  let l = labelLists.get(o);
  if (l === undefined) {
    l = keyValueList(o.labels);
    labelLists.set(o, l);
  }
  return l;
}

function common(ev: PolicyEvent, input: ProcessEventInput): PolicyEvent {
  const p = input.process;
  if (p.executable !== undefined) ev.processExecutable = p.executable;
  if (p.name !== undefined) ev.processName = p.name;
  if (p.sessionLeader) ev.sessionLeaderInteractive = isInteractive(p.sessionLeader.tty);
  if (p.drift !== undefined) ev.processDrift = p.drift;
  const image = input.container?.image;
  if (image) {
    ev.containerImageFullName = image.name;
    if (image.tag !== undefined) ev.containerImageTag = image.tag;
  }
  const o = input.orchestrator;
  if (o) {
    if (o.clusterId !== undefined) ev.kubernetesClusterId = o.clusterId;
    if (o.clusterName !== undefined) ev.kubernetesClusterName = o.clusterName;
    if (o.namespace !== undefined) ev.kubernetesNamespace = o.namespace;
    if (o.podName !== undefined) ev.kubernetesPodName = o.podName;
    const labels = podLabels(o);
    if (labels) ev.kubernetesPodLabels = labels;
  }
  return ev;
}

export function processPolicyEvent(operation: ProcessOperation, input: ProcessEventInput): PolicyEvent {
  return common({ section: 'process', operation }, input);
}

export function filePolicyEvent(input: FileEventInput): PolicyEvent {
  const ev: PolicyEvent = {
    section: 'file',
    operation: input.file.operation,
    filePath: input.file.path,
  };
  if (input.file.mount !== undefined) ev.mount = input.file.mount;
  return common(ev, input);
}

/**
 * Network events: the destination (connect's peer, accept's listening end, the bound address) and
 * the transport (tcp, udp, unix only: the values the policy's `transport` condition knows).
 */
export function networkPolicyEvent(input: NetworkEventInput): PolicyEvent {
  const n = input.network;
  const ev: PolicyEvent = { section: 'network', operation: n.operation };
  const d = n.destination;
  if (d?.address !== undefined) ev.destinationAddress = d.address;
  if (d?.ip !== undefined) ev.destinationIp = d.ip;
  if (d?.port !== undefined) ev.destinationPort = d.port;
  if (n.transport !== undefined && (TRANSPORTS as readonly string[]).includes(n.transport))
    ev.transport = n.transport as Transport;
  const q = n.dns?.question.name;
  if (q !== undefined && q !== '') ev.dnsQuestionName = q;
  return common(ev, input);
}
