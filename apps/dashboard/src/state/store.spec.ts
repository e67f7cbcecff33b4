import type { DecisionView, RecommendationView } from '@crosscast/contracts';
import { Store, addRecommendation, newSelection } from './store';

const rec = (id: string, period: string, status: RecommendationView['status'] = 'pending') =>
  ({ id, crossingId: 'A', status, planningPeriodStart: period, basedOnIntervalStart: period, createdAt: period, statusChangedAt: null, cycleSeconds: 60 }) as RecommendationView;

describe('dashboard store: recommendation status comes from the server', () => {
  it('a newer recommendation does not supersede the older one by itself; the server event does', () => {
    const store = new Store();
    store.sel = newSelection('A');
    addRecommendation(store.sel, rec('1', '2006-10-10T00:00:00Z'));
    addRecommendation(store.sel, rec('2', '2006-10-10T01:00:00Z'));
    store.notePending(rec('1', '2006-10-10T00:00:00Z'));
    store.notePending(rec('2', '2006-10-10T01:00:00Z'));
    expect(store.sel.recommendation!.id).toBe('2');
    expect(store.sel.recHistory.find((r) => r.id === '1')!.status).toBe('pending');

    store.applyStatusChange({ crossingId: 'A', recommendationIds: ['1'], status: 'superseded', byRecommendationId: '2' });
    expect(store.sel.recHistory.find((r) => r.id === '1')!.status).toBe('superseded');
    expect(store.pending.get('A')!.id).toBe('2');

    store.applyDecision({ crossingId: 'A', recommendationId: '2', decision: 'accepted', decidedByRole: 'operator' } as DecisionView);
    expect(store.sel.recHistory.find((r) => r.id === '2')!.status).toBe('accepted');
    expect(store.pending.has('A')).toBe(false);
  });
});

describe('dashboard store: estimates come with the crossing summaries', () => {
  const summary = (id: string, estimated: boolean) => ({ crossingId: id, freshness: 'stale', workerStatus: 'ok', lastObservedTotal: 10, lastForecastIntervalStart: null, congestion: null, offlineSince: null, staleSince: '2006-10-10T00:00:00Z', degradedSince: null, driftingSince: null, estimated }) as const;

  it('marks a crossing estimated from its summary and unmarks it from a later one, keeping the status without the flag', () => {
    const store = new Store();
    store.setSummary(summary('A', true));
    store.setSummary(summary('B', false));
    expect(store.isEstimated('A')).toBe(true);
    expect(store.isEstimated('B')).toBe(false);
    expect(store.statuses.get('A')).not.toHaveProperty('estimated');
    expect(store.freshnessOf('A')).toBe('stale');
    const version = store.mapVersion;
    store.setSummary(summary('A', false));
    expect(store.isEstimated('A')).toBe(false);
    expect(store.mapVersion).toBeGreaterThan(version);
  });
});
