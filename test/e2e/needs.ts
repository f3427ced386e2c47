// What the live tests need: root, a kernel with BTF, and the tools each names. Apart from gate.ts
// (which adds vitest's describe) so that benchmarks, which run outside vitest, can ask too.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Sets up podman for the tests (containers.conf, the local image): without it, no podman tests. */
export const PODMAN_SETUP = fileURLToPath(new URL('../../scripts/podman-setup.sh', import.meta.url));

/** What a live test needs beyond root and BTF: `lab` is the lab's containerd plus podman. */
export type Need = 'podman' | 'lab' | 'containerd' | 'runc' | 'openssl' | 'script' | 'cc';

// sbin too: root's PATH under a test runner may lack it (runc is in /usr/sbin).
const DIRS = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/sbin'];
const tool = (name: string) => DIRS.some((d) => existsSync(join(d, name)));

const CHECKS: Record<Need, () => boolean> = {
  podman: () => tool('podman') && existsSync(PODMAN_SETUP),
  lab: () => tool('containerd') && tool('podman'),
  containerd: () => tool('containerd'),
  runc: () => tool('runc'),
  openssl: () => tool('openssl'),
  script: () => tool('script'),
  cc: () => tool('cc'),
};

/** Whether this machine runs live tests needing `needs`: root, BTF, and each of them. */
export function canRun(...needs: Need[]): boolean {
  return process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux') && needs.every((n) => CHECKS[n]());
}
