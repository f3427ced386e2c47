// Detection rules: EQL and KQL front ends, Elastic TOML rule loading, and the streaming engine.

export {
  EQL_ERRORS,
  ESQL_ERRORS,
  EXCEPTION_ERRORS,
  KQL_ERRORS,
  RULE_EXPORT_ERRORS,
  RULE_LOAD_ERRORS,
} from './codes.js';
export { compileGetter, resolveField } from './common/fields.js';
export { compileLuceneRegex } from './common/lucene-regex.js';
export { withDefaultExceptions } from './default-exceptions.js';
export { type Detection, type EngineOptions, type EngineStats, RuleEngine } from './engine.js';
export { positionIn } from './eql/errors.js';
export {
  buildMatcher,
  compileEql,
  type EqlMatcher,
  newSequenceMatcher,
  parseEql,
  QueryError,
  SampleMatcher,
} from './eql/index.js';
export {
  type Command as EsqlCommand,
  checkColumns,
  checkIndices,
  DEFAULT_LIMIT,
  dateDiffUnit,
  ESQL_CODES,
  EsqlError,
  type EsqlOptions,
  type EsqlResult,
  type EsqlWarning,
  type Expr as EsqlExpr,
  MAX_LIMIT,
  type Pipeline,
  parseEsql,
  runPipeline,
  type Span as EsqlSpan,
} from './esql/index.js';
export {
  EXCEPTION_CODES,
  type ExceptionList,
  type LoadedExceptions,
  loadExceptions,
} from './exceptions.js';
export { exportDetails, exportRules, toNdjson } from './export.js';
export { compileKql, interpretKql, KqlError, parseKql } from './kql/index.js';
export {
  type LoadedRule,
  type LoadResult,
  loadRuleFile,
  loadRules,
  loadRuleText,
  RULE_CODES,
  type RuleMeta,
} from './load.js';
export { DEFAULT_RULE_PACK_DIR, defaultRulePaths } from './pack.js';
export { ScheduledEsql, type ScheduledRuleStats } from './scheduled.js';
export { queryStreams, scopeIndex } from './streams.js';
