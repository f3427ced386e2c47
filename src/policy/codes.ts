// Stable diagnostic codes of the policy validator. Never renumber: users grep for them.
// `message` is the text (or its shape) printed after the `selector "x": ` / `file response #1: ` prefix;
// texts in quotes are Elastic's editor messages, reproduced exactly.

import type { Severity } from '../util/index.js';

export interface CodeSpec {
  code: string;
  severity: Severity;
  /** The message, with <placeholders> where the text varies. */
  message: string;
  /** The text is Elastic's editor message, reproduced exactly (d4c may add context around it). */
  elastic: boolean;
}

function c(code: number, severity: Severity, message: string, elastic = false): CodeSpec {
  return { code: `D4C-POL-${String(code).padStart(3, '0')}`, severity, message, elastic };
}

export const CODES = {
  yamlSyntax: c(1, 'error', 'invalid YAML: <parser message>'),
  duplicateKey: c(2, 'error', 'duplicate key "<key>"'),
  tooLarge: c(3, 'error', 'policy file is too large: <n> bytes (limit 1048576)'),
  aliasBudget: c(4, 'error', 'YAML aliases expand to too many nodes (limit <n>) / unknown alias'),
  tooDeep: c(5, 'error', 'YAML nesting is too deep (limit 64 levels)'),
  rootShape: c(
    6,
    'error',
    'a policy is a mapping with "process", "file" and/or "network", not <type> / the policy is empty',
  ),
  noSection: c(7, 'error', 'A policy needs at least one of "process", "file" or "network".'),
  unknownKey: c(8, 'error', 'unknown key "<key>" in <context> (did you mean "<suggestion>"?)'),
  wrongType: c(9, 'error', '"<key>" must be <expected>, not <actual>'),
  sectionShape: c(10, 'error', '"<section>" needs "selectors"/"responses" with at least one item'),
  nameMissing: c(11, 'error', 'a selector needs a "name"'),
  nameInvalid: c(12, 'error', 'Selector names must be alphanumeric and contain no spaces.', true),
  nameTooLong: c(13, 'error', 'Selector names cannot exceed 128 characters.'),
  nameDuplicate: c(14, 'error', 'This name is already used by another selector. (first at line <n>)', true),
  noCondition: c(15, 'error', 'At least one condition per selector is required.', true),
  badOperation: c(16, 'error', '"<op>" is not a <section> operation; expected one of: <ops>'),
  wrongSection: c(17, 'error', '"<condition>" is a <section> condition; a <other> selector cannot use it'),
  emptyList: c(18, 'error', 'At least one value is required.', true),
  emptyValue: c(19, 'error', '"<condition>" values cannot be empty', true),
  pattern: c(
    20,
    'error',
    '"<condition>" values must match the pattern: /<pattern>/, or Elastic\'s own text for targetFilePath, processExecutable, kubernetesPodLabel and containerImageFullName',
    true,
  ),
  tooManyBytes: c(21, 'error', '"<condition>" values cannot exceed <n> bytes', true),
  exclusive: c(22, 'error', '"<condition>" cannot be used with "<other>" in the same selector'),
  tooMany: c(
    23,
    'error',
    'You cannot exceed 64 selectors + responses for a given type e.g file, process',
    true,
  ),
  matchMissing: c(24, 'error', 'a response needs "match": at least one selector name'),
  noAction: c(25, 'error', 'At least one action is required.', true),
  badAction: c(26, 'error', '"<action>" is not an action; expected one of: log, alert, block'),
  blockNeedsAlert: c(27, 'error', 'The alert action is required when "block" action used.', true),
  unknownSelector: c(28, 'error', 'no selector named "<name>" (did you mean "<suggestion>"?)'),
  otherSectionSelector: c(
    29,
    'error',
    '"<name>" is a <section> selector; a <other> response can only use <other> selectors',
  ),
  blockNeedsPath: c(
    30,
    'error',
    'The "block" action requires targetFilePath be included in all "match" selectors using FIM operations or in at least one "exclude" selector. Note that selectors without operation will match on all operations, including createFile, modifyFile or deleteFile (without targetFilePath: <selectors>)',
    true,
  ),
  blockSlashStarStar: c(
    31,
    'warning',
    'Warning: Blocking FIM operations: selector "<name>": It is dangerous to block FIM operations using a targetFilePath of /**. This can lead to system instability. Note that selectors without operation will match on all operations, including createFile, modifyFile or deleteFile',
    true,
  ),
  unusedSelector: c(32, 'warning', 'This selector is not in use by any response.', true),
  blockNotEnforced: c(
    33,
    'warning',
    '"block" on <operations> alerts but does not prevent the operation on this kernel (<mechanism> can deny: <operations>)',
  ),
  duplicateValue: c(34, 'warning', 'duplicate value "<value>"'),
  multipleDocuments: c(35, 'error', 'a policy file holds one YAML document'),
  yamlWarning: c(36, 'warning', 'YAML: <parser message>'),
  tooManyProblems: c(37, 'error', 'too many problems; stopped after 500'),
  unreadable: c(38, 'error', 'cannot read: <errno code>'),
  readFileNeedsPath: c(
    39,
    'error',
    '"readFile" needs "targetFilePath" in the same selector: reads are watched in the kernel only below the paths selectors name',
  ),
  badAddress: c(40, 'error', '"destinationAddress" value "<value>": <reason>'),
  badValue: c(
    41,
    'error',
    '"<value>" is not a <condition> value; expected one of: <values> (did you mean "<suggestion>"?)',
  ),
  badPort: c(42, 'error', '"destinationPort" value "<value>": <reason>'),
  networkBlockUnsupported: c(
    43,
    'error',
    '"block" on network operations is not supported (<operations>): nothing can deny them on this kernel; use "alert" / "block" on connect (bind) cannot be enforced: <reasons>; use "alert"',
  ),
  cidrHostBits: c(44, 'warning', '"<cidr>" has bits set after the prefix; it means "<network>"'),
  agentInput: c(
    45,
    'error',
    'Elastic Agent input: no input carries "security-policy" / "revision" must be an integer 0–32767 / "package_policy_id" must be a non-empty string',
  ),
  badDnsName: c(46, 'error', '"dnsQuestionName" value "<value>": <reason>'),
  dnsBlockUnsupported: c(
    47,
    'error',
    '"block" on dns is not supported: d4c observes DNS transactions, it does not block them; use "alert"',
  ),
} as const satisfies Record<string, CodeSpec>;

export type CodeKey = keyof typeof CODES;
