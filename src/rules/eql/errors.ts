// Stable error codes of the EQL front end. Never renumber; add new codes at the end.

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

export { positionIn, QueryError } from '../common/query-error.js';
