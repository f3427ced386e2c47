// Regenerates the condition and diagnostic tables in docs/policy.md: `npx tsx scripts/gen-policy-docs.ts`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { updateGenerated } from '../src/policy/index.js';

const file = new URL('../docs/policy.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = updateGenerated(before);
if (after !== before) {
  writeFileSync(file, after);
  // Pad the tables when the formatter handles markdown (biome.json excludes *.md today; the
  // docs test compares tables cell by cell, so unpadded tables are still up to date).
  try {
    execFileSync('npx', ['biome', 'format', '--write', fileURLToPath(file)], { stdio: 'ignore' });
  } catch {}
}
process.stdout.write(after === before ? 'docs/policy.md up to date\n' : 'docs/policy.md updated\n');
