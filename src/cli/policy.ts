// `d4c policy ...` commands. Filled in by the policy module.
import { UsageError } from './args.js';

export async function runDefault(_argv: string[]): Promise<number> {
  throw new UsageError('not available yet');
}
export const runValidate = runDefault;
export const runTest = runDefault;
