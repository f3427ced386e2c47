// The `d4c query` command's logic (KQL, EQL, ES|QL over a file or the store). See docs/query.md.

export { QUERY_CODES } from './codes.js';
export { DEFAULT_QUERY_LIMIT, DEFAULT_STORE_DIR } from './defaults.js';
export { queryThroughAgent } from './remote.js';
export type { Lang, QueryRequest, QuerySink } from './request.js';
export { runQuery } from './run.js';
export { type QueryServer, type QueryServerOptions, serveQueries } from './serve.js';
export { QUERY_SOCKET, querySocketPath } from './socket.js';
export { type ScanOptions, scanStore } from './store-scan.js';
