// A store for the console's tests: recorded golden documents (test/golden/ecs) written through
// the store's own append path, as alerts of two rules and policy alerts across two pods.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EcsDoc } from '../../src/output/index.js';
import { EventStore } from '../../src/output/store/index.js';

const GOLDEN = join(import.meta.dirname, '..', 'golden', 'ecs');
const golden = (name: string): EcsDoc =>
  JSON.parse(readFileSync(join(GOLDEN, `${name}.json`), 'utf8')) as EcsDoc;

export interface Filled {
  /** Alerts written, by rule name shown in the console. */
  rules: Map<string, number>;
  alerts: number;
}

export async function fillStore(dir: string, t0 = Date.parse('2026-11-28T00:00:00Z')): Promise<Filled> {
  const store = await EventStore.open({ dir, retentionIntervalMs: 0 });
  const rules = new Map<string, number>();
  let alerts = 0;
  const pods = [
    ['default', 'web-7d9f', 'nginx', 'docker.io/library/nginx'],
    ['payments', 'api-5c4b', 'api', 'ghcr.io/acme/api'],
  ] as const;
  const names = ['Interactive Shell in a Container', 'Suspicious Binary Written to /usr/bin'];
  const severities = ['medium', 'high'];
  for (let i = 0; i < 24; i++) {
    const [ns, pod, cname, image] = pods[i % 2] as (typeof pods)[number];
    const ts = new Date(t0 + i * 60_000).toISOString();
    const place = (d: EcsDoc): EcsDoc => {
      const o = d as Record<string, Record<string, unknown>>;
      o['@timestamp'] = ts as never;
      o.orchestrator = { ...(o.orchestrator ?? {}), namespace: ns, resource: { type: 'pod', name: pod } };
      o.container = { ...(o.container ?? {}), name: cname, image: { name: image, tag: 'latest' } };
      return d;
    };
    // Telemetry around the alerts: not counted.
    store.write(place(golden('process-exec-child')), 'logs-cloud_defend.process-default');
    if (i % 3 === 2) {
      store.write(place(golden('alert')), 'logs-cloud_defend.alerts-default');
      const sel = golden('alert') as { cloud_defend?: { matched_selectors?: string[] } };
      const key = `policy: ${(sel.cloud_defend?.matched_selectors ?? []).join(', ')}`;
      rules.set(key, (rules.get(key) ?? 0) + 1);
    } else {
      const d = place(golden('detection')) as Record<string, Record<string, unknown>>;
      const k = i % 2;
      d.rule = { ...(d.rule ?? {}), name: names[k], severity: severities[k] };
      store.write(d as EcsDoc, 'logs-cloud_defend.alerts-default');
      rules.set(names[k] as string, (rules.get(names[k] as string) ?? 0) + 1);
    }
    alerts++;
  }
  await store.close();
  return { rules, alerts };
}
