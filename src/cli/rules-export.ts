// `d4c rules export [--rules PATH...] [--out FILE] [--enabled] [--export-details]`: rules as the
// NDJSON Kibana's detection-rule import accepts (docs/rule-pack.md).
import { writeFileSync } from 'node:fs';
import { defaultRulePaths, exportRules, toNdjson } from '../rules/index.js';
import { formatDiagnostic } from '../util/index.js';
import { parse, UsageError } from './args.js';

// `d4c rules export | head`: a closed pipe ends output quietly instead of crashing.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

export async function runExport(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    rules: { type: 'string', multiple: true },
    out: { type: 'string', short: 'o' },
    enabled: { type: 'boolean' },
    'export-details': { type: 'boolean' },
  });
  let paths = [...(values.rules ?? []), ...positionals];
  if (paths.length === 0) paths = defaultRulePaths();
  if (paths.length === 0) throw new UsageError('no rules given (--rules PATH...) and no rule pack installed');
  const res = exportRules(paths, { enabled: values.enabled ?? false });
  for (const d of res.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const text = toNdjson(res.rules, values['export-details'] ?? false);
  if (values.out === undefined || values.out === '-') process.stdout.write(text);
  else {
    try {
      writeFileSync(values.out, text);
    } catch (e) {
      process.stderr.write(`${values.out}:1:1: error: cannot write: ${(e as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`exported ${res.rules.length} rules to ${values.out}\n`);
  }
  return res.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}
