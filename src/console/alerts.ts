// The Alerts view's answer from aggregates over promoted columns: facets, groups, the
// histogram and the total are counted by DuckDB over every alert in the window, and only the
// table's rows are read as documents (by `_seq`, the newest first). Reading every alert's `doc`
// was most of the cost on a large store (issue 15: < 300 ms at 1M events).

import type { EcsDoc } from '../output/index.js';
import { alertRow, type ConsoleStore } from './api.js';
import { list, num, str, timeParam } from './fields.js';
import type { AlertGroup, AlertRow, AlertsAnswer } from './wire.js';

/** Rows shown in the table (the newest of those the filters keep). */
export const ALERT_ROWS = 1000;

// The labels alertRow gives, in SQL: a rule detection names its rule; a policy alert its
// selectors. Promoted columns only, so no document is read.
const RULE = `CASE WHEN coalesce("rule.name", '') <> '' THEN "rule.name"
  WHEN len(coalesce("cloud_defend.matched_selectors", [])) > 0 THEN 'policy: ' || array_to_string("cloud_defend.matched_selectors", ', ')
  ELSE 'policy alert' END`;
const SEVERITY = `CASE WHEN coalesce("rule.severity", '') <> '' THEN "rule.severity"
  WHEN coalesce("rule.name", '') <> '' THEN 'unknown' ELSE 'policy' END`;
const WORKLOAD = `coalesce(nullif(concat_ws('/', nullif("orchestrator.namespace", ''),
  coalesce(nullif("orchestrator.resource.name", ''), nullif("container.name", ''))), ''), '(host)')`;
const ISO = (e: string) => `strftime(${e}, '%Y-%m-%dT%H:%M:%S.%gZ')`;

/** A table row's fields, as alertRow reads them from the document. */
const ROW = `${ISO('"@timestamp"')} AS ts, "rule.name" AS rule_name, ${RULE} AS rule, ${SEVERITY} AS sev,
  "cloud_defend.matched_selectors" AS selectors, "orchestrator.namespace" AS ns,
  "orchestrator.resource.name" AS pod, "container.name" AS container, "container.image.name" AS image,
  "process.executable" AS executable, "process.name" AS name, "process.args" AS args,
  "process.entry_leader.entity_id" AS entry, "process.session_leader.entity_id" AS session,
  "process.entity_id" AS entity`;

/** The filters the view offers, each a query parameter (repeatable) and its SQL value. */
const FILTERS = {
  severity: SEVERITY,
  rule: RULE,
  namespace: `coalesce("orchestrator.namespace", '')`,
  image: `coalesce("container.image.name", '')`,
  pod: `coalesce("orchestrator.resource.name", '')`,
  container: `coalesce("container.name", '')`,
} as const;

/** A bucket width giving ~60 bars over the window. */
export function bucketFor(spanMs: number): number {
  const steps = [1e3, 5e3, 1e4, 3e4, 6e4, 3e5, 6e5, 18e5, 36e5, 108e5, 216e5, 864e5];
  for (const s of steps) if (spanMs / s <= 60) return s;
  return 864e5 * 7;
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

export async function alerts(store: ConsoleStore, q: URLSearchParams): Promise<AlertsAnswer> {
  const from = timeParam(q.get('from'), 'from');
  const to = timeParam(q.get('to'), 'to');
  const params: (string | number | bigint)[] = [];
  const p = (v: string | number | bigint) => {
    params.push(v);
    return `$${params.length}`;
  };
  const window = [`"event.kind" = 'alert'`];
  if (from !== undefined) window.push(`"@timestamp" >= make_timestamp(${p(BigInt(from) * 1000n)}::BIGINT)`);
  if (to !== undefined) window.push(`"@timestamp" < make_timestamp(${p(BigInt(to) * 1000n)}::BIGINT)`);
  const chosen = [...window];
  for (const [k, expr] of Object.entries(FILTERS)) {
    const want = [...new Set(q.getAll(k).filter((x) => x !== ''))];
    if (want.length) chosen.push(`(${expr}) IN (${want.map((w) => p(w)).join(', ')})`);
  }
  const inWindow = window.join(' AND ');
  const where = chosen.join(' AND ');
  const [facetRows, groupRows] = await Promise.all([
    store.sql(
      `SELECT list(DISTINCT sev ORDER BY sev) AS severity, list(DISTINCT rule ORDER BY rule) AS rule,
         list(DISTINCT ns ORDER BY ns) FILTER (WHERE ns <> '') AS namespace,
         list(DISTINCT img ORDER BY img) FILTER (WHERE img <> '') AS image
       FROM (SELECT ${SEVERITY} AS sev, ${RULE} AS rule, ${FILTERS.namespace} AS ns, ${FILTERS.image} AS img
             FROM events WHERE ${inWindow})`,
      params.slice(0, window.length - 1),
    ),
    store.sql(
      `SELECT ${RULE} AS rule, ${WORKLOAD} AS workload, count(*) AS n,
         ${ISO('min("@timestamp")')} AS first, ${ISO('max("@timestamp")')} AS last,
         epoch_ms(min("@timestamp")) AS lo, epoch_ms(max("@timestamp")) AS hi
       FROM events WHERE ${where} GROUP BY ALL ORDER BY n DESC, rule, workload`,
      params,
    ),
  ]);
  const groups: AlertGroup[] = groupRows.map((r) => ({
    rule: String(r.rule),
    workload: String(r.workload),
    count: num(r.n),
    first: String(r.first),
    last: String(r.last),
  }));
  const total = groups.reduce((s, g) => s + g.count, 0);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of groupRows) {
    lo = Math.min(lo, num(r.lo));
    hi = Math.max(hi, num(r.hi));
  }
  const start = from ?? (total ? lo : Date.now() - 36e5);
  const end = to ?? (total ? hi + 1 : Date.now());
  const bucketMs = bucketFor(Math.max(1, end - start));
  const [bucketRows, rowRows] = await Promise.all([
    total
      ? store.sql(
          `SELECT (epoch_ms("@timestamp") // ${bucketMs}) * ${bucketMs} AS t, ${SEVERITY} AS sev, count(*) AS n
           FROM events WHERE ${where} GROUP BY ALL ORDER BY t`,
          params,
        )
      : Promise.resolve([]),
    total
      ? store.sql(
          `SELECT ${ROW} FROM events WHERE ${where} ORDER BY "@timestamp" DESC, _seq DESC LIMIT ${ALERT_ROWS}`,
          params,
        )
      : Promise.resolve([]),
  ]);
  const byT = new Map<number, Record<string, number>>();
  for (const r of bucketRows) {
    const t = num(r.t);
    const c = byT.get(t) ?? {};
    c[String(r.sev)] = (c[String(r.sev)] ?? 0) + num(r.n);
    byT.set(t, c);
  }
  // A rule's ATT&CK techniques are the rule's (the same on each of its alerts): read from one
  // document per rule in the table, not from every row's document.
  const names = [...new Set(rowRows.map((r) => str(r.rule_name)).filter((x) => x))];
  const techniques = new Map<string, string>();
  if (names.length) {
    const one = await store.sql(
      `SELECT "rule.name" AS name, doc->'$.threat' AS threat FROM events WHERE _seq IN (
         SELECT max(_seq) FROM events WHERE ${where} AND "rule.name" IN (SELECT unnest($${params.length + 1}::VARCHAR[])) GROUP BY "rule.name")`,
      [...params, `[${names.map((n) => JSON.stringify(n)).join(',')}]`],
    );
    for (const r of one) {
      const t = typeof r.threat === 'string' ? (JSON.parse(r.threat) as unknown) : undefined;
      techniques.set(str(r.name), alertRow({ threat: t } as EcsDoc).technique);
    }
  }
  const rows: AlertRow[] = rowRows.map((r) => {
    const rule = str(r.rule_name);
    const selectors = list(r.selectors);
    return {
      ts: str(r.ts),
      rule: str(r.rule),
      kind: rule ? 'rule' : 'policy',
      severity: str(r.sev),
      technique: techniques.get(rule) ?? '',
      namespace: str(r.ns),
      pod: str(r.pod),
      container: str(r.container),
      image: str(r.image),
      process: str(r.executable) || str(r.name),
      args: list(r.args).join(' '),
      selectors,
      session: str(r.entry) || str(r.session),
      entity: str(r.entity),
    };
  });
  const f = facetRows[0] ?? {};
  return {
    total,
    truncated: total > rows.length,
    rows,
    groups,
    histogram: {
      bucketMs,
      buckets: [...byT].sort((a, b) => a[0] - b[0]).map(([t, counts]) => ({ t, counts })),
    },
    facets: {
      severity: strs(f.severity),
      rule: strs(f.rule),
      namespace: strs(f.namespace),
      image: strs(f.image),
    },
  };
}
