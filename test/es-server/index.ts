// A small local server speaking the parts of Elasticsearch's REST API that d4c's Elasticsearch
// output uses (GET /, _bulk with create semantics, _index_template, _component_template,
// _data_stream), with fault knobs for tests: whole-request 429s, per-item failures, hanging
// connections, stop/restart on the same port. Loopback only; state lives in memory and survives
// stop()/start() (as a real cluster's data survives a network outage).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';

export interface ItemFault {
  status: number;
  type: string;
  reason: string;
}

export interface EsServerOptions {
  port?: number;
  /** Serve HTTPS with this PEM key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export class EsTestServer {
  /** Stored documents: data stream → _id → source. */
  readonly streams = new Map<string, Map<string, Record<string, unknown>>>();
  readonly indexTemplates = new Map<string, Record<string, unknown>>();
  readonly componentTemplates = new Map<string, Record<string, unknown>>();
  /** Requests by kind, for assertions. */
  readonly counts = {
    bulk: 0,
    bulkItems: 0,
    created: 0,
    conflicts: 0,
    itemFailures: 0,
    rejected429: 0,
    hung: 0,
  };
  /** Authorization headers seen (tests check auth is sent). */
  readonly authHeaders: string[] = [];
  /** Answer the next N bulk requests with a whole-request 429. */
  reject429 = 0;
  /** Answer the next N bulk requests with a whole-request 503. */
  reject503 = 0;
  /** Bulk bodies longer than this get a whole-request 413 (http.max_content_length). */
  maxContentLength = Number.POSITIVE_INFINITY;
  /** Accept the next N requests and never answer them. */
  hangNext = 0;
  /** Decides a failure for one item (called once per create attempt). */
  itemFault:
    | ((id: string, index: string, source: Record<string, unknown>) => ItemFault | undefined)
    | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort: number;
  private readonly tls: EsServerOptions['tls'];

  constructor(opts: EsServerOptions = {}) {
    this.boundPort = opts.port ?? 0;
    this.tls = opts.tls;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.boundPort}`;
  }

  async start(): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    const server: Server = this.tls ? createTlsServer(this.tls, handler) : createServer(handler);
    server.on(this.tls ? 'secureConnection' : 'connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (addr && typeof addr === 'object') this.boundPort = addr.port;
    this.server = server;
  }

  /** Stops listening and cuts every open connection (an outage). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Every stored _id (optionally of one stream). */
  ids(stream?: string): string[] {
    const out: string[] = [];
    for (const [name, docs] of this.streams)
      if (stream === undefined || name === stream) out.push(...docs.keys());
    return out;
  }

  docCount(): number {
    let n = 0;
    for (const docs of this.streams.values()) n += docs.size;
    return n;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers.authorization) this.authHeaders.push(req.headers.authorization);
      if (this.hangNext > 0) {
        this.hangNext--;
        this.counts.hung++;
        return; // never answered: the client's request timeout must fire
      }
      try {
        this.route(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        send(res, 500, { error: { type: 'internal', reason: String(e) }, status: 500 });
      }
    });
  }

  private route(req: IncomingMessage, res: ServerResponse, body: string): undefined {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    if (parts.length === 0 && (method === 'GET' || method === 'HEAD')) {
      send(res, 200, {
        name: 'd4c-test',
        cluster_name: 'd4c-test',
        version: { number: '9.0.0', build_flavor: 'default', lucene_version: '10.0.0' },
        tagline: 'You Know, for Search',
      });
      return;
    }
    if (parts[0] === '_bulk' || parts[1] === '_bulk') {
      if (method !== 'POST' && method !== 'PUT')
        return send(res, 405, err(405, 'method_not_allowed', method));
      this.bulk(res, body, parts[1] === '_bulk' ? parts[0] : undefined);
      return;
    }
    if (parts[0] === '_index_template' || parts[0] === '_component_template') {
      const map = parts[0] === '_index_template' ? this.indexTemplates : this.componentTemplates;
      const key = parts[0] === '_index_template' ? 'index_templates' : 'component_templates';
      const inner = parts[0] === '_index_template' ? 'index_template' : 'component_template';
      const name = parts[1];
      if (method === 'PUT' || method === 'POST') {
        if (!name) return send(res, 400, err(400, 'action_request_validation_exception', 'name is missing'));
        const parsed = JSON.parse(body) as Record<string, unknown>;
        if (parts[0] === '_index_template') {
          const composed = (parsed.composed_of as string[] | undefined) ?? [];
          const missing = composed.filter((c) => !this.componentTemplates.has(c));
          if (missing.length > 0)
            return send(
              res,
              400,
              err(400, 'invalid_index_template_exception', `missing component templates ${missing}`),
            );
        }
        map.set(name, parsed);
        return send(res, 200, { acknowledged: true });
      }
      if (method === 'GET' || method === 'HEAD') {
        const names = name ? name.split(',') : [...map.keys()];
        const found = names.filter((n) => map.has(n));
        if (name && found.length === 0)
          return send(res, 404, err(404, 'resource_not_found_exception', `${name} missing`));
        return send(res, 200, { [key]: found.map((n) => ({ name: n, [inner]: map.get(n) })) });
      }
      if (method === 'DELETE' && name) {
        map.delete(name);
        return send(res, 200, { acknowledged: true });
      }
    }
    if (parts[0] === '_data_stream') {
      const names = parts[1] ? parts[1].split(',') : [...this.streams.keys()];
      if (method === 'PUT' && parts[1]) {
        this.streams.set(parts[1], this.streams.get(parts[1]) ?? new Map());
        return send(res, 200, { acknowledged: true });
      }
      const found = names.filter((n) => this.streams.has(n));
      if (parts[1] && found.length === 0)
        return send(res, 404, err(404, 'index_not_found_exception', parts[1]));
      return send(res, 200, {
        data_streams: found.map((n) => ({
          name: n,
          timestamp_field: { name: '@timestamp' },
          generation: 1,
          status: 'GREEN',
          template: this.templateFor(n) ?? null,
        })),
      });
    }
    send(res, 404, err(404, 'not_found', `${method} ${url.pathname}`));
  }

  private templateFor(index: string): string | undefined {
    let best: { name: string; priority: number } | undefined;
    for (const [name, t] of this.indexTemplates) {
      const patterns = (t.index_patterns as string[] | undefined) ?? [];
      if (!patterns.some((p) => globMatch(p, index))) continue;
      const priority = Number(t.priority ?? 0);
      if (!best || priority > best.priority) best = { name, priority };
    }
    return best?.name;
  }

  private bulk(res: ServerResponse, body: string, defaultIndex: string | undefined): undefined {
    this.counts.bulk++;
    if (this.reject429 > 0) {
      this.reject429--;
      this.counts.rejected429++;
      return send(res, 429, err(429, 'es_rejected_execution_exception', 'rejected execution of bulk'));
    }
    if (this.reject503 > 0) {
      this.reject503--;
      return send(res, 503, err(503, 'unavailable_shards_exception', 'primary shard is not active'));
    }
    if (Buffer.byteLength(body) > this.maxContentLength) {
      return send(res, 413, err(413, 'content_too_long', `body over ${this.maxContentLength} bytes`));
    }
    const started = Date.now();
    const lines = body.split('\n').filter((l) => l.length > 0);
    const items: Record<string, unknown>[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i] as string) as Record<string, { _index?: string; _id?: string }>;
      const op = Object.keys(action)[0] ?? '';
      const meta = action[op] ?? {};
      const index = meta._index ?? defaultIndex ?? '';
      const source = JSON.parse(lines[i + 1] ?? 'null') as Record<string, unknown>;
      this.counts.bulkItems++;
      const id = meta._id ?? `auto-${this.counts.bulkItems}`;
      const fault = this.itemFault?.(id, index, source);
      if (op !== 'create') {
        errors = true;
        items.push({
          [op]: {
            _index: index,
            _id: id,
            status: 400,
            error: { type: 'illegal_argument_exception', reason: 'only create into a data stream' },
          },
        });
        continue;
      }
      if (fault) {
        errors = true;
        this.counts.itemFailures++;
        items.push({
          create: {
            _index: index,
            _id: id,
            status: fault.status,
            error: { type: fault.type, reason: fault.reason },
          },
        });
        continue;
      }
      let stream = this.streams.get(index);
      if (!stream) {
        stream = new Map();
        this.streams.set(index, stream);
      }
      if (stream.has(id)) {
        errors = true;
        this.counts.conflicts++;
        items.push({
          create: {
            _index: index,
            _id: id,
            status: 409,
            error: {
              type: 'version_conflict_engine_exception',
              reason: `[${id}]: version conflict, document already exists`,
            },
          },
        });
        continue;
      }
      stream.set(id, source);
      this.counts.created++;
      items.push({
        create: {
          _index: index,
          _id: id,
          _version: 1,
          result: 'created',
          status: 201,
          _seq_no: stream.size - 1,
          _primary_term: 1,
        },
      });
    }
    send(res, 200, { took: Date.now() - started, errors, items });
  }
}

function err(status: number, type: string, reason: string) {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

function send(res: ServerResponse, status: number, body: unknown): undefined {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/vnd.elasticsearch+json;compatible-with=9',
    'x-elastic-product': 'Elasticsearch',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(s);
}
