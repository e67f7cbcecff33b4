import type { CrossingStatusView, RecommendationView } from '@crosscast/contracts';
import { Acknowledgements, deriveAlerts } from './alerts';

const status = (crossingId: string, over: Partial<CrossingStatusView>): CrossingStatusView => ({
  crossingId, freshness: 'fresh', workerStatus: 'ok', lastForecastIntervalStart: '2006-10-10T00:00:00Z', lastHeartbeatAt: null, model: null, lastObservedTotal: null, drift: null, congestion: null, ...over,
});
const pending = (id: string, crossingId: string) => ({ id, crossingId, status: 'pending', cycleSeconds: 60, planningPeriodStart: '2006-10-10T00:00:00Z' }) as RecommendationView;

describe('dashboard alerts', () => {
  it('lists offline, stale, degraded, drift, congestion, then pending recommendations, by crossing within a kind', () => {
    const alerts = deriveAlerts({
      statuses: [
        status('B', { freshness: 'stale' }),
        status('A', { freshness: 'fresh', drift: { ratio: 2.1 } as CrossingStatusView['drift'] }),
        status('C', { freshness: 'offline' }),
        status('D', { workerStatus: 'degraded' }),
        status('E', { freshness: 'unknown' }),
        status('F', { freshness: 'fresh', drift: { ratio: 1.1 } as CrossingStatusView['drift'] }),
        status('A2', { freshness: 'stale' }),
        status('G', { congestion: { since: '2006-10-10T07:00:00.000Z', periodStart: '2006-10-10T08:00:00.000Z', reason: 'cycle capped at 120 s: Y = 0.93 >= 0.9' } }),
      ],
      pending: [pending('9', 'A'), { ...pending('10', 'B'), status: 'accepted' }],
      nameOf: (id) => `crossing ${id}`,
    });
    expect(alerts.map((a) => `${a.kind}:${a.crossingId}`)).toEqual(['offline:C', 'stale:A2', 'stale:B', 'degraded:D', 'drift:A', 'congestion:G', 'pending:A']);
    // Keyed on the start of the congested run (the server's `since`), with the planner's reason.
    expect(alerts.find((a) => a.kind === 'congestion')).toMatchObject({ key: 'congestion:G:2006-10-10T07:00:00.000Z', text: expect.stringMatching(/Y = 0\.93/) });
    expect(alerts.find((a) => a.kind === 'pending')!.text).toMatch(/recommendation #9 waits for a decision/);
  });

  it('keys an alert on its condition, so one that ends and comes back is a new alert', () => {
    const first = deriveAlerts({ statuses: [status('B', { freshness: 'stale', lastForecastIntervalStart: '2006-10-10T00:00:00Z' })], pending: [], nameOf: String });
    const again = deriveAlerts({ statuses: [status('B', { freshness: 'stale', lastForecastIntervalStart: '2006-10-10T05:00:00Z' })], pending: [], nameOf: String });
    expect(first[0].key).not.toBe(again[0].key);
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
