// The agent's files and secrets (issue 22, finding 9), through the real CLI as root: a config
// file whose secret other users can read, credentials over http://, and --ndjson/--ready-file
// paths planted as symlinks in a world-writable directory are all refused with their code.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runMain } from '../run-main.js';
import { canRun, describeLive } from './gate.js';
import { LOG_EXECS } from './policies.js';

describeLive()('d4c agent: files and secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'd4c-agent-files-'));
  const shared = join(dir, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'precious\n');
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, LOG_EXECS);
  const base = ['agent', '--policy', policy, '--no-store', '--metrics-addr', 'off', '--no-default-rules'];

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a config file holding an API key that other users can read', async () => {
    const cfg = join(dir, 'agent.yaml');
    writeFileSync(cfg, 'elasticsearch:\n  hosts: [https://es:9200]\n  api_key: c2VjcmV0\n');
    chmodSync(cfg, 0o644);
    const r = await runMain([...base, '--config', cfg, '--ndjson', join(dir, 'out.ndjson')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${cfg}:3:12: error: holds a secret (elasticsearch.api_key)`);
    expect(r.err).toMatch(/readable by other users \(mode 0644\)/);
    expect(r.err).not.toContain('c2VjcmV0');
  });

  it('refuses an API key over http:// without --allow-insecure', async () => {
    // The key comes from the environment, as documented (flags show in ps).
    process.env.D4C_ES_API_KEY = 'c2VjcmV0';
    try {
      const r = await runMain([
        ...base,
        '--es-url',
        'http://127.0.0.1:9',
        '--ndjson',
        join(dir, 'out.ndjson'),
      ]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/would send credentials in clear text: use https:\/\/, or --allow-insecure/);
    } finally {
      delete process.env.D4C_ES_API_KEY;
    }
  });

  it('refuses --ndjson through a symlink planted in a world-writable directory', async () => {
    const link = join(shared, 'events.ndjson');
    symlinkSync(victim, link);
    const r = await runMain([...base, '--ndjson', link]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${link}: error: is a symlink in a directory other users can write to: refused`);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it.skipIf(!canRun('podman'))(
    'refuses --ready-file through a planted symlink: the agent stops instead of writing it',
    async () => {
      const link = join(shared, 'ready');
      symlinkSync(victim, link);
      const r = await runMain([...base, '--ndjson', join(dir, 'ok.ndjson'), '--ready-file', link]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(
        `${link}: error: is a symlink in a directory other users can write to: refused`,
      );
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    },
    60_000,
  );
});
