// Location of d4c's own rule pack (a later step ships it): `rules/` at the repository root.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEFAULT_RULE_PACK_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));

export function defaultRulePaths(): string[] {
  return existsSync(DEFAULT_RULE_PACK_DIR) ? [DEFAULT_RULE_PACK_DIR] : [];
}
