import { describe, expect, it } from 'vitest';
import { identityFromProcCgroup, isContainerId, parseCgroupPath, parseProcCgroupLines } from './cgroup.js';

const A = '4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c38428142970';
const B = '9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d';
const UID = '74c13223-5a00-11e9-b385-42010a80018d';
const UID_ = UID.replaceAll('-', '_');

// [path, expected identity or undefined]
const TABLE: Array<[string, Record<string, unknown> | undefined]> = [
  // docker, cgroupfs v1/v2 and systemd
  [`/docker/${A}`, { id: A, runtime: 'docker', layout: 'cgroupfs' }],
  [`/sys/fs/cgroup/memory/docker/${A}`, { id: A, runtime: 'docker', layout: 'cgroupfs' }],
  [`/sys/fs/cgroup/cpu,cpuacct/${A}`, { id: A, runtime: 'docker', layout: 'cgroupfs' }],
  [`/${A}`, { id: A, runtime: 'docker', layout: 'cgroupfs' }],
  [`/system.slice/docker-${A}.scope`, { id: A, runtime: 'docker', layout: 'systemd' }],
  [`/sys/fs/cgroup/system.slice/docker-${A}.scope`, { id: A, runtime: 'docker', layout: 'systemd' }],
  [`/system.slice/docker-${A}.scope/init.scope`, { id: A, runtime: 'docker', layout: 'systemd' }],
  [`/ecs/0123456789abcdef0123456789abcdef/${A}`, { id: A, runtime: 'docker', layout: 'cgroupfs' }],
  [`/actions_job/${A}`, { id: A, runtime: 'docker', layout: 'cgroupfs' }],
  [`/docker/${B}/docker/${A}`, { id: A, runtime: 'docker', layout: 'cgroupfs' }],
  // Kubernetes, cgroupfs driver (containerd or dockershim: only "CRI" is known)
  [
    `/kubepods/besteffort/pod${UID}/${A}`,
    { id: A, runtime: 'cri', layout: 'cgroupfs', podUid: UID, qos: 'besteffort' },
  ],
  [
    `/kubepods/burstable/pod${UID}/${A}`,
    { id: A, runtime: 'cri', layout: 'cgroupfs', podUid: UID, qos: 'burstable' },
  ],
  [`/kubepods/pod${UID}/${A}`, { id: A, runtime: 'cri', layout: 'cgroupfs', podUid: UID, qos: 'guaranteed' }],
  [
    `/sys/fs/cgroup/pids/kubepods/besteffort/pod${UID}/${A}`,
    { id: A, runtime: 'cri', layout: 'cgroupfs', podUid: UID, qos: 'besteffort' },
  ],
  // kind / k3d: a node inside docker, pods inside the node
  [
    `/docker/${B}/kubepods/burstable/pod${UID}/${A}`,
    { id: A, runtime: 'cri', layout: 'cgroupfs', podUid: UID, qos: 'burstable' },
  ],
  // Kubernetes, systemd driver
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${A}.scope`,
    { id: A, runtime: 'containerd', layout: 'systemd', podUid: UID, qos: 'burstable' },
  ],
  [
    `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-${A}.scope`,
    { id: A, runtime: 'cri-o', layout: 'systemd', podUid: UID, qos: 'besteffort' },
  ],
  [
    `/kubepods.slice/kubepods-pod${UID_}.slice/crio-${A}.scope`,
    { id: A, runtime: 'cri-o', layout: 'systemd', podUid: UID, qos: 'guaranteed' },
  ],
  [
    `/kubepods.slice/kubepods-pod${UID_}.slice/docker-${A}.scope`,
    { id: A, runtime: 'docker', layout: 'systemd', podUid: UID, qos: 'guaranteed' },
  ],
  [
    `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/${A}`,
    { id: A, runtime: 'cri', layout: 'systemd', podUid: UID, qos: 'besteffort' },
  ],
  [
    `/kubepods/besteffort/pod${UID}/crio-${A}`,
    { id: A, runtime: 'cri-o', layout: 'cgroupfs', podUid: UID, qos: 'besteffort' },
  ],
  [`/system.slice/containerd-${A}.scope`, { id: A, runtime: 'containerd', layout: 'systemd' }],
  // containerd `ctr`: /<namespace>/<id>
  [`/default/${A}`, { id: A, runtime: 'containerd', layout: 'cgroupfs', namespace: 'default' }],
  [`/k8s.io/${A}`, { id: A, runtime: 'containerd', layout: 'cgroupfs', namespace: 'k8s.io' }],
  // podman, as this machine makes them and as systemd hosts / rootless / pods do
  [`/libpod_parent/libpod-${A}`, { id: A, runtime: 'podman', layout: 'cgroupfs' }],
  [`/libpod_parent/${B}/libpod-${A}`, { id: A, runtime: 'podman', layout: 'cgroupfs', podmanPod: B }],
  [`/machine.slice/libpod-${A}.scope`, { id: A, runtime: 'podman', layout: 'systemd' }],
  [`/machine.slice/libpod-${A}.scope/container`, { id: A, runtime: 'podman', layout: 'systemd' }],
  [
    `/machine.slice/machine-libpod_pod_${B}.slice/libpod-${A}.scope`,
    { id: A, runtime: 'podman', layout: 'systemd', podmanPod: B },
  ],
  [
    `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${A}.scope`,
    { id: A, runtime: 'podman', layout: 'systemd' },
  ],
  // monitors, pod-level cgroups and the host: not containers
  [`/machine.slice/libpod-conmon-${A}.scope`, undefined],
  [`/kubepods.slice/kubepods-pod${UID_}.slice/crio-conmon-${A}.scope`, undefined],
  ['/libpod_parent/conmon', undefined],
  [`/libpod_parent/${A}`, undefined],
  [`/kubepods/besteffort/pod${UID}`, undefined],
  [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice`, undefined],
  ['/', undefined],
  ['', undefined],
  ['/system.slice/containerd.service', undefined],
  ['/user.slice/user-0.slice/session-3.scope', undefined],
  ['/process_api/de12e91bbb2f95a6b515c59bf2d8b794', undefined],
  // invalid ids: 63 and 65 characters, non-hex, upper case
  [`/docker/${A.slice(1)}`, undefined],
  [`/docker/${A}0`, undefined],
  [`/docker/${A.slice(1)}g`, undefined],
  [`/docker/${A.toUpperCase()}`, undefined],
  [`/system.slice/docker-${A.slice(1)}.scope`, undefined],
  [`/system.slice/docker-${A}a.scope`, undefined],
  [`/libpod_parent/libpod-${A.slice(2)}zz`, undefined],
  [
    `/kubepods/besteffort/podnot-a-uid/${A}`,
    { id: A, runtime: 'containerd', layout: 'cgroupfs', namespace: 'podnot-a-uid' },
  ],
];

describe('parseCgroupPath', () => {
  it.each(TABLE)('%s', (path, want) => {
    expect(parseCgroupPath(path)).toEqual(want);
  });

  it('never throws on odd input', () => {
    for (const s of ['////', `/${'x'.repeat(5000)}`, '\0\n:', `/a/${'/'.repeat(70)}`, `.scope${A}`]) {
      expect(() => parseCgroupPath(s)).not.toThrow();
    }
  });
});

describe('isContainerId', () => {
  it('accepts exactly 64 lowercase hex', () => {
    expect(isContainerId(A)).toBe(true);
    expect(isContainerId(A.slice(1))).toBe(false);
    expect(isContainerId(`${A}0`)).toBe(false);
    expect(isContainerId(`${A.slice(1)}-`)).toBe(false);
  });
});

describe('/proc/PID/cgroup', () => {
  it('reads the lines of a hybrid (v1 + v2) host, as podman makes them here', () => {
    const text = [
      `9:name=systemd:/libpod_parent/libpod-${A}`,
      `4:memory:/libpod_parent/libpod-${A}`,
      `1:cpu:/libpod_parent/libpod-${A}`,
      `0::/libpod_parent/libpod-${A}`,
      '',
    ].join('\n');
    expect(parseProcCgroupLines(text)).toHaveLength(4);
    expect(identityFromProcCgroup(text)).toEqual({
      id: A,
      runtime: 'podman',
      layout: 'cgroupfs',
      cgroupPath: `/libpod_parent/libpod-${A}`,
    });
  });

  it('falls back to a v1 controller when the v2 line is the root', () => {
    const text = `0::/\n12:pids:/docker/${A}\n1:name=systemd:/\n`;
    expect(identityFromProcCgroup(text)?.id).toBe(A);
  });

  it('prefers the v2 line, then name=systemd', () => {
    const text = `3:cpu:/docker/${B}\n1:name=systemd:/docker/${A}\n`;
    expect(identityFromProcCgroup(text)?.id).toBe(A);
    expect(identityFromProcCgroup(`${text}0::/system.slice/docker-${B}.scope\n`)?.id).toBe(B);
  });

  it('host processes and garbage give nothing', () => {
    expect(identityFromProcCgroup('0::/\n')).toBeUndefined();
    expect(
      identityFromProcCgroup('4:memory:/process_api/de12e91bbb2f95a6b515c59bf2d8b794\n0::/'),
    ).toBeUndefined();
    expect(identityFromProcCgroup('garbage\n::::\nx:y:z')).toBeUndefined();
    // a path holding ':' keeps everything after the second colon
    expect(parseProcCgroupLines(`0::/a:b/docker/${A}`)[0]?.path).toBe(`/a:b/docker/${A}`);
  });
});
