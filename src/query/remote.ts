// `d4c query` through the agent that holds the store (serve.ts is the other end): one request
// line, then the agent's output lines — results printed as they come, `!` control lines for
// warnings, the end, and errors (rebuilt as the same D4cError the direct path would throw).
import { createConnection } from 'node:net';
import type { StoreRunInfo } from '../rules/esql/index.js';
import { D4cError } from '../util/diagnostics.js';
import { QUERY_CODES } from './codes.js';
import type { QueryRequest, QuerySink } from './run.js';
import type { WireControl, WireRequest } from './socket.js';

const gone = (sock: string, why: string) =>
  new D4cError(
    QUERY_CODES.agentUnreachable.code,
    `the agent serving the store stopped answering on ${sock}: ${why}`,
  );

export function queryThroughAgent(
  sock: string,
  req: QueryRequest,
  sink: QuerySink,
): Promise<StoreRunInfo | null> {
  const wire: WireRequest = {
    v: 1,
    lang: req.lang,
    text: req.text,
    ...(req.from !== undefined ? { from: req.from instanceof Date ? req.from.toISOString() : req.from } : {}),
    ...(req.to !== undefined ? { to: req.to instanceof Date ? req.to.toISOString() : req.to } : {}),
    ...(req.limit !== undefined ? { limit: req.limit } : {}),
    ...(req.now !== undefined ? { now: req.now.toISOString() } : {}),
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => {
      if (!settled) {
        settled = true;
        f();
      }
    };
    const c = createConnection(sock);
    c.setEncoding('utf8');
    let buf = '';
    c.on('connect', () => c.write(`${JSON.stringify(wire)}\n`));
    c.on('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'ECONNREFUSED' || e.code === 'ENOENT'
          ? 'nothing listens there (is the agent still running?)'
          : e.code === 'EACCES'
            ? 'permission denied (the socket is for root)'
            : e.message;
      settle(() => reject(gone(sock, why)));
      c.destroy();
    });
    c.on('close', () =>
      settle(() => reject(gone(sock, 'the connection closed before the query finished (did it stop?)'))),
    );
    const line = (l: string) => {
      if (!l.startsWith('!')) {
        if (sink.emitLine) sink.emitLine(l);
        else sink.emit(JSON.parse(l));
        return;
      }
      let m: WireControl;
      try {
        m = JSON.parse(l.slice(1)) as WireControl;
      } catch {
        settle(() => reject(gone(sock, 'unreadable answer')));
        c.destroy();
        return;
      }
      if ('warn' in m) sink.warn(m.warn);
      else if ('done' in m) settle(() => resolve((m as { info: StoreRunInfo | null }).info ?? null));
      else if ('error' in m) {
        const e = m.error;
        const pos = e.line !== undefined && e.col !== undefined ? { line: e.line, col: e.col } : undefined;
        settle(() =>
          reject(new D4cError(e.code ?? QUERY_CODES.agentUnreachable.code, e.message, e.file, pos)),
        );
      }
    };
    c.on('data', (s: string) => {
      buf += s;
      let nl = buf.indexOf('\n');
      let start = 0;
      while (nl >= 0) {
        line(buf.slice(start, nl));
        start = nl + 1;
        nl = buf.indexOf('\n', start);
      }
      buf = buf.slice(start);
    });
  });
}
