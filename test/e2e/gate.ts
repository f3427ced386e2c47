// The one gate of the live tests: they run as root on a kernel with BTF, and each names the
// tools it needs besides (needs.ts). Missing any, the test is skipped (the summary reporter counts it).
import { describe } from 'vitest';
import { canRun, type Need } from './needs.js';

export { canRun, type Need, PODMAN_SETUP } from './needs.js';

/** `describe` for live tests: skipped unless `canRun(...needs)`. */
export const describeLive = (...needs: Need[]): typeof describe.skip =>
  canRun(...needs) ? describe : describe.skip;
