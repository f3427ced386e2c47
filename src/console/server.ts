// The console's HTTP(S) server: the bundled front end and the read-only JSON API, behind a
// per-start token. Loopback by default; any other address needs TLS (or --insecure-listen).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { D4cError } from '../util/index.js';
import { alerts } from './alerts.js';
import type { ConsoleStore } from './api.js';
import { loadAssets } from './assets.js';
import { COOKIE, cookieToken, isLoopback, newToken, tokenEquals } from './auth.js';
import { CONSOLE_CODES } from './codes.js';
import { health } from './health.js';
import { hunt, SAVED_HUNTS, toCsv, toNdjson } from './hunt.js';
import { k8s } from './k8s.js';
import { DEFAULT_RUNNING, type RunningPolicy, testDraft, validate } from './policy.js';
import { posture } from './posture.js';
import { session } from './session.js';

export const DEFAULT_CONSOLE_HOST = '127.0.0.1';
export const DEFAULT_CONSOLE_PORT = 9465;

export interface ConsoleOptions {
  store: ConsoleStore;
  host?: string;
  port?: number;
  tlsCert?: string;
  tlsKey?: string;
  /** Listen on a non-loopback address without TLS (the caller warns). */
  insecureListen?: boolean;
  /** Fixed token (tests); default random per start. */
  token?: string;
  /** The policy the Policy view shows as running (default: d4c's default policy). */
  policy?: RunningPolicy;
  /** The agent's live counters (`/metrics`' snapshot), when the console runs in the agent. */
  liveStats?: () => unknown;
  /** The agent runs the learning policy (`d4c agent --learn`) since this time (ISO-8601). */
  learning?: { since: string };
}

/** `/api/info`: what the header shows of whoever serves the console. */
export interface ConsoleInfo {
  /** `agent` (`d4c agent --console`) or `store` (`d4c console`, `d4c demo`). */
  servedBy: 'agent' | 'store';
  policy: string;
  learning: { since: string } | null;
}

export interface ConsoleServer {
  /** `http://HOST:PORT/?token=TOKEN` */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  close(): Promise<void>;
}

// No inline script or style, nothing from another origin, no framing.
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The page's policy: as CSP, with a nonce (new per page load) for the <style> elements CodeMirror
 * and xterm.js make; the page gives it to the script on its element. Inline scripts, style
 * attributes and styles without the nonce stay refused.
 */
export const pageCsp = (nonce: string): string =>
  CSP.replace("style-src 'self'", `style-src 'self' 'nonce-${nonce}'`);

const page = (nonce: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>d4c console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/app.css"></head>
<body><div id="app"></div><script type="module" src="/app.js" nonce="${nonce}"></script></body></html>
`;

function send(res: ServerResponse, status: number, type: string, body: string, csp = CSP): void {
  res.writeHead(status, {
    'content-type': type,
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  });
  res.end(body);
}

const json = (res: ServerResponse, status: number, x: unknown) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(x));

function errorBody(e: unknown): { error: { code?: string; message: string; line?: number; col?: number } } {
  if (e instanceof D4cError)
    return {
      error: {
        ...(e.code ? { code: e.code } : {}),
        message: e.message,
        ...(e.pos ? { line: e.pos.line, col: e.pos.col } : {}),
      },
    };
  return { error: { message: e instanceof Error ? e.message : String(e) } };
}

const DRAFT_PATHS = new Set(['/api/policy/validate', '/api/policy/test']);
const MAX_BODY = 1 << 20;

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    req.on('data', (b: Buffer) => {
      n += b.length;
      if (n > MAX_BODY) {
        reject(new D4cError(CONSOLE_CODES.draftTooLarge.code, 'a draft policy larger than 1 MiB'));
        req.destroy();
      } else parts.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

export function checkListen(o: Pick<ConsoleOptions, 'host' | 'tlsCert' | 'tlsKey' | 'insecureListen'>): void {
  const host = o.host ?? DEFAULT_CONSOLE_HOST;
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined))
    throw new D4cError(CONSOLE_CODES.tlsPair.code, 'give both --tls-cert and --tls-key, or neither');
  if (!isLoopback(host) && o.tlsCert === undefined && !o.insecureListen)
    throw new D4cError(
      CONSOLE_CODES.noTls.code,
      `refusing to serve the console on ${host} without TLS: give --tls-cert FILE --tls-key FILE (or --insecure-listen)`,
    );
}

export async function startConsole(o: ConsoleOptions): Promise<ConsoleServer> {
  checkListen(o);
  const host = o.host ?? DEFAULT_CONSOLE_HOST;
  const token = o.token ?? newToken();
  const assets = await loadAssets();
  const tls = o.tlsCert !== undefined && o.tlsKey !== undefined;
  const secure = tls ? '; Secure' : '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    // POST only carries a draft policy to check (it changes nothing); a custom header makes a
    // cross-site form or script unable to send it without a preflight, which is never answered.
    const draft = req.method === 'POST' && DRAFT_PATHS.has(url.pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD' && !draft) {
      res.setHeader('allow', 'GET, HEAD');
      return json(res, 405, { error: { message: 'the console API is read-only' } });
    }
    if (draft && req.headers['x-d4c-console'] !== '1')
      return json(res, 403, { error: { message: 'the x-d4c-console header is required' } });
    const q = url.searchParams.get('token');
    const fromQuery = tokenEquals(q, token);
    if (!fromQuery && !tokenEquals(cookieToken(req), token)) {
      return json(res, 401, {
        error: { code: CONSOLE_CODES.noToken.code, message: 'a valid console token is required' },
      });
    }
    if (fromQuery && url.pathname === '/') {
      // Trade the token in the address for a cookie, and drop it from the address bar.
      res.writeHead(303, {
        location: '/',
        'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/${secure}`,
        'content-security-policy': CSP,
        'referrer-policy': 'no-referrer',
      });
      res.end();
      return;
    }
    switch (url.pathname) {
      case '/': {
        const nonce = randomBytes(16).toString('base64');
        return send(res, 200, 'text/html; charset=utf-8', page(nonce), pageCsp(nonce));
      }
      case '/app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', assets.js);
      case '/app.css':
        return send(res, 200, 'text/css; charset=utf-8', assets.css);
      case '/api/info':
        return json(res, 200, {
          servedBy: o.liveStats ? 'agent' : 'store',
          policy: (o.policy ?? DEFAULT_RUNNING).name,
          learning: o.learning ?? null,
        } satisfies ConsoleInfo);
      case '/api/alerts':
        return json(res, 200, await alerts(o.store, url.searchParams));
      case '/api/session':
        return json(res, 200, await session(o.store, url.searchParams));
      case '/api/k8s':
        return json(res, 200, await k8s(o.store, url.searchParams));
      case '/api/hunts':
        return json(res, 200, SAVED_HUNTS);
      case '/api/hunt': {
        const a = await hunt(o.store, url.searchParams);
        const format = url.searchParams.get('format');
        if (format === 'ndjson' || format === 'csv') {
          res.setHeader('content-disposition', `attachment; filename="hunt.${format}"`);
          return send(
            res,
            200,
            format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
            format === 'csv' ? toCsv(a) : toNdjson(a),
          );
        }
        return json(res, 200, a);
      }
      case '/api/policy':
        return json(res, 200, o.policy ?? DEFAULT_RUNNING);
      case '/api/policy/validate':
        return json(res, 200, validate(await body(req)));
      case '/api/policy/test':
        return json(res, 200, await testDraft(o.store, await body(req), url.searchParams));
      case '/api/posture':
        return json(res, 200, await posture(o.store, url.searchParams));
      case '/api/health':
        return json(res, 200, await health(o.store, o.liveStats, url.searchParams));
      default:
        return json(res, 404, { error: { message: `no such page: ${url.pathname}` } });
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) json(res, e instanceof D4cError ? 400 : 500, errorBody(e));
      else res.destroy();
    });
  };
  const server: Server = tls
    ? createHttps(
        { cert: readFileSync(o.tlsCert as string), key: readFileSync(o.tlsKey as string) },
        listener,
      )
    : createHttp(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new D4cError(
          CONSOLE_CODES.cannotListen.code,
          `cannot listen on ${host}:${o.port ?? DEFAULT_CONSOLE_PORT}: ${e.message}`,
        ),
      ),
    );
    server.listen(o.port ?? DEFAULT_CONSOLE_PORT, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${tls ? 'https' : 'http'}://${shown}:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
