import { CostBound, YieldWhileBusy } from './cost-bound';

/** A fake clock, and work that advances it by what it costs. */
function fakeWork(startMs: number) {
  let clock = startMs;
  return {
    clockMs: () => clock,
    costing: (ms: number) => () => {
      clock += ms;
      return ms;
    },
  };
}

describe('CostBound', () => {
  it('lets a cheap recomputation run every time and spaces an expensive one to its share of wall time', () => {
    const bound = new CostBound(0.25);
    const { clockMs, costing } = fakeWork(0);
    expect(bound.allows(0)).toBe(true);
    bound.run(0, costing(1), clockMs);
    expect(bound.allows(4)).toBe(true);
    bound.run(1000, costing(500), clockMs);
    // 500 ms at 25 %: not before 2 s after it started.
    expect(bound.allows(2999)).toBe(false);
    expect(bound.allows(3000)).toBe(true);
  });

  it('times a run that throws, and refuses a share outside (0, 1]', () => {
    const bound = new CostBound(0.5);
    let clock = 0;
    expect(() =>
      bound.run(0, () => {
        clock += 100;
        throw new Error('boom');
      }, () => clock),
    ).toThrow('boom');
    expect(bound.allows(199)).toBe(false);
    expect(bound.allows(200)).toBe(true);
    expect(() => new CostBound(0)).toThrow(/maxShare/);
    expect(() => new CostBound(1.5)).toThrow(/maxShare/);
  });

  it('keeps several kinds of work sharing one bound to the share together', () => {
    // A preview (300 ms) and the views rebuilt from it (200 ms) at 25 %: 2 s before either
    // may run again, where a bound each would have let both run again after 1.2 s and 0.8 s.
    const bound = new CostBound(0.25);
    const { clockMs, costing } = fakeWork(1000);
    bound.run(1000, costing(300), clockMs);
    bound.run(1300, costing(200), clockMs);
    expect(bound.allows(2999)).toBe(false);
    expect(bound.allows(3000)).toBe(true);
  });
});

describe('YieldWhileBusy', () => {
  it('runs when nothing urgent is busy, waits while it is, and takes a forced turn after waiting maxWaitMs in a row', () => {
    const ingestionFirst = new YieldWhileBusy(2000);
    expect(ingestionFirst.turn(false, 0)).toBe('run');
    expect(ingestionFirst.turn(true, 100)).toBe('wait');
    expect(ingestionFirst.turn(true, 2099)).toBe('wait');
    expect(ingestionFirst.turn(true, 2100)).toBe('forced');
    // The wait starts over after a forced turn.
    expect(ingestionFirst.turn(true, 2200)).toBe('wait');
    expect(ingestionFirst.turn(true, 4199)).toBe('wait');
    // A pause in the busy work ends the wait: the next busy stretch counts from its start.
    expect(ingestionFirst.turn(false, 4199)).toBe('run');
    expect(ingestionFirst.turn(true, 4300)).toBe('wait');
    expect(ingestionFirst.turn(true, 6299)).toBe('wait');
    expect(ingestionFirst.turn(true, 6300)).toBe('forced');
  });
});
