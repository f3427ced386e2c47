// The YAML layer of the policy loader: parse with positions, guard against hostile input
// (size, depth, alias expansion), and report problems as positioned diagnostics.

import {
  type Alias,
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { type Diagnostic, lineStartsOf, offsetToPosition, type Position } from '../util/index.js';
import { CODES, type CodeSpec } from './codes.js';

export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_DEPTH = 64;
/** Nodes the loader may visit, aliases expanded: far above any real policy (64 selectors * 15 conditions * values). */
export const MAX_NODES = 200_000;
export const MAX_DIAGNOSTICS = 500;

export class Source {
  readonly diags: Diagnostic[] = [];
  private budget = MAX_NODES;
  private readonly aliases = new Map<Alias, unknown>();
  /** Set when a limit was hit: the loader stops walking. */
  stopped = false;

  constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    private readonly lineStarts: readonly number[],
  ) {}

  posAt(offset: number): Position {
    return offsetToPosition(this.lineStarts, Math.max(0, offset));
  }

  pos(node: unknown): Position {
    const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return r ? this.posAt(r[0]) : { line: 1, col: 1 };
  }

  report(spec: CodeSpec, at: Position, message: string): void {
    if (this.diags.length >= MAX_DIAGNOSTICS) {
      if (!this.stopped) {
        this.stopped = true;
        this.diags.push(
          this.make(CODES.tooManyProblems, at, `too many problems; stopped after ${MAX_DIAGNOSTICS}`),
        );
      }
      return;
    }
    this.diags.push(this.make(spec, at, message));
  }

  private make(spec: CodeSpec, pos: Position, message: string): Diagnostic {
    return { code: spec.code, severity: spec.severity, message, file: this.file, pos };
  }

  /** Follows an alias (charging the budget); undefined after reporting when it cannot. */
  deref(node: unknown): unknown {
    if (!this.charge(node)) return undefined;
    if (!isAlias(node)) return node;
    // yaml's resolve() searches the document each time: cache, or alias reuse turns quadratic.
    let target = this.aliases.get(node);
    if (target === undefined && !this.aliases.has(node)) {
      target = node.resolve(this.doc);
      this.aliases.set(node, target);
    }
    if (target === undefined) {
      this.report(CODES.aliasBudget, this.pos(node), `unknown YAML alias "*${node.source}"`);
      return undefined;
    }
    return isAlias(target) ? undefined : target;
  }

  private charge(node: unknown): boolean {
    if (this.stopped) return false;
    if (--this.budget >= 0) return true;
    this.stopped = true;
    this.report(
      CODES.aliasBudget,
      this.pos(node),
      `YAML aliases expand to too many nodes (limit ${MAX_NODES}); write the policy out or use fewer aliases`,
    );
    return false;
  }
}

/** Parses `text` into a Source, or returns only diagnostics when it is not a usable YAML document. */
export function openSource(text: string, file: string): { src?: Source; diags: Diagnostic[] } {
  const bytes = Buffer.byteLength(text, 'utf8');
  const at = { line: 1, col: 1 };
  const diag = (spec: CodeSpec, pos: Position, message: string): Diagnostic => ({
    code: spec.code,
    severity: spec.severity,
    message,
    file,
    pos,
  });
  if (bytes > MAX_FILE_BYTES) {
    return {
      diags: [diag(CODES.tooLarge, at, `policy file is too large: ${bytes} bytes (limit ${MAX_FILE_BYTES})`)],
    };
  }
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    // The parser recurses on nesting; a stack overflow is the only expected throw.
    const msg = e instanceof RangeError ? 'YAML nesting is too deep' : `invalid YAML: ${String(e)}`;
    return { diags: [diag(e instanceof RangeError ? CODES.tooDeep : CODES.yamlSyntax, at, msg)] };
  }
  // Our own line table: yaml's LineCounter misses lines after some syntax errors.
  const src = new Source(file, doc, lineStartsOf(text));
  let fatal = false;
  for (const e of doc.errors) {
    const pos = src.posAt(e.pos[0]);
    const first = e.message.split('\n')[0] ?? e.message;
    if (e.code === 'DUPLICATE_KEY') {
      src.report(CODES.duplicateKey, pos, `duplicate key${keyAt(text, e.pos[0])}`);
    } else if (e.code === 'MULTIPLE_DOCS') {
      fatal = true;
      src.report(
        CODES.multipleDocuments,
        pos,
        'a policy file holds one YAML document; found a second one here',
      );
    } else {
      fatal = true;
      src.report(CODES.yamlSyntax, pos, `invalid YAML: ${first}`);
    }
  }
  for (const w of doc.warnings) {
    src.report(CODES.yamlWarning, src.posAt(w.pos[0]), `YAML: ${w.message.split('\n')[0] ?? w.message}`);
  }
  if (!fatal) fatal = !checkDepth(src, doc.contents);
  return fatal ? { diags: src.diags } : { src, diags: src.diags };
}

function keyAt(text: string, start: number): string {
  const m = /^(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^:\n]+)/.exec(text.slice(start, start + 200));
  const k = m?.[0].trim();
  return k ? ` ${k.startsWith('"') || k.startsWith("'") ? k : `"${k}"`}` : '';
}

/** Iterative depth check over the parsed tree (aliases not followed): deep nesting is an error, never a crash. */
function checkDepth(src: Source, root: unknown): boolean {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_DEPTH) {
      src.report(CODES.tooDeep, src.pos(node), `YAML nesting is too deep (limit ${MAX_DEPTH} levels)`);
      return false;
    }
    if (isCollection(node)) {
      for (const item of (node as YAMLMap | YAMLSeq).items) {
        if (isPair(item)) {
          stack.push([item.key, depth + 1], [item.value, depth + 1]);
        } else stack.push([item, depth + 1]);
      }
    }
  }
  return true;
}

/** How a node reads in a type message. */
export function describe(node: unknown): string {
  if (node === null || node === undefined) return 'empty';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'empty';
    if (typeof v === 'string') return 'a string';
    if (typeof v === 'number') return 'a number';
    if (typeof v === 'boolean') return 'a boolean';
    return `a ${typeof v}`;
  }
  return 'an unsupported YAML node';
}

/** The key of a pair when it is a plain string. */
export function keyString(key: unknown): string | undefined {
  if (isScalar(key) && (typeof key.value === 'string' || typeof key.value === 'number'))
    return String(key.value);
  return undefined;
}

export type { Node };
