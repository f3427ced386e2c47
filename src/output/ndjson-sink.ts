// The NDJSON file as an Output: the agent serialises with serializeDoc (shared fragments are
// rendered once) and hands lines to NdjsonOutput, which batches and flushes at least once a second.
import { type EcsDoc, serializeDoc } from '../ecs/index.js';
import { type NdjsonOptions, NdjsonOutput } from './ndjson.js';
import type { Output, OutputStats } from './output.js';

export class NdjsonSink implements Output {
  private readonly out: NdjsonOutput;
  private closed = false;
  private droppedClosed = 0;

  constructor(path: string, opts: NdjsonOptions = {}) {
    this.out = new NdjsonOutput(path === '/dev/stdout' ? '-' : path, opts);
  }

  write(doc: EcsDoc, _stream: string): void {
    if (this.closed) {
      this.droppedClosed++;
      return;
    }
    this.out.writeLine(serializeDoc(doc));
  }

  async flush(): Promise<void> {
    this.out.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.out.close();
  }

  stats(): OutputStats {
    const s = this.out.stats;
    const dropped: Record<string, number> = {};
    if (s.dropped) dropped.write_error = s.dropped;
    if (this.droppedClosed) dropped.closed = this.droppedClosed;
    return { docsWritten: s.docs, docsDropped: dropped, queueDepth: this.out.pending, ...s };
  }
}
