// Process and session trees over the events table: `process.parent.entity_id` edges walked both
// ways with recursive CTEs; a session is everything sharing `process.session_leader.entity_id`.
import { quoteIdent, TABLE } from './schema.js';

/** Deeper chains are cut; also what ends a walk around a cycle in bad data. */
const MAX_DEPTH = 256;
const E = quoteIdent('process.entity_id');
const P = quoteIdent('process.parent.entity_id');

/** $1: the entity id. Rows: ('a' | 'd', id, depth): ancestors nearest first, descendants by depth. */
export const PROCESS_TREE_SQL = `WITH RECURSIVE
  edges AS MATERIALIZED (SELECT DISTINCT ${E} AS c, ${P} AS p FROM ${TABLE}
    WHERE ${E} IS NOT NULL AND ${P} IS NOT NULL AND ${E} <> ${P}),
  anc(id, d) AS (SELECT $1::VARCHAR, 0 UNION
    SELECT edges.p, anc.d + 1 FROM edges JOIN anc ON edges.c = anc.id WHERE anc.d < ${MAX_DEPTH}),
  des(id, d) AS (SELECT $1::VARCHAR, 0 UNION
    SELECT edges.c, des.d + 1 FROM edges JOIN des ON edges.p = des.id WHERE des.d < ${MAX_DEPTH})
  SELECT 'a', id, min(d) AS d FROM anc WHERE id <> $1 GROUP BY id
  UNION ALL SELECT 'd', id, min(d) AS d FROM des WHERE id <> $1 GROUP BY id
  ORDER BY 1, 3, 2`;

/** $1: list of entity ids. The `_seq` of their events, by time. */
export const processEventsSql = (limit: number): string =>
  `SELECT _seq FROM ${TABLE} WHERE ${E} IN (SELECT unnest($1::VARCHAR[])) ORDER BY "@timestamp", _seq LIMIT ${limit}`;

/** $1: the session leader's entity id. The `_seq` of the session's events, by time. */
export const sessionSql = (limit: number): string =>
  `SELECT _seq FROM ${TABLE} WHERE ${quoteIdent('process.session_leader.entity_id')} = $1 OR ${E} = $1
    ORDER BY "@timestamp", _seq LIMIT ${limit}`;
