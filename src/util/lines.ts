// Lines of a stream with a bound on each line's length: readline keeps a line until its newline,
// so an input without one (`/dev/zero`, a hostile file) would grow a single string until the
// process dies. Past the bound the input is refused with the line's number.

/** Line `line` of the input is longer than `limit` bytes. */
export class LineTooLongError extends Error {
  constructor(
    readonly line: number,
    readonly limit: number,
  ) {
    super(`line ${line} is longer than ${limit} bytes`);
    this.name = 'LineTooLongError';
  }
}

/** Most bytes in one NDJSON line read by the command line (an ECS document is a few KiB). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** The lines of `input` (UTF-8, `\n` or `\r\n`), each at most `limit` bytes. */
export async function* boundedLines(
  input: AsyncIterable<Buffer | string>,
  limit = MAX_LINE_BYTES,
): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  let size = 0;
  let line = 0;
  const take = (last: Buffer): string => {
    parts.push(last);
    let s = Buffer.concat(parts).toString('utf8');
    parts = [];
    size = 0;
    if (s.endsWith('\r')) s = s.slice(0, -1);
    return s;
  };
  for await (const chunk of input) {
    let b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let nl = b.indexOf(10); nl !== -1; nl = b.indexOf(10)) {
      line++;
      if (size + nl > limit) throw new LineTooLongError(line, limit);
      yield take(b.subarray(0, nl));
      b = b.subarray(nl + 1);
    }
    size += b.length;
    if (size > limit) throw new LineTooLongError(line + 1, limit);
    if (b.length > 0) parts.push(b);
  }
  if (size > 0) {
    line++;
    yield take(Buffer.alloc(0));
  }
}
