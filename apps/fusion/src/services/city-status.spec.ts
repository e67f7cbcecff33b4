import { cityDataTimeMs, computeStatuses, staleEpisodeChanges } from './status.service';
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
    degradedSince: null,
    driftingSince: null,
    staleSince: null,
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

describe('alert episodes (where each worker alert began: its key)', () => {
  const heartbeatAt = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000);
  it('names the start of each episode in the status, and nothing while the condition does not hold', () => {
    const rows: StatusRow[] = [
      row('OFF', 10, 31), // offline: since its last heartbeat
      { ...row('STALE', 7, 1), staleSince: at(6) }, // stale, kept since an earlier forecast (late forecasts arrived since)
      row('STALE2', 7, 1), // stale, not kept yet: the newest forecast (what the leader's tick will keep)
      { ...row('DEG', 10, 1), workerStatus: 'degraded', degradedSince: heartbeatAt(600) },
      { ...row('DRIFT', 10, 1), driftingSince: heartbeatAt(300) },
      { ...row('FRESH', 10, 1), staleSince: at(3) }, // fresh again: a kept stale start no longer shows
    ];
    const { statuses } = computeStatuses(rows, rows.map((r) => r.crossingId), 15, now, config);
    const by = Object.fromEntries(statuses.map((s) => [s.crossingId, [s.offlineSince, s.staleSince, s.degradedSince, s.driftingSince]]));
    expect(by).toEqual({
      OFF: [heartbeatAt(31).toISOString(), null, null, null],
      STALE: [null, at(6).toISOString(), null, null],
      STALE2: [null, at(7).toISOString(), null, null],
      DEG: [null, null, heartbeatAt(600).toISOString(), null],
      DRIFT: [null, null, null, heartbeatAt(300).toISOString()],
      FRESH: [null, null, null, null],
    });
  });

  it('keeps a stale episode once, ends it when the crossing is fresh (or unknown) again, and lets offline leave it as it is', () => {
    const view = (crossingId: string, freshness: 'fresh' | 'stale' | 'offline' | 'unknown', staleSince: string | null = null) => ({ ...computeStatuses([], [crossingId], 15, now, config).statuses[0], freshness, staleSince });
    const kept = new Map<string, string | null>();
    // First call: everything is written (the SQL only fills empty starts and clears set ones).
    let changes = staleEpisodeChanges([view('A', 'stale', 't1'), view('B', 'fresh'), view('C', 'offline')], kept);
    expect(changes).toEqual({ began: [{ crossingId: 'A', since: 't1' }], ended: ['B'] });
    kept.set('A', 't1').set('B', null);
    // Still stale with a later forecast: nothing to write (the kept start stays).
    expect(staleEpisodeChanges([view('A', 'stale', 't1'), view('B', 'fresh')], kept)).toEqual({ began: [], ended: [] });
    // Offline in between is the same episode; fresh ends it; stale again is a new one.
    expect(staleEpisodeChanges([view('A', 'offline')], kept)).toEqual({ began: [], ended: [] });
    changes = staleEpisodeChanges([view('A', 'fresh'), view('B', 'stale', 't9')], kept);
    expect(changes).toEqual({ began: [{ crossingId: 'B', since: 't9' }], ended: ['A'] });
  });
});
