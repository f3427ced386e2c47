export { compileKql, interpretKql, type KqlPred } from './eval.js';
export { KQL_CODES, KqlError, type KqlNode, parseKql } from './parser.js';
