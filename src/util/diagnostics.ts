// Typed problems with stable codes and source positions, shared by every parser in d4c
// (policies, rules, queries, configuration). Printed as `FILE:LINE:COL: severity: message`.

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column, counted in UTF-16 code units as editors do. */
  col: number;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** Stable machine code, e.g. `D4C-POL-012`. Never renumbered once published. */
  code: string;
  severity: Severity;
  message: string;
  file: string;
  pos: Position;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.pos.line}:${d.pos.col}: ${d.severity}: ${d.message}`;
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/** An error that carries a diagnostic; thrown by parsers, caught at the CLI boundary. */
export class D4cError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly file?: string,
    readonly pos?: Position,
  ) {
    super(message);
    this.name = 'D4cError';
  }

  format(): string {
    if (this.file && this.pos) return `${this.file}:${this.pos.line}:${this.pos.col}: error: ${this.message}`;
    if (this.file) return `${this.file}: error: ${this.message}`;
    return `error: ${this.message}`;
  }
}

/** Maps a character offset in `text` to a 1-based line/column. */
export function offsetToPosition(lineStarts: readonly number[], offset: number): Position {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - (lineStarts[lo] ?? 0) + 1 };
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}
