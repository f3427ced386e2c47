// The agent's DNS flags are checked before anything starts: a bad --ioc-domains line is printed
// at FILE:LINE:COL with its code, and --no-dns refuses --ioc-domains (which needs the names).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { run } from './agent.js';

const dir = mkdtempSync(join(tmpdir(), 'd4c-dns-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('d4c agent DNS flags', () => {
  it('prints a bad --ioc-domains line with its position and code, and a missing file with its code', async () => {
    const bad = join(dir, 'ioc.txt');
    writeFileSync(bad, 'ok.example\n  *.evil.example\n');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await run(['--ioc-domains', bad])).toBe(1);
      expect(await run(['--ioc-domains', join(dir, 'missing.txt')])).toBe(1);
      const out = err.mock.calls.map((c) => String(c[0]));
      expect(out[0]).toBe(
        `d4c agent: ${bad}:2:3: error: not a domain name: "*.evil.example" (no wildcards: a domain already matches its subdomains) [D4C-DNS-010]\n`,
      );
      expect(out[1]).toMatch(
        /^d4c agent: .*missing\.txt: error: cannot read the IoC domain list: .* \[D4C-DNS-011\]\n$/,
      );
    } finally {
      err.mockRestore();
    }
  });

  it('refuses --no-dns with --ioc-domains', async () => {
    await expect(run(['--no-dns', '--ioc-domains', join(dir, 'x.txt')])).rejects.toThrow(
      '--ioc-domains and --no-dns exclude each other',
    );
  });
});
