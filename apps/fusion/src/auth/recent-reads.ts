/**
 * A short memory of rows read by key, kept at most `maxAgeMs`, that a write forgets at once.
 * What the users table answered for a token (role, disabled, token version) is read on
 * every REST call and socket sign-in; under an ingest flood that read waits behind the
 * ingestion's queries. With this in front of it, a page's dozen first requests read the
 * user once.
 *
 * Revocation stays immediate within the process: every write to a row calls `forget(key)`
 * after it commits, and a read that was already under way when any forget came is handed
 * to its callers but not kept (it may have read the row before the write). Callers that
 * arrive after a forget never join a read begun before it. Another process's writes are
 * not heard of: they show here within `maxAgeMs` (see AUTH_USER_CACHE_SECONDS).
 * Only found rows are kept (an unknown key is asked again every time). Plain logic: the
 * clock is given.
 */
export class RecentReads<V> {
  private readonly entries = new Map<string, { value: V; readAtMs: number }>();
  private readonly pending = new Map<string, { epoch: number; read: Promise<V | null> }>();
  /** Counts forgets: a read begun in an older epoch is not kept. */
  private epoch = 0;

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  /** The remembered value while younger than maxAgeMs, else what `read` answers (one read at a time per key). */
  async get(key: string, read: () => Promise<V | null>): Promise<V | null> {
    if (this.maxAgeMs <= 0) return read();
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.readAtMs < this.maxAgeMs) return entry.value;
    const under = this.pending.get(key);
    if (under && under.epoch === this.epoch) return under.read;
    const epoch = this.epoch;
    const readAtMs = this.now();
    const started = read().then(
      (value) => {
        if (this.pending.get(key)?.read === started) this.pending.delete(key);
        if (value !== null && epoch === this.epoch) {
          if (this.entries.size >= this.maxEntries) this.entries.clear();
          this.entries.set(key, { value, readAtMs });
        }
        return value;
      },
      (error: unknown) => {
        if (this.pending.get(key)?.read === started) this.pending.delete(key);
        throw error;
      },
    );
    this.pending.set(key, { epoch, read: started });
    return started;
  }

  /** The row changed: the next get reads it again, and no read under way now is kept. */
  forget(key: string): void {
    this.epoch++;
    this.entries.delete(key);
    this.pending.delete(key);
  }
}
