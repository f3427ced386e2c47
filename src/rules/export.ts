// Exports detection rules (Elastic TOML) as the NDJSON that Kibana's detection-rule import
// (`POST api/detection_engine/rules/_import`) accepts: one rule object per line, optionally
// followed by the export-details line Kibana's own export writes (import skips that line).
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import type { Diagnostic } from '../util/diagnostics.js';
import { EXPORT_CODES } from './codes.js';
import { type LoadedRule, loadRules, type Threat } from './load.js';
import { queryStreams, scopeIndex } from './streams.js';

export { EXPORT_CODES };

/** Rule types this exporter writes; Kibana's other types need fields Elastic's TOML spells differently. */
const EXPORTABLE = new Set(['query', 'eql', 'esql']);

/** Optional fields copied verbatim from `[rule]` when present (same name and shape in Kibana). */
const PASS_THROUGH = [
  'note',
  'setup',
  'timestamp_override',
  'timestamp_override_fallback_disabled',
  'building_block_type',
  'rule_name_override',
  'license',
] as const;

export interface KibanaThreat {
  framework: string;
  tactic: { id: string; name: string; reference: string };
  technique: {
    id: string;
    name: string;
    reference: string;
    subtechnique?: { id: string; name: string; reference: string }[];
  }[];
}

export type KibanaRule = Record<string, unknown> & { rule_id: string; name: string };

export interface ExportOptions {
  /** Imported rules start enabled (default false: review before enabling). */
  enabled?: boolean;
}

export interface ExportResult {
  rules: KibanaRule[];
  diagnostics: Diagnostic[];
}

const ref = (r: { id: string; name: string; reference?: string | undefined }, url: string) => ({
  id: r.id,
  name: r.name,
  reference: r.reference ?? url,
});

export function kibanaThreat(threats: readonly Threat[]): KibanaThreat[] {
  const out: KibanaThreat[] = [];
  for (const t of threats) {
    if (!t.tactic) continue; // Kibana requires a tactic per threat entry.
    out.push({
      framework: t.framework,
      tactic: ref(t.tactic, `https://attack.mitre.org/tactics/${t.tactic.id}/`),
      technique: t.techniques.map((te) => {
        const x: KibanaThreat['technique'][number] = ref(te, `https://attack.mitre.org/techniques/${te.id}/`);
        if (te.subtechniques.length > 0)
          x.subtechnique = te.subtechniques.map((s) =>
            ref(s, `https://attack.mitre.org/techniques/${s.id.replace('.', '/')}/`),
          );
        return x;
      }),
    });
  }
  return out;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Converts one loaded rule; `raw` is its `[rule]` table for fields the engine does not keep. */
export function toKibana(r: LoadedRule, raw: Record<string, unknown>, opts: ExportOptions = {}): KibanaRule {
  const m = r.meta;
  const out: KibanaRule = {
    rule_id: m.id,
    name: m.name,
    description: m.description,
    type: m.type,
    language: m.language,
    query: m.query,
    index: exportIndex(r),
    risk_score: m.riskScore,
    severity: m.severity,
    threat: kibanaThreat(m.threat),
    from: m.from ?? 'now-6m',
    interval: m.interval ?? '5m',
    enabled: opts.enabled ?? false,
    author: strings(raw.author),
    version:
      typeof raw.version === 'number' && Number.isInteger(raw.version) && raw.version >= 1 ? raw.version : 1,
    tags: m.tags,
    false_positives: m.falsePositives,
    references: strings(raw.references),
    max_signals: typeof raw.max_signals === 'number' ? raw.max_signals : 100,
    exceptions_list: m.exceptionsList,
  };
  // ES|QL rules read their own FROM clause; Kibana rejects an index on them.
  if (m.type === 'esql') delete out.index;
  // As Elastic's D4C rules: match on when a document arrived, not when it happened, so that
  // documents held in the spool past the look-back are still matched; @timestamp when a document
  // has no event.ingested (no ingest pipeline set it).
  out.timestamp_override = 'event.ingested';
  out.timestamp_override_fallback_disabled = false;
  for (const k of PASS_THROUGH) if (raw[k] !== undefined) out[k] = raw[k];
  return out;
}

/** The rule's index scoped to the streams its query reads (src/rules/streams.ts). */
function exportIndex(r: LoadedRule): string[] {
  const streams = r.parsed === undefined ? undefined : queryStreams(r.parsed);
  return streams === undefined ? [...r.meta.index] : scopeIndex(r.meta.index, streams);
}

/** Loads the rules under `paths` and converts every exportable one; the rest are reported. */
export function exportRules(paths: readonly string[], opts: ExportOptions = {}): ExportResult {
  const loaded = loadRules(paths);
  const diagnostics = [...loaded.diagnostics];
  const rules: KibanaRule[] = [];
  for (const r of loaded.rules) {
    if (!EXPORTABLE.has(r.meta.type)) {
      diagnostics.push({
        code: EXPORT_CODES.unsupported,
        severity: 'warning',
        message: `rule '${r.meta.name}' not exported: type '${r.meta.type}' is not supported by the exporter`,
        file: r.meta.file,
        pos: { line: 1, col: 1 },
      });
      continue;
    }
    // The file parsed a moment ago in loadRules; a second parse keeps RuleMeta free of export-only fields.
    const doc = parseToml(readFileSync(r.meta.file, 'utf8')) as { rule?: Record<string, unknown> };
    rules.push(toKibana(r, doc.rule ?? {}, opts));
  }
  return { rules, diagnostics };
}

/** The export-details line Kibana's own `_export` appends (import filters it out). */
export function exportDetails(count: number): Record<string, unknown> {
  return {
    exported_count: count,
    exported_rules_count: count,
    missing_rules: [],
    missing_rules_count: 0,
    exported_exception_list_count: 0,
    exported_exception_list_item_count: 0,
    missing_exception_list_item_count: 0,
    missing_exception_list_items: [],
    missing_exception_lists: [],
    missing_exception_lists_count: 0,
    exported_action_connector_count: 0,
    missing_action_connection_count: 0,
    missing_action_connections: [],
    excluded_action_connection_count: 0,
    excluded_action_connections: [],
  };
}

/** The NDJSON text: one rule per line, then the details line if asked for. */
export function toNdjson(rules: readonly KibanaRule[], details = false): string {
  const lines = rules.map((r) => JSON.stringify(r));
  if (details) lines.push(JSON.stringify(exportDetails(rules.length)));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
