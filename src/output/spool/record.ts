// Spool record framing: [u32 LE payload length][u32 LE crc32(payload)][payload]. The payload is
// `stream \n id \n body` (UTF-8), where body is the document's JSON. A record whose length runs
// past the end of its file or whose checksum does not match is torn (a crash mid-append) or
// corrupt; readers stop there.

import { crc32 } from 'node:zlib';

export const HEADER_BYTES = 8;
/** Larger lengths are treated as corruption, not as a record to allocate for. */
export const MAX_RECORD_BYTES = 64 * 2 ** 20;

export interface SpoolItem {
  stream: string;
  /** Idempotency key: the remote stores each id once (`_id` in Elasticsearch). */
  id: string;
  /** The document's JSON. */
  body: string;
}

export function encodeRecord(item: SpoolItem): Buffer {
  const payloadLen =
    Buffer.byteLength(item.stream) + Buffer.byteLength(item.id) + Buffer.byteLength(item.body) + 2;
  const buf = Buffer.allocUnsafe(HEADER_BYTES + payloadLen);
  let o = HEADER_BYTES;
  o += buf.write(item.stream, o);
  buf[o++] = 10;
  o += buf.write(item.id, o);
  buf[o++] = 10;
  buf.write(item.body, o);
  buf.writeUInt32LE(payloadLen, 0);
  buf.writeUInt32LE(crc32(buf.subarray(HEADER_BYTES)), 4);
  return buf;
}

export function decodePayload(payload: Buffer): SpoolItem {
  const a = payload.indexOf(10);
  const b = payload.indexOf(10, a + 1);
  return {
    stream: payload.toString('utf8', 0, a),
    id: payload.toString('utf8', a + 1, b),
    body: payload.toString('utf8', b + 1),
  };
}

export type ParseResult =
  | { kind: 'record'; payload: Buffer; size: number }
  | { kind: 'incomplete' }
  | { kind: 'bad'; reason: 'length' | 'checksum' | 'format' };

/** Parses one record at `off` of `buf` (which may end mid-record). */
export function parseRecord(buf: Buffer, off: number): ParseResult {
  if (buf.length - off < HEADER_BYTES) return { kind: 'incomplete' };
  const len = buf.readUInt32LE(off);
  if (len < 2 || len > MAX_RECORD_BYTES) return { kind: 'bad', reason: 'length' };
  if (buf.length - off < HEADER_BYTES + len) return { kind: 'incomplete' };
  const payload = buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len);
  if (crc32(payload) !== buf.readUInt32LE(off + 4)) return { kind: 'bad', reason: 'checksum' };
  const a = payload.indexOf(10);
  if (a < 0 || payload.indexOf(10, a + 1) < 0) return { kind: 'bad', reason: 'format' };
  return { kind: 'record', payload, size: HEADER_BYTES + len };
}
