// The agent's wiring: flags → settings → openOutputs → the embedded store and Elasticsearch both
// receive every document; health follows the remote.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAgentOutputFlags } from '../../src/config/index.js';
import { openOutputs } from '../../src/output/index.js';
import { EventStore } from '../../src/store/index.js';
import { doc, tmp, until } from './helpers.js';
import { EsTestServer } from './index.js';

describe('openOutputs', () => {
  it('fans out to the store and Elasticsearch from flag settings', async () => {
    const server = new EsTestServer();
    await server.start();
    const dir = tmp('d4c-open-');
    const settings = parseAgentOutputFlags(
      {
        'es-url': [server.url],
        'es-namespace': 'prod',
        store: join(dir, 'store'),
        'spool-dir': join(dir, 'spool'),
        'spool-max-size': '8MiB',
        'metrics-addr': 'off',
        // The test server speaks plain http on loopback.
        'allow-insecure': true,
      },
      { D4C_ES_API_KEY: 'a2V5OnNlY3JldA==' },
    );
    const out = await openOutputs(settings);
    expect(Object.keys(out.outputs).sort()).toEqual(['elasticsearch', 'store']);
    for (let i = 0; i < 100; i++) out.write(doc(i), 'logs-cloud_defend.process-prod');
    expect(await out.elasticsearch?.drain(10_000)).toBe(true);
    await out.flush();
    expect(out.health()).toEqual({ ok: true });
    expect(out.outputStats().elasticsearch?.docsWritten).toBe(100);
    await server.stop();
    out.write(doc(100), 'logs-cloud_defend.process-prod');
    await until(() => !out.health().ok, 20_000);
    expect(out.health().reason).toMatch(/^elasticsearch: /);
    await out.close();
    out.write(doc(101), 'logs-cloud_defend.process-prod');
    expect(out.stats().docsDropped.closed).toBe(1);
    expect(server.ids('logs-cloud_defend.process-prod')).toHaveLength(100);
    expect(server.authHeaders.every((h) => h === 'ApiKey a2V5OnNlY3JldA==')).toBe(true);
    const store = await EventStore.open({ dir: join(dir, 'store') });
    const docs = await store.query({ streams: ['logs-cloud_defend.process-prod'], limit: 1000 });
    expect(docs).toHaveLength(101);
    await store.close();
    // The document written during the outage is still in the spool for the next run.
    await server.start();
    const again = await openOutputs({ ...settings, store: { ...settings.store, enabled: false } });
    expect(await again.elasticsearch?.drain(10_000)).toBe(true);
    await again.close();
    expect(server.ids()).toHaveLength(101);
    await server.stop();
  }, 60_000);
});
