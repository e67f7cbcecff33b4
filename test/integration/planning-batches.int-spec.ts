import { DataSource } from 'typeorm';
import { loadCityDefinition } from '@crosscast/seed';
import { RecommendationsRepository } from '../../apps/fusion/src/repositories/recommendations.repository';
import { ForecastStoreRepository } from '../../apps/fusion/src/repositories/forecast-store.repository';
import { IngestionService } from '../../apps/fusion/src/services/ingestion.service';
import { PlanningService } from '../../apps/fusion/src/services/planning.service';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { shapedForecast } from '../support/planning-forecasts';

/**
 * Planning's batched reads and writes against real PostgreSQL: `planningContexts` and
 * `recentObservationsOf` answer as the one-crossing queries do, and
 * `storeEvaluationsWithoutRecommendation` keeps the one-at-a-time rules (already evaluated,
 * running plan changed).
 */
describe('planning in batches (real PostgreSQL + Redis)', () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const ids = ['0970', '0971', '2827'].filter((id) => city.crossings.some((c) => c.id === id));
  let harness: FusionHarness;
  let db: DataSource;
  let repository: RecommendationsRepository;
  let store: ForecastStoreRepository;
  const at = (hhmm: string) => `2006-10-10T${hhmm}:00+10:00`;
  let seq = 0;

  beforeAll(async () => {
    harness = await startFusionHarness({ name: 'planbatch', env: { PLANNING_PERIOD_MINUTES: '30', FUSION_STEP_SETTLE_MS: '500' } });
    db = harness.db;
    repository = harness.app.get(RecommendationsRepository);
    store = harness.app.get(ForecastStoreRepository);
    const ingestion = harness.app.get(IngestionService);
    for (const time of ['15:00', '15:15']) {
      for (const id of ids) {
        const crossing = city.crossings.find((c) => c.id === id)!;
        const message = shapedForecast(crossing, at(time), { observed: { N: 200, S: 210, E: 190, W: 180 }, forecast: {}, seq: ++seq });
        expect((await ingestion.ingestForecast('test', `job-${message.messageId}`, message)).status).toBe('stored');
      }
    }
    await harness.app.get(PlanningService).whenIdle();
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  }, 60_000);

  it('reads the contexts of many crossings as one crossing at a time would', async () => {
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const periodStart = new Date(at('15:00'));
    const batch = await repository.planningContexts(ids.map((crossingId) => ({ crossingId, periodStart })));
    expect([...batch.keys()]).toEqual(ids);
    for (const id of ids) {
      const one = await repository.planningContext(id, periodStart);
      expect(batch.get(id)).toEqual(one);
      // Planned already (the harness's planning ran): the evaluation is found, and the newest forecast is 15:15's.
      expect(one.evaluation).toMatchObject({ crossingId: id, planningPeriodStart: periodStart.toISOString() });
      expect(one.newestBasedOn?.toISOString()).toBe(new Date(at('15:15')).toISOString());
    }
    // A period not evaluated yet, and a crossing with no rows at all.
    const later = await repository.planningContexts([{ crossingId: ids[0], periodStart: new Date(at('16:00')) }]);
    expect(later.get(ids[0])!.evaluation).toBeNull();
    await expect(repository.planningContexts([{ crossingId: ids[0], periodStart }, { crossingId: ids[0], periodStart }])).rejects.toThrow(/twice/);
  });

  it('reads the recent observations of many crossings as one crossing at a time would', async () => {
    const batch = await store.recentObservationsOf(ids, 4);
    for (const id of ids) {
      const one = await store.recentObservations(id, 4);
      expect(one.length).toBeGreaterThan(0);
      expect(batch.get(id)).toEqual(one);
    }
  });

  it('stores evaluations that recommend nothing together, keeping an evaluated period and refusing one whose running plan changed', async () => {
    const periodStart = new Date(at('16:00'));
    const evaluation = (crossingId: string) => ({
      crossingId,
      planningPeriodStart: periodStart,
      basedOnIntervalStart: new Date(at('15:15')),
      forecastMessageId: `no-such-message-${crossingId}`,
      gainSeconds: 0,
      gainShare: 0,
      expectedDelayRunningSeconds: 20,
      expectedDelayRecommendedSeconds: 20,
      basis: 'centre' as const,
      congested: false,
      reason: 'batch spec',
      inputSource: 'fused' as const,
      evaluatedAt: new Date(),
      recommendation: null,
    });
    const [first, second] = ids;
    const outcomes = await repository.storeEvaluationsWithoutRecommendation([
      { evaluation: evaluation(first), expectedRunningDecisionId: null },
      // The planner was told a plan ran there; none does: planned again on its own, nothing written.
      { evaluation: evaluation(second), expectedRunningDecisionId: 'some-decision' },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'running-plan-changed']);
    expect(outcomes[0]).toMatchObject({ evaluation: { crossingId: first, outcome: 'not-needed', reason: 'batch spec', inputSource: 'fused' }, recommendation: null, supersededIds: [], expiredIds: [] });
    const rows = await db.query(`SELECT crossing_id FROM planning_evaluations WHERE planning_period_start = $1 ORDER BY crossing_id`, [periodStart]);
    expect(rows.map((r: { crossing_id: string }) => r.crossing_id)).toEqual([first]);
    // The same period again: kept as it was.
    expect((await repository.storeEvaluationsWithoutRecommendation([{ evaluation: { ...evaluation(first), reason: 'again' }, expectedRunningDecisionId: null }]))[0]).toEqual({ status: 'already-evaluated' });
    const [congestion] = await db.query(`SELECT congested, planning_period_start FROM crossing_congestion WHERE crossing_id = $1`, [first]);
    expect(congestion).toMatchObject({ congested: false, planning_period_start: periodStart });
  });
});
