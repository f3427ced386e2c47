import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SpoolOutput } from '../../src/output/index.js';
import { createEsOutput } from '../../src/output/index.js';
import { doc, tmp, until } from './helpers.js';
import { EsTestServer } from './index.js';

const STREAM = 'logs-cloud_defend.process-default';
let server: EsTestServer;
let out: SpoolOutput | undefined;

async function setup(opts: Record<string, unknown> = {}) {
  server = new EsTestServer();
  await server.start();
  const dir = tmp();
  out = createEsOutput({
    hosts: [server.url],
    dir,
    flushIntervalMs: 50,
    backoffInitialMs: 20,
    backoffMaxMs: 200,
    requestTimeoutMs: 1000,
    ...opts,
  });
  return { dir, out };
}

afterEach(async () => {
  await out?.close();
  out = undefined;
  await server?.stop();
});

function sentIds(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => `ev-${from + i}`).sort();
}

describe('Elasticsearch output against the local server', () => {
  it('installs templates and delivers every document once', async () => {
    const { out } = await setup({ batchMaxDocs: 100 });
    for (let i = 0; i < 1000; i++) out.write(doc(i), STREAM);
    expect(await out.drain(20_000)).toBe(true);
    expect(server.ids(STREAM).sort()).toEqual(sentIds(1000));
    expect(server.counts.bulk).toBeGreaterThanOrEqual(10);
    expect([...server.componentTemplates.keys()].sort()).toEqual([
      'd4c-cloud_defend@mappings',
      'd4c-cloud_defend@settings',
    ]);
    expect([...server.indexTemplates.keys()].sort()).toEqual([
      'd4c-logs-cloud_defend',
      'd4c-logs-cloud_defend.network',
      'd4c-metrics-cloud_defend',
    ]);
    const t = server.indexTemplates.get('d4c-logs-cloud_defend') as Record<string, unknown>;
    expect(t.data_stream).toEqual({});
    const m = server.componentTemplates.get('d4c-cloud_defend@mappings') as {
      template: {
        mappings: { properties: Record<string, { properties: Record<string, { type: string }> }> };
      };
    };
    const props = m.template.mappings.properties;
    expect(props.process?.properties.pid?.type).toBe('long');
    expect(props.process?.properties.interactive?.type).toBe('boolean');
    expect(props.source?.properties.ip?.type).toBe('ip');
    expect(props.event?.properties.created?.type).toBe('date');
    expect(props.event?.properties.action?.type).toBe('keyword');
    const st = out.stats();
    expect(st.docsWritten).toBe(1000);
    expect(st.queueDepth).toBe(0);
  });

  it('skips templates when the integration owns them', async () => {
    const { out } = await setup({ skipTemplates: true });
    out.write(doc(1), STREAM);
    expect(await out.drain(10_000)).toBe(true);
    expect(server.indexTemplates.size).toBe(0);
    expect(server.ids()).toEqual(['ev-1']);
  });

  it('verifies templates on a second start instead of overwriting them', async () => {
    const { out } = await setup();
    out.write(doc(1), STREAM);
    await out.drain(10_000);
    server.indexTemplates.set('d4c-logs-cloud_defend', {
      ...(server.indexTemplates.get('d4c-logs-cloud_defend') as object),
      marker: 1,
    });
    await out.close();
    const again = createEsOutput({ hosts: [server.url], dir: tmp(), flushIntervalMs: 50 });
    again.write(doc(2), STREAM);
    expect(await again.drain(10_000)).toBe(true);
    await again.close();
    expect((server.indexTemplates.get('d4c-logs-cloud_defend') as Record<string, unknown>).marker).toBe(1);
  });

  it('retries transient item failures and dead-letters permanent ones', async () => {
    const { out, dir } = await setup();
    const flaky = new Map<string, number>();
    server.itemFault = (id) => {
      const n = Number(id.slice(3));
      if (n % 10 === 3)
        return {
          status: 400,
          type: 'document_parsing_exception',
          reason: `failed to parse field [process.pid] for ${id}`,
        };
      if (n % 10 === 5 && (flaky.get(id) ?? 0) < 2) {
        flaky.set(id, (flaky.get(id) ?? 0) + 1);
        return { status: n % 20 === 5 ? 429 : 503, type: 'es_rejected_execution_exception', reason: 'busy' };
      }
      return undefined;
    };
    for (let i = 0; i < 200; i++) out.write(doc(i), STREAM);
    expect(await out.drain(20_000)).toBe(true);
    const dead = readFileSync(join(dir, 'dead-letter.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            id: string;
            status: number;
            reason: string;
            doc: { event: { id: string } };
            stream: string;
          },
      );
    const deadIds = dead.map((d) => d.id).sort();
    expect(deadIds).toEqual(sentIds(200).filter((id) => Number(id.slice(3)) % 10 === 3));
    expect(dead[0]?.status).toBe(400);
    expect(dead[0]?.reason).toMatch(/document_parsing_exception: failed to parse/);
    expect(dead[0]?.doc.event.id).toBe(dead[0]?.id);
    expect(dead[0]?.stream).toBe(STREAM);
    const stored = server.ids().sort();
    expect(stored).toEqual(sentIds(200).filter((id) => Number(id.slice(3)) % 10 !== 3));
    const st = out.stats();
    expect(st.deadLetters).toBe(20);
    expect(st.itemsRetried).toBeGreaterThanOrEqual(40);
  });

  it('backs off on whole-request 429 and 503 and then delivers', async () => {
    const { out } = await setup();
    server.reject429 = 3;
    server.reject503 = 2;
    for (let i = 0; i < 50; i++) out.write(doc(i), STREAM);
    expect(await out.drain(20_000)).toBe(true);
    expect(server.counts.rejected429).toBe(3);
    expect(server.ids().sort()).toEqual(sentIds(50));
    const st = out.stats();
    expect(st.batchesFailed).toBeGreaterThanOrEqual(5);
    expect(st.lastError).toMatch(/HTTP (429|503)/);
  });

  it('absorbs a resent batch through _id: 409 counts as stored', async () => {
    const { out } = await setup();
    for (let i = 0; i < 30; i++) out.write(doc(i), STREAM);
    // The same documents again (as after a crash between the remote's ack and the cursor).
    for (let i = 0; i < 30; i++) out.write(doc(i), STREAM);
    expect(await out.drain(10_000)).toBe(true);
    expect(server.docCount()).toBe(30);
    expect(server.counts.conflicts).toBe(30);
    expect(out.stats().docsDuplicate).toBe(30);
    expect(out.stats().deadLetters).toBe(0);
  });

  it('splits batches answered 413 and dead-letters a single document that is too large', async () => {
    const { out, dir } = await setup({ batchMaxDocs: 100 });
    out.write(doc(0), STREAM);
    expect(await out.drain(10_000)).toBe(true); // templates installed
    server.maxContentLength = 4000;
    for (let i = 1; i < 100; i++) out.write(doc(i, i === 50 ? { message: 'z'.repeat(5000) } : {}), STREAM);
    expect(await out.drain(20_000)).toBe(true);
    expect(server.ids().sort()).toEqual(sentIds(100).filter((id) => id !== 'ev-50'));
    const dead = readFileSync(join(dir, 'dead-letter.ndjson'), 'utf8').trim().split('\n');
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0] as string)).toMatchObject({ id: 'ev-50', status: 413 });
  });

  it('times out hanging connections and retries', async () => {
    const { out } = await setup({ requestTimeoutMs: 300 });
    server.hangNext = 0;
    out.write(doc(0), STREAM);
    expect(await out.drain(10_000)).toBe(true); // templates installed
    server.hangNext = 2;
    for (let i = 1; i < 20; i++) out.write(doc(i), STREAM);
    expect(await out.drain(20_000)).toBe(true);
    expect(server.counts.hung).toBe(2);
    expect(server.ids().sort()).toEqual(sentIds(20));
    expect(out.stats().lastError).toMatch(/timed out/);
  });

  it('sends credentials and never shows them in errors or stats', async () => {
    const { out: basic } = await setup({ username: 'elastic', password: 's3cr3t-pw', backoffMaxMs: 50 });
    server.reject503 = 1;
    basic.write(doc(0), STREAM);
    expect(await basic.drain(10_000)).toBe(true);
    expect(server.authHeaders[0]).toBe(`Basic ${Buffer.from('elastic:s3cr3t-pw').toString('base64')}`);
    expect(JSON.stringify(basic.stats())).not.toContain('s3cr3t-pw');
    await basic.close();
    const keyed = createEsOutput({
      hosts: [server.url],
      dir: tmp(),
      apiKey: 'QUtFWTpzZWNyZXQ=',
      flushIntervalMs: 50,
    });
    out = keyed;
    keyed.write(doc(1), STREAM);
    expect(await keyed.drain(10_000)).toBe(true);
    expect(server.authHeaders.at(-1)).toBe('ApiKey QUtFWTpzZWNyZXQ=');
  });

  it('uses several hosts: a dead one is skipped', async () => {
    server = new EsTestServer();
    await server.start();
    const dead = new EsTestServer();
    await dead.start();
    const deadUrl = dead.url;
    await dead.stop();
    out = createEsOutput({
      hosts: [deadUrl, server.url],
      dir: tmp(),
      flushIntervalMs: 50,
      backoffInitialMs: 20,
      backoffMaxMs: 100,
    });
    for (let i = 0; i < 100; i++) out.write(doc(i), STREAM);
    expect(await out.drain(20_000)).toBe(true);
    expect(server.ids().sort()).toEqual(sentIds(100));
  });

  it('survives an outage: server stopped for a while, then restarted', async () => {
    const { out } = await setup({ batchMaxDocs: 50 });
    let i = 0;
    const writeSome = (n: number) => {
      for (let k = 0; k < n; k++) out.write(doc(i++), STREAM);
    };
    writeSome(200);
    await until(() => server.docCount() > 0);
    await server.stop();
    writeSome(300);
    // Failed batches, then the health turns (a condition, not a fixed pause: both must come).
    await until(() => out.stats().batchesFailed > 0 && !out.health().ok);
    expect(out.stats().batchesFailed).toBeGreaterThan(0);
    expect(out.health().ok).toBe(false);
    await server.start();
    writeSome(100);
    expect(await out.drain(20_000)).toBe(true);
    const ids = server.ids();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(sentIds(600));
    expect(out.health().ok).toBe(true);
  });
});
