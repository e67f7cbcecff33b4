import type { ForecastMessage } from '@crosscast/contracts';
import { MicroBatcher } from './micro-batcher';
import { PlanningLanes } from './planning-lanes';

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
});

describe('PlanningLanes', () => {
  const forecast = (crossingId: string, k: number) => ({ crossingId, basedOnIntervalStart: new Date(Date.UTC(2026, 0, 1, 0, 15 * k)).toISOString(), messageId: `${crossingId}:${k}` }) as ForecastMessage;

  it("evaluates a crossing's newest waiting forecast and every redelivery, in order, one crossing at a time", async () => {
    const evaluated: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const lanes = new PlanningLanes(async (m) => {
      evaluated.push(m.messageId);
      if (m.messageId === 'a:0') await gate;
    }, 1);
    const first = lanes.plan(forecast('a', 0), false);
    // While a:0 is evaluated, three more of a arrive (one a redelivery) and one of b.
    const waiting = [lanes.plan(forecast('a', 2), false), lanes.plan(forecast('a', 1), true), lanes.plan(forecast('a', 3), false), lanes.plan(forecast('b', 0), false)];
    release();
    await Promise.all([first, ...waiting]);
    expect(evaluated).toEqual(['a:0', 'b:0', 'a:1', 'a:3']);
  });

  it('fails the forecasts covered by a failed evaluation, so their jobs are retried', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const lanes = new PlanningLanes(async (m) => {
      if (m.messageId === 'a:0') await gate;
      if (m.messageId === 'a:2') throw new Error('planning failed');
    }, 1);
    const first = lanes.plan(forecast('a', 0), false);
    const covered = lanes.plan(forecast('a', 1), false);
    const newest = lanes.plan(forecast('a', 2), false);
    release();
    expect((await Promise.allSettled([first, covered, newest])).map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
  });
});
