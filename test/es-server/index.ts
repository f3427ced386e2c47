// A small local server speaking the parts of Elasticsearch's REST API that d4c's Elasticsearch
// output uses (GET /, _bulk with create semantics, _index_template, _component_template,
// _data_stream, _ingest/pipeline with `set` processors run as the streams' default/final
// pipelines, _mapping/field and _index_template/_simulate_index, `flattened` fields rejecting
// non-objects), with fault knobs for tests: whole-request 429s, per-item failures, hanging
// connections, stop/restart on the same port. Loopback only; state lives in memory and survives
// stop()/start() (as a real cluster's data survives a network outage).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import {
  bestTemplate,
  fieldMapping,
  globMatch,
  mappingError,
  pipelineError,
  type Resolved,
  resolve,
  runPipeline,
} from './mapping.js';

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
  readonly pipelines = new Map<string, Record<string, unknown>>();
  /** The mapping and settings each data stream got from its template when it was created. */
  readonly streamMappings = new Map<string, Resolved>();
  /** Requests by kind, for assertions. */
  readonly counts = {
    bulk: 0,
    bulkItems: 0,
    created: 0,
    conflicts: 0,
    itemFailures: 0,
    rejected429: 0,
    hung: 0,
    pipelineRuns: 0,
  };
  /** Authorization headers seen (tests check auth is sent). */
  readonly authHeaders: string[] = [];
  /** Answer the next N bulk requests with a whole-request 429. */
  reject429 = 0;
  /** Answer the next N bulk requests with a whole-request 503. */
  reject503 = 0;
  /** Bulk bodies longer than this get a whole-request 413 (http.max_content_length). */
  maxContentLength = Number.POSITIVE_INFINITY;
  /** Answer 403 to mapping and template reads (credentials that may only write documents). */
  forbidMetadata = false;
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
    if (parts[0] === '_ingest' && parts[1] === 'pipeline') return this.pipeline(res, method, parts[2], body);
    const metadataRead =
      (parts[0] === '_index_template' && parts[1] === '_simulate_index') || parts[1] === '_mapping';
    if (this.forbidMetadata && metadataRead)
      return send(
        res,
        403,
        err(403, 'security_exception', 'action [indices:admin/mappings/fields/get] is unauthorized'),
      );
    if (parts[0] === '_index_template' && parts[1] === '_simulate_index' && parts[2]) {
      const r = resolve(this.indexTemplates, this.componentTemplates, parts[2]);
      if (!r)
        return send(res, 200, { template: { settings: {}, mappings: {}, aliases: {} }, overlapping: [] });
      return send(res, 200, {
        template: { settings: nest(r.settings), mappings: r.mappings, aliases: {} },
        overlapping: [],
      });
    }
    if (parts[1] === '_mapping' && parts[2] === 'field' && parts[0] && parts[3] && method === 'GET')
      return this.fieldMappings(res, parts[0], parts[3]);
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
        const found = [...map.keys()].filter((k) => names.some((n) => globMatch(n, k)));
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
        this.createStream(parts[1]);
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
    return bestTemplate(this.indexTemplates, index)?.name;
  }

  /** A data stream, created as ES does: its mapping is fixed from the templates of that moment. */
  createStream(name: string): Map<string, Record<string, unknown>> {
    let s = this.streams.get(name);
    if (!s) {
      s = new Map();
      this.streams.set(name, s);
      const r = resolve(this.indexTemplates, this.componentTemplates, name);
      if (r) this.streamMappings.set(name, r);
    }
    return s;
  }

  private pipeline(res: ServerResponse, method: string, name: string | undefined, body: string): undefined {
    if (method === 'PUT' && name) {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      const bad = pipelineError(parsed);
      if (bad) return send(res, 400, err(400, 'parse_exception', bad));
      this.pipelines.set(name, parsed);
      return send(res, 200, { acknowledged: true });
    }
    if (method === 'GET') {
      const names = name ? name.split(',') : [...this.pipelines.keys()];
      const found = [...this.pipelines.keys()].filter((k) => names.some((n) => globMatch(n, k)));
      if (found.length === 0) return send(res, 404, {});
      return send(res, 200, Object.fromEntries(found.map((n) => [n, this.pipelines.get(n)])));
    }
    return send(res, 405, err(405, 'method_not_allowed', method));
  }

  /** GET <index>/_mapping/field/<fields>: keyed by backing index, as ES answers. */
  private fieldMappings(res: ServerResponse, index: string, fields: string): undefined {
    const streams = [...this.streamMappings.keys()].filter((s) =>
      index.split(',').some((p) => globMatch(p, s)),
    );
    if (streams.length === 0 && !index.includes('*'))
      return send(res, 404, err(404, 'index_not_found_exception', `no such index [${index}]`));
    const out: Record<string, unknown> = {};
    for (const s of streams) {
      const r = this.streamMappings.get(s) as Resolved;
      const mappings: Record<string, unknown> = {};
      for (const f of CANDIDATE_FIELDS) {
        if (!fields.split(',').some((p) => globMatch(p, f))) continue;
        const m = fieldMapping(r, f);
        if (m) mappings[f] = { full_name: f, mapping: { [f.split('.').at(-1) as string]: m } };
      }
      out[`.ds-${s}-2026.01.01-000001`] = { mappings };
    }
    return send(res, 200, out);
  }

  /** Default then final pipeline of the stream, then its mapping; an error text when it fails. */
  private ingest(index: string, source: Record<string, unknown>): string | undefined {
    const r = this.streamMappings.get(index);
    if (!r) return undefined;
    for (const key of ['index.default_pipeline', 'index.final_pipeline']) {
      const name = r.settings[key];
      if (typeof name !== 'string' || name === '_none') continue;
      const p = this.pipelines.get(name);
      if (!p) return `pipeline_missing: pipeline with id [${name}] does not exist`;
      runPipeline(p, source, new Date());
      this.counts.pipelineRuns++;
    }
    const bad = mappingError(r, source);
    return bad ? `document_parsing_exception: ${bad}` : undefined;
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
      const stream = this.createStream(index);
      const failed = stream.has(id) ? undefined : this.ingest(index, source);
      if (failed) {
        errors = true;
        this.counts.itemFailures++;
        const [type, reason] = failed.split(/: (.*)/s) as [string, string];
        items.push({ create: { _index: index, _id: id, status: 400, error: { type, reason } } });
        continue;
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

/** Dotted settings back to ES's nested form. */
function nest(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) {
    const parts = k.split('.');
    let cur = out;
    for (const p of parts.slice(0, -1)) {
      if (cur[p] === undefined) cur[p] = {};
      cur = cur[p] as Record<string, unknown>;
    }
    cur[parts.at(-1) as string] = v;
  }
  return out;
}

/** The fields _mapping/field answers for (what d4c asks about). */
const CANDIDATE_FIELDS = [
  'orchestrator.resource.label',
  'orchestrator.resource.annotation',
  'orchestrator.resource.name',
  'event.ingested',
];
