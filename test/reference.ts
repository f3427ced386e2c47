// Locates the workspace's shared reference material (Elastic's rules, events.md), which sits
// beside the repository's checkout (`<checkout>/../shared`) on developer machines and in CI.
// D4C_REFERENCE_DIR overrides. Missing is an error, not a skip: tests must not pass vacuously.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findReferenceDir(): string {
  const env = process.env.D4C_REFERENCE_DIR;
  if (env) return resolve(env);
  let dir = resolve(import.meta.dirname, '..');
  for (;;) {
    const candidate = join(dir, 'shared/reference');
    if (existsSync(join(candidate, 'elastic-detection-rules'))) return candidate;
    const up = dirname(dir);
    if (up === dir) {
      throw new Error('shared/reference not found beside the checkout; set D4C_REFERENCE_DIR');
    }
    dir = up;
  }
}

export const REFERENCE_DIR = findReferenceDir();
export const ELASTIC_RULES_DIR = join(REFERENCE_DIR, 'elastic-detection-rules');
