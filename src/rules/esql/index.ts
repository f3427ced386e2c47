// ES|QL for hunting: parser, reference evaluator (in memory) and translator to the store's SQL.
export type { Command, Expr, Pipeline } from './ast.js';
export { ESQL_CODES, EsqlError, type EsqlWarning } from './errors.js';
export { DEFAULT_LIMIT, type EsqlOptions, type EsqlResult, MAX_LIMIT, runPipeline } from './eval.js';
export { parseEsql } from './parser.js';

export { FALLBACK_MAX_DOCS, NoSql, runOnStore, type StoreRunInfo, translate } from './sql.js';
