// Loads Elastic detection-rule TOML files (as in elastic/detection-rules) from files or directories.
// Query errors are reported at their line:col in the TOML file (the query's offset inside its
// string is shifted by where that string starts). ES|QL and other non-streaming rules load with
// their metadata and a status saying why they do not run; they are never dropped silently.
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { Diagnostic, Position } from '../util/diagnostics.js';
import { readFileBoundedSync } from '../util/read-bounded.js';
import { RULE_CODES } from './codes.js';
import { positionIn, QueryError } from './eql/errors.js';
import { parseEql, type Query } from './eql/index.js';
import type { Pipeline } from './esql/ast.js';
import { parseEsql } from './esql/index.js';
import { type KqlNode, parseKql } from './kql/index.js';

export { RULE_CODES };

export interface ThreatRef {
  id: string;
  name: string;
  reference?: string;
}
export interface Threat {
  framework: string;
  tactic: ThreatRef | null;
  techniques: (ThreatRef & { subtechniques: ThreatRef[] })[];
}

export interface RuleMeta {
  id: string;
  name: string;
  description: string;
  severity: string;
  riskScore: number;
  type: string;
  language: string;
  query: string;
  index: string[];
  tags: string[];
  threat: Threat[];
  falsePositives: string[];
  exceptionsList: unknown[];
  from?: string;
  interval?: string;
  enabled: boolean;
  buildingBlock: boolean;
  file: string;
  /** Where the query text starts in the file. */
  queryPos: Position;
}

export type RuleStatus = 'ok' | 'unsupported-language' | 'unsupported-type';

export type ParsedQuery =
  | { language: 'eql'; ast: Query }
  | { language: 'kuery'; ast: KqlNode }
  /** Scheduled over the store on the rule's interval (scheduled.ts), not streamed. */
  | { language: 'esql'; ast: Pipeline };

export interface LoadedRule {
  meta: RuleMeta;
  status: RuleStatus;
  /** Why the rule does not stream (status not ok). */
  reason?: string;
  parsed?: ParsedQuery;
}

export interface LoadResult {
  rules: LoadedRule[];
  diagnostics: Diagnostic[];
}

/** Loads every `*.toml` under the given files/directories (recursively, sorted). */
export function loadRules(paths: readonly string[]): LoadResult {
  const out: LoadResult = { rules: [], diagnostics: [] };
  const seen = new Map<string, string>();
  for (const p of paths) {
    for (const f of listRuleFiles(p, out.diagnostics)) {
      const r = loadRuleFile(f);
      out.diagnostics.push(...r.diagnostics);
      if (!r.rule) continue;
      const prev = seen.get(r.rule.meta.id);
      if (prev !== undefined) {
        out.diagnostics.push({
          code: RULE_CODES.duplicateId,
          severity: 'warning',
          message: `rule_id ${r.rule.meta.id} also defined in ${prev}; both are loaded`,
          file: f,
          pos: { line: 1, col: 1 },
        });
      } else seen.set(r.rule.meta.id, f);
      out.rules.push(r.rule);
    }
  }
  return out;
}

function listRuleFiles(p: string, diags: Diagnostic[]): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(p);
  } catch {
    diags.push({
      code: RULE_CODES.notFound,
      severity: 'error',
      message: 'no such file or directory',
      file: p,
      pos: { line: 1, col: 1 },
    });
    return [];
  }
  // A path named explicitly that is not a directory (a file, a device, a FIFO) is read as a rule
  // file: the read is bounded whatever it is.
  if (!st.isDirectory()) return [p];
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      diags.push(diag(dir, RULE_CODES.unreadable, `cannot read: ${(e as Error).message}`));
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && e.name.endsWith('.toml')) out.push(full);
    }
  };
  walk(p);
  return out;
}

/** Largest rule file read (Elastic's largest are tens of KiB); devices and FIFOs are bounded too. */
export const MAX_RULE_FILE_BYTES = 4 * 1024 * 1024;

export function loadRuleFile(file: string): { rule?: LoadedRule; diagnostics: Diagnostic[] } {
  let text: string;
  try {
    text = readFileBoundedSync(file, MAX_RULE_FILE_BYTES);
  } catch (e) {
    return { diagnostics: [diag(file, RULE_CODES.unreadable, `cannot read: ${(e as Error).message}`)] };
  }
  return loadRuleText(file, text);
}

const diag = (
  file: string,
  code: string,
  message: string,
  pos: Position = { line: 1, col: 1 },
): Diagnostic => ({
  code,
  severity: 'error',
  message,
  file,
  pos,
});

export function loadRuleText(file: string, text: string): { rule?: LoadedRule; diagnostics: Diagnostic[] } {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const pos = e instanceof TomlError ? { line: e.line, col: e.column } : { line: 1, col: 1 };
    const msg = (e as Error).message.split('\n')[0] ?? 'invalid TOML';
    return { diagnostics: [diag(file, RULE_CODES.toml, `invalid TOML: ${msg}`, pos)] };
  }
  const rule = doc.rule as Record<string, unknown> | undefined;
  if (!rule || typeof rule !== 'object')
    return { diagnostics: [diag(file, RULE_CODES.missingField, 'missing [rule] table')] };
  const diagnostics: Diagnostic[] = [];
  const str = (k: string, required = true): string => {
    const v = rule[k];
    if (typeof v === 'string') return v;
    if (required)
      diagnostics.push(
        diag(
          file,
          v === undefined ? RULE_CODES.missingField : RULE_CODES.badField,
          `rule.${k} ${v === undefined ? 'is missing' : 'must be a string'}`,
        ),
      );
    return '';
  };
  const strList = (k: string): string[] =>
    Array.isArray(rule[k]) ? (rule[k] as unknown[]).filter((x): x is string => typeof x === 'string') : [];
  const type = str('type');
  const language = str('language', false) || (type === 'query' ? 'kuery' : type);
  const query = str('query', type !== 'machine_learning');
  const meta: RuleMeta = {
    id: str('rule_id'),
    name: str('name'),
    description: str('description', false),
    severity: str('severity', false) || 'low',
    riskScore: typeof rule.risk_score === 'number' ? rule.risk_score : 0,
    type,
    language,
    query,
    index: strList('index'),
    tags: strList('tags'),
    threat: threats(rule.threat),
    falsePositives: strList('false_positives'),
    exceptionsList: Array.isArray(rule.exceptions_list) ? rule.exceptions_list : [],
    enabled: rule.enabled !== false,
    buildingBlock: typeof rule.building_block_type === 'string',
    file,
    queryPos: { line: 1, col: 1 },
  };
  if (typeof rule.from === 'string') meta.from = rule.from;
  if (typeof rule.interval === 'string') meta.interval = rule.interval;
  if (diagnostics.length > 0) return { diagnostics };
  const loc = locateQuery(text, query);
  meta.queryPos = positionIn(text, loc(0));
  const at = (offset: number): Position => positionIn(text, loc(offset));

  if (type === 'esql' || (language === 'esql' && type !== 'eql' && type !== 'query')) {
    try {
      return {
        rule: { meta, status: 'ok', parsed: { language: 'esql', ast: parseEsql(query) } },
        diagnostics,
      };
    } catch (e) {
      if (e instanceof QueryError) return { diagnostics: [diag(file, e.code, e.message, at(e.offset))] };
      throw e;
    }
  }
  if (type !== 'eql' && type !== 'query') {
    const status = language === 'esql' ? 'unsupported-language' : 'unsupported-type';
    return {
      rule: { meta, status, reason: `${type} rules (${language}) are not supported for streaming` },
      diagnostics,
    };
  }
  try {
    if (language === 'eql')
      return { rule: { meta, status: 'ok', parsed: { language: 'eql', ast: parseEql(query) } }, diagnostics };
    if (language === 'kuery')
      return {
        rule: { meta, status: 'ok', parsed: { language: 'kuery', ast: parseKql(query) } },
        diagnostics,
      };
  } catch (e) {
    if (e instanceof QueryError) {
      return { diagnostics: [diag(file, e.code, e.message, at(e.offset))] };
    }
    throw e;
  }
  return {
    rule: {
      meta,
      status: 'unsupported-language',
      reason: `query language '${language}' is not supported for streaming`,
    },
    diagnostics,
  };
}

function ref(v: unknown): ThreatRef | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const r: ThreatRef = { id: String(o.id ?? ''), name: String(o.name ?? '') };
  if (typeof o.reference === 'string') r.reference = o.reference;
  return r;
}

function threats(v: unknown): Threat[] {
  if (!Array.isArray(v)) return [];
  return v.map((t: Record<string, unknown>) => ({
    framework: String(t.framework ?? ''),
    tactic: ref(t.tactic),
    techniques: (Array.isArray(t.technique) ? t.technique : []).map((x: Record<string, unknown>) => ({
      ...(ref(x) as ThreatRef),
      subtechniques: (Array.isArray(x.subtechnique) ? x.subtechnique : []).map(
        (s: unknown) => ref(s) as ThreatRef,
      ),
    })),
  }));
}

/**
 * Returns a map from an offset in the query string to an offset in the file, by finding the
 * `query = …` string in the raw TOML and replaying its escapes. Falls back to the string start.
 */
export function locateQuery(text: string, query: string): (offset: number) => number {
  const ruleAt = text.search(/^\[rule\]\s*$/m);
  const re = /^query\s*=\s*('''|"""|'|")/gm;
  re.lastIndex = Math.max(0, ruleAt);
  const m = re.exec(text);
  if (!m) return () => 0;
  const delim = m[1]!;
  let start = m.index + m[0].length;
  if (delim.length === 3) {
    if (text.startsWith('\r\n', start)) start += 2;
    else if (text[start] === '\n') start += 1;
  }
  if (delim.startsWith("'")) {
    return text.startsWith(query, start) ? (o) => start + o : () => start;
  }
  // Basic string: decode while recording the raw offset of each decoded character.
  const map: number[] = [];
  let out = '';
  let i = start;
  while (i < text.length && out.length < query.length) {
    const c = text[i]!;
    if (c === '\\') {
      const e = text[i + 1];
      if (e === '\n' || e === '\r' || e === ' ' || e === '\t') {
        i++;
        while (i < text.length && /\s/.test(text[i]!)) i++;
        continue;
      }
      const simple: Record<string, string> = {
        b: '\b',
        t: '\t',
        n: '\n',
        f: '\f',
        r: '\r',
        '"': '"',
        '\\': '\\',
        e: '\x1b',
      };
      if (e !== undefined && e in simple) {
        map.push(i);
        out += simple[e];
        i += 2;
        continue;
      }
      const len = e === 'u' ? 4 : e === 'U' ? 8 : e === 'x' ? 2 : 0;
      if (len > 0) {
        const ch = String.fromCodePoint(Number.parseInt(text.slice(i + 2, i + 2 + len), 16));
        for (let k = 0; k < ch.length; k++) map.push(i);
        out += ch;
        i += 2 + len;
        continue;
      }
    }
    map.push(i);
    out += c;
    i++;
  }
  if (out !== query) return () => start;
  return (o) => map[o] ?? start + o;
}
