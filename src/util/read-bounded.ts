// Reading a named input with a size bound that holds for any kind of file: `stat` cannot bound
// a device (`/dev/zero`), a FIFO or a /proc file (size 0, endless or growing), so the bound is on
// the bytes actually read, never on what the file claims to hold.
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** The input has more than `limit` bytes (only `limit + 1` were read). */
export class InputTooLargeError extends Error {
  constructor(
    readonly path: string,
    readonly limit: number,
  ) {
    super(`more than ${limit} bytes (limit ${limit})`);
    this.name = 'InputTooLargeError';
  }
}

const CHUNK = 64 * 1024;

/** The whole of `path` as UTF-8, or InputTooLargeError past `limit` bytes (errno errors as they are). */
export async function readFileBounded(path: string, limit: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, limit + 1 - size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      size += bytesRead;
      if (size > limit) throw new InputTooLargeError(path, limit);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** readFileBounded, synchronously (loaders that run at start). */
export function readFileBoundedSync(path: string, limit: number): string {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, limit + 1 - size));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      size += n;
      if (size > limit) throw new InputTooLargeError(path, limit);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
