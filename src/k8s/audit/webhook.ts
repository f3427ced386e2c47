// The API server's audit webhook backend (--audit-webhook-config-file): it POSTs EventList
// batches. HTTPS with a certificate and key; plain HTTP only on loopback (an audit stream names
// users and what they did: it is not sent in the clear across a network).
import { readFileSync } from 'node:fs';
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isLoopback } from '../../console/auth.js';
import { type Parsed, parseWebhookBody } from './event.js';

export interface WebhookOptions {
  host: string;
  port: number;
  tlsCert?: string;
  tlsKey?: string;
  /** Each item of each batch, with where it came from (`batch N item M`). */
  onItem: (p: Parsed, where: string) => void;
  /** A body that is no batch at all. */
  onBadBatch: (where: string, reason: string) => void;
  /** Largest body taken (default 32 MiB; kube-apiserver's batches are far smaller). */
  maxBodyBytes?: number;
}

export class WebhookError extends Error {}

/** Refuses, before anything listens, a non-loopback address without TLS. */
export function checkWebhookListen(o: Pick<WebhookOptions, 'host' | 'tlsCert' | 'tlsKey'>): void {
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined))
    throw new WebhookError('--k8s-audit-tls-cert and --k8s-audit-tls-key go together');
  if (!isLoopback(o.host) && o.tlsCert === undefined)
    throw new WebhookError(
      `--k8s-audit-webhook ${o.host}: an address other than loopback needs --k8s-audit-tls-cert FILE and --k8s-audit-tls-key FILE`,
    );
}

export interface AuditWebhook {
  readonly url: string;
  readonly batches: number;
  close(): Promise<void>;
}

export async function startWebhook(o: WebhookOptions): Promise<AuditWebhook> {
  checkWebhookListen(o);
  const max = o.maxBodyBytes ?? 32 << 20;
  let batches = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => {
      if (size > max) return;
      const n = ++batches;
      const body = parseWebhookBody(Buffer.concat(parts).toString('utf8'));
      if ('error' in body) {
        o.onBadBatch(`webhook batch ${n}`, body.error);
        res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      for (const [i, p] of body.items.entries()) o.onItem(p, `webhook batch ${n} item ${i + 1}`);
      // 200 even with bad items: a retry would bring the same items back.
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  };
  const tls = o.tlsCert !== undefined && o.tlsKey !== undefined;
  const server: Server = tls
    ? createHttps({ cert: readFileSync(o.tlsCert!), key: readFileSync(o.tlsKey!) }, handle)
    : createHttp(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}/`,
    get batches() {
      return batches;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
