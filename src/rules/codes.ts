// Stable error codes of the rules layer: loading rule files (TOML), exporting them, exception
// lists, and the three query front ends (EQL, KQL, ES|QL, whose code tables stay next to their
// parsers). Never renumber: users grep for them; add new codes at the end.
import { codeStrings, describeCodes, errorCodes } from '../util/error-codes.js';
import { EQL_CODES } from './eql/errors.js';
import { ESQL_CODES } from './esql/errors.js';
import { KQL_CODES } from './kql/parser.js';

export const RULE_LOAD_ERRORS = errorCodes('RULE', {
  toml: [1, 'invalid TOML: <parser message>'],
  missingField: [2, 'missing [rule] table / missing field <name>'],
  unreadable: [3, 'cannot read: <reason>'],
  notFound: [4, 'no rule with that id or name'],
  badField: [5, 'field <name> has the wrong type or value'],
  unsupported: [6, 'rule type or query language not supported for streaming (skipped)'],
  duplicateId: [7, 'rule id <id> is already used by <file>'],
});
export const RULE_EXPORT_ERRORS = errorCodes('RULE', {
  unsupported: [
    8,
    'rule type Kibana cannot import from TOML (threshold, new_terms, ...): skipped with a warning',
  ],
});
export const EXCEPTION_ERRORS = errorCodes('RULE', {
  invalid: [9, 'not a JSON line / not an exception list or item / a required field missing'],
  unsupported: [10, 'an entry d4c cannot evaluate (a value-list entry, an unknown type or operator)'],
  missingList: [11, 'a rule names an exception list that was not loaded'],
});

export const RULE_CODES = codeStrings(RULE_LOAD_ERRORS);
export const EXPORT_CODES = codeStrings(RULE_EXPORT_ERRORS);
export const EXCEPTION_CODES = codeStrings(EXCEPTION_ERRORS);

export const EQL_ERRORS = describeCodes(EQL_CODES, {
  unexpectedChar: 'unexpected character',
  unterminatedString: 'unterminated string',
  badEscape: 'invalid escape sequence',
  unexpectedToken: 'unexpected token',
  unknownFunction: 'unknown function',
  arity: 'wrong number of arguments',
  badRegex: 'invalid regular expression',
  badTimeUnit: 'invalid time unit (maxspan)',
  singleQuote: 'single-quoted strings are not EQL strings',
  unterminatedComment: 'unterminated comment',
  badPattern: 'invalid wildcard pattern',
  sequenceShape: 'invalid sequence or sample (by keys, maxspan, until)',
  unsupported: 'not supported by the streaming engine',
  badNumber: 'invalid number',
  badRuns: 'invalid [runs=N]',
  tooDeep: 'query nested too deeply',
  fieldTooLong: 'field name has too many segments',
});
export const KQL_ERRORS = describeCodes(KQL_CODES, {
  unexpected: 'unexpected character or token',
  unterminatedString: 'unterminated string',
  badEscape: 'invalid escape sequence',
  badRange: 'invalid range value',
  emptyField: 'empty field name',
  tooDeep: 'query nested too deeply',
  fieldTooLong: 'field name has too many segments',
});
export const ESQL_ERRORS = describeCodes(ESQL_CODES, {
  unexpectedChar: 'unexpected character',
  unterminatedString: 'unterminated string',
  badEscape: 'invalid escape sequence',
  unexpectedToken: 'unexpected token',
  unknownFunction: 'unknown function',
  arity: 'wrong number of arguments',
  badRegex: 'invalid regular expression',
  badTimeUnit: 'invalid time unit',
  unsupported: 'command or function not supported',
  unknownColumn: 'unknown column',
  badType: 'operand of the wrong type',
  badLimit: 'invalid LIMIT',
  aggregate: 'invalid STATS aggregation',
  unterminatedComment: 'unterminated comment',
  badNumber: 'invalid number',
  tooDeep: 'query nested too deeply',
  fieldTooLong: 'field name has too many segments',
  storeFailed: 'the store could not run the translated query',
  tooManyColumns: 'too many columns',
});
