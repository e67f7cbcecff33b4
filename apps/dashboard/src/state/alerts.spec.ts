import type { CrossingStatusView, RecommendationView } from '@crosscast/contracts';
import { deriveAlerts } from './alerts';

const status = (crossingId: string, over: Partial<CrossingStatusView>): CrossingStatusView => ({
  crossingId, freshness: 'fresh', workerStatus: 'ok', lastForecastIntervalStart: '2006-10-10T00:00:00Z', lastHeartbeatAt: null, model: null, lastObservedTotal: null, drift: null, ...over,
});
const pending = (id: string, crossingId: string) => ({ id, crossingId, status: 'pending', cycleSeconds: 60, planningPeriodStart: '2006-10-10T00:00:00Z' }) as RecommendationView;

describe('dashboard alerts', () => {
  it('lists offline, stale, degraded, drift, then pending recommendations, by crossing within a kind', () => {
    const alerts = deriveAlerts({
      statuses: [
        status('B', { freshness: 'stale' }),
        status('A', { freshness: 'fresh', drift: { ratio: 2.1 } as CrossingStatusView['drift'] }),
        status('C', { freshness: 'offline' }),
        status('D', { workerStatus: 'degraded' }),
        status('E', { freshness: 'unknown' }),
        status('F', { freshness: 'fresh', drift: { ratio: 1.1 } as CrossingStatusView['drift'] }),
        status('A2', { freshness: 'stale' }),
      ],
      pending: [pending('9', 'A'), { ...pending('10', 'B'), status: 'accepted' }],
      nameOf: (id) => `crossing ${id}`,
    });
    expect(alerts.map((a) => `${a.kind}:${a.crossingId}`)).toEqual(['offline:C', 'stale:A2', 'stale:B', 'degraded:D', 'drift:A', 'pending:A']);
    expect(alerts.find((a) => a.kind === 'pending')!.text).toMatch(/recommendation #9 waits for a decision/);
  });

  it('keys an alert on its condition, so one that ends and comes back is a new alert', () => {
    const first = deriveAlerts({ statuses: [status('B', { freshness: 'stale', lastForecastIntervalStart: '2006-10-10T00:00:00Z' })], pending: [], nameOf: String });
    const again = deriveAlerts({ statuses: [status('B', { freshness: 'stale', lastForecastIntervalStart: '2006-10-10T05:00:00Z' })], pending: [], nameOf: String });
    expect(first[0].key).not.toBe(again[0].key);
  });
});
