// The one error of the query front ends (EQL, KQL, ES|QL): a code from the front end's table
// (src/rules/codes.ts describes them) and a character offset into the query text.
import { D4cError } from '../../util/diagnostics.js';

/** A syntax/semantic error at a character offset of the query text. */
export class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'QueryError';
  }

  /** Converts to the shared diagnostic error, with the offset mapped to line:col in `file`. */
  toD4cError(file: string, text: string, base = 0): D4cError {
    const pos = positionIn(text, base + this.offset);
    return new D4cError(this.code, this.message, file, pos);
  }
}

export function positionIn(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let col = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return { line, col };
}
