// The agent's query socket: where it is and what goes over it (serve.ts answers, remote.ts asks).
import { join } from 'node:path';
import { D4cError } from '../util/index.js';
import type { Lang } from './request.js';

/** The socket's file name inside the store directory. */
export const QUERY_SOCKET = 'query.sock';

export const querySocketPath = (storeDir: string): string => join(storeDir, QUERY_SOCKET);

/** What `d4c query` sends: one JSON line. */
export interface WireRequest {
  v: 1;
  lang: Lang;
  text: string;
  from?: string | number;
  to?: string | number;
  limit?: number;
  /** ES|QL NOW() as ISO-8601 (tests). */
  now?: string;
  timeoutMs?: number;
}

/** Control lines the agent sends after `!`. Every other line is a result line, verbatim. */
export type WireControl =
  | { warn: string }
  | { done: true; info: unknown }
  | { error: { code?: string; message: string; file?: string; line?: number; col?: number } };

export type WireError = Extract<WireControl, { error: unknown }>['error'];

/** A failure as the answer's error line carries it (the client rebuilds the same D4cError). */
export function wireError(e: unknown): WireError {
  if (e instanceof D4cError)
    return {
      ...(e.code ? { code: e.code } : {}),
      message: e.message,
      ...(e.file ? { file: e.file } : {}),
      ...(e.pos ? { line: e.pos.line, col: e.pos.col } : {}),
    };
  return { message: `query failed: ${e instanceof Error ? e.message : String(e)}` };
}
