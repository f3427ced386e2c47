// What this kernel lets d4c prevent, for the agent's start message and the policy validator.
import { existsSync, readFileSync } from 'node:fs';
import { DEFAULT_ENFORCEMENT_CAPS, type EnforcementCaps, type Operation } from '../policy/index.js';

export interface EnforcementReport {
  backend: 'fanotify' | 'none';
  /** Operations a `block` prevents (the caller gets EPERM, the file is untouched). */
  enforced: Operation[];
  /** Operations a `block` can only alert on here. */
  alertOnly: Operation[];
  /** Why the others cannot be enforced, one line. */
  note: string;
}

const ALL: Operation[] = [
  'fork',
  'exec',
  'createExecutable',
  'modifyExecutable',
  'createFile',
  'modifyFile',
  'deleteFile',
];

/**
 * fanotify permission events veto an open (write intent on an existing file: modify*) and an
 * execve (exec). Creating a file, unlink, rename, chmod and fork have no veto hook without BPF-LSM.
 * Mirrors DEFAULT_ENFORCEMENT_CAPS in src/policy/check.ts, which `d4c policy validate` warns with.
 */
export function enforcementReport(caps: EnforcementCaps = DEFAULT_ENFORCEMENT_CAPS): EnforcementReport {
  const enforced = ALL.filter((op) => caps.blockable.has(op));
  return {
    backend: caps.mechanism === 'fanotify' ? 'fanotify' : 'none',
    enforced,
    alertOnly: ALL.filter((op) => !caps.blockable.has(op)),
    note: 'no BPF-LSM on this kernel: fanotify can deny an open with write intent of an existing file and an execve only; create, unlink, rename, chmod and fork are alerted, not prevented',
  };
}

export interface LsmStatus {
  available: false;
  reason: string;
}

/**
 * The BPF-LSM backend is not implemented: it would need `lsm` in /sys/kernel/security/lsm and
 * the kernel to load BPF_PROG_TYPE_LSM programs, and neither holds on these machines (lsm
 * programs are refused at load), so nothing could test it. This only reports why.
 */
export function lsmBackendStatus(lsmFile = '/sys/kernel/security/lsm'): LsmStatus {
  let listed = false;
  try {
    listed = existsSync(lsmFile) && readFileSync(lsmFile, 'utf8').split(',').includes('bpf');
  } catch {
    listed = false;
  }
  return {
    available: false,
    reason: listed
      ? 'the kernel lists the bpf LSM, but d4c has no BPF-LSM backend (untestable here); fanotify is used'
      : 'the kernel does not enable the bpf LSM (not in /sys/kernel/security/lsm); fanotify is used',
  };
}
