import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labPaths } from './node.js';
import {
  fakeServiceAccountToken,
  parseVolume,
  podDir,
  removePodDir,
  SERVICE_ACCOUNT_PATH,
  writeServiceAccountVolume,
} from './volumes.js';

const UID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('lab service-account volume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'd4c-lab-vol-'));
  const p = labPaths(dir);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a JWT-shaped token with the pod’s claims, different per pod', () => {
    const t = fakeServiceAccountToken('shop', 'front', UID, 1_800_000_000_000);
    const parts = t.split('.');
    expect(parts).toHaveLength(3);
    for (const x of parts) expect(x).toMatch(/^[A-Za-z0-9_-]+$/);
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString());
    expect(claims.sub).toBe('system:serviceaccount:shop:default');
    expect(claims['kubernetes.io'].pod).toEqual({ name: 'front', uid: UID });
    expect(claims.iat).toBe(1_800_000_000);
    expect(fakeServiceAccountToken('shop', 'front', UID)).not.toBe(t);
  });

  it('writes token, ca.crt and namespace the kubelet way and removes them with the pod', async () => {
    const m = await writeServiceAccountVolume(p, { namespace: 'shop', pod: 'front', podUid: UID });
    expect(m).toMatchObject({ containerPath: SERVICE_ACCOUNT_PATH, readonly: true, selinuxRelabel: false });
    expect(m.hostPath).toMatch(
      /\/kubelet\/pods\/[^/]+\/volumes\/kubernetes\.io~projected\/kube-api-access-\w{5}$/,
    );
    expect(m.hostPath.startsWith(podDir(p, UID))).toBe(true);
    expect(readlinkSync(join(m.hostPath, '..data'))).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d{9}$/);
    expect(lstatSync(join(m.hostPath, 'token')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(m.hostPath, 'namespace'), 'utf8')).toBe('shop');
    expect(readFileSync(join(m.hostPath, 'ca.crt'), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(readFileSync(join(m.hostPath, 'token'), 'utf8').split('.')).toHaveLength(3);
    removePodDir(p, UID);
    expect(existsSync(podDir(p, UID))).toBe(false);
  });

  it('parses --volume specs and says what is wrong with a bad one', () => {
    expect(parseVolume(`${dir}:/data:ro`)).toEqual({ hostPath: dir, containerPath: '/data', readOnly: true });
    expect(parseVolume(`${dir}:/data`)).toEqual({ hostPath: dir, containerPath: '/data', readOnly: false });
    expect(() => parseVolume('rel:/data')).toThrow(/absolute paths/);
    expect(() => parseVolume(`${dir}:/data:xx`)).toThrow(/HOST:CONTAINER/);
    expect(() => parseVolume('/nonexistent-d4c:/data')).toThrow(/does not exist/);
  });
});
