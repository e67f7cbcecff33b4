import { CrossingSummaryView } from './views';
import { FRESHNESS_CODES, WORKER_STATUS_CODES, packSummaries, unpackSummaries } from './summary-columns';

const base = (id: string): CrossingSummaryView => ({
  crossingId: id,
  freshness: 'fresh',
  workerStatus: 'ok',
  lastObservedTotal: 212.5,
  lastForecastIntervalStart: '2026-12-06T10:15:00.000Z',
  congestion: null,
  offlineSince: null,
  staleSince: null,
  degradedSince: null,
  driftingSince: null,
  estimated: false,
});

describe('crossing summaries column by column', () => {
  it('unpacks to exactly the summaries packed, every field and every value of each code list', () => {
    const list: CrossingSummaryView[] = [
      base('0970'),
      { ...base('2000'), freshness: 'stale', estimated: true, staleSince: '2026-12-06T09:45:00.000Z', lastObservedTotal: null },
      { ...base('3120'), freshness: 'offline', workerStatus: null, offlineSince: '2026-12-06T09:01:02.345Z', lastForecastIntervalStart: null, estimated: true },
      { ...base('4000'), freshness: 'unknown', workerStatus: 'starting', lastForecastIntervalStart: null },
      { ...base('5000'), workerStatus: 'warming-up', driftingSince: '2026-12-06T10:00:00.000Z' },
      { ...base('6000'), workerStatus: 'degraded', degradedSince: '2026-12-06T10:00:00.000Z', congestion: { since: '2026-12-06T09:00:00.000Z', periodStart: '2026-12-06T10:00:00.000Z', reason: 'Y = 0.93 >= 0.9' } },
    ];
    const packed = packSummaries(list);
    expect(unpackSummaries(JSON.parse(JSON.stringify(packed)))).toEqual(list);
    expect(new Set(list.map((s) => s.freshness))).toEqual(new Set(FRESHNESS_CODES));
    expect(new Set(list.map((s) => s.workerStatus).filter(Boolean))).toEqual(new Set(WORKER_STATUS_CODES));
    // Each instant once; only the congested row carries a congestion.
    expect(packed.times.length).toBe(new Set(packed.times).size);
    expect(packed.congestion).toEqual([{ row: 5, view: list[5].congestion }]);
  });

  it('is a fraction of the list of objects at city scale', () => {
    const list = Array.from({ length: 4096 }, (_, i) => ({ ...base(`c${i >> 6}_${i & 63}`), freshness: i % 3 ? 'stale' : 'fresh', staleSince: i % 3 ? '2026-12-06T09:45:00.000Z' : null, estimated: i % 3 !== 0, lastObservedTotal: 100 + (i % 200) }) as CrossingSummaryView);
    const packed = JSON.stringify(packSummaries(list)).length;
    expect(packed).toBeLessThan(JSON.stringify(list).length / 5);
    expect(unpackSummaries(packSummaries(list))).toEqual(list);
  });

  it('unpacks an empty set (no crossing changed)', () => {
    expect(unpackSummaries(packSummaries([]))).toEqual([]);
  });
});
