import { describe, expect, it } from 'vitest';
import { ecsContainerFields } from './ecs.js';

const ID = 'a'.repeat(64);

describe('ecsContainerFields', () => {
  it('maps a Kubernetes container', () => {
    const f = ecsContainerFields(
      {
        id: ID,
        name: 'web',
        runtime: 'containerd',
        image: { name: 'docker.io/library/nginx', tag: '1.27', digest: 'sha256:abc', full: 'x' },
        privileged: false,
        pod: {
          uid: 'u',
          name: 'web-5d8c7-x2x',
          namespace: 'shop',
          ip: '10.0.0.7',
          labels: { app: 'web', 'pod-template-hash': '5d8c7' },
          annotations: { a: 'b' },
        },
        sources: ['cri'],
        complete: true,
      },
      { name: 'lab', id: 'c1' },
    );
    expect(f).toEqual({
      container: {
        id: ID,
        name: 'web',
        runtime: 'containerd',
        image: { name: 'docker.io/library/nginx', tag: '1.27', hash: { all: ['sha256:abc'] } },
        security_context: { privileged: false },
      },
      orchestrator: {
        type: 'kubernetes',
        cluster: { name: 'lab', id: 'c1' },
        namespace: 'shop',
        resource: {
          type: 'pod',
          name: 'web-5d8c7-x2x',
          ip: ['10.0.0.7'],
          label: ['app:web', 'pod-template-hash:5d8c7'],
          annotation: ['a:b'],
          parent: { type: 'ReplicaSet' },
        },
      },
    });
  });

  it('a plain container has no orchestrator, and unknown fields stay absent', () => {
    expect(ecsContainerFields({ id: ID, sources: [], complete: false })).toEqual({ container: { id: ID } });
  });
});
