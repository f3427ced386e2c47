// What a kubelet mounts into every container of a pod that automounts its service account: the
// projected volume `kube-api-access-xxxxx` at /var/run/secrets/kubernetes.io/serviceaccount with
// `token`, `ca.crt` and `namespace`. Laid out as the kubelet lays it out (so paths, mount kinds and
// symlink resolution are those of a real node): under <lab>/kubelet/pods/<uid>/volumes/
// kubernetes.io~projected/<name>/, written the atomic-writer way (a timestamped directory holding
// the files, `..data` pointing at it, and each file name a link through `..data`).
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LabError, type LabPaths } from './node.js';

const pexec = promisify(execFile);

export const SERVICE_ACCOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A CRI Mount as CreateContainer takes it (camelCase: the proto loader's spelling). */
export interface CriMount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  selinuxRelabel: boolean;
  propagation: 'PROPAGATION_PRIVATE';
}

/** A user volume from `--volume HOST:CONTAINER[:ro]`. */
export interface VolumeSpec {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** The pod's kubelet directory (its volumes): removed with the pod and by `lab down`. */
export function podDir(p: LabPaths, podUid: string): string {
  return join(p.dir, 'kubelet', 'pods', podUid);
}

/** Parses `HOST:CONTAINER[:ro|:rw]`; both paths absolute. */
export function parseVolume(spec: string): VolumeSpec {
  const parts = spec.split(':');
  let readOnly = false;
  if (parts.length === 3 && (parts[2] === 'ro' || parts[2] === 'rw')) {
    readOnly = parts.pop() === 'ro';
  }
  const [host, container] = parts;
  if (parts.length !== 2 || !host?.startsWith('/') || !container?.startsWith('/')) {
    throw new LabError(`--volume wants HOST:CONTAINER[:ro] with absolute paths, got ${JSON.stringify(spec)}`);
  }
  if (!existsSync(host)) throw new LabError(`--volume: ${host} does not exist`);
  return { hostPath: host, containerPath: container, readOnly };
}

const b64url = (x: Buffer | string) => Buffer.from(x).toString('base64url');

/**
 * A token shaped like a bound service-account token (header.payload.signature, the claims a
 * kube-apiserver puts in), unique per pod. The signature is random: nothing verifies it here.
 */
export function fakeServiceAccountToken(
  namespace: string,
  pod: string,
  podUid: string,
  now = Date.now(),
): string {
  const iat = Math.floor(now / 1000);
  const header = { alg: 'RS256', kid: randomBytes(16).toString('hex') };
  const payload = {
    aud: ['https://kubernetes.default.svc.cluster.local'],
    exp: iat + 3607,
    iat,
    iss: 'https://kubernetes.default.svc.cluster.local',
    jti: randomUUID(),
    'kubernetes.io': {
      namespace,
      pod: { name: pod, uid: podUid },
      serviceaccount: { name: 'default', uid: randomUUID() },
    },
    nbf: iat,
    sub: `system:serviceaccount:${namespace}:default`,
  };
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${b64url(randomBytes(256))}`;
}

/** The lab's CA certificate (generated once per lab with openssl), as the pods' `ca.crt`. */
async function labCa(p: LabPaths): Promise<string> {
  const dir = join(p.dir, 'pki');
  const crt = join(dir, 'ca.crt');
  if (!existsSync(crt)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${crt}.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      await pexec(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          `${tmp}.key`,
          '-out',
          tmp,
          '-subj',
          '/CN=d4c-lab-ca',
          '-days',
          '3650',
        ],
        { timeout: 30_000 },
      );
    } catch (e) {
      throw new LabError(
        `openssl could not make the lab CA: ${(e as { stderr?: string }).stderr?.trim() || String(e)}`,
      );
    }
    // Parallel pods: the first complete certificate wins, none sees a half-written one.
    renameSync(tmp, crt);
  }
  return readFileSync(crt, 'utf8');
}

function stamp(d: Date): string {
  const z = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${d.getUTCFullYear()}_${z(d.getUTCMonth() + 1)}_${z(d.getUTCDate())}_${z(d.getUTCHours())}_${z(d.getUTCMinutes())}_${z(d.getUTCSeconds())}.${z(Math.floor(Math.random() * 1e9), 9)}`;
}

/** Writes the pod's service-account volume; returns the mount for CreateContainer. */
export async function writeServiceAccountVolume(
  p: LabPaths,
  o: { namespace: string; pod: string; podUid: string },
): Promise<CriMount> {
  const ca = await labCa(p);
  const suffix = randomBytes(3).toString('hex').slice(0, 5);
  const vol = join(podDir(p, o.podUid), 'volumes', 'kubernetes.io~projected', `kube-api-access-${suffix}`);
  const ts = stamp(new Date());
  mkdirSync(join(vol, ts), { recursive: true });
  const files: Record<string, string> = {
    'ca.crt': ca,
    namespace: o.namespace,
    token: fakeServiceAccountToken(o.namespace, o.pod, o.podUid),
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(vol, ts, name), text);
    chmodSync(join(vol, ts, name), 0o644); // the projected volume's defaultMode 420
  }
  symlinkSync(ts, join(vol, '..data'));
  for (const name of Object.keys(files)) symlinkSync(join('..data', name), join(vol, name));
  return mountOf({ hostPath: vol, containerPath: SERVICE_ACCOUNT_PATH, readOnly: true });
}

export function mountOf(v: VolumeSpec): CriMount {
  return {
    containerPath: v.containerPath,
    hostPath: v.hostPath,
    readonly: v.readOnly,
    selinuxRelabel: false,
    propagation: 'PROPAGATION_PRIVATE',
  };
}

/** Removes a pod's kubelet directory (its volumes). */
export function removePodDir(p: LabPaths, podUid: string): void {
  if (!/^[0-9a-f-]{36}$/.test(podUid)) return; // never a path from elsewhere
  rmSync(podDir(p, podUid), { recursive: true, force: true });
}
