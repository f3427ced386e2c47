// `d4c policy ...` commands.
//   policy default [--elastic|--learning] print the agent's default policy, Elastic's, or the learning one
//   policy validate FILE...   diagnostics on stderr as FILE:LINE:COL: severity: message;
//                             `FILE: ok` (with a warning count) on stdout per valid file unless --quiet.
//                             `--codes` appends each diagnostic's stable code: ` [D4C-POL-021]`.
//                             `-` reads standard input. Exit 0 all valid (warnings allowed), 1 any error
//                             (including an unreadable file), 2 usage.
//   policy schema             print the JSON Schema for editors
import { stat } from 'node:fs/promises';
import {
  CODES,
  DEFAULT_ENFORCEMENT_CAPS,
  DEFAULT_POLICY,
  ELASTIC_DEFAULT_POLICY,
  LEARNING_POLICY,
  MAX_FILE_BYTES,
  parsePolicy,
  policyJsonSchema,
  withConnectBlock,
} from '../policy/index.js';
import { formatDiagnostic, InputTooLargeError, readFileBounded } from '../util/index.js';
import { parse, UsageError } from './args.js';

export async function runDefault(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    elastic: { type: 'boolean' },
    learning: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.elastic && values.learning) throw new UsageError('--elastic and --learning exclude each other');
  process.stdout.write(
    values.elastic ? ELASTIC_DEFAULT_POLICY : values.learning ? LEARNING_POLICY : DEFAULT_POLICY,
  );
  return 0;
}

export async function runSchema(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  process.stdout.write(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
  return 0;
}

export async function runValidate(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    quiet: { type: 'boolean', short: 'q' },
    codes: { type: 'boolean' },
  });
  const tag = (code: string) => (values.codes ? ` [${code}]` : '');
  if (positionals.length === 0) throw new UsageError('no policy file given (`-` reads standard input)');
  let failed = false;
  for (const file of positionals) {
    const text = await readPolicyFile(file);
    if (typeof text !== 'string') {
      process.stderr.write(`${file}: error: ${text.message}${tag(CODES.unreadable.code)}\n`);
      failed = true;
      continue;
    }
    // What `d4c agent` enforces here: fanotify, and the cgroup connect filter.
    const { policy, diagnostics } = parsePolicy(text, file, {
      enforcementCaps: withConnectBlock(DEFAULT_ENFORCEMENT_CAPS),
    });
    for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}${tag(d.code)}\n`);
    if (!policy) {
      failed = true;
    } else if (!values.quiet) {
      const warnings = diagnostics.length;
      process.stdout.write(
        `${file}: ok${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}\n`,
      );
    }
  }
  return failed ? 1 : 0;
}

export async function readPolicyFile(file: string): Promise<string | { message: string }> {
  try {
    if (file === '-') return await readStdin();
    // Refuse huge files before reading them; the read itself is bounded too (a device, a FIFO
    // or /proc file has no meaningful size); the loader re-checks the byte count.
    const st = await stat(file);
    if (st.isFile() && st.size > MAX_FILE_BYTES) {
      return { message: `policy file is too large: ${st.size} bytes (limit ${MAX_FILE_BYTES})` };
    }
    return await readFileBounded(file, MAX_FILE_BYTES);
  } catch (e) {
    if (e instanceof InputTooLargeError)
      return {
        message: `policy file is too large: more than ${MAX_FILE_BYTES} bytes (limit ${MAX_FILE_BYTES})`,
      };
    const code = (e as NodeJS.ErrnoException).code;
    return { message: `cannot read: ${code ?? (e instanceof Error ? e.message : String(e))}` };
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    size += b.length;
    // Keep one byte past the limit so the loader reports the size.
    if (size > MAX_FILE_BYTES + 1) break;
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
