// Where `d4c query` looks for the store when no --store is given. Defined here rather than in
// src/store (another part of d4c, the agent, owns that module's configuration); the lead
// may move it next to the agent's own default when both exist.
export const DEFAULT_STORE_DIR = '/var/lib/d4c/store';

/** Results printed when --limit is not given (as Elasticsearch's default ES|QL LIMIT). */
export const DEFAULT_QUERY_LIMIT = 1000;
