import { CrossingStatusView, ForecastView } from '@crosscast/contracts';
import { computeCityForecast } from './city-forecast.service';
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

describe('city forecast', () => {
  const band = (mean: number) => ({ mean, lower80: mean - 10, upper80: mean + 10, lower95: mean - 20, upper95: mean + 20 });
  const forecast = (crossingId: string, basedOn: number, means: number[]): ForecastView => ({
    messageId: `${crossingId}:${at(basedOn).toISOString()}`,
    crossingId,
    basedOnIntervalStart: at(basedOn).toISOString(),
    intervalMinutes: 15,
    receivedAt: now.toISOString(),
    model: { name: 'residual-ensemble', version: 1, backend: 'wasm', trainedOnIntervals: 100 },
    realInputShare: 1,
    qualityFlags: [],
    horizons: means.map((m, i) => ({ stepsAhead: i + 1, horizonMinutes: (i + 1) * 15, intervalStart: at(basedOn + i + 1).toISOString(), total: band(m), approaches: {} })),
  });
  const status = (crossingId: string, freshness: CrossingStatusView['freshness']): CrossingStatusView => ({
    crossingId, freshness, workerStatus: 'ok', lastForecastIntervalStart: null, lastHeartbeatAt: null, model: null, lastObservedTotal: null, drift: null,
  });

  it('sums fresh crossings by target interval, aligning a crossing one interval behind, and names the others', () => {
    const city = computeCityForecast(
      [forecast('A', 10, [100, 110, 120, 130]), forecast('B', 9, [50, 60, 70, 80]), forecast('C', 5, [999, 999, 999, 999])],
      [status('A', 'fresh'), status('B', 'fresh'), status('C', 'stale'), status('D', 'offline')],
      at(10),
      15,
    );
    // B's forecast, made one interval earlier, reaches the city's third interval; its last
    // horizon is held flat for the fourth instead of letting the total dip.
    expect(city.horizons.map((h) => h.total)).toEqual([100 + 60, 110 + 70, 120 + 80, 130 + 80]);
    expect(city.horizons.map((h) => h.crossingsIncluded)).toEqual([2, 2, 2, 2]);
    expect(city.horizons.map((h) => h.crossingsExtended)).toEqual([0, 0, 0, 1]);
    expect(city.horizons[0]).toMatchObject({ lower80: 140, upper80: 180, intervalStart: at(11).toISOString() });
    expect(city.stale.map((s) => [s.crossingId, s.freshness])).toEqual([['C', 'stale'], ['D', 'offline']]);
    expect(city).toMatchObject({ crossingsTotal: 4, crossingsFresh: 2 });
  });

  it('has no horizons before any forecast arrived, but still lists every crossing', () => {
    const city = computeCityForecast([], [status('A', 'unknown')], null, 15);
    expect(city.horizons).toEqual([]);
    expect(city.stale).toHaveLength(1);
  });
});
