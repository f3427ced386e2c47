// Detection rules: EQL and KQL front ends, Elastic TOML rule loading, and the streaming engine.
export { type Detection, type EngineOptions, type EngineStats, RuleEngine } from './engine.js';
export { compileEql, type EqlMatcher, parseEql, QueryError } from './eql/index.js';
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
export { compileKql, interpretKql, parseKql } from './kql/index.js';
export {
  type LoadedRule,
  type LoadResult,
  loadRuleFile,
  loadRules,
  loadRuleText,
  RULE_CODES,
  type RuleMeta,
} from './load.js';
