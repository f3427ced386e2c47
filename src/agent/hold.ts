// Holding events for container metadata: an event of a container whose runtime metadata is not
// cached yet waits (in arrival order, bounded) until the lookup answers or gives up, so documents
// carry Kubernetes context instead of empty fields. The resolver bounds each lookup in time; the
// queue bounds memory (the oldest goes out with what is known, counted).
import type { CgroupIdentity, ContainerMeta, ContainerResolver } from '../container/index.js';
import type { AgentCounters } from './stats.js';

/** What the queue needs of an event. */
export interface Holdable {
  cid: string | undefined;
  identity: CgroupIdentity | undefined;
  /** Set when the event waited in the queue (for the `heldIncomplete` counter). */
  held: boolean;
}

export class MetadataHold<T extends Holdable> {
  private queue: T[] = [];
  private qHead = 0;
  private readonly inFlight = new Set<string>();
  /** Answers the resolver did not cache (a container already gone): kept for the queue's sake. */
  private readonly fallback = new Map<string, ContainerMeta>();

  constructor(
    private readonly resolver: ContainerResolver,
    private readonly c: AgentCounters,
    private readonly maxHeld: number,
    /**
     * The next stage (decide, build, write), given the metadata found here so that it is not
     * looked up again; errors are the caller's `onError`.
     */
    private readonly finish: (h: T, meta: ContainerMeta | undefined) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Events waiting. */
  get pending(): number {
    return this.queue.length - this.qHead;
  }

  /** The container's metadata if known now (cache or a fallback answer). */
  meta(id: string, identity: CgroupIdentity | undefined): ContainerMeta | undefined {
    return this.resolver.lookup(id, identity) ?? this.fallback.get(id);
  }

  /** Starts a lookup unless one is under way. */
  request(id: string, identity: CgroupIdentity | undefined): void {
    if (!this.inFlight.has(id)) this.lookup(id, identity);
  }

  /** Finishes the event now if nothing is held and its metadata is there; else queues it. */
  enqueue(h: T): void {
    const pending = this.pending;
    // Looked up at most once per event here: `missing` when already found absent.
    let missing = false;
    if (pending === 0) {
      if (h.cid === undefined) {
        this.finish(h, undefined);
        return;
      }
      const meta = this.metaOf(h);
      if (meta !== undefined) {
        this.finish(h, meta);
        return;
      }
      missing = true;
    } else {
      if (pending >= this.maxHeld) {
        // Bounded: the oldest goes out now with what is known.
        this.c.holdOverflow++;
        const oldest = this.queue[this.qHead++]!;
        this.release(oldest, this.metaOf(oldest));
      }
    }
    if (h.cid !== undefined && !this.inFlight.has(h.cid) && (missing || this.metaOf(h) === undefined))
      this.lookup(h.cid, h.identity);
    h.held = true;
    this.c.held++;
    this.queue.push(h);
  }

  /** Releases held events in order while the head's metadata is there (or everything: `force`). */
  drain(force: boolean): void {
    while (this.qHead < this.queue.length) {
      const h = this.queue[this.qHead]!;
      const meta = this.metaOf(h);
      if (!force && h.cid !== undefined && meta === undefined) {
        if (!this.inFlight.has(h.cid)) this.lookup(h.cid, h.identity);
        break;
      }
      this.qHead++;
      this.release(h, meta);
    }
    if (this.qHead === this.queue.length) {
      this.queue = [];
      this.qHead = 0;
    } else if (this.qHead > 4096) {
      this.queue = this.queue.slice(this.qHead);
      this.qHead = 0;
    }
  }

  private metaOf(h: T): ContainerMeta | undefined {
    return h.cid === undefined ? undefined : this.meta(h.cid, h.identity);
  }

  private lookup(id: string, identity: CgroupIdentity | undefined): void {
    this.inFlight.add(id);
    void this.resolver.resolve(id, identity).then((meta) => {
      this.inFlight.delete(id);
      if (this.resolver.lookup(id, identity) === undefined) {
        if (this.fallback.size > 4096) this.fallback.clear();
        this.fallback.set(id, meta);
      } else this.fallback.delete(id);
      this.drain(false);
    });
  }

  private release(h: T, meta: ContainerMeta | undefined): void {
    try {
      this.finish(h, meta);
    } catch (err) {
      this.onError(err);
    }
  }
}
