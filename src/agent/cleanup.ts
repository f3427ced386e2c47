// One cleanup stack for the node's lifecycle: each part that started pushes how it stops; a
// failed start and a normal stop unwind the same stack, newest first, so nothing started is
// left running and nothing is stopped twice or before what depends on it.

export class CleanupStack {
  private readonly stops: { name: string; stop: () => unknown }[] = [];
  private unwinding: Promise<void> | undefined;

  constructor(private readonly onError: (name: string, err: unknown) => void) {}

  /** `stop` runs when the stack unwinds, before everything pushed earlier. */
  push(name: string, stop: () => unknown): void {
    this.stops.push({ name, stop });
  }

  get size(): number {
    return this.stops.length;
  }

  /** Stops everything pushed, newest first; a failing stop is reported and the rest still run. */
  unwind(): Promise<void> {
    this.unwinding ??= (async () => {
      for (let s = this.stops.pop(); s !== undefined; s = this.stops.pop()) {
        try {
          await s.stop();
        } catch (e) {
          this.onError(s.name, e);
        }
      }
    })();
    return this.unwinding;
  }
}
