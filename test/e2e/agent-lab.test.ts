// The agent on Kubernetes-shaped pods (the lab's containerd + CRI): orchestrator.* and container.*
// from CRI on live documents, a kubernetes selector, pods already running at start and pods
// started while the agent runs.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { labDown, labPaths, labUp, runPod } from '../../src/lab/index.js';
import { type Doc, startAgent } from './agent-runner.js';
import { describeLive } from './gate.js';

const POLICY = `process:
  selectors:
    - name: allProcesses
      operation: [fork, exec]
    - name: shopPods
      operation: [exec]
      kubernetesNamespace: [shop]
      kubernetesPodLabel: [tier:front]
  responses:
    - match: [allProcesses]
      actions: [log]
    - match: [shopPods]
      actions: [alert]
`;

describeLive('lab')('d4c agent on lab pods', () => {
  const p = labPaths(`/tmp/d4c-lab-agent-${process.pid}`);
  let docs: Doc[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await labUp(p, []);
    // Running before the agent starts: known from the /proc scan and the CRI.
    ids.before = (
      await runPod(p, {
        namespace: 'shop',
        pod: 'before',
        labels: { tier: 'front' },
        command: ['sh', '-c', 'while :; do sleep 1; done'],
      })
    ).containerId;
    const agent = await startAgent([], { policy: POLICY, lab: p });
    try {
      ids.front = (
        await runPod(p, {
          namespace: 'shop',
          pod: 'front',
          labels: { tier: 'front', 'pod-template-hash': 'abc' },
          command: ['sh', '-c', 'ls /etc >/dev/null; sleep 30'],
        })
      ).containerId;
      ids.back = (
        await runPod(p, {
          namespace: 'billing',
          pod: 'back',
          labels: { tier: 'back' },
          command: ['sh', '-c', 'cat /etc/hostname; sleep 30'],
        })
      ).containerId;
      // Each pod's activity is written: front's alert, back's cat, a doc of the older pod.
      await agent.waitForDoc(
        (d) =>
          d.container?.id === ids.front &&
          d.event.action === 'exec' &&
          d.data_stream.dataset === 'cloud_defend.alerts',
        "the front pod's alert",
      );
      await agent.waitForDoc(
        (d) => d.container?.id === ids.back && d.event.action === 'exec' && d.process.args[0] === 'cat',
        "the back pod's cat",
      );
      await agent.waitForDoc((d) => d.container?.id === ids.before, 'a document of the pod started before');
    } finally {
      const r = await agent.stop();
      docs = r.docs;
    }
  }, 110_000);

  afterAll(async () => {
    await labDown(p).catch(() => {});
  }, 60_000);

  const execsOf = (id: string) => docs.filter((d) => d.container?.id === id && d.event.action === 'exec');

  it('fills orchestrator.* and container.* from the CRI for pods started while it runs', () => {
    const sh = execsOf(ids.front!).find((d) => d.process.args[0] === 'sh');
    expect(sh, 'exec of the front pod').toBeDefined();
    expect(sh.orchestrator).toMatchObject({
      type: 'kubernetes',
      cluster: { id: 'lab-id', name: 'lab' },
      namespace: 'shop',
      resource: { type: 'pod', name: 'front', parent: { type: 'ReplicaSet' } },
    });
    expect(sh.orchestrator.resource.label).toEqual(['pod-template-hash:abc', 'tier:front']);
    expect(sh.container).toMatchObject({ id: ids.front, name: 'front', runtime: 'containerd' });
    expect(sh.container.image.name).toBe('docker.io/library/busybox');
    expect(sh.cloud_defend.metadata_complete).toBe(true);
  });

  it('knows pods that were running before it started', () => {
    const d = docs.find((x) => x.container?.id === ids.before);
    expect(d, 'a document of the pod started before the agent').toBeDefined();
    expect(d.orchestrator.resource.name).toBe('before');
    expect(d.cloud_defend.metadata_complete).toBe(true);
  });

  it('kubernetes selectors match only their namespace and label', () => {
    const alerted = (id: string) =>
      execsOf(id).filter((d) => d.data_stream.dataset === 'cloud_defend.alerts').length > 0;
    expect(alerted(ids.front!)).toBe(true);
    expect(alerted(ids.back!)).toBe(false);
    const back = execsOf(ids.back!).find((d) => d.process.args[0] === 'cat');
    expect(back.orchestrator.namespace).toBe('billing');
    expect(back.cloud_defend.matched_selectors).toEqual(['allProcesses']);
  });
});
