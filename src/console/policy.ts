// The Policy view's API: the running policy, the validator `d4c policy validate` runs (same
// messages and positions) and a test of a draft over the store's events in a window (counts per
// selector and response, samples). Nothing here changes the running policy.
import type { EcsDoc } from '../output/index.js';
import {
  compilePolicy,
  DEFAULT_ENFORCEMENT_CAPS,
  DEFAULT_POLICY,
  DEFAULT_POLICY_NAME,
  firingResponses,
  parsePolicy,
  policyEventFromEcs,
  SECTIONS,
  withConnectBlock,
} from '../policy/index.js';
import { formatDiagnostic } from '../util/index.js';
import type { ConsoleStore } from './api.js';
import { get, str } from './fields.js';

export interface RunningPolicy {
  name: string;
  text: string;
}
export const DEFAULT_RUNNING: RunningPolicy = { name: DEFAULT_POLICY_NAME, text: DEFAULT_POLICY };

export interface PolicyDiagnostic {
  code: string;
  severity: string;
  message: string;
  line: number;
  col: number;
  /** As `d4c policy validate` prints it. */
  text: string;
}

export const DRAFT = 'draft.yaml';
const parseDraft = (text: string) =>
  parsePolicy(text, DRAFT, { enforcementCaps: withConnectBlock(DEFAULT_ENFORCEMENT_CAPS) });

export function validate(text: string): { ok: boolean; diagnostics: PolicyDiagnostic[] } {
  const { policy, diagnostics } = parseDraft(text);
  return {
    ok: policy !== undefined,
    diagnostics: diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      message: d.message,
      line: d.pos.line,
      col: d.pos.col,
      text: formatDiagnostic(d),
    })),
  };
}

export interface DraftSample {
  ts: string;
  action: string;
  process: string;
  target: string;
  workload: string;
}
export interface DraftTest {
  ok: boolean;
  diagnostics: PolicyDiagnostic[];
  events: number;
  evaluated: number;
  truncated: boolean;
  selectors: { name: string; hits: number; samples: DraftSample[] }[];
  responses: { name: string; actions: string[]; hits: number }[];
}

const MAX_EVENTS = 100_000;
const SAMPLES = 3;

function sample(d: EcsDoc): DraftSample {
  return {
    ts: str(get(d, '@timestamp')),
    action: str(get(d, 'event.action')),
    process: str(get(d, 'process.executable')),
    target: str(get(d, 'file.path')) || str(get(d, 'destination.ip')) || str(get(d, 'process.args')),
    workload: [str(get(d, 'orchestrator.namespace')), str(get(d, 'orchestrator.resource.name'))]
      .filter((x) => x)
      .join('/'),
  };
}

export async function testDraft(store: ConsoleStore, text: string, q: URLSearchParams): Promise<DraftTest> {
  const v = validate(text);
  const { policy } = parseDraft(text);
  const out: DraftTest = {
    ...v,
    events: 0,
    evaluated: 0,
    truncated: false,
    selectors: [],
    responses: [],
  };
  if (!policy) return out;
  const from = q.get('from');
  const docs = await store.query({
    streams: ['logs-cloud_defend.process*', 'logs-cloud_defend.file*', 'logs-cloud_defend.network*'],
    filters: [{ field: 'event.kind', op: 'eq', value: 'event' }],
    ...(from ? { from: /^\d+$/.test(from) ? Number(from) : from } : {}),
    order: 'desc',
    limit: MAX_EVENTS,
  });
  out.events = docs.length;
  out.truncated = docs.length === MAX_EVENTS;
  const compiled = compilePolicy(policy);
  const sel = new Map<string, { name: string; hits: number; samples: DraftSample[] }>();
  const resp = new Map<string, { name: string; actions: string[]; hits: number }>();
  for (const section of SECTIONS) {
    const s = policy[section];
    if (!s) continue;
    for (const x of s.selectors)
      sel.set(`${section}.${x.name}`, { name: `${section}.${x.name}`, hits: 0, samples: [] });
    for (const r of s.responses) {
      const name = `${section}.responses[${r.index}] (match: ${r.match.join(', ')})`;
      resp.set(name, { name, actions: [...r.actions], hits: 0 });
    }
  }
  for (const d of docs) {
    const conv = policyEventFromEcs(d);
    if (!conv.event) continue;
    out.evaluated++;
    const section = conv.event.section;
    const decision = compiled.decide(conv.event);
    for (const m of decision.matchedSelectors) {
      const e = sel.get(`${section}.${m}`);
      if (!e) continue;
      e.hits++;
      if (e.samples.length < SAMPLES) e.samples.push(sample(d));
    }
    const s = policy[section];
    if (s)
      for (const r of firingResponses(s, decision.matchedSelectors)) {
        const e = resp.get(`${section}.responses[${r.index}] (match: ${r.match.join(', ')})`);
        if (e) e.hits++;
      }
  }
  out.selectors = [...sel.values()];
  out.responses = [...resp.values()];
  return out;
}
