/**
 * Collects items handed in one at a time (one per BullMQ job, from a worker with high
 * concurrency) and writes them together: a batch is flushed when it holds `maxItems`, or
 * `maxWaitMs` after its first item arrived. `flush` receives the batch in arrival order
 * and returns one result per item, in the same order; each caller's promise settles with
 * its own result. With `maxConcurrentFlushes`, items that arrive while that many batches
 * are being written wait and go together into the next batch. If `flush` throws, every item of that batch rejects with the error (the
 * jobs are retried by BullMQ). Plain TypeScript: no Nest, no I/O of its own.
 */
export class MicroBatcher<T, R> {
  private pending: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly options: { maxItems: number; maxWaitMs: number; maxConcurrentFlushes?: number },
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.options.maxItems) this.flushNow();
      else if (!this.timer && !this.atLimit()) {
        this.timer = setTimeout(() => this.flushNow(), this.options.maxWaitMs);
      }
    });
  }

  /** Batches being written right now. */
  get flushing(): number {
    return this.inFlight;
  }

  /** As many flushes running as allowed: new items wait, and go in one batch when one finishes. */
  private atLimit(): boolean {
    return this.inFlight >= (this.options.maxConcurrentFlushes ?? Number.POSITIVE_INFINITY);
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0 || this.atLimit()) return;
    const batch = this.pending.splice(0, this.options.maxItems);
    this.inFlight++;
    void this.flush(batch.map((b) => b.item))
      .then(
        (results) => {
          if (results.length !== batch.length) throw new Error(`batch of ${batch.length} got ${results.length} results`);
          batch.forEach((b, i) => b.resolve(results[i]));
        },
        (error) => batch.forEach((b) => b.reject(error)),
      )
      .catch((error) => batch.forEach((b) => b.reject(error)))
      .finally(() => {
        this.inFlight--;
        if (this.pending.length > 0) this.flushNow();
      });
  }
}
