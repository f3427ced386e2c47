// Stable error codes of the EQL front end. Never renumber; add new codes at the end.
import { D4cError } from '../../util/index.js';

export const EQL_CODES = {
  unexpectedChar: 'D4C-EQL-001',
  unterminatedString: 'D4C-EQL-002',
  badEscape: 'D4C-EQL-003',
  unexpectedToken: 'D4C-EQL-004',
  unknownFunction: 'D4C-EQL-005',
  arity: 'D4C-EQL-006',
  badRegex: 'D4C-EQL-007',
  badTimeUnit: 'D4C-EQL-008',
  singleQuote: 'D4C-EQL-009',
  unterminatedComment: 'D4C-EQL-010',
  badPattern: 'D4C-EQL-011',
  sequenceShape: 'D4C-EQL-012',
  unsupported: 'D4C-EQL-013',
  badNumber: 'D4C-EQL-014',
  badRuns: 'D4C-EQL-015',
  tooDeep: 'D4C-EQL-016',
  fieldTooLong: 'D4C-EQL-017',
} as const;

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
