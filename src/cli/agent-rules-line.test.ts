// The ready line's account of the rules: what runs, from where, and what is loaded but idle.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_PACK_DIR, loadRules } from '../rules/index.js';
import { rulesLine } from './agent.js';

describe('rulesLine', () => {
  const pack = loadRules([DEFAULT_RULE_PACK_DIR]).rules;
  it('counts the pack, the extra rules, the scheduled ones and the idle ones', () => {
    expect(rulesLine(pack, [DEFAULT_RULE_PACK_DIR])).toBe(
      `${pack.length} rules (${pack.length} from d4c's pack)`,
    );
    const extra = { ...pack[0]!, meta: { ...pack[0]!.meta, file: '/elsewhere/x.toml' } };
    const idle = { ...extra, meta: { ...extra.meta, enabled: false } };
    expect(rulesLine([...pack, extra, idle], [DEFAULT_RULE_PACK_DIR], 1)).toBe(
      `${pack.length + 1} rules (${pack.length} from d4c's pack, 1 from --rules, 1 ES|QL on a schedule over the store, 1 loaded but not run)`,
    );
    expect(rulesLine([], [])).toBe('0 rules (--no-default-rules)');
    expect(rulesLine([extra], [])).toBe('1 rules (1 from --rules)');
  });
});
