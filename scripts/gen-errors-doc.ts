// Generates docs/errors.md from the error-code registries, one per layer (src/*/codes.ts).
// Run: npx tsx scripts/gen-errors-doc.ts   (test/error-codes.test.ts fails when the file is stale)

import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BASELINE_CODES } from '../src/baseline/index.js';
import { CONFIG_CODES } from '../src/config/index.js';
import { CONSOLE_CODES } from '../src/console/index.js';
import { DEPLOY_CODES } from '../src/deploy/index.js';
import { DNS_CODES } from '../src/dns/index.js';
import { ENFORCE_CODES } from '../src/enforce/index.js';
import { ES_CODES, SPOOL_CODES } from '../src/output/index.js';
import { CODES as POLICY_CODES } from '../src/policy/index.js';
import { QUERY_CODES } from '../src/query/index.js';
import {
  EQL_ERRORS,
  ESQL_ERRORS,
  EXCEPTION_ERRORS,
  KQL_ERRORS,
  RULE_EXPORT_ERRORS,
  RULE_LOAD_ERRORS,
} from '../src/rules/index.js';
import { SENSOR_CODES } from '../src/sensor/index.js';
import { STORE_CODES } from '../src/store/index.js';
import type { ErrorCodeSpec } from '../src/util/index.js';
import { FILE_CODES, IMAGE_REF_CODES } from '../src/util/index.js';

export interface Layer {
  title: string;
  /** The registry's module, as a path from the repository root. */
  source: string;
  about: string;
  codes: readonly ErrorCodeSpec[];
}

const all = (...regs: Readonly<Record<string, ErrorCodeSpec>>[]) => regs.flatMap((r) => Object.values(r));

export const LAYERS: readonly Layer[] = [
  {
    title: 'Policy (`D4C-POL`)',
    source: 'src/policy/codes.ts',
    about:
      'Problems in a D4C policy file, with severity and position; [policy.md](policy.md#diagnostics) has them with their Elastic texts.',
    codes: Object.values(POLICY_CODES),
  },
  {
    title: 'Configuration (`D4C-CFG`)',
    source: 'src/config/codes.ts',
    about:
      "The agent's output settings: the `--config` file (at FILE:LINE:COL), the environment and the output flags; [outputs.md](outputs.md#configuration) has the keys. The agent does not start.",
    codes: all(CONFIG_CODES),
  },
  {
    title: 'Sensor (`D4C-SEN`)',
    source: 'src/sensor/codes.ts',
    about:
      "The eBPF sensor: records the decoder refuses (counted as `decodeErrors`), the loader's exit causes (bpf/exit-codes.h), read prefixes.",
    codes: all(SENSOR_CODES),
  },
  {
    title: 'DNS (`D4C-DNS`)',
    source: 'src/dns/codes.ts',
    about:
      "DNS messages the parser refuses (counted in the agent's `dns.malformed`, never fatal) and the `--ioc-domains FILE` list (bad lines at FILE:LINE:COL; the agent does not start, a SIGHUP reload keeps the old list).",
    codes: all(DNS_CODES),
  },
  {
    title: 'Enforcement (`D4C-ENF`)',
    source: 'src/enforce/codes.ts',
    about: "The fanotify enforcer and the connect filter, their helpers' exit causes (bpf/exit-codes.h).",
    codes: all(ENFORCE_CODES),
  },
  {
    title: 'Output files (`D4C-FILE`)',
    source: 'src/util/file-codes.ts',
    about:
      'Files the agent writes at a path a user names (`--ndjson`, `--ready-file`), refused in a directory other users can write to when they could be a trap.',
    codes: all(FILE_CODES),
  },
  {
    title: 'Event store (`D4C-STORE`)',
    source: 'src/store/codes.ts',
    about: 'The DuckDB event store and its query API (the console, `d4c query`).',
    codes: all(STORE_CODES),
  },
  {
    title: 'Spool (`D4C-SPOOL`)',
    source: 'src/output/spool/codes.ts',
    about: "The Elasticsearch output's disk spool.",
    codes: all(SPOOL_CODES),
  },
  {
    title: 'Elasticsearch (`D4C-ES`)',
    source: 'src/output/elasticsearch/codes.ts',
    about:
      "The Elasticsearch output's settings, checked before the agent starts (delivery failures are retried through the spool).",
    codes: all(ES_CODES),
  },
  {
    title: 'Queries (`D4C-QUERY`)',
    source: 'src/query/codes.ts',
    about: "`d4c query` and the agent's query socket; syntax errors carry the EQL, KQL or ES|QL codes below.",
    codes: all(QUERY_CODES),
  },
  {
    title: 'Console (`D4C-CONSOLE`)',
    source: 'src/console/codes.ts',
    about:
      'The web console: its listen options (the command does not start) and the answers of its API (HTTP 400, or 401, with `{ error: { code, message } }`).',
    codes: all(CONSOLE_CODES),
  },
  {
    title: 'Baseline (`D4C-BASE`)',
    source: 'src/baseline/codes.ts',
    about: '`d4c baseline`: reading the stored events of a window, writing the learned policy.',
    codes: all(BASELINE_CODES),
  },
  {
    title: 'Deploy (`D4C-DEP`)',
    source: 'src/deploy/codes.ts',
    about:
      '`d4c deploy manifests`: the policy and rules checked as the agent would check them, and what Kubernetes accepts in a ConfigMap.',
    codes: all(DEPLOY_CODES),
  },
  {
    title: 'Image references (`D4C-IMG`)',
    source: 'src/util/image-ref-codes.ts',
    about: 'Container image references, parsed as Docker does.',
    codes: all(IMAGE_REF_CODES),
  },
  {
    title: 'Rules (`D4C-RULE`)',
    source: 'src/rules/codes.ts',
    about: 'Loading detection rules (TOML), exporting them for Kibana, exception lists.',
    codes: all(RULE_LOAD_ERRORS, RULE_EXPORT_ERRORS, EXCEPTION_ERRORS),
  },
  {
    title: 'EQL (`D4C-EQL`)',
    source: 'src/rules/eql/errors.ts',
    about: 'EQL queries (rules and `d4c query --eql`), at the position of the problem.',
    codes: all(EQL_ERRORS),
  },
  {
    title: 'KQL (`D4C-KQL`)',
    source: 'src/rules/kql/parser.ts',
    about: 'KQL queries, at the position of the problem.',
    codes: all(KQL_ERRORS),
  },
  {
    title: 'ES|QL (`D4C-ESQL`)',
    source: 'src/rules/esql/errors.ts',
    about: 'ES|QL queries, at the position of the problem.',
    codes: all(ESQL_ERRORS),
  },
];

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('<', '&lt;');

export function renderErrorsDoc(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated by scripts/gen-errors-doc.ts from the registries named below: edit those, then',
    '     run `npx tsx scripts/gen-errors-doc.ts`. A test fails when this file is stale. -->',
    '',
    'Every error d4c reports with a code has a stable one, `D4C-LAYER-NNN`: it is never renumbered',
    'or reused, so scripts can match on it (the message may be reworded). Problems in input files',
    'are printed as `FILE:LINE:COL: error: message`; the code travels with the error',
    '(`D4cError.code`, the `code` of a query socket answer, `[D4C-...]` after a warning).',
    'Texts in `<angle brackets>` vary.',
  ];
  for (const l of LAYERS) {
    lines.push('', `## ${l.title}`, '', `${l.about} Registry: \`${l.source}\`.`, '');
    lines.push('| code | message |', '| --- | --- |');
    for (const c of l.codes) lines.push(`| ${c.code} | ${cell(c.message)} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
  process.stdout.write('docs/errors.md written\n');
}
