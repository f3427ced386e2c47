// Elastic's four multi-source rules that join D4C events with Kubernetes audit logs
// (execution_d4c_k8s_mda_*), run here over both: D4C documents from the ECS builder and audit
// documents that src/k8s/audit makes from audit.k8s.io/v1 events written to the documented
// schema (a pod's service account calling the API, user.extra naming the pod).
import { basename } from 'node:path';
import { expect, it } from 'vitest';
import { builder, curl, NGINX, POD, t } from '../../../test/ecs/fixtures.js';
import type { EcsDocument, FileChange, ProcessInfo } from '../../ecs/index.js';
import { type AuditEvent, auditDocument, microTime } from '../../k8s/audit/index.js';
import { RuleEngine } from '../engine.js';
import { type LoadedRule, loadRules } from '../load.js';
import { describeElastic, ELASTIC_RULES_DIR, HAVE_ELASTIC_RULES } from './helpers.fixture.js';

const RULES = {
  usual: 'execution_d4c_k8s_mda_direct_interactive_kubernetes_api_request_by_usual_utilities',
  forbidden: 'execution_d4c_k8s_mda_forbidden_direct_interactive_kubernetes_api_request',
  unusual: 'execution_d4c_k8s_mda_kubernetes_api_activity_by_unusual_utilities',
  token: 'execution_d4c_k8s_mda_service_account_token_access_followed_by_kubernetes_api_request',
};
const loaded = HAVE_ELASTIC_RULES ? loadRules([`${ELASTIC_RULES_DIR}/multi_source`]) : { rules: [] };
const byFile = new Map<string, LoadedRule>(loaded.rules.map((r) => [basename(r.meta.file, '.toml'), r]));

const policy = { matchedSelectors: ['allProcesses'], actions: ['log'] as const };
let n = 0;

/** An exec in the pod (process.interactive from its terminal, as the builder decides). */
function exec(p: ProcessInfo, sec: number): EcsDocument {
  return builder(`x${++n}`).processExecDoc({
    timeNs: t(sec),
    process: p,
    container: NGINX,
    orchestrator: POD,
    policy,
  });
}

function tokenOpen(sec: number): EcsDocument {
  const file: FileChange = {
    path: '/var/run/secrets/kubernetes.io/serviceaccount/token',
    operation: 'modifyFile',
    action: 'open',
    mode: 0o100644,
    inode: 7n,
    mount: 'file',
  };
  return builder(`f${++n}`).fileDoc({
    timeNs: t(sec),
    process: { ...curl, executable: '/bin/cat', name: 'cat', args: ['cat', 'token'] },
    container: NGINX,
    orchestrator: POD,
    policy: { ...policy, matchedSelectors: ['allFiles'] },
    file,
  });
}

/** The audit event of a request made with the pod's service-account token. */
function fromPod(
  sec: number,
  o: { pod?: string; verb?: string; resource?: string; decision?: string; code?: number } = {},
): Record<string, unknown> {
  // On the builder's clock (t() is relative to the fixtures' boot time).
  const ms = Date.parse(exec(curl, 0)['@timestamp']) + sec * 1000;
  const pod = o.pod ?? POD.podName!;
  const ev: AuditEvent = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `id-${++n}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/shop/${o.resource ?? 'secrets'}`,
    verb: o.verb ?? 'list',
    user: {
      username: 'system:serviceaccount:shop:default',
      groups: ['system:serviceaccounts', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/pod-name': [pod] },
    },
    sourceIPs: [POD.podIp!],
    userAgent: 'curl/8.5.0',
    objectRef: { resource: o.resource ?? 'secrets', namespace: 'shop', apiVersion: 'v1' },
    responseStatus: { code: o.code ?? 200 },
    requestReceivedTimestamp: microTime(ms),
    stageTimestamp: microTime(ms + 2),
    annotations: {
      'authorization.k8s.io/decision': o.decision ?? 'allow',
      'authorization.k8s.io/reason': '',
    },
  };
  return auditDocument(ev);
}

function fires(rule: string, docs: unknown[]): number {
  const r = byFile.get(rule);
  if (!r) throw new Error(`${rule} not loaded`);
  const e = new RuleEngine([r]);
  return [...docs.flatMap((d) => e.push(d)), ...e.flush()].length;
}

const python: ProcessInfo = {
  ...curl,
  executable: '/usr/bin/python3',
  name: 'python3',
  args: ['python3', 'k8s.py'],
};

describeElastic("Elastic's D4C + Kubernetes audit rules over the agent's audit documents", () => {
  it('loads the four', () => {
    for (const f of Object.values(RULES)) expect(byFile.get(f)?.status, f).toBe('ok');
  });

  it('curl in the pod, then its service account calls the API within 1 s', () => {
    expect(fires(RULES.usual, [exec(curl, 230), fromPod(230.4)])).toBe(1);
    expect(fires(RULES.usual, [exec(curl, 230), fromPod(230.4, { pod: 'other-0' })])).toBe(0);
    expect(fires(RULES.usual, [exec(curl, 230), fromPod(231.5)])).toBe(0);
  });

  it('the same, refused by authorization', () => {
    const forbid = { decision: 'forbid', code: 403 };
    expect(fires(RULES.forbidden, [exec(curl, 230), fromPod(230.3, forbid)])).toBe(1);
    expect(fires(RULES.forbidden, [exec(curl, 230), fromPod(230.3)])).toBe(0);
  });

  it('another program in the pod reading secrets through the API', () => {
    expect(fires(RULES.unusual, [exec(python, 230), fromPod(230.5)])).toBe(1);
    expect(fires(RULES.unusual, [exec(python, 230), fromPod(230.5, { verb: 'delete' })])).toBe(0);
    expect(fires(RULES.unusual, [exec(curl, 230), fromPod(230.5)])).toBe(0);
  });

  it('the service-account token opened, then an API request within 60 s', () => {
    expect(fires(RULES.token, [tokenOpen(230), fromPod(259)])).toBe(1);
    expect(fires(RULES.token, [tokenOpen(230), fromPod(291)])).toBe(0);
  });
});
