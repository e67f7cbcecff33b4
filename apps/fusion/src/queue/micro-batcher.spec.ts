import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  it('writes up to maxItems together and settles each item with its own result', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, string>(async (items) => {
      batches.push(items);
      return items.map((i) => `r${i}`);
    }, { maxItems: 3, maxWaitMs: 1000 });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => batcher.add(i)));
    expect(results).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('rejects every item of a batch whose write failed, and only those', async () => {
    const batcher = new MicroBatcher<number, number>(async (items) => {
      if (items.includes(2)) throw new Error('database down');
      return items;
    }, { maxItems: 2, maxWaitMs: 0 });
    const settled = await Promise.allSettled([1, 2, 3, 4].map((i) => batcher.add(i)));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
  });

  it('with one flush at a time, gathers what arrives meanwhile into the next batch', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new MicroBatcher<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items;
    }, { maxItems: 100, maxWaitMs: 0, maxConcurrentFlushes: 1 });
    const first = batcher.add(1);
    await new Promise((r) => setTimeout(r, 5));
    const rest = [2, 3, 4].map((i) => batcher.add(i));
    await new Promise((r) => setTimeout(r, 5));
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('with two flushes at a time, writes a second batch while the first is written, and holds a third', async () => {
    const started: number[][] = [];
    const gates: Array<() => void> = [];
    const batcher = new MicroBatcher<number, number>(async (items) => {
      started.push(items);
      await new Promise<void>((r) => gates.push(r));
      return items;
    }, { maxItems: 2, maxWaitMs: 0, maxConcurrentFlushes: 2 });
    const all = [1, 2, 3, 4, 5, 6].map((i) => batcher.add(i));
    await new Promise((r) => setTimeout(r, 5));
    expect(started).toEqual([[1, 2], [3, 4]]);
    expect(batcher.flushing).toBe(2);
    gates[0]();
    await all[0];
    await new Promise((r) => setTimeout(r, 5));
    expect(started).toEqual([[1, 2], [3, 4], [5, 6]]);
    gates[1]();
    gates[2]();
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
