// HTTPS with a private CA: --es-ca makes it work, without it the certificate is refused (and the
// documents wait in the spool), --es-insecure skips verification.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEsOutput } from '../../src/output/index.js';
import { doc, tmp, until } from './helpers.js';
import { EsTestServer } from './index.js';

const dir = tmp('d4c-tls-');
let server: EsTestServer;

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

beforeAll(async () => {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=d4c test CA',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'es.key',
    '-out',
    'es.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'es.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'es.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
  server = new EsTestServer({
    tls: { key: readFileSync(join(dir, 'es.key')), cert: readFileSync(join(dir, 'es.pem')) },
  });
  await server.start();
});

afterAll(async () => {
  await server?.stop();
});

describe('TLS', () => {
  it('verifies the server against --es-ca', async () => {
    const out = createEsOutput({
      hosts: [server.url],
      dir: tmp(),
      caFile: join(dir, 'ca.pem'),
      flushIntervalMs: 20,
    });
    out.write(doc(1), 'logs-cloud_defend.file-default');
    expect(await out.drain(10_000)).toBe(true);
    await out.close();
    expect(server.ids()).toContain('ev-1');
  });

  it('refuses an unknown CA, keeping the documents, and --es-insecure skips verification', async () => {
    const spool = tmp();
    const out = createEsOutput({
      hosts: [server.url],
      dir: spool,
      flushIntervalMs: 20,
      backoffInitialMs: 20,
      backoffMaxMs: 50,
      closeTimeoutMs: 100,
    });
    out.write(doc(2), 'logs-cloud_defend.file-default');
    await until(() => out.stats().batchesFailed >= 2);
    expect(out.stats().lastError).toMatch(/certificate|self.signed|issuer/i);
    await out.close();
    expect(server.ids()).not.toContain('ev-2');
    const insecure = createEsOutput({
      hosts: [server.url],
      dir: spool,
      verifyTls: false,
      flushIntervalMs: 20,
    });
    expect(await insecure.drain(10_000)).toBe(true);
    await insecure.close();
    expect(server.ids()).toContain('ev-2');
  });
});
