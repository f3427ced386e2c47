import { describe, expect, it } from 'vitest';
import { DEFAULT_ENFORCEMENT_CAPS, FULL_ENFORCEMENT_CAPS } from '../policy/index.js';
import { enforcementReport, lsmBackendStatus } from './caps.js';

describe('enforcementReport', () => {
  it('states what fanotify enforces here, aligned with the policy validator', () => {
    const r = enforcementReport();
    expect(r.backend).toBe('fanotify');
    expect(r.enforced).toEqual(['exec', 'modifyExecutable', 'modifyFile']);
    expect(r.alertOnly).toEqual(['fork', 'createExecutable', 'createFile', 'deleteFile']);
    for (const op of r.enforced) expect(DEFAULT_ENFORCEMENT_CAPS.blockable.has(op)).toBe(true);
    for (const op of r.alertOnly) expect(DEFAULT_ENFORCEMENT_CAPS.blockable.has(op)).toBe(false);
  });

  it('reports every operation for full caps', () => {
    expect(enforcementReport(FULL_ENFORCEMENT_CAPS).alertOnly).toEqual([]);
  });

  it('never claims a BPF-LSM backend', () => {
    expect(lsmBackendStatus('/nonexistent').available).toBe(false);
    expect(lsmBackendStatus('/nonexistent').reason).toMatch(/does not enable/);
  });
});
