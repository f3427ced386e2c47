// The Elasticsearch side of a SpoolOutput: bulk `create` into data streams with `_id` = the
// spool item's id (event.id), so a resent batch never duplicates (409 counts as stored).
// Whole-request failures throw (the spool retries with backoff); per-item failures are split
// into transient (429/5xx: retried) and permanent (mapping errors etc.: dead-lettered).

import { readFileSync } from 'node:fs';
import { Client, errors } from '@elastic/elasticsearch';
import { D4cError } from '../../util/index.js';
import type { DeadItem, RemoteSender, SendOutcome } from '../spool/output.js';
import type { SpoolItem } from '../spool/record.js';
import { ES_CODES } from './codes.js';
import {
  describeLabelShapes,
  type LabelField,
  probeLabelShape,
  reshapeBody,
  type StreamLabelShape,
} from './labels.js';
import { MANAGED_BY, NETWORK_TEMPLATE, TEMPLATE_VERSION, templates } from './templates.js';

export interface EsOptions {
  /** One or more node URLs. */
  hosts: string[];
  apiKey?: string;
  username?: string;
  password?: string;
  /** PEM file of the CA that signed the cluster's certificate. */
  caFile?: string;
  /** Verify the server certificate (default true). */
  verifyTls?: boolean;
  /** The integration owns the templates: do not install them. */
  skipTemplates?: boolean;
  /** Per-request timeout (default 30 s): a hanging connection is a failed, retried request. */
  requestTimeoutMs?: number;
  compression?: boolean;
  /** Data stream namespace of the documents (default `default`): whose mappings are read at start. */
  namespace?: string;
  /** What prepare() found and decided (templates left alone, label shapes), one line each. */
  onInfo?: (message: string) => void;
}

/** The logs streams whose documents carry pod labels. */
const LABELLED_STREAMS = ['process', 'file', 'network', 'alerts'] as const;

const TRANSIENT_ITEM = new Set([429, 500, 502, 503, 504]);

/** Replaces every secret (and URL credentials) in a text: errors and stats are safe to log. */
export function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const list = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 3);
  // Longest first, so a secret containing another is fully replaced.
  list.sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(/\/\/[^/@\s:]+:[^/@\s]+@/g, '//<redacted>@');
    out = out.replace(
      /(authorization["']?\s*[:=]\s*["']?)(ApiKey|Basic|Bearer)\s+[A-Za-z0-9+/=._-]+/gi,
      '$1$2 <redacted>',
    );
    for (const s of list) out = out.split(s).join('<redacted>');
    return out;
  };
}

export class EsSender implements RemoteSender {
  readonly name = 'elasticsearch';
  readonly client: Client;
  private readonly redact: (text: string) => string;
  readonly hosts: string[];
  /** Streams whose mapping takes labels/annotations as objects (flattened), by stream. */
  readonly labelObjects = new Map<string, LabelField[]>();
  /** What prepare() found, for stats and tests. */
  prepared: { packageTemplates: string[]; labelShapes: StreamLabelShape[] } | undefined;

  constructor(private readonly opts: EsOptions) {
    if (opts.hosts.length === 0) throw new D4cError(ES_CODES.badUrl.code, 'no Elasticsearch URL given');
    const urlSecrets: string[] = [];
    for (const h of opts.hosts) {
      let u: URL;
      try {
        u = new URL(h);
      } catch {
        throw new D4cError(ES_CODES.badUrl.code, `invalid Elasticsearch URL: ${redactor([])(h)}`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:')
        throw new D4cError(ES_CODES.badUrl.code, `Elasticsearch URL must be http(s): ${redactor([])(h)}`);
      if (u.password) urlSecrets.push(decodeURIComponent(u.password), u.password);
    }
    let apiKeyEncoded: string | undefined;
    if (opts.apiKey) apiKeyEncoded = opts.apiKey;
    const basic =
      opts.username !== undefined
        ? Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')
        : undefined;
    this.redact = redactor([opts.apiKey, opts.password, basic, ...urlSecrets]);
    this.hosts = opts.hosts.map((h) => this.redact(h));
    let ca: Buffer | undefined;
    if (opts.caFile) {
      try {
        ca = readFileSync(opts.caFile);
      } catch (e) {
        throw new D4cError(
          ES_CODES.badCa.code,
          `cannot read CA file ${opts.caFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
    }
    this.client = new Client({
      nodes: opts.hosts,
      auth: apiKeyEncoded
        ? { apiKey: apiKeyEncoded }
        : opts.username !== undefined
          ? { username: opts.username, password: opts.password ?? '' }
          : undefined,
      tls: { ...(ca ? { ca } : {}), rejectUnauthorized: opts.verifyTls ?? true },
      // The spool retries with backoff; the client only spreads requests over the nodes.
      maxRetries: 0,
      requestTimeout: opts.requestTimeoutMs ?? 30_000,
      compression: opts.compression ?? false,
      name: 'd4c',
    });
  }

  async prepare(signal: AbortSignal): Promise<void> {
    const info = this.opts.onInfo ?? (() => {});
    let pkg: string[] = [];
    if (this.opts.skipTemplates) info('--es-skip-templates: no templates or ingest pipeline installed');
    else {
      pkg = await this.packageTemplates(signal);
      await this.installTemplates(pkg, signal);
      if (pkg.length > 0)
        info(
          `the cloud_defend package's index templates are installed (${pkg.join(', ')}): d4c leaves them alone (their mappings and ingest pipelines apply) and installs only ${NETWORK_TEMPLATE}, for the network stream the package does not have`,
        );
    }
    const ns = this.opts.namespace ?? 'default';
    const shapes: StreamLabelShape[] = [];
    for (const s of LABELLED_STREAMS)
      shapes.push(await probeLabelShape(this.client, `logs-cloud_defend.${s}-${ns}`, signal));
    this.labelObjects.clear();
    for (const s of shapes) if (s.objects.length > 0) this.labelObjects.set(s.stream, s.objects);
    info(describeLabelShapes(shapes));
    this.prepared = { packageTemplates: pkg, labelShapes: shapes };
  }

  /** Index templates of Elastic's cloud_defend package (Fleet names them after the stream). */
  private async packageTemplates(signal: AbortSignal): Promise<string[]> {
    const names: string[] = [];
    // One wildcard name per request: a comma-separated list is not accepted by every version.
    for (const name of ['logs-cloud_defend.*', 'metrics-cloud_defend.*']) {
      const r = (await this.client.indices.getIndexTemplate({ name }, { signal, ignore: [404] })) as {
        index_templates?: { name: string; index_template: { _meta?: { managed_by?: string } } }[];
      };
      for (const t of r.index_templates ?? [])
        if (t.index_template._meta?.managed_by !== MANAGED_BY) names.push(t.name);
    }
    return names.sort();
  }

  private async installTemplates(pkg: readonly string[], signal: AbortSignal): Promise<void> {
    const set = templates();
    const havePipeline = (await this.client.ingest
      .getPipeline({ id: set.pipeline.name }, { signal, ignore: [404] })
      .then((r) => (r as Record<string, { version?: number }>)[set.pipeline.name])) as
      | { version?: number }
      | undefined;
    if (!havePipeline || (havePipeline.version ?? 0) < TEMPLATE_VERSION)
      await this.client.ingest.putPipeline({ id: set.pipeline.name, ...set.pipeline.body } as never, {
        signal,
      });
    for (const [name, body] of Object.entries(set.component)) {
      const have = await this.client.cluster
        .getComponentTemplate({ name }, { signal, ignore: [404] })
        .then((r) => r.component_templates?.[0]?.component_template as { version?: number } | undefined);
      if (have && (have.version ?? 0) >= TEMPLATE_VERSION) continue;
      await this.client.cluster.putComponentTemplate({ name, ...body } as never, { signal });
    }
    for (const [name, body] of Object.entries(set.index)) {
      // The package's templates win (priority 200) and carry its pipelines: only the network
      // stream, which the package has none for, gets ours.
      if (pkg.length > 0 && (name !== NETWORK_TEMPLATE || pkg.includes('logs-cloud_defend.network')))
        continue;
      const have = await this.client.indices
        .getIndexTemplate({ name }, { signal, ignore: [404] })
        .then(
          (r) =>
            r.index_templates?.[0]?.index_template as
              | { version?: number; _meta?: { managed_by?: string } }
              | undefined,
        );
      if (have && (have.version ?? 0) >= TEMPLATE_VERSION && have._meta?.managed_by === MANAGED_BY) continue;
      await this.client.indices.putIndexTemplate({ name, ...body } as never, { signal });
    }
  }

  async send(items: readonly SpoolItem[], signal: AbortSignal): Promise<SendOutcome> {
    try {
      return await this.bulk(items, signal);
    } catch (e) {
      // 413: the request is over http.max_content_length. Halves are sent apart; a single
      // document too large for the cluster is a permanent failure, not an endless retry.
      if (!(e instanceof errors.ResponseError) || e.statusCode !== 413) throw e;
      if (items.length === 1)
        return {
          stored: 0,
          duplicates: 0,
          retry: [],
          dead: [{ item: items[0] as SpoolItem, status: 413, reason: 'request entity too large' }],
        };
      const mid = Math.ceil(items.length / 2);
      const a = await this.send(items.slice(0, mid), signal);
      const b = await this.send(items.slice(mid), signal);
      return {
        stored: a.stored + b.stored,
        duplicates: a.duplicates + b.duplicates,
        retry: [...a.retry, ...b.retry],
        dead: [...a.dead, ...b.dead],
      };
    }
  }

  private async bulk(items: readonly SpoolItem[], signal: AbortSignal): Promise<SendOutcome> {
    const lines: string[] = new Array(items.length * 2);
    for (let i = 0; i < items.length; i++) {
      const it = items[i] as SpoolItem;
      lines[2 * i] = `{"create":{"_index":${JSON.stringify(it.stream)},"_id":${JSON.stringify(it.id)}}}`;
      const objects = this.labelObjects.get(it.stream);
      lines[2 * i + 1] = objects === undefined ? it.body : reshapeBody(it.body, objects);
    }
    const res = await this.client.bulk({ operations: lines as never }, { signal });
    const out: SendOutcome = { stored: 0, duplicates: 0, retry: [], dead: [] };
    const resItems = res.items ?? [];
    if (resItems.length !== items.length)
      throw new Error(`bulk response has ${resItems.length} items for ${items.length} sent`);
    for (let i = 0; i < items.length; i++) {
      const r = resItems[i] as Record<
        string,
        { status: number; error?: { type?: string; reason?: string | null } }
      >;
      const item = items[i] as SpoolItem;
      const op = r.create ?? Object.values(r)[0];
      const status = op?.status ?? 0;
      if (status >= 200 && status < 300) out.stored++;
      else if (status === 409) {
        out.stored++;
        out.duplicates++;
      } else if (TRANSIENT_ITEM.has(status) || status === 0) out.retry.push(item);
      else {
        const reason = `${op?.error?.type ?? 'error'}: ${op?.error?.reason ?? `status ${status}`}`;
        out.dead.push({ item, status, reason: this.redact(reason) } satisfies DeadItem);
      }
    }
    return out;
  }

  describeError(e: unknown): string {
    if (e instanceof errors.ResponseError) {
      const body = e.body as { error?: { type?: string; reason?: string } } | undefined;
      const what = body?.error ? `${body.error.type}: ${body.error.reason}` : e.message;
      return this.redact(`HTTP ${e.statusCode}: ${what}`);
    }
    if (e instanceof errors.TimeoutError) return 'request timed out';
    if (e instanceof errors.ConnectionError) return this.redact(`connection error: ${e.message}`);
    if (e instanceof errors.NoLivingConnectionsError) return 'no living Elasticsearch node';
    if (e instanceof Error) return this.redact(`${e.name}: ${e.message}`);
    return this.redact(String(e));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
