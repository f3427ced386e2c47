// Stable diagnostic codes of the policy validator. Never renumber: users grep for them.
// `message` is the text (or its shape) printed after the `selector "x": ` / `file response #1: ` prefix;
// texts in quotes are Elastic's editor messages, reproduced exactly.

import type { Severity } from '../util/diagnostics.js';

export interface CodeSpec {
  code: string;
  severity: Severity;
  /** The message, with <placeholders> where the text varies. */
  message: string;
}

function c(code: number, severity: Severity, message: string): CodeSpec {
  return { code: `D4C-POL-${String(code).padStart(3, '0')}`, severity, message };
}

export const CODES = {
  yamlSyntax: c(1, 'error', 'invalid YAML: <parser message>'),
  duplicateKey: c(2, 'error', 'duplicate key "<key>"'),
  tooLarge: c(3, 'error', 'policy file is too large: <n> bytes (limit 1048576)'),
  aliasBudget: c(4, 'error', 'YAML aliases expand to too many nodes (limit <n>) / unknown alias'),
  tooDeep: c(5, 'error', 'YAML nesting is too deep (limit 64 levels)'),
  rootShape: c(6, 'error', 'a policy is a mapping with "process" and/or "file"'),
  noSection: c(7, 'error', 'A policy needs at least one of "process" or "file".'),
  unknownKey: c(8, 'error', 'unknown key "<key>" in <context> (did you mean "<suggestion>"?)'),
  wrongType: c(9, 'error', '"<key>" must be <expected>, not <actual>'),
  sectionShape: c(10, 'error', '"<section>" needs "selectors"/"responses" with at least one item'),
  nameMissing: c(11, 'error', 'a selector needs a "name"'),
  nameInvalid: c(12, 'error', 'Selector names must be alphanumeric and contain no spaces.'),
  nameTooLong: c(13, 'error', 'Selector names cannot exceed 128 characters.'),
  nameDuplicate: c(14, 'error', 'This name is already used by another selector.'),
  noCondition: c(15, 'error', 'At least one condition per selector is required.'),
  badOperation: c(16, 'error', '"<op>" is not a <section> operation; expected one of: <ops>'),
  wrongSection: c(17, 'error', '"<condition>" is a <section> condition; a <other> selector cannot use it'),
  emptyList: c(18, 'error', 'At least one value is required.'),
  emptyValue: c(19, 'error', '"<condition>" values cannot be empty'),
  pattern: c(
    20,
    'error',
    '"<condition>" values must match the pattern: /<pattern>/ (or Elastic\'s specific text)',
  ),
  tooManyBytes: c(21, 'error', '"<condition>" values cannot exceed <n> bytes'),
  exclusive: c(22, 'error', '"<condition>" cannot be used with "<other>" in the same selector'),
  tooMany: c(23, 'error', 'You cannot exceed 64 selectors + responses for a given type e.g file, process'),
  matchMissing: c(24, 'error', 'a response needs "match": at least one selector name'),
  noAction: c(25, 'error', 'At least one action is required.'),
  badAction: c(26, 'error', '"<action>" is not an action; expected one of: log, alert, block'),
  blockNeedsAlert: c(27, 'error', 'The alert action is required when "block" action used.'),
  unknownSelector: c(28, 'error', 'no selector named "<name>" (did you mean "<suggestion>"?)'),
  otherSectionSelector: c(
    29,
    'error',
    '"<name>" is a <section> selector; a <other> response can only use <other> selectors',
  ),
  blockNeedsPath: c(
    30,
    'error',
    'The "block" action requires targetFilePath be included in all "match" selectors using FIM operations or in at least one "exclude" selector. Note that selectors without operation will match on all operations, including createFile, modifyFile or deleteFile',
  ),
  blockSlashStarStar: c(
    31,
    'warning',
    'It is dangerous to block FIM operations using a targetFilePath of /**. This can lead to system instability. Note that selectors without operation will match on all operations, including createFile, modifyFile or deleteFile',
  ),
  unusedSelector: c(32, 'warning', 'This selector is not in use by any response.'),
  blockNotEnforced: c(
    33,
    'warning',
    '"block" on <operations> alerts but does not prevent the operation on this kernel (it can deny: <operations>)',
  ),
  duplicateValue: c(34, 'warning', 'duplicate value "<value>"'),
  multipleDocuments: c(35, 'error', 'a policy file holds one YAML document'),
  yamlWarning: c(36, 'warning', 'YAML: <parser message>'),
  tooManyProblems: c(37, 'error', 'too many problems; stopped after 500'),
  unreadable: c(38, 'error', 'cannot read: <errno code>'),
} as const satisfies Record<string, CodeSpec>;

export type CodeKey = keyof typeof CODES;
