import { CleanSeries, DEFAULT_CLEANING, approachLimits, cleanSeries, cleaningWarning, realShare, summarizeCleaning } from './cleaning';
import { IntervalSeries } from './series';

const DAY = 96; // 15-minute intervals
const WEEK = 7 * DAY;

function series(values: Array<Array<number | null>>, approaches = values[0].map((_, a) => `X:${a + 1}`)): IntervalSeries {
  return { intervalMinutes: 15, approaches, firstIntervalStartMs: Date.parse('2006-10-01T00:00:00+10:00'), values };
}

/** Two busy approaches, a distinct non-zero count in every cell (t = interval, a = approach). */
function busy(n: number): number[][] {
  return Array.from({ length: n }, (_, t) => [10 + (t % 500), 20 + (t % 400)]);
}

describe('cleanSeries flags', () => {
  it('keeps good readings as they are', () => {
    const clean = cleanSeries(series([[5, 7], [0, 3], [1000, 12]]));
    expect(clean.flags).toEqual([
      ['real', 'real'],
      ['real', 'real'],
      ['real', 'real'],
    ]);
    expect(clean.values).toEqual([[5, 7], [0, 3], [1000, 12]]);
  });

  it('flags null as missing', () => {
    const clean = cleanSeries(series([[5, 7], [null, 3]]));
    expect(clean.flags[1]).toEqual(['missing', 'real']);
  });

  it('flags negative and non-finite counts as invalid, and counts over the physical ceiling as over-capacity', () => {
    // Unknown lanes: 6 x 2,400 veh/h x 0.25 h = 3,600 per 15 minutes.
    const clean = cleanSeries(series([[5, 7], [-1, 3], [3601, 4], [NaN, Infinity]]));
    expect(clean.flags.slice(1)).toEqual([
      ['invalid', 'real'],
      ['over-capacity', 'real'],
      ['invalid', 'invalid'],
    ]);
    for (const row of clean.values) for (const v of row) expect(Number.isFinite(v) && v >= 0 && v <= 3600).toBe(true);
  });

  it('honours a fixed count limit', () => {
    const clean = cleanSeries(series([[5, 7], [1500, 3], [2500, 3]]), { ...DEFAULT_CLEANING, maxCountPerInterval: 2000 });
    expect(clean.flags.slice(1)).toEqual([
      ['real', 'real'],
      ['over-capacity', 'real'],
    ]);
  });

  it('derives the ceiling from lanes when they are known', () => {
    // Two lanes at 1,800 veh/h over 15 minutes: 900.
    const options = { ...DEFAULT_CLEANING, lanes: [2, 0], saturationFlowPerLane: 1800 };
    const clean = cleanSeries(series([[900, 901], [901, 2000]]), options);
    expect(clean.flags).toEqual([
      ['real', 'real'],
      ['over-capacity', 'real'],
    ]);
    expect(approachLimits(series([[1, 1]]), options).map((l) => [l.capacity, l.lanesKnown])).toEqual([
      [900, true],
      [2700, false],
    ]);
  });

  function withZeroRun(length: number): CleanSeries {
    const values = busy(30);
    for (let t = 10; t < 10 + length; t++) values[t][0] = 0;
    return cleanSeries(series(values));
  }

  it('flags a run of 8 zeros on one approach as stuck-zero', () => {
    const clean = withZeroRun(8);
    expect(clean.flags.map((f) => f[0])).toEqual([...Array(10).fill('real'), ...Array(8).fill('stuck-zero'), ...Array(12).fill('real')]);
    expect(clean.flags.every((f) => f[1] === 'real')).toBe(true);
  });

  it('flags all of a longer run, including one that reaches the end of the series', () => {
    const values = busy(30);
    for (let t = 18; t < 30; t++) values[t][1] = 0;
    const clean = cleanSeries(series(values));
    expect(clean.flags.map((f) => f[1])).toEqual([...Array(18).fill('real'), ...Array(12).fill('stuck-zero')]);
  });

  it('keeps a run of 7 zeros as real (a quiet street, not a fault)', () => {
    const clean = withZeroRun(7);
    expect(clean.flags.every((f) => f[0] === 'real' && f[1] === 'real')).toBe(true);
    expect(clean.values.slice(10, 17).map((r) => r[0])).toEqual(Array(7).fill(0));
  });

  it('flags an all-zero interval straight after a busy one as an outage (the daylight-saving hour)', () => {
    // 2006-10-29 in Melbourne: the logger wrote its skipped hour as one all-zero slot at 01:45.
    const clean = cleanSeries(series([[30, 25], [28, 22], [0, 0], [26, 20]]));
    expect(clean.flags[2]).toEqual(['outage', 'outage']);
    expect(clean.flags[3]).toEqual(['real', 'real']);
    expect(clean.values[2]).toEqual([28, 22]); // last real value of each approach
  });

  it('does not take an all-zero interval after a quiet one for an outage', () => {
    const clean = cleanSeries(series([[3, 2], [2, 1], [0, 0], [1, 0]])); // previous total 3 < 20
    expect(clean.flags[2]).toEqual(['real', 'real']);
    expect(clean.values[2]).toEqual([0, 0]);
  });

  it('uses the threshold inclusively: a previous total of exactly 20 is busy', () => {
    expect(cleanSeries(series([[12, 8], [0, 0]])).flags[1]).toEqual(['outage', 'outage']);
    expect(cleanSeries(series([[12, 7], [0, 0]])).flags[1]).toEqual(['real', 'real']);
  });

  it('does not call an interval an outage while one approach is still counting', () => {
    const clean = cleanSeries(series([[30, 25], [0, 4]]));
    expect(clean.flags[1]).toEqual(['real', 'real']);
  });

  it('counts only real cells of the row: zeros beside a missing cell after a busy interval are an outage', () => {
    const clean = cleanSeries(series([[30, 25], [0, null]]));
    expect(clean.flags[1]).toEqual(['outage', 'missing']);
  });
});

describe('cleanSeries fill order', () => {
  it('fills from the same time last week first', () => {
    const values: Array<Array<number | null>> = busy(WEEK + DAY);
    const t = WEEK + 5;
    values[t][0] = null;
    const clean = cleanSeries(series(values));
    expect(clean.flags[t][0]).toBe('missing');
    expect(clean.values[t][0]).toBe(values[t - WEEK][0]);
    expect(clean.values[t][0]).not.toBe(values[t - DAY][0]);
    expect(clean.values[t][1]).toBe(values[t][1]);
  });

  it('falls back to the same time yesterday when last week was not real', () => {
    const values: Array<Array<number | null>> = busy(WEEK + DAY);
    const t = WEEK + 6;
    values[t][0] = null;
    values[t - WEEK][0] = -3;
    const clean = cleanSeries(series(values));
    expect(clean.values[t][0]).toBe(values[t - DAY][0]);
  });

  it('uses yesterday when there is no last week yet', () => {
    const values: Array<Array<number | null>> = busy(3 * DAY);
    const t = 2 * DAY + 40;
    values[t][1] = null;
    const clean = cleanSeries(series(values));
    expect(clean.values[t][1]).toBe(values[t - DAY][1]);
    expect(clean.values[t][1]).not.toBe(values[t - 1][1]);
  });

  it('falls back to the last real value when neither last week nor yesterday was real', () => {
    const values: Array<Array<number | null>> = busy(WEEK + DAY);
    const t = WEEK + 7;
    values[t][0] = null;
    values[t - WEEK][0] = null;
    values[t - DAY][0] = 5000;
    values[t - 1][0] = null; // the last *real* value is two intervals back
    const clean = cleanSeries(series(values));
    expect(clean.values[t][0]).toBe(values[t - 2][0]);
  });

  it('does not fill from a filled cell of last week', () => {
    const values: Array<Array<number | null>> = busy(WEEK + DAY);
    const t = WEEK + 50;
    values[t - WEEK][0] = null; // filled from t - WEEK - 1 (no history before it)
    values[t][0] = null;
    const clean = cleanSeries(series(values));
    expect(clean.values[t][0]).toBe(values[t - DAY][0]);
  });

  it('fills a gap at the very start with the approach mean of its real values', () => {
    const clean = cleanSeries(series([[null, 4], [null, 6], [10, 8], [30, 2]]));
    expect(clean.values[0][0]).toBe(20);
    expect(clean.values[1][0]).toBe(20);
  });

  it('fills an approach with no real value at all with 0', () => {
    const clean = cleanSeries(series([[null, 4], [null, 6]]));
    expect(clean.values.map((r) => r[0])).toEqual([0, 0]);
  });

  it('fills a stuck-zero run from yesterday, not with zeros', () => {
    const values = busy(2 * DAY);
    for (let t = DAY + 10; t < DAY + 20; t++) values[t][0] = 0;
    const clean = cleanSeries(series(values));
    for (let t = DAY + 10; t < DAY + 20; t++) {
      expect(clean.flags[t][0]).toBe('stuck-zero');
      expect(clean.values[t][0]).toBe(values[t - DAY][0]);
    }
  });

  it('never leaves a null, negative or non-finite value', () => {
    const values: Array<Array<number | null>> = busy(2 * DAY);
    for (let t = 0; t < values.length; t += 7) values[t][t % 2] = [null, -4, NaN, 99999][t % 4];
    const clean = cleanSeries(series(values));
    for (const row of clean.values) for (const v of row) expect(Number.isFinite(v) && v >= 0).toBe(true);
  });
});

describe('realShare', () => {
  // Real cells: 2, 1, 0 and 1 (the -5 is invalid, so filled, so not real).
  const clean = cleanSeries(series([[1, 2], [null, 2], [null, null], [4, -5]]));

  it('is the share of real cells in the rows [from, to): filled cells of any kind do not count', () => {
    expect(realShare(clean, 0, 4)).toBeCloseTo(4 / 8, 10);
    expect(realShare(clean, 1, 3)).toBeCloseTo(1 / 4, 10);
    expect(realShare(clean, 0, 1)).toBe(1);
    expect(realShare(clean, 2, 3)).toBe(0);
    expect(realShare(clean, 3, 4)).toBe(0.5);
  });

  it('clips the range to the series and is 0 for an empty one', () => {
    expect(realShare(clean, -10, 100)).toBeCloseTo(4 / 8, 10);
    expect(realShare(clean, 3, 3)).toBe(0);
    expect(realShare(clean, 10, 20)).toBe(0);
  });
});

describe('cleanSeries: a multi-interval outage (the daylight-saving hour)', () => {
  it('flags every all-zero interval of the run, not only the first', () => {
    const busy = [30, 40];
    const values = [busy, busy, [0, 0], [0, 0], [0, 0], [0, 0], busy];
    const clean = cleanSeries({ intervalMinutes: 15, approaches: ['a', 'b'], firstIntervalStartMs: 0, values });
    expect(clean.flags.map((row) => row[0])).toEqual(['real', 'real', 'outage', 'outage', 'outage', 'outage', 'real']);
    expect(clean.values[3]).toEqual([30, 40]);
  });
});

describe('cleanSeries: limits from physics and history, not a fixed number', () => {
  /** Hourly counts of a big road: a daily curve peaking near 6,500 vehicles an hour. */
  function hourlyBigRoad(days: number): number[][] {
    return Array.from({ length: days * 24 }, (_, t) => {
      const hour = t % 24;
      const peak = Math.exp(-((hour - 8) ** 2) / 4) + 0.9 * Math.exp(-((hour - 17) ** 2) / 5);
      const wobble = 1 + 0.05 * Math.sin(t * 1.7);
      return [Math.round((300 + 6200 * peak) * wobble), Math.round((200 + 3000 * peak) * wobble)];
    });
  }

  it('keeps every hourly count of 5,000 and more: nothing is dropped', () => {
    const values = hourlyBigRoad(28);
    expect(Math.max(...values.map((r) => r[0]))).toBeGreaterThan(5000);
    const clean = cleanSeries({ intervalMinutes: 60, approaches: ['A', 'B'], firstIntervalStartMs: 0, values });
    const summary = summarizeCleaning(clean.flags);
    expect(summary.counts.real).toBe(summary.cells);
    expect(summary.droppedShare).toBe(0);
    expect(cleaningWarning(summary, 'X')).toBeNull();
    expect(clean.values).toEqual(values);
  });

  it('catches a stuck-high detector far above its own history, under the physical ceiling', () => {
    const values = busy(4 * DAY).map((row) => [row[0] % 60, row[1]]); // approach 0 never over 59
    values[300][0] = 900; // 15x its usual peak, well under 3,600
    const clean = cleanSeries(series(values));
    expect(clean.flags[300][0]).toBe('over-history');
    expect(clean.limits[0].source).toBe('history');
    expect(clean.limits[0].maxCount).toBeLessThan(900);
    // A busy hour on a quiet detector is not a fault: the history ceiling has a floor of
    // half a lane's saturation flow (300 per 15 minutes).
    expect(clean.limits[0].maxCount).toBeGreaterThanOrEqual(300);
  });

  it('counts every dropped reading by reason and warns above 5%', () => {
    const values = busy(200);
    for (let t = 0; t < 15; t++) values[t * 10][1] = -3;
    values[5][0] = null as unknown as number;
    const clean = cleanSeries(series(values));
    const summary = summarizeCleaning(clean.flags);
    expect(summary.cells).toBe(400);
    expect(summary.counts.missing).toBe(1);
    expect(summary.counts.invalid).toBe(15);
    expect(summary.reported).toBe(399);
    expect(summary.droppedShare).toBeCloseTo(15 / 399, 3);
    expect(cleaningWarning(summary, 'crossing X')).toBeNull(); // 3.8%: under the 5% warning line
    const more = busy(200);
    for (let t = 0; t < 30; t++) more[t * 5][1] = -3;
    const warning = cleaningWarning(summarizeCleaning(cleanSeries(series(more)).flags), 'crossing X');
    expect(warning).toMatch(/^crossing X: cleaning dropped 7\.5% of 400 readings \(invalid 30\)/);
  });
});
