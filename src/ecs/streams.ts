// The data streams D4C writes (Elastic's five, plus network from issue 8), and where a document goes. Stream objects are built once
// per namespace and frozen; documents share them.

export const STREAMS = ['process', 'file', 'network', 'alerts', 'heartbeat', 'metrics'] as const;
export type Stream = (typeof STREAMS)[number];

export interface DataStream {
  readonly type: 'logs' | 'metrics';
  readonly dataset: string;
  readonly namespace: string;
}

export const MODULE = 'cloud_defend';
export const DEFAULT_NAMESPACE = 'default';

/** Elastic's data stream namespace rule: lowercase, no `\/*?"<>| ,#:-`, at most 100 bytes. */
const NAMESPACE_RE = /^[a-z0-9_.]+$/;

export function validNamespace(ns: string): boolean {
  return ns.length > 0 && Buffer.byteLength(ns) <= 100 && NAMESPACE_RE.test(ns) && !ns.startsWith('.');
}

export function streamType(stream: Stream): 'logs' | 'metrics' {
  return stream === 'heartbeat' || stream === 'metrics' ? 'metrics' : 'logs';
}

export function dataStream(stream: Stream, namespace: string): DataStream {
  return Object.freeze({ type: streamType(stream), dataset: `${MODULE}.${stream}`, namespace });
}

/** Every stream of one namespace, frozen: what a compiled builder shares across documents. */
export function dataStreams(namespace: string): Readonly<Record<Stream, DataStream>> {
  const out = {} as Record<Stream, DataStream>;
  for (const s of STREAMS) out[s] = dataStream(s, namespace);
  return Object.freeze(out);
}

/** The index (data stream name) of a document: `logs-cloud_defend.process-default`. */
export function dataStreamName(ds: DataStream): string {
  return `${ds.type}-${ds.dataset}-${ds.namespace}`;
}

/**
 * The streams an event goes to, from the policy's actions: `log` writes it to its own stream,
 * `alert` (and `block`, which requires alert) also to the alerts stream.
 */
export function routeEvent(
  kind: 'process' | 'file' | 'network',
  actions: readonly string[] | undefined,
  blocked = false,
): Stream[] {
  const out: Stream[] = [];
  if (!actions) return out;
  if (actions.includes('log')) out.push(kind);
  if (actions.includes('alert') || actions.includes('block') || blocked) out.push('alerts');
  return out;
}
