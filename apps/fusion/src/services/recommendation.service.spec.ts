import { CrossingDefinition, PlanningEvaluationView, RecommendationStatusChangeView, RecommendationView, RunningPlanView } from '@crosscast/contracts';
import { readFusionConfig } from '../config';
import type { LiveGateway } from '../gateways/live.gateway';
import type { CityRepository } from '../repositories/city.repository';
import type { ClockRepository } from '../repositories/clock.repository';
import type { DecideOutcome } from '../repositories/decisions.repository';
import type { ForecastStoreRepository } from '../repositories/forecast-store.repository';
import type { EvaluationToStore, PlanningContext, RecommendationsRepository, StoreEvaluationOutcome } from '../repositories/recommendations.repository';
import type { DecisionService } from './decision.service';
import type { LeadershipService } from './leadership.service';
import type { PlanningForecast } from './planning-inputs';
import { RecommendationService } from './recommendation.service';
import type { StatusService } from './status.service';

/**
 * The recommendation rules that sit in the service, with in-memory repositories (the SQL
 * is covered by test/integration/recommendations.int-spec.ts): only a crossing's newest
 * forecast is planned from, once per period; the supersede and expiry the store reports
 * are told to every dashboard (`recommendation-status`) before the new recommendation;
 * a period is planned again when an operator's decision changed the running plan
 * meanwhile (at most three times); automatic mode's refusal is written on the recommendation.
 */
const CROSSING: CrossingDefinition = {
  id: '0970',
  name: 'WARRIGAL RD / HIGH STREET RD',
  lat: -37.85,
  lon: 145.08,
  approaches: (['N', 'E', 'S', 'W'] as const).map((direction) => ({ id: `0970:${direction}`, lat: null, lon: null, location: `${direction} approach`, direction, road: direction === 'N' || direction === 'S' ? 'WARRIGAL RD' : 'HIGH STREET RD' })),
};
const T0 = Date.parse('2006-10-09T22:00:00Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** A forecast with heavy north–south and light east–west demand: a plan worth recommending against an even split. */
function forecast(basedOnMinutes: number, demand: Record<string, number> = { N: 220, S: 200, E: 40, W: 30 }): PlanningForecast {
  const band = (mean: number) => ({ mean, lower80: mean * 0.9, upper80: mean * 1.1, lower95: mean * 0.85, upper95: mean * 1.15 });
  return {
    messageId: `0970:${iso(basedOnMinutes)}`,
    crossingId: '0970',
    basedOnIntervalStart: iso(basedOnMinutes),
    intervalMinutes: 15,
    horizons: [1, 2, 3, 4].map((step) => {
      const approaches = Object.fromEntries(CROSSING.approaches.map((a) => [a.id, band(demand[a.direction])]));
      return { stepsAhead: step, horizonMinutes: step * 15, intervalStart: iso(basedOnMinutes + step * 15), total: band(Object.values(demand).reduce((s, v) => s + v, 0)), approaches };
    }),
    observed: { approaches: Object.fromEntries(CROSSING.approaches.map((a) => [a.id, 100])) },
    quality: { flags: [] },
  };
}

/** Evaluations and recommendations in memory, superseding and expiring as the SQL does. */
class MemoryRecommendations {
  readonly evaluations = new Map<string, PlanningEvaluationView>();
  readonly recs: RecommendationView[] = [];
  newestBasedOn: Date | null = null;
  runningPlan: RunningPlanView | null = null;
  automatic = { enabled: false, plansEnabled: true, updatedBy: null, updatedAt: null };
  /** How many more stores report that the running plan changed meanwhile. */
  planChanges = 0;
  stores = 0;
  contextReads = 0;
  batchStores = 0;
  readonly held: Array<{ id: string; note: string }> = [];

  async planningContext(crossingId: string, periodStart: Date): Promise<PlanningContext> {
    return { evaluation: this.evaluations.get(periodStart.toISOString()) ?? null, newestBasedOn: this.newestBasedOn, runningPlan: this.runningPlan, automatic: this.automatic, lastAutomaticPeriodStart: null };
  }

  async planningContexts(requests: Array<{ crossingId: string; periodStart: Date }>): Promise<Map<string, PlanningContext>> {
    this.contextReads++;
    return new Map(await Promise.all(requests.map(async (r) => [r.crossingId, await this.planningContext(r.crossingId, r.periodStart)] as const)));
  }

  async storeEvaluationsWithoutRecommendation(items: Array<{ evaluation: EvaluationToStore }>): Promise<StoreEvaluationOutcome[]> {
    this.batchStores++;
    const outcomes: StoreEvaluationOutcome[] = [];
    for (const { evaluation } of items) outcomes.push(await this.storeEvaluation(evaluation));
    return outcomes;
  }

  async storeEvaluation(e: EvaluationToStore): Promise<StoreEvaluationOutcome> {
    this.stores++;
    if (this.planChanges > 0) {
      this.planChanges--;
      return { status: 'running-plan-changed' };
    }
    const key = e.planningPeriodStart.toISOString();
    if (this.evaluations.has(key)) return { status: 'already-evaluated' };
    // Pending ones whose window has passed in data time expire; a new recommendation supersedes the rest.
    const pending = this.recs.filter((r) => r.status === 'pending');
    const expired = pending.filter((r) => Date.parse(r.validUntil!) <= e.basedOnIntervalStart.getTime());
    for (const r of expired) r.status = 'expired';
    const superseded = e.recommendation ? pending.filter((r) => r.status === 'pending') : [];
    for (const r of superseded) r.status = 'superseded';
    const recommendation = e.recommendation
      ? ({ id: String(this.recs.length + 1), crossingId: e.crossingId, status: 'pending', planningPeriodStart: key, basedOnIntervalStart: e.basedOnIntervalStart.toISOString(), validUntil: e.recommendation.validUntil.toISOString(), cycleSeconds: e.recommendation.cycleSeconds, automatic: e.recommendation.automatic } as unknown as RecommendationView)
      : null;
    if (recommendation) this.recs.push(recommendation);
    const evaluation = { crossingId: e.crossingId, planningPeriodStart: key, recommendationId: recommendation?.id ?? null, congested: e.congested, reason: e.reason, gainSeconds: e.gainSeconds, expectedDelayRunningSeconds: e.expectedDelayRunningSeconds, expectedDelayRecommendedSeconds: e.expectedDelayRecommendedSeconds } as unknown as PlanningEvaluationView;
    this.evaluations.set(key, evaluation);
    return { status: 'stored', evaluation, recommendation, supersededIds: superseded.map((r) => r.id), expiredIds: expired.map((r) => r.id) };
  }

  async recommendationById(id: string): Promise<RecommendationView | null> {
    return this.recs.find((r) => r.id === id) ?? null;
  }

  async recordAutomaticOutcome(id: string, outcome: { note: string }): Promise<void> {
    this.held.push({ id, note: outcome.note });
  }
}

describe('RecommendationService', () => {
  const setup = (env: Record<string, string> = {}) => {
    const config = readFusionConfig({ PLANNING_PERIOD_MINUTES: '15', PLANNING_HORIZON_MINUTES: '60', MIN_GAIN_SECONDS: '0', MIN_GAIN_SHARE: '0', ...env });
    const repo = new MemoryRecommendations();
    const emitted: Array<[string, unknown]> = [];
    const live = { emit: (event: string, payload: unknown) => emitted.push([event, payload]) } as unknown as LiveGateway;
    const city = { get: (id: string) => (id === '0970' ? CROSSING : undefined), basePlan: () => undefined, city: { timeZone: 'Australia/Melbourne', intervalMinutes: 15 } } as unknown as CityRepository;
    // No plan running: the base plan is Webster on an even hour of observations.
    const observations = (crossingId: string) => [0, 1, 2, 3].map((k) => ({ crossingId, intervalStart: iso(-15 * k), total: 400, approaches: Object.fromEntries(CROSSING.approaches.map((a) => [a.id, 100])), filledShare: 1 }));
    const store = {
      recentObservations: async (crossingId: string) => observations(crossingId),
      recentObservationsOf: async (ids: string[]) => new Map(ids.map((id) => [id, observations(id)])),
    } as unknown as ForecastStoreRepository;
    const status = { statuses: async () => ({ asOf: null, statuses: [{ crossingId: '0970', freshness: 'fresh', workerStatus: 'ok' }] }) } as unknown as StatusService;
    const applied: string[] = [];
    const decide = { outcome: null as DecideOutcome | null };
    const decisions = {
      applyAutomatically: async (id: string): Promise<DecideOutcome> => {
        applied.push(id);
        return decide.outcome ?? ({ status: 'decided', decision: {} } as DecideOutcome);
      },
    } as unknown as DecisionService;
    const leadership = { assertLeading: async () => undefined } as unknown as LeadershipService;
    const clock = { now: () => new Date('2026-01-01T08:00:00Z') } as unknown as ClockRepository;
    const service = new RecommendationService(config, city, store, repo as unknown as RecommendationsRepository, status, decisions, live, clock, leadership);
    return { service, repo, emitted, applied, decide };
  };
  const statusChanges = (emitted: Array<[string, unknown]>) => emitted.filter(([e]) => e === 'recommendation-status').map(([, v]) => v as RecommendationStatusChangeView);

  it('recommends from the newest forecast once per planning period, and tells every dashboard', async () => {
    const { service, repo, emitted } = setup();
    const first = await service.evaluateForecast(forecast(0));
    expect(first.status).toBe('recommended');
    expect(emitted.map(([e]) => e)).toEqual(['recommendation']);
    // A redelivery, or a second forecast of the same period: evaluated already, nothing new.
    expect(await service.evaluateForecast(forecast(0))).toEqual({ status: 'already-evaluated' });
    expect(await service.evaluateForecast(forecast(5))).toEqual({ status: 'already-evaluated' });
    // A newer forecast of the crossing is stored: an older one plans nothing.
    repo.newestBasedOn = new Date(iso(45));
    expect(await service.evaluateForecast(forecast(30))).toEqual({ status: 'older-forecast' });
    expect(repo.stores).toBe(1);
  });

  it('announces what a new recommendation superseded (naming it) and what expired, before the new one', async () => {
    const { service, repo, emitted } = setup();
    const first = await service.evaluateForecast(forecast(0));
    const second = await service.evaluateForecast(forecast(15));
    expect([first.status, second.status]).toEqual(['recommended', 'recommended']);
    const [firstId, secondId] = [first, second].map((r) => (r as { recommendation: RecommendationView }).recommendation.id);
    expect(statusChanges(emitted)).toEqual([{ crossingId: '0970', recommendationIds: [firstId], status: 'superseded', byRecommendationId: secondId }]);
    expect(emitted.map(([e]) => e)).toEqual(['recommendation', 'recommendation-status', 'recommendation']);
    // Two hours later the pending one's window (an hour of horizon) has passed: it expires, and the new one supersedes nothing.
    emitted.length = 0;
    await service.evaluateForecast(forecast(135));
    expect(statusChanges(emitted)).toEqual([{ crossingId: '0970', recommendationIds: [secondId], status: 'expired', byRecommendationId: null }]);
    expect(repo.recs.map((r) => r.status)).toEqual(['superseded', 'expired', 'pending']);
  });

  it('plans the period again when the running plan changed meanwhile, and gives up (the job is retried) after three tries', async () => {
    const { service, repo } = setup();
    repo.planChanges = 2;
    expect((await service.evaluateForecast(forecast(0))).status).toBe('recommended');
    expect(repo.stores).toBe(3);
    repo.planChanges = 3;
    await expect(service.evaluateForecast(forecast(15))).rejects.toThrow(/running plan kept changing/);
    expect(repo.evaluations.has(iso(15))).toBe(false);
  });

  it('recommends no fixed-time plan where the group advice covers the crossing: one evaluation per period saying so, the congestion verdict kept, nothing for automatic mode here', async () => {
    const { service, repo, emitted, applied } = setup({ AUTOMATIC_MIN_MINUTES_BETWEEN_CHANGES: '0', AUTOMATIC_MAX_CYCLE_CHANGE_SHARE: '1', AUTOMATIC_MAX_GREEN_CHANGE_SHARE: '1' });
    repo.automatic = { ...repo.automatic, enabled: true };
    // Without a group's advice this forecast is worth a fixed-time plan (the first test); with it, nothing.
    const covered = await service.evaluateForecast(forecast(0), 'fused', 'free operation (on no corridor)');
    expect(covered.status).toBe('not-needed');
    const evaluation = repo.evaluations.get(iso(0))!;
    expect(evaluation).toMatchObject({ recommendationId: null, congested: false, gainSeconds: 0 });
    expect(evaluation.expectedDelayRecommendedSeconds).toBe(evaluation.expectedDelayRunningSeconds);
    expect(evaluation.reason).toMatch(/^advised with its group: free operation \(on no corridor\) \(no per-crossing fixed-time plan; .*\); .*; automatic mode judges the group's corridor recommendation \(applied when automatic mode is on at every crossing it changes\)$/);
    expect(repo.recs).toEqual([]);
    expect(emitted).toEqual([]);
    expect(applied).toEqual([]);
    // Idempotent like any evaluation.
    expect(await service.evaluateForecast(forecast(5), 'fused', 'free operation (on no corridor)')).toEqual({ status: 'already-evaluated' });
    // Demand over capacity: the verdict is congested and the reason still ends with it (the congestion alert reads "congested: <why>").
    const heavy = await service.evaluateForecast(forecast(15, { N: 800, S: 780, E: 700, W: 690 }), 'fused', 'WARRIGAL RD: 3685 → 2000');
    expect(heavy.status).toBe('not-needed');
    const congested = repo.evaluations.get(iso(15))!;
    expect(congested.congested).toBe(true);
    expect(congested.reason).toMatch(/^advised with its group: WARRIGAL RD: 3685 → 2000 /);
    expect(congested.reason).toMatch(/; congested: .+$/);
    // Where no group advice covers it (null), the fixed-time planner recommends again.
    expect((await service.evaluateForecast(forecast(30), 'fused', null)).status).toBe('recommended');
  });

  it('hands the recommendation to automatic mode when it is on, and writes why on it when the decision is refused', async () => {
    const { service, repo, applied, decide } = setup({ AUTOMATIC_MIN_MINUTES_BETWEEN_CHANGES: '0', AUTOMATIC_MAX_CYCLE_CHANGE_SHARE: '1', AUTOMATIC_MAX_GREEN_CHANGE_SHARE: '1' });
    repo.automatic = { ...repo.automatic, enabled: true };
    // Automatic mode changes only a plan an operator put in place: an even 60 s split runs.
    repo.runningPlan = {
      planId: null, recommendationId: '1', crossingId: '0970', cycleSeconds: 60, acceptedBy: 'operator', acceptedAt: '2026-01-01T07:00:00.000Z', decisionId: '1',
      phases: [{ name: 'north-south', approaches: ['0970:N', '0970:S'], greenSeconds: 25 }, { name: 'east-west', approaches: ['0970:E', '0970:W'], greenSeconds: 25 }],
    };
    const result = await service.evaluateForecast(forecast(0));
    expect(result.status).toBe('recommended');
    const id = (result as { recommendation: RecommendationView }).recommendation.id;
    expect(repo.recs[0].automatic).toMatchObject({ action: 'apply' });
    expect(applied).toEqual([id]);
    expect(repo.held).toEqual([]);
    // An admin disabled plans between planning and applying: the recommendation says so.
    decide.outcome = { status: 'plans-disabled', crossingId: '0970' };
    const next = await service.evaluateForecast(forecast(15));
    expect(applied).toHaveLength(2);
    expect(repo.held).toEqual([{ id: (next as { recommendation: RecommendationView }).recommendation.id, note: 'not applied automatically: an admin disabled plans for this crossing' }]);
  });

  it('plans a batch with the same outcomes as one at a time: the group-advised stored together, the rest on their own', async () => {
    const { service, repo, emitted } = setup();
    const batch = await service.evaluateForecasts([
      { forecast: forecast(0), source: 'fused', groupAdvice: 'free operation (on no corridor)' },
      { forecast: { ...forecast(0), crossingId: 'nowhere' }, source: 'fused', groupAdvice: null },
    ]);
    expect(batch[0]).toMatchObject({ status: 'fulfilled', value: { status: 'not-needed' } });
    expect(batch[1]).toMatchObject({ status: 'rejected' });
    expect(((batch[1] as PromiseRejectedResult).reason as Error).message).toBe('unknown crossing nowhere');
    expect([repo.contextReads, repo.batchStores]).toEqual([1, 1]);
    expect(emitted).toEqual([]);
    // Evaluated already: as one at a time.
    expect(await service.evaluateForecasts([{ forecast: forecast(5), source: 'fused', groupAdvice: 'free operation (on no corridor)' }])).toEqual([{ status: 'fulfilled', value: { status: 'already-evaluated' } }]);
    // Worth a fixed-time plan (no group advice): recommended on its own path, and told.
    const recommended = await service.evaluateForecasts([{ forecast: forecast(15), source: 'worker-forecast', groupAdvice: null }]);
    expect(recommended[0]).toMatchObject({ status: 'fulfilled', value: { status: 'recommended' } });
    expect(emitted.map(([e]) => e)).toEqual(['recommendation']);
    // A newer forecast is stored: an older one plans nothing.
    repo.newestBasedOn = new Date(iso(60));
    expect(await service.evaluateForecasts([{ forecast: forecast(45), source: 'fused', groupAdvice: 'x' }])).toEqual([{ status: 'fulfilled', value: { status: 'older-forecast' } }]);
    // The running plan changed while the batch planned: that crossing is planned again on its own.
    repo.newestBasedOn = null;
    repo.planChanges = 1;
    const again = await service.evaluateForecasts([{ forecast: forecast(60), source: 'fused', groupAdvice: 'x' }]);
    expect(again[0]).toMatchObject({ status: 'fulfilled', value: { status: 'not-needed' } });
    expect(repo.evaluations.has(iso(60))).toBe(true);
  });
});
