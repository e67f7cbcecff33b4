import type { CrossingStatusView, RecommendationView } from '@crosscast/contracts';
import { Acknowledgements, deriveAlerts } from './alerts';

const status = (crossingId: string, over: Partial<CrossingStatusView>): CrossingStatusView => ({
  crossingId, freshness: 'fresh', workerStatus: 'ok', lastForecastIntervalStart: '2006-10-10T00:00:00Z', lastHeartbeatAt: null, model: null, lastObservedTotal: null, drift: null, congestion: null, offlineSince: null, staleSince: null, degradedSince: null, driftingSince: null, ...over,
});
const pending = (id: string, crossingId: string) => ({ id, crossingId, status: 'pending', cycleSeconds: 60, planningPeriodStart: '2006-10-10T00:00:00Z' }) as RecommendationView;

describe('dashboard alerts', () => {
  it('lists offline, stale, degraded, drift, congestion, then pending recommendations, by crossing within a kind', () => {
    const alerts = deriveAlerts({
      statuses: [
        status('B', { freshness: 'stale', staleSince: '2006-10-10T00:00:00Z' }),
        status('A', { freshness: 'fresh', drift: { ratio: 2.1 } as CrossingStatusView['drift'], driftingSince: '2026-01-01T08:00:00.000Z' }),
        status('C', { freshness: 'offline', offlineSince: '2026-01-01T08:00:00.000Z' }),
        status('D', { workerStatus: 'degraded', degradedSince: '2026-01-01T08:00:00.000Z' }),
        status('E', { freshness: 'unknown' }),
        // The drift verdict is the server's (driftingSince): a ratio alone raises nothing.
        status('F', { freshness: 'fresh', drift: { ratio: 1.7 } as CrossingStatusView['drift'] }),
        status('A2', { freshness: 'stale', staleSince: '2006-10-10T00:00:00Z' }),
        status('G', { congestion: { since: '2006-10-10T07:00:00.000Z', periodStart: '2006-10-10T08:00:00.000Z', reason: 'cycle capped at 120 s: Y = 0.93 >= 0.9' } }),
      ],
      pending: [pending('9', 'A'), { ...pending('10', 'B'), status: 'accepted' }],
      nameOf: (id) => `crossing ${id}`,
    });
    expect(alerts.map((a) => `${a.kind}:${a.crossingId}`)).toEqual(['offline:C', 'stale:A2', 'stale:B', 'degraded:D', 'drift:A', 'congestion:G', 'pending:A']);
    // Keyed on the start of the congested run (the server's `since`), with the planner's reason.
    expect(alerts.find((a) => a.kind === 'congestion')).toMatchObject({ key: 'congestion:G:2006-10-10T07:00:00.000Z', text: expect.stringMatching(/Y = 0\.93/) });
    expect(alerts.find((a) => a.kind === 'pending')!.text).toMatch(/recommendation #9 waits for a decision/);
    expect(alerts.find((a) => a.kind === 'drift')).toMatchObject({ key: 'drift:A:2026-01-01T08:00:00.000Z', text: expect.stringMatching(/×2\.10/) });
  });

  it('keys an alert on its episode: new forecasts keep the key, a new episode changes it', () => {
    const keysOf = (over: Partial<CrossingStatusView>) => deriveAlerts({ statuses: [status('B', over)], pending: [], nameOf: String }).map((a) => a.key);
    // A degraded worker's forecasts keep coming: same episode, same key (it used to change with each forecast).
    const degraded = { workerStatus: 'degraded' as const, degradedSince: '2026-01-01T08:00:00.000Z' };
    expect(keysOf({ ...degraded, lastForecastIntervalStart: '2006-10-10T00:15:00Z' })).toEqual(keysOf({ ...degraded, lastForecastIntervalStart: '2006-10-10T00:30:00Z' }));
    expect(keysOf({ ...degraded, degradedSince: '2026-01-01T09:00:00.000Z' })).not.toEqual(keysOf(degraded));
    // Drift: the episode is in the key (it used to be `drift:<crossing>` for ever).
    expect(keysOf({ driftingSince: '2026-01-01T08:00:00.000Z' })).toEqual(['drift:B:2026-01-01T08:00:00.000Z']);
    expect(keysOf({ driftingSince: '2026-01-02T08:00:00.000Z' })).not.toEqual(keysOf({ driftingSince: '2026-01-01T08:00:00.000Z' }));
    // Stale: late forecasts in the same stale episode keep the key.
    expect(keysOf({ freshness: 'stale', staleSince: '2006-10-10T00:00:00Z', lastForecastIntervalStart: '2006-10-10T01:00:00Z' })).toEqual(keysOf({ freshness: 'stale', staleSince: '2006-10-10T00:00:00Z' }));
  });

  it('keeps shared acknowledgements by alert key, once each', () => {
    const acks = new Acknowledgements();
    const ack = { id: '1', alertKey: 'pending:A:9', kind: 'pending' as const, crossingId: 'A', note: null, acknowledgedBy: 'operator', acknowledgedByRole: 'operator' as const, acknowledgedAt: '2026-01-01T00:00:00Z' };
    expect(acks.add(ack)).toBe(true);
    expect(acks.add({ ...ack, id: '2', acknowledgedBy: 'other' })).toBe(false);
    expect(acks.get('pending:A:9')?.acknowledgedBy).toBe('operator');
    expect(acks.has('pending:A:10')).toBe(false);
  });
});
