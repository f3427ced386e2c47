// `d4c console` as users run it (bin/d4c.js): the exact first stdout line, the token traded for a
// cookie, 401 without it, a clean stop on SIGTERM, and a non-loopback listen refused without TLS.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../cli.js';
import { fillStore } from './fill.js';

describe('d4c console', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-console-cli-'));
    await fillStore(dir);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints `d4c console: http://HOST:PORT/?token=TOKEN` first and serves with that token only', async () => {
    const child = spawn(process.execPath, [BIN, 'console', '--store', dir, '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', () => reject(new Error(`exited before its line: ${err}`)));
      });
      const m = /^d4c console: http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{32})$/.exec(first);
      expect(m, first).not.toBeNull();
      const base = `http://127.0.0.1:${m?.[1]}`;
      expect((await fetch(`${base}/api/alerts`)).status).toBe(401);
      const r = await fetch(`${base}/?token=${m?.[2]}`, { redirect: 'manual' });
      expect(r.status).toBe(303);
      const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      expect(cookie).toBe(`d4c_console=${m?.[2]}`);
      const a = await fetch(`${base}/api/alerts`, { headers: { cookie } });
      expect(a.status).toBe(200);
      expect(((await a.json()) as { total: number }).total).toBe(24);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('refuses a non-loopback --listen without TLS', () => {
    const r = runCli(['console', '--store', dir, '--listen', '0.0.0.0:0']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/without TLS/);
    expect(r.out).toBe('');
  });

  it('refuses a store that is not there', () => {
    const r = runCli(['console', '--store', join(dir, 'nothing')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no event store/);
  });
});
