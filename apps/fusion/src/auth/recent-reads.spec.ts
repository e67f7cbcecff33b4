import { RecentReads } from './recent-reads';

/** A read that answers when told to. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RecentReads', () => {
  let nowMs = 0;
  const clock = () => nowMs;
  beforeEach(() => (nowMs = 1_000_000));

  it('answers from memory while the value is younger than maxAgeMs, then reads again', async () => {
    const recent = new RecentReads<string>(5000, clock);
    let reads = 0;
    const read = async () => `row ${++reads}`;
    expect(await recent.get('7', read)).toBe('row 1');
    nowMs += 4999;
    expect(await recent.get('7', read)).toBe('row 1');
    nowMs += 1;
    expect(await recent.get('7', read)).toBe('row 2');
    expect(reads).toBe(2);
  });

  it('shares one read among callers that come while it is under way', async () => {
    const recent = new RecentReads<string>(5000, clock);
    const row = deferred<string | null>();
    let reads = 0;
    const read = () => (reads++, row.promise);
    const answers = Promise.all([recent.get('7', read), recent.get('7', read), recent.get('7', read)]);
    row.resolve('row');
    expect(await answers).toEqual(['row', 'row', 'row']);
    expect(reads).toBe(1);
  });

  it('after forget, reads again at once', async () => {
    const recent = new RecentReads<string>(60_000, clock);
    let version = 1;
    const read = async () => `v${version}`;
    expect(await recent.get('7', read)).toBe('v1');
    version = 2;
    recent.forget('7');
    expect(await recent.get('7', read)).toBe('v2');
  });

  it('does not keep a read that was under way when a forget came, nor let later callers join it', async () => {
    const recent = new RecentReads<string>(60_000, clock);
    const before = deferred<string | null>();
    let reads = 0;
    const early = recent.get('7', () => (reads++, before.promise));
    recent.forget('7'); // the row was written while the read was on its way
    const later = recent.get('7', async () => (reads++, 'after the write'));
    before.resolve('before the write');
    expect(await early).toBe('before the write'); // the caller that asked before the write
    expect(await later).toBe('after the write');
    expect(await recent.get('7', async () => (reads++, 'read again'))).toBe('after the write');
    expect(reads).toBe(2);
  });

  it('keeps neither a missing row nor a failed read', async () => {
    const recent = new RecentReads<string>(60_000, clock);
    let reads = 0;
    expect(await recent.get('7', async () => (reads++, null))).toBeNull();
    await expect(recent.get('7', async () => { reads++; throw new Error('connection lost'); })).rejects.toThrow('connection lost');
    expect(await recent.get('7', async () => (reads++, 'row'))).toBe('row');
    expect(reads).toBe(3);
  });

  it('with maxAgeMs 0 reads every time', async () => {
    const recent = new RecentReads<string>(0, clock);
    let reads = 0;
    for (let i = 0; i < 3; i++) await recent.get('7', async () => `row ${++reads}`);
    expect(reads).toBe(3);
  });
});
