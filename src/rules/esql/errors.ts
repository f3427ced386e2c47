// Stable error codes of the ES|QL front end. Never renumber; add new codes at the end.

export const ESQL_CODES = {
  unexpectedChar: 'D4C-ESQL-001',
  unterminatedString: 'D4C-ESQL-002',
  badEscape: 'D4C-ESQL-003',
  unexpectedToken: 'D4C-ESQL-004',
  unknownFunction: 'D4C-ESQL-005',
  arity: 'D4C-ESQL-006',
  badRegex: 'D4C-ESQL-007',
  badTimeUnit: 'D4C-ESQL-008',
  unsupported: 'D4C-ESQL-009',
  unknownColumn: 'D4C-ESQL-010',
  badType: 'D4C-ESQL-011',
  badLimit: 'D4C-ESQL-012',
  aggregate: 'D4C-ESQL-013',
  unterminatedComment: 'D4C-ESQL-014',
  badNumber: 'D4C-ESQL-015',
  tooDeep: 'D4C-ESQL-016',
  fieldTooLong: 'D4C-ESQL-017',
  storeFailed: 'D4C-ESQL-018',
  tooManyColumns: 'D4C-ESQL-019',
} as const;

/** The front ends' one error class (EQL's QueryError), under the name ES|QL code uses. */
export { QueryError as EsqlError } from '../common/query-error.js';

/** A runtime warning (ES|QL returns null and warns, e.g. a single-valued function on a multi-value). */
export interface EsqlWarning {
  offset: number;
  message: string;
}
