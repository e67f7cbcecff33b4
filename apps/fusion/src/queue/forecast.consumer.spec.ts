import { splitConcurrency } from './forecast.consumer';

describe('splitConcurrency', () => {
  it('shares the jobs in flight equally over the workers, rounding up', () => {
    expect(splitConcurrency(4096, 8)).toEqual({ workers: 8, concurrencyEach: 512 });
    expect(splitConcurrency(1000, 8)).toEqual({ workers: 8, concurrencyEach: 125 });
    expect(splitConcurrency(10, 4)).toEqual({ workers: 4, concurrencyEach: 3 });
  });

  it('never starts more workers than jobs may be in flight: one job at a time stays one worker', () => {
    expect(splitConcurrency(1, 8)).toEqual({ workers: 1, concurrencyEach: 1 });
    expect(splitConcurrency(3, 8)).toEqual({ workers: 3, concurrencyEach: 1 });
  });
});
