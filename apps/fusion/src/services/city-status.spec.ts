import { cityDataTimeMs, computeStatuses } from './status.service';
import { StatusRow } from '../repositories/forecast-store.repository';

const T0 = Date.parse('2006-10-10T08:00:00Z');
const at = (intervals: number) => new Date(T0 + intervals * 15 * 60_000);
const config = { STALE_AFTER_INTERVALS: 2, OFFLINE_AFTER_SECONDS: 30 };
const now = new Date('2026-01-01T12:00:00Z');

function row(crossingId: string, lastForecastIntervals: number | null, heartbeatSecondsAgo: number | null): StatusRow {
  return {
    crossingId,
    workerStatus: 'ok',
    lastHeartbeatAt: heartbeatSecondsAgo === null ? null : new Date(now.getTime() - heartbeatSecondsAgo * 1000),
    lastForecastIntervalStart: lastForecastIntervals === null ? null : at(lastForecastIntervals),
    lastObservedTotal: 10,
    model: null,
    drift: null,
    congestion: null,
  };
}

describe('crossing freshness', () => {
  it('judges forecast age in data time against the newest crossing, and silence in wall time', () => {
    const { asOf, statuses } = computeStatuses(
      [row('A', 10, 1), row('B', 8, 1), row('C', 7, 1), row('D', 10, 31), row('E', null, null)],
      ['A', 'B', 'C', 'D', 'E', 'F'],
      15,
      now,
      config,
    );
    expect(asOf).toEqual(at(10));
    expect(Object.fromEntries(statuses.map((s) => [s.crossingId, s.freshness]))).toEqual({
      A: 'fresh',
      B: 'fresh', // exactly two intervals behind is still fresh
      C: 'stale', // three behind
      D: 'offline', // no heartbeat for 31 s
      E: 'unknown', // never heard from
      F: 'unknown', // no row at all
    });
  });
});

describe('city data time', () => {
  it('is the newest crossing, unless that crossing is more than an hour ahead of the rest', () => {
    const t = (i: number) => at(i).getTime();
    expect(cityDataTimeMs([t(10), t(10), t(11), t(9)], 15)).toBe(t(11));
    // One worker with a clock in 2099 must not make every other crossing stale.
    expect(cityDataTimeMs([t(10), t(10), t(9), Date.parse('2099-01-01T00:00:00Z')], 15)).toBe(t(10));
    expect(cityDataTimeMs([], 15)).toBeNull();
  });
});

describe('congestion (the congestion alert)', () => {
  const verdict = (periodIntervals: number, sinceIntervals: number) => ({ periodStart: at(periodIntervals), since: at(sinceIntervals), reason: 'evening peak rising; congested: Y = 0.95 >= 0.9' });
  it("shows the newest congested planning verdict, keyed by the start of its run, while it is at most two planning periods old", () => {
    const rows = [
      { ...row('A', 10, 1), congestion: verdict(10, 8) },
      { ...row('B', 10, 1), congestion: verdict(8, 8) }, // exactly two 15-minute periods before the city's now
      { ...row('C', 10, 1), congestion: verdict(7, 5) }, // three: the crossing stopped being planned
      { ...row('D', 10, 1), congestion: null },
    ];
    const { statuses } = computeStatuses(rows, ['A', 'B', 'C', 'D'], 15, now, { ...config, PLANNING_PERIOD_MINUTES: 15 });
    const byId = Object.fromEntries(statuses.map((s) => [s.crossingId, s.congestion]));
    expect(byId.A).toEqual({ since: at(8).toISOString(), periodStart: at(10).toISOString(), reason: 'Y = 0.95 >= 0.9' });
    expect(byId.B?.since).toBe(at(8).toISOString());
    expect(byId.C).toBeNull();
    expect(byId.D).toBeNull();
    // Hourly planning periods keep a verdict longer.
    expect(computeStatuses(rows, ['C'], 15, now, { ...config, PLANNING_PERIOD_MINUTES: 60 }).statuses[0].congestion?.since).toBe(at(5).toISOString());
  });
});
