import { describe, expect, it } from 'vitest';
import { builder, child, curl, NGINX, nginxWorker, POD, PRIV, shell } from '../../test/ecs/fixtures.js';
import { policyEventFromEcs } from '../policy/index.js';
import type { NetworkActivity } from './input.js';
import { filePolicyEvent, networkPolicyEvent, processPolicyEvent } from './policy-event.js';
import type { EcsDocument } from './types.js';

/** What a policy reads from a document (the `d4c policy test` view), for comparison. */
function fromDoc(d: EcsDocument) {
  const c = d.container as { image?: { name?: string; tag?: string } } | undefined;
  const o = d.orchestrator as
    | {
        cluster?: { id?: string; name?: string };
        namespace?: string;
        resource?: { name?: string; label?: string[] };
      }
    | undefined;
  const ev: Record<string, unknown> = {
    section: d.event.category?.[0],
    operation: d.cloud_defend?.operation,
    filePath: d.file?.path,
    mount: d.cloud_defend?.mount?.type,
    processExecutable: d.process?.executable,
    processName: d.process?.name,
    sessionLeaderInteractive: d.process?.session_leader?.interactive,
    containerImageFullName: c?.image?.name,
    containerImageTag: c?.image?.tag,
    kubernetesClusterId: o?.cluster?.id,
    kubernetesClusterName: o?.cluster?.name,
    kubernetesNamespace: o?.namespace,
    kubernetesPodName: o?.resource?.name,
    kubernetesPodLabels: o?.resource?.label,
  };
  for (const k of Object.keys(ev)) if (ev[k] === undefined) delete ev[k];
  return ev;
}

describe('policy events from builder inputs', () => {
  const b = builder();
  it('agree with the documents (process)', () => {
    const inputs = [
      { process: shell, container: PRIV },
      { process: curl, container: PRIV },
      { process: nginxWorker, container: NGINX, orchestrator: POD },
    ];
    for (const input of inputs) {
      expect(processPolicyEvent('exec', input)).toEqual(fromDoc(b.processExecDoc(input)));
      expect(processPolicyEvent('fork', input)).toEqual(fromDoc(b.processForkDoc(input)));
    }
  });

  it('agree with the documents (file)', () => {
    const input = {
      process: nginxWorker,
      container: NGINX,
      orchestrator: POD,
      file: {
        path: '/etc/nginx/conf.d/x.conf',
        operation: 'modifyFile',
        action: 'open',
        mount: 'file',
      } as const,
    };
    const ev = filePolicyEvent(input);
    expect(ev).toEqual(fromDoc(b.fileDoc(input)));
    expect(ev.kubernetesPodLabels).toEqual(['app:web', 'app.kubernetes.io/part-of:shop']);
    expect(ev.sessionLeaderInteractive).toBe(false);
    const bare = filePolicyEvent({
      process: child,
      file: { path: '/tmp/a', operation: 'createFile', action: 'creation' },
    });
    expect(bare).toEqual({
      section: 'file',
      operation: 'createFile',
      filePath: '/tmp/a',
      processExecutable: '/bin/bash',
      processName: 'bash',
      sessionLeaderInteractive: true,
    });
  });

  it('agree with the documents as `d4c policy test` reads them (network)', () => {
    const acts: NetworkActivity[] = [
      {
        operation: 'connect',
        transport: 'tcp',
        type: 'ipv4',
        source: { ip: '10.88.0.7', port: 41234, address: '10.88.0.7' },
        destination: { ip: '169.254.169.254', port: 80, address: '169.254.169.254' },
        outcome: 'success',
      },
      {
        operation: 'accept',
        transport: 'tcp',
        type: 'ipv6',
        source: { ip: 'fd00::1', port: 50000, address: 'fd00::1' },
        destination: { ip: '::', port: 8080, address: '::' },
        outcome: 'success',
      },
      {
        operation: 'listen',
        transport: 'unix',
        type: 'unix',
        destination: { address: '@bus' },
        outcome: 'success',
      },
      {
        operation: 'bind',
        transport: 'icmp',
        type: 'ipv4',
        destination: { ip: '0.0.0.0', address: '0.0.0.0' },
        outcome: 'failure',
        errorCode: 'EACCES',
      },
    ];
    for (const network of acts) {
      const input = { process: nginxWorker, container: NGINX, orchestrator: POD, network };
      const ev = networkPolicyEvent(input);
      expect(ev).toEqual(policyEventFromEcs(b.networkDoc(input)).event);
      expect(ev.section).toBe('network');
    }
    const c = networkPolicyEvent({ process: curl, container: PRIV, network: acts[0]! });
    expect([c.destinationAddress, c.destinationIp, c.destinationPort, c.transport]).toEqual([
      '169.254.169.254',
      '169.254.169.254',
      80,
      'tcp',
    ]);
    const u = networkPolicyEvent({ process: curl, network: acts[2]! });
    expect([u.destinationAddress, u.destinationIp, u.destinationPort, u.transport]).toEqual([
      '@bus',
      undefined,
      undefined,
      'unix',
    ]);
    // icmp is no `transport` value of the policy
    expect(networkPolicyEvent({ process: curl, network: acts[3]! }).transport).toBeUndefined();
  });
});
