// ES|QL for hunting: parser and reference evaluator (in memory). The translation to the store's
// SQL lives with the store (src/store/esql.ts), so the rules import no backend.
export type { Command, Expr, Pipeline, Span } from './ast.js';
export { ESQL_CODES, EsqlError, type EsqlWarning } from './errors.js';
export {
  checkColumns,
  checkIndices,
  DEFAULT_LIMIT,
  type EsqlOptions,
  type EsqlResult,
  MAX_LIMIT,
  runPipeline,
} from './eval.js';
export { dateDiffUnit } from './functions.js';
export { parseEsql } from './parser.js';
