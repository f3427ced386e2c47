// The golden cases: every document kind the builders make, built from the fixtures. Shared by
// the golden test and the rule-field coverage test (which checks fields against these docs).

import { detectionDoc } from '../../src/agent/index.js';
import { dnsFields } from '../../src/ecs/dns.js';
import { type EcsDocument, sequentialEventIds } from '../../src/ecs/index.js';
import { auditDocument, ExecJoin, execAuditEvent, execRequestOf } from '../../src/k8s/index.js';
import type { Detection } from '../../src/rules/index.js';
import {
  builder,
  child,
  curl,
  curlExited,
  NGINX,
  nginxInit,
  nginxWorker,
  POD,
  PRIV,
  padded,
  shell,
  t,
} from './fixtures.js';

export const GOLDEN_DIR = new URL('../golden/ecs/', import.meta.url);

export function goldenCases(): Record<string, EcsDocument> {
  const b = builder();
  const policy = {
    matchedSelectors: ['allProcesses'],
    actions: ['log'] as const,
    packagePolicyId: 'pp-1',
    packagePolicyRevision: 3,
  };
  const cases: Record<string, EcsDocument> = {};

  cases['process-fork'] = b.processForkDoc({
    timeNs: t(100.75),
    process: nginxWorker,
    container: NGINX,
    orchestrator: POD,
    policy,
    hookPoint: 'tracepoint__sched_process_fork',
  });
  // Container init: non-interactive, a partial capability set, entry leader = itself.
  cases['process-exec-init'] = b.processExecDoc({
    timeNs: t(100.5),
    process: nginxInit,
    container: NGINX,
    orchestrator: POD,
    policy,
    hookPoint: 'tracepoint__sched_process_exec',
  });
  // `podman exec -it` shell: interactive, CAP_ALL (privileged), previous image, leaders.
  cases['process-exec-interactive'] = b.processExecDoc({
    timeNs: t(200.01),
    process: shell,
    container: PRIV,
    policy: { ...policy, matchedSelectors: ['allProcesses', 'interactive'] },
    hookPoint: 'tracepoint__sched_process_exec',
  });
  cases['process-fork-child'] = b.processForkDoc({
    timeNs: t(230.25),
    process: child,
    container: PRIV,
    policy,
  });
  cases['process-exec-child'] = b.processExecDoc({
    timeNs: t(230.3),
    process: curl,
    container: PRIV,
    policy,
  });
  cases['process-end'] = b.processEndDoc({
    timeNs: t(231.5),
    process: curlExited,
    container: PRIV,
    policy,
    hookPoint: 'tracepoint__sched_process_exit',
  });

  const filePolicy = { ...policy, matchedSelectors: ['allFiles'] };
  cases['file-create'] = b.fileDoc({
    timeNs: t(231),
    process: curl,
    container: PRIV,
    policy: filePolicy,
    file: {
      path: '/tmp/payload',
      operation: 'createFile',
      action: 'creation',
      mode: 0o100644,
      inode: 1234567n,
    },
    hookPoint: 'tracepoint__syscalls__sys_exit_openat',
  });
  cases['file-modify-executable'] = b.fileDoc({
    timeNs: t(232),
    process: { ...child, executable: '/bin/chmod', name: 'chmod', args: ['chmod', '+x', '/tmp/payload'] },
    container: PRIV,
    policy: filePolicy,
    file: {
      path: '/tmp/payload',
      operation: 'modifyExecutable',
      action: 'chmod',
      mode: 0o100755,
      inode: 1234567n,
    },
  });
  cases['file-open-volume'] = b.fileDoc({
    timeNs: t(233),
    process: nginxWorker,
    container: NGINX,
    orchestrator: POD,
    policy: filePolicy,
    file: {
      path: '/var/log/nginx/access.log',
      operation: 'modifyFile',
      action: 'open',
      mode: 0o100640,
      inode: 99n,
      mount: 'volume',
    },
  });
  cases['file-rename'] = b.fileDoc({
    timeNs: t(234),
    process: { ...child, executable: '/bin/mv', name: 'mv', args: ['mv', '/tmp/payload', '/usr/bin/top'] },
    container: PRIV,
    policy: filePolicy,
    file: {
      path: '/usr/bin/top',
      originalPath: '/tmp/payload',
      operation: 'createExecutable',
      action: 'rename',
      mode: 0o100755,
      inode: 1234567n,
    },
  });
  cases['file-delete'] = b.fileDoc({
    timeNs: t(235),
    process: { ...child, executable: '/bin/rm', name: 'rm', args: ['rm', '-f', '/root/.bash_history'] },
    container: PRIV,
    policy: filePolicy,
    file: { path: '/root/.bash_history', operation: 'deleteFile', action: 'deletion', inode: 777n },
  });

  const alertPolicy = { ...policy, matchedSelectors: ['shells'], actions: ['log', 'alert'] as const };
  cases.alert = b.alertDoc(
    b.processExecDoc({ timeNs: t(200.01), process: shell, container: PRIV, policy: alertPolicy }),
  );
  const blockPolicy = {
    ...policy,
    matchedSelectors: ['binDirs'],
    actions: ['alert', 'block'] as const,
    blocked: true,
  };
  // As the agent's enforcer writes it: denied, block_mode enforce.
  const blocked = b.fileDoc({
    timeNs: t(236),
    process: { ...child, executable: '/bin/cp', name: 'cp', args: ['cp', '/tmp/x', '/usr/bin/x'] },
    container: PRIV,
    policy: blockPolicy,
    file: { path: '/usr/bin/x', operation: 'createExecutable', action: 'creation', mode: 0o100755 },
    blockMode: 'enforce',
    metadataComplete: true,
  });
  const routed = b.route(blocked, blockPolicy);
  if (routed.length !== 1) throw new Error(`blocked event routed to ${routed.length} streams`);
  cases.blocked = routed[0]!;

  cases.heartbeat = b.heartbeatDoc({
    blockActionEnabled: true,
    packagePolicyId: 'pp-1',
    packagePolicyRevision: 3,
  });
  // An Azure node: the subscription is cloud.account.id (a GCP project is cloud.project.id).
  const azure = builder('azure');
  azure.setCloud({ provider: 'azure', accountId: 'sub-1', instanceName: 'aks-pool-3', region: 'westeurope' });
  cases['heartbeat-azure'] = azure.heartbeatDoc({ blockActionEnabled: false });
  cases.metrics = b.metricsDoc({
    eventsSeen: { exec: 120, fork: 130, exit: 118, file: 4000 },
    docsEmitted: { process: 368, file: 4000, alerts: 2 },
    kernelDrops: { ringbuf_reserve: 0, truncated_path: 1 },
    userDrops: { queue_full: 0 },
    processTableSize: 42,
    processTableEvicted: 7,
    rssBytes: 73400320,
    uptimeSeconds: 3600,
  });
  // Network documents (issue 8), last so that the event ids of the cases above stay as they were.
  const netPolicy = { ...policy, matchedSelectors: ['egress'] };
  cases['network-connect'] = b.networkDoc({
    timeNs: t(231.1),
    process: curl,
    container: PRIV,
    policy: netPolicy,
    network: {
      operation: 'connect',
      transport: 'tcp',
      type: 'ipv4',
      family: 'inet',
      source: { ip: '10.88.0.7', port: 41234, address: '10.88.0.7' },
      destination: { ip: '169.254.169.254', port: 80, address: '169.254.169.254' },
      outcome: 'success',
    },
    hookPoint: 'tracepoint__syscalls__sys_exit_connect',
  });
  cases['network-connect-refused'] = b.networkDoc({
    timeNs: t(231.2),
    process: curl,
    container: PRIV,
    policy: netPolicy,
    network: {
      operation: 'connect',
      transport: 'tcp',
      type: 'ipv6',
      source: { ip: 'fd00::7', port: 41240, address: 'fd00::7' },
      destination: { ip: '2001:db8::1', port: 443, address: '2001:db8::1' },
      outcome: 'failure',
      errorCode: 'ECONNREFUSED',
    },
  });
  cases['network-connect-unix'] = b.networkDoc({
    timeNs: t(231.3),
    process: { ...child, executable: '/usr/bin/docker', name: 'docker', args: ['docker', 'ps'] },
    container: PRIV,
    policy: netPolicy,
    network: {
      operation: 'connect',
      transport: 'unix',
      type: 'unix',
      destination: { address: '/var/run/docker.sock' },
      outcome: 'success',
    },
  });
  // DNS (issue 18): a transaction, a timed-out query, and a connect named by an earlier answer.
  const dnsPolicy = { ...policy, matchedSelectors: ['dns'] };
  cases['network-dns'] = b.networkDoc({
    timeNs: t(232),
    process: curl,
    container: PRIV,
    policy: dnsPolicy,
    network: {
      operation: 'dns',
      transport: 'udp',
      type: 'ipv4',
      family: 'inet',
      source: { ip: '10.88.0.7', port: 53001, address: '10.88.0.7' },
      destination: { ip: '10.88.0.1', port: 53, address: '10.88.0.1' },
      outcome: 'success',
      dns: dnsFields({
        id: 4660,
        opCode: 'QUERY',
        question: { name: 'api.example.co.uk', type: 'A', class: 'IN' },
        parts: { registeredDomain: 'example.co.uk', topLevelDomain: 'co.uk', subdomain: 'api' },
        response: {
          headerFlags: ['RD', 'RA'],
          responseCode: 'NOERROR',
          answers: [
            { name: 'api.example.co.uk', type: 'CNAME', class: 'IN', ttl: 60, data: 'edge.example.net' },
            { name: 'edge.example.net', type: 'A', class: 'IN', ttl: 60, data: '203.0.113.10' },
          ],
        },
        queryFlags: ['RD'],
      }),
    },
    hookPoint: 'tracepoint__syscalls__sys_exit_sendto',
  });
  cases['network-dns-timeout'] = b.networkDoc({
    timeNs: t(232.5),
    process: curl,
    container: PRIV,
    policy: { ...policy, matchedSelectors: ['dns', 'ioc-domains'], actions: ['log', 'alert'] },
    network: {
      operation: 'dns',
      transport: 'tcp',
      type: 'ipv4',
      family: 'inet',
      source: { ip: '10.88.0.7', port: 41000, address: '10.88.0.7' },
      destination: { ip: '10.88.0.1', port: 53, address: '10.88.0.1' },
      outcome: 'unknown',
      iocDomain: 'pool.example',
      dns: dnsFields({
        id: 7,
        opCode: 'QUERY',
        question: { name: 'xmr.pool.example', type: 'TXT', class: 'IN' },
        parts: { registeredDomain: 'pool.example', topLevelDomain: 'example', subdomain: 'xmr' },
        queryFlags: ['RD'],
      }),
    },
    hookPoint: 'tracepoint__syscalls__sys_exit_write',
  });
  cases['network-connect-domain'] = b.networkDoc({
    timeNs: t(233),
    process: curl,
    container: PRIV,
    policy: netPolicy,
    network: {
      operation: 'connect',
      transport: 'tcp',
      type: 'ipv4',
      family: 'inet',
      source: { ip: '10.88.0.7', port: 41236, address: '10.88.0.7' },
      destination: { ip: '203.0.113.10', port: 443, address: '203.0.113.10' },
      destinationDomain: 'api.example.co.uk',
      outcome: 'success',
    },
    hookPoint: 'tracepoint__syscalls__sys_exit_connect',
  });
  const ingress = { ...policy, matchedSelectors: ['ingress'] };
  cases['network-accept'] = b.networkDoc({
    timeNs: t(240),
    process: nginxWorker,
    container: NGINX,
    orchestrator: POD,
    policy: ingress,
    network: {
      operation: 'accept',
      transport: 'tcp',
      type: 'ipv4',
      source: { ip: '10.88.0.1', port: 51000, address: '10.88.0.1' },
      destination: { ip: '10.88.0.5', port: 80, address: '10.88.0.5' },
      outcome: 'success',
    },
  });
  cases['network-bind-udp'] = b.networkDoc({
    timeNs: t(101),
    process: nginxInit,
    container: NGINX,
    orchestrator: POD,
    policy: ingress,
    network: {
      operation: 'bind',
      transport: 'udp',
      type: 'ipv6',
      destination: { ip: '::', port: 5353, address: '::' },
      outcome: 'success',
    },
  });
  cases['network-listen'] = b.networkDoc({
    timeNs: t(101.5),
    process: nginxInit,
    container: NGINX,
    orchestrator: POD,
    policy: ingress,
    network: {
      operation: 'listen',
      transport: 'tcp',
      type: 'ipv4',
      destination: { ip: '0.0.0.0', port: 80, address: '0.0.0.0' },
      outcome: 'success',
    },
  });
  // readFile: a service-account token read by cat in a pod (issue 8), from a drifted shell.
  cases['file-read-secret'] = b.fileDoc({
    timeNs: t(233.5),
    process: { ...nginxWorker, executable: '/bin/cat', name: 'cat', args: ['cat', 'token'], drift: false },
    container: NGINX,
    orchestrator: POD,
    policy: { ...policy, matchedSelectors: ['secretReads'] },
    file: {
      path: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      operation: 'readFile',
      action: 'read',
      mode: 0o100644,
      inode: 4242n,
      mount: 'file',
    },
  });
  // Drift: an executable written in the container after it started, then run.
  cases['process-exec-drift'] = b.processExecDoc({
    timeNs: t(235),
    process: { ...curl, executable: '/tmp/payload', name: 'payload', args: ['/tmp/payload'], drift: true },
    container: PRIV,
    policy,
  });
  // Documents the agent adds to (built after the others: earlier event ids stay as they were).
  // --monitoring: the block was not enforced, the alert says it would have been.
  const monitoredPolicy = { ...policy, matchedSelectors: ['binDirs'], actions: ['alert', 'block'] as const };
  const monitored = b.route(
    b.fileDoc({
      timeNs: t(237),
      process: { ...child, executable: '/bin/cp', name: 'cp', args: ['cp', '/tmp/y', '/usr/bin/y'] },
      container: PRIV,
      policy: monitoredPolicy,
      file: { path: '/usr/bin/y', operation: 'createExecutable', action: 'creation', mode: 0o100755 },
      blockMode: 'monitoring',
      metadataComplete: true,
    }),
    monitoredPolicy,
  );
  if (monitored.length !== 1) throw new Error(`monitored block routed to ${monitored.length} streams`);
  cases['alert-monitoring'] = monitored[0]!;

  // The runtime did not answer in time (or was down): only the cgroup identity is known.
  cases['process-exec-incomplete'] = b.processExecDoc({
    timeNs: t(238),
    process: curl,
    container: { id: NGINX.id },
    orchestrator: { podUid: POD.podUid },
    policy,
    hookPoint: 'tracepoint__sched_process_exec',
    metadataComplete: false,
  });

  // A rule-engine detection (src/agent/detections.ts) on the interactive shell.
  const detection: Detection = {
    rule: {
      id: 'c2f8d3a1-0b7e-4c59-9e51-1f6d2a3b4c5d',
      name: 'Interactive Shell in a Container',
      description: 'An interactive shell was started in a container.',
      severity: 'medium',
      riskScore: 47,
      type: 'eql',
      language: 'eql',
      query: 'process where event.type == "start" and process.interactive == true',
      index: ['logs-cloud_defend*'],
      tags: ['Domain: Container', 'Tactic: Execution'],
      threat: [
        {
          framework: 'MITRE ATT&CK',
          tactic: { id: 'TA0002', name: 'Execution', reference: 'https://attack.mitre.org/tactics/TA0002/' },
          techniques: [
            {
              id: 'T1059',
              name: 'Command and Scripting Interpreter',
              reference: 'https://attack.mitre.org/techniques/T1059/',
              subtechniques: [
                {
                  id: 'T1059.004',
                  name: 'Unix Shell',
                  reference: 'https://attack.mitre.org/techniques/T1059/004/',
                },
              ],
            },
          ],
        },
      ],
      falsePositives: [],
      exceptionsList: [],
      enabled: true,
      buildingBlock: false,
      file: 'rules/interactive_shell.toml',
      queryPos: { line: 1, col: 1 },
    },
    events: [cases['process-exec-interactive']!.event.id],
    ts: 0,
  };
  cases.detection = detectionDoc(
    detection,
    cases['process-exec-interactive']!,
    b.fragments.streams.alerts,
    sequentialEventIds('detection'),
  );

  // Last: a heartbeat takes an event id, which would shift the cases after it.
  cases['heartbeat-learning'] = b.heartbeatDoc({ blockActionEnabled: false, learning: true });
  // Last, so that the event ids of the cases above stay as pinned.
  // argv cut at the sensor's bound: the true count and the mark, on the process and its leaders.
  cases['process-exec-truncated-args'] = b.processExecDoc({
    timeNs: t(240.5),
    process: padded,
    container: PRIV,
    policy,
  });

  // Enforcing, but the write went through a matched block: the enforcer helper was down.
  const failedPolicy = { ...policy, matchedSelectors: ['binDirs'], actions: ['alert', 'block'] as const };
  const failed = b.route(
    b.fileDoc({
      timeNs: t(239),
      process: { ...child, executable: '/bin/cp', name: 'cp', args: ['cp', '/tmp/z', '/usr/bin/z'] },
      container: PRIV,
      policy: failedPolicy,
      file: { path: '/usr/bin/z', operation: 'modifyExecutable', action: 'open', mode: 0o100755 },
      blockMode: 'failed_open',
      blockFailure: 'helper_down',
      metadataComplete: true,
    }),
    failedPolicy,
  );
  if (failed.length !== 1) throw new Error(`failed-open block routed to ${failed.length} streams`);
  cases['alert-block-failed-open'] = failed[0]!;

  // The agent restarted its enforcer helper after a SIGKILL.
  cases['alert-helper-restarted'] = b.helperRestartDoc({
    name: 'd4c-enforcer',
    downReason: 'signal SIGKILL',
    restarts: 1,
    downMs: 1042,
  });

  // What the exec'd shell wrote to its terminal (issue 17): a batch with a cut write counted.
  cases['text-output'] = b.textOutputDoc({
    timeNs: t(200.5),
    process: shell,
    container: PRIV,
    hookPoint: 'tracepoint__syscalls__sys_exit_write',
    metadataComplete: true,
    text: 'uid=0(root) gid=0(root) groups=0(root)\r\n# ',
    captured: 42,
    skipped: 5000,
    exceeded: false,
    gaps: [{ offset: 40, length: 5000 }],
    tty: { major: 136, minor: 3 },
  });

  // `kubectl exec -it web -- bash` by alice (impersonating), joined to the shell it started:
  // the session's documents carry the request's user (issue 17).
  const shellExec = b.processExecDoc({
    timeNs: t(200.01),
    process: shell,
    container: NGINX,
    orchestrator: POD,
    policy: { ...policy, matchedSelectors: ['allProcesses', 'interactive'] },
    hookPoint: 'tracepoint__sched_process_exec',
  });
  const join = new ExecJoin();
  join.request(execRequestOf(execExample(Date.parse(shellExec.process!.start!) - 300))!);
  join.enrich(shellExec as unknown as Record<string, unknown>);
  if (!(shellExec as { kubernetes?: unknown }).kubernetes)
    throw new Error('the golden exec was not attributed');
  cases['process-exec-k8s-user'] = shellExec;

  return cases;
}

/** The pods/exec audit event of the attributed golden shell (received at `ms`). */
function execExample(ms: number) {
  return {
    ...execAuditEvent({
      auditID: '6f1c2f8e-5a4b-4c3d-9e2f-0a1b2c3d4e5f',
      stage: 'ResponseStarted',
      namespace: POD.namespace!,
      pod: POD.podName!,
      container: NGINX.name!,
      command: ['bash'],
      user: { username: 'alice@example.com', uid: '1c9e1d2a', groups: ['dev', 'system:authenticated'] },
      sourceIPs: ['192.0.2.10'],
      userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
      stdin: true,
      tty: true,
      receivedMs: ms,
      stageMs: ms + 42,
    }),
    impersonatedUser: { username: 'ops-admin', uid: '7a2b', groups: ['ops'] },
  };
}

/**
 * Documents of the Kubernetes audit stream (logs-kubernetes.audit_logs-*), in the layout of
 * Elastic's Kubernetes integration: not D4C documents, so kept out of the conventions checks.
 */
export function auditGoldenCases(): Record<string, Record<string, unknown>> {
  const now = Date.parse('2026-11-28T01:00:00.000Z');
  const exec = execExample(Date.parse('2026-11-28T00:03:19.710Z'));
  // The pod's own service account asking for secrets, refused (what Elastic's multi-source
  // rules join with an interactive process in that pod).
  const fromPod = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: '0b9d7c6e-1f2a-4b3c-8d4e-5f6a7b8c9d0e',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/shop/secrets',
    verb: 'list',
    user: {
      username: 'system:serviceaccount:shop:default',
      uid: '5d6e7f80',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'],
      extra: {
        'authentication.kubernetes.io/credential-id': ['JTI=0f1e2d3c'],
        'authentication.kubernetes.io/node-name': ['node-1'],
        'authentication.kubernetes.io/pod-name': [POD.podName!],
        'authentication.kubernetes.io/pod-uid': [POD.podUid!],
      },
    },
    sourceIPs: [POD.podIp!],
    userAgent: 'curl/8.5.0',
    objectRef: { resource: 'secrets', namespace: 'shop', apiVersion: 'v1' },
    responseStatus: { metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403 },
    requestReceivedTimestamp: '2026-11-28T00:03:21.120431Z',
    stageTimestamp: '2026-11-28T00:03:21.121908Z',
    annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' },
  };
  return {
    'k8s-audit-exec': auditDocument(exec, { nowMs: now }),
    'k8s-audit-pod-request': auditDocument(fromPod, { nowMs: now }),
  };
}
