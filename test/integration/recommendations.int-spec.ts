import { Queue, QueueEvents } from 'bullmq';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import {
  AutomaticModeView,
  CrossingRecommendationView,
  FORECAST_QUEUE,
  ForecastMessage,
  RecommendationView,
  TIMING_PLAN_QUEUE,
  SignedTimingPlanMessageSchema,
} from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { IngestionService } from '../../apps/fusion/src/services/ingestion.service';
import { PlanningService } from '../../apps/fusion/src/services/planning.service';
import { authedFetch } from '../support/auth';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { heartbeatMessage, devPlanJobId } from '../support/forecast-factory';
import { shapedForecast } from '../support/planning-forecasts';
import { eventually } from '../support/infrastructure';

/**
 * Forecast-driven recommendations against real PostgreSQL and Redis: hysteresis, one
 * recommendation per crossing and planning period under redelivery, statuses, and
 * automatic mode with its guard rails (applied through the operator's accept path, held
 * for a stale crossing or a degraded worker), as fusion runs them with
 * SIGNAL_ADVICE=fixed-time (controllers that cannot run actuated). Planning periods are 30 minutes here, so two
 * 15-minute forecasts share one; automatic changes need 60 minutes between them.
 */
describe('forecast-driven recommendations and automatic mode (real PostgreSQL + Redis)', () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const crossing = (id: string) => city.crossings.find((c) => c.id === id)!;
  let harness: FusionHarness;
  let app: NestExpressApplication;
  let db: DataSource;
  let plans: Queue;
  let forecasts: Queue;
  let events: QueueEvents;
  let ingestion: IngestionService;
  let operator: ReturnType<typeof authedFetch>;
  let admin: ReturnType<typeof authedFetch>;
  let viewer: ReturnType<typeof authedFetch>;
  const live: RecommendationView[] = [];
  const liveAutomatic: AutomaticModeView[] = [];
  let seq = 0;

  // Melbourne is on +10:00 until 29 October 2006: these are afternoon and evening intervals.
  const at = (hhmm: string) => `2006-10-10T${hhmm}:00+10:00`;
  const OBSERVED = { N: 200, S: 200, E: 200, W: 200 };
  const RISING = [260, 330, 400, 450];
  const flat = (crossingId: string, time: string) => shapedForecast(crossing(crossingId), at(time), { observed: OBSERVED, forecast: {}, seq: ++seq });
  const peak = (crossingId: string, time: string, road: 'north-south' | 'east-west', flags: string[] = []) =>
    shapedForecast(crossing(crossingId), at(time), { observed: OBSERVED, forecast: road === 'north-south' ? { N: RISING, S: RISING } : { E: RISING, W: RISING }, seq: ++seq, flags });

  /** Stores a forecast as the queue consumer would, then waits for planning (PlanningService, off the ingestion path) to catch up. */
  const ingest = async (message: ForecastMessage) => {
    const outcome = await ingestion.ingestForecast('test', `job-${message.messageId}-${++seq}`, message);
    await app.get(PlanningService).whenIdle();
    return outcome;
  };
  /** The crossing's recommendation for the planning period starting at this local time. */
  const recommendationAt = async (crossingId: string, time: string): Promise<RecommendationView | undefined> =>
    (await (await viewer(`/api/recommendations?crossing=${crossingId}&limit=100`)).json()).find((r: RecommendationView) => r.planningPeriodStart === new Date(at(time)).toISOString());
  const panel = async (crossingId: string): Promise<CrossingRecommendationView> => (await viewer(`/api/crossings/${crossingId}/recommendation`)).json();
  const put = (as: ReturnType<typeof authedFetch>, crossingId: string, body: unknown) => as(`/api/crossings/${crossingId}/automatic`, { method: 'PUT', body: JSON.stringify(body) });
  const accept = (id: string) => operator(`/api/recommendations/${id}/accept`, { method: 'POST', body: '{}' });
  const automaticDecisions = async (crossingId: string) =>
    db.query(`SELECT * FROM recommendation_decisions WHERE crossing_id = $1 AND decided_by_username = 'automatic' ORDER BY id`, [crossingId]);

  beforeAll(async () => {
    harness = await startFusionHarness({
      name: 'rec',
      env: {
        PLANNING_PERIOD_MINUTES: '30',
        AUTOMATIC_MIN_MINUTES_BETWEEN_CHANGES: '60',
        // Crossings here report unevenly: the city steps 0.5 s after a new interval appears instead of waiting 5 s for the others.
        FUSION_STEP_SETTLE_MS: '500',
        // Per-crossing fixed-time recommendations and automatic mode: for controllers that cannot run actuated (with the group advice, the default, a crossing gets none: corridor-recommendations.int-spec.ts).
        SIGNAL_ADVICE: 'fixed-time',
      },
    });
    ({ app, db } = harness);
    plans = harness.queue(TIMING_PLAN_QUEUE);
    forecasts = harness.queue(FORECAST_QUEUE);
    events = await harness.queueEvents(FORECAST_QUEUE);
    ingestion = app.get(IngestionService);
    ({ operator, admin, viewer } = harness.api);
    await harness.socket('viewer', (socket) => {
      socket.on('recommendation', (view: RecommendationView) => live.push(view));
      socket.on('automatic-mode', (view: AutomaticModeView) => liveAutomatic.push(view));
    });
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  }, 60_000);

  it('recommends nothing when the forecast is as flat as what was observed (hysteresis), and says why', async () => {
    expect((await ingest(flat('0970', '15:00'))).status).toBe('stored');
    expect(await (await viewer('/api/recommendations?crossing=0970')).json()).toEqual([]);
    const view = await panel('0970');
    expect(view).toMatchObject({ pending: null, latest: null, lastEvaluation: { outcome: 'not-needed', planningPeriodStart: new Date(at('15:00')).toISOString() } });
    expect(view.lastEvaluation!.gainSeconds).toBeLessThan(2);
    expect(view.lastEvaluation!.reason).toMatch(/steady/);
    expect(view.hysteresis).toEqual({ minGainSeconds: 2, minGainShare: 0.05, planningPeriodMinutes: 30, planningHorizonMinutes: 60 });
    expect(live).toEqual([]);
  });

  it('recommends for a rising peak: plan, expected delays and gain, basis, congestion, reason naming the approach, source forecast; served and streamed', async () => {
    const message = peak('0970', '15:30', 'north-south');
    expect((await ingest(message)).status).toBe('stored');
    const recommendation = (await recommendationAt('0970', '15:30'))!;
    expect(recommendation).toMatchObject({
      crossingId: '0970',
      status: 'pending',
      planningPeriodStart: new Date(at('15:30')).toISOString(),
      forecastMessageId: message.messageId,
      method: 'webster',
      congested: false,
      comparedWith: { source: 'observed-webster' },
      automatic: null,
    });
    expect(recommendation.reason).toMatch(/^evening peak rising on the (north|south) approach: \+\d+% in 60 min/);
    expect(['centre', 'upper']).toContain(recommendation.basis);
    expect(recommendation.gainSeconds!).toBeGreaterThanOrEqual(2);
    expect(recommendation.gainShare!).toBeGreaterThanOrEqual(0.05);
    expect(recommendation.expectedDelayRunningSeconds! - recommendation.expectedDelayRecommendedSeconds!).toBeCloseTo(recommendation.gainSeconds!, 3);
    // The north-south road gets the longer green than the equal split it was observed to need.
    const green = (name: string) => recommendation.phases.find((p) => p.name === name)!.greenSeconds;
    expect(green('north-south')).toBeGreaterThan(green('east-west'));
    expect(recommendation.validUntil).toBe(new Date(Date.parse(at('15:30')) + 75 * 60_000).toISOString());

    expect((await panel('0970')).pending).toMatchObject({ id: recommendation.id, reason: recommendation.reason });
    expect((await (await viewer('/api/recommendations?status=pending')).json()).map((r: RecommendationView) => r.id)).toEqual([recommendation.id]);
    expect((await viewer('/api/recommendations?status=maybe')).status).toBe(400);
    const streamed = await eventually(async () => live.find((r) => r.id === recommendation.id), 'the recommendation event');
    expect(streamed).toMatchObject({ reason: recommendation.reason, gainSeconds: recommendation.gainSeconds, basis: recommendation.basis, status: 'pending' });
  });

  it('makes at most one recommendation per crossing and period: redelivery, a second forecast of the period, concurrent forecasts', async () => {
    const message = peak('0970', '15:30', 'north-south');
    const deliver = async (jobId: string, data: unknown) => (await forecasts.add('forecast', data, { jobId })).waitUntilFinished(events, 30_000);
    for (const jobId of ['again-1', 'again-2', 'again-3']) await deliver(jobId, message);
    // 15:45 is in the 15:30 period too: stored, but the period was planned already.
    await deliver('same-period', peak('0970', '15:45', 'east-west'));
    const count = async (sql: string) => (await db.query(sql))[0].n as number;
    expect(await count(`SELECT count(*)::int AS n FROM forecasts WHERE crossing_id = '0970'`)).toBe(3);
    expect(await count(`SELECT count(*)::int AS n FROM planning_evaluations WHERE crossing_id = '0970' AND planning_period_start = '${new Date(at('15:30')).toISOString()}'`)).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM recommendations WHERE crossing_id = '0970'`)).toBe(1);

    // Two forecasts of the 16:00 period at once: one evaluation, one recommendation.
    await Promise.all([ingest(peak('0970', '16:00', 'east-west')), ingest(peak('0970', '16:15', 'east-west'))]);
    expect(await count(`SELECT count(*)::int AS n FROM planning_evaluations WHERE crossing_id = '0970' AND planning_period_start = '${new Date(at('16:00')).toISOString()}'`)).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM recommendations WHERE crossing_id = '0970'`)).toBe(2);
    expect(live.filter((r) => r.crossingId === '0970')).toHaveLength(2);
  });

  it('supersedes a pending recommendation with a newer one; only the pending one can be decided', async () => {
    const [newer, older] = await (await viewer('/api/recommendations?crossing=0970')).json();
    expect(older).toMatchObject({ status: 'superseded', planningPeriodStart: new Date(at('15:30')).toISOString() });
    expect(newer).toMatchObject({ status: 'pending', planningPeriodStart: new Date(at('16:00')).toISOString() });
    const refused = await accept(older.id);
    expect(refused.status).toBe(409);
    expect((await refused.json()).message).toMatch(/superseded by a newer recommendation/);
    expect((await accept(newer.id)).status).toBe(200);
    expect((await recommendationAt('0970', '16:00'))!.status).toBe('accepted');
    expect((await panel('0970')).pending).toBeNull();
  });

  it('lets only an admin turn automatic mode on, and an operator turn it off', async () => {
    expect((await put(viewer, '0970', { enabled: false })).status).toBe(403);
    const refused = await put(operator, '0970', { enabled: true });
    expect(refused.status).toBe(403);
    expect((await refused.json()).message).toMatch(/only an admin/);
    expect((await put(admin, '0970', { enabled: 'yes' })).status).toBe(400);
    expect((await put(admin, '9999', { enabled: true })).status).toBe(404);
    const enabled = await put(admin, '0970', { enabled: true });
    expect(enabled.status).toBe(200);
    expect(await enabled.json()).toMatchObject({ crossingId: '0970', enabled: true, updatedBy: 'admin', guardRails: { maxCycleChangeShare: 0.2, maxGreenChangeShare: 0.25, minMinutesBetweenChanges: 60 } });
    await eventually(async () => liveAutomatic.find((v) => v.crossingId === '0970' && v.enabled), 'the automatic-mode event');
    expect((await panel('0970')).automatic.enabled).toBe(true);
  });

  it('applies a recommendation automatically through the accept path, clipped to the guard rails: audit row by automatic, running plan, TimingPlanMessage', async () => {
    await ingestion.ingestHeartbeat('test', 'hb-0970', heartbeatMessage('0970', { seq: 1 }));
    const [before] = await db.query(`SELECT plan FROM running_plans WHERE crossing_id = '0970'`);
    expect((await ingest(peak('0970', '16:30', 'north-south'))).status).toBe('stored');

    const recommendation = (await recommendationAt('0970', '16:30'))!;
    expect(recommendation.status).toBe('applied-automatically');
    expect(recommendation.automatic).toMatchObject({ action: 'apply' });
    const [decision] = await automaticDecisions('0970');
    expect(decision).toMatchObject({ recommendation_id: recommendation.id, decision: 'accepted', decided_by_user_id: null, decided_by_role: 'automatic', reason: recommendation.automatic!.note });
    expect(decision.previous_plan).toEqual(before.plan);
    expect(decision.published_at).not.toBeNull();

    // The step respects the rails against the plan that was running.
    const applied = decision.plan as { cycleSeconds: number; phases: Array<{ name: string; greenSeconds: number }> };
    expect(Math.abs(applied.cycleSeconds - before.plan.cycleSeconds)).toBeLessThanOrEqual(before.plan.cycleSeconds * 0.2 + 1e-9);
    for (const phase of applied.phases) {
      const was = before.plan.phases.find((p: { name: string }) => p.name === phase.name).greenSeconds;
      expect(Math.abs(phase.greenSeconds - was)).toBeLessThanOrEqual(was * 0.25 + 1e-9);
    }
    // The peak wanted more than one step allows: the plan sent is the clipped one, and says so.
    expect(recommendation.automatic!.clipped).toBe(true);
    expect(recommendation.automatic!.note).toMatch(/within the guard rails: .*(clipped|held)/);
    expect(applied.phases.map((p) => p.greenSeconds)).not.toEqual(recommendation.phases.map((p) => p.greenSeconds));

    const [running] = await db.query(`SELECT plan, accepted_by FROM running_plans WHERE crossing_id = '0970'`);
    expect(running).toMatchObject({ accepted_by: 'automatic', plan: { planId: `rec-${recommendation.id}`, cycleSeconds: applied.cycleSeconds } });
    const job = await plans.getJob(devPlanJobId(`rec-${recommendation.id}`));
    expect(SignedTimingPlanMessageSchema.parse(job!.data)).toMatchObject({ crossingId: '0970', acceptedBy: 'automatic', cycleSeconds: applied.cycleSeconds, effectiveFrom: 'next-cycle-boundary' });

    const audit = await (await operator('/api/audit?crossing=0970&limit=1')).json();
    expect(audit[0]).toMatchObject({ recommendationId: recommendation.id, decidedBy: 'automatic', decidedByRole: 'automatic' });
  });

  it('holds the next change until the minimum time between automatic changes has passed, and leaves it to the operators', async () => {
    expect((await ingest(peak('0970', '17:00', 'east-west'))).status).toBe('stored');
    const held = (await recommendationAt('0970', '17:00'))!;
    expect(held.status).toBe('pending');
    expect(held.automatic).toMatchObject({ action: 'hold', plan: null });
    expect(held.automatic!.note).toMatch(/last automatic change 30 min ago .* at least 60 min/);
    expect(await automaticDecisions('0970')).toHaveLength(1);
    expect(await plans.getJob(devPlanJobId(`rec-${held.id}`))).toBeUndefined();

    const off = await put(operator, '0970', { enabled: false });
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ enabled: false, updatedBy: 'operator', lastAppliedPeriodStart: new Date(at('16:30')).toISOString() });
  });

  it('never changes a stale crossing automatically: the recommendation is shown, marked', async () => {
    // 2000 gets its first plan from an operator, then automatic mode, then falls behind the city (0970 is at 17:00).
    expect((await ingest(peak('2000', '15:30', 'north-south'))).status).toBe('stored');
    expect((await accept((await recommendationAt('2000', '15:30'))!.id)).status).toBe(200);
    expect((await put(admin, '2000', { enabled: true })).status).toBe(200);
    expect((await ingest(peak('2000', '16:00', 'east-west'))).status).toBe('stored');

    const status = (await (await viewer('/api/crossings/2000')).json()).status;
    expect(status.freshness).toBe('stale');
    const held = (await recommendationAt('2000', '16:00'))!;
    expect(held).toMatchObject({ status: 'pending', automatic: { action: 'hold' } });
    expect(held.automatic!.note).toMatch(/crossing is stale/);
    expect(await automaticDecisions('2000')).toEqual([]);
    expect(await plans.getJob(devPlanJobId(`rec-${held.id}`))).toBeUndefined();
  });

  it('never changes a crossing automatically while its worker reports degraded', async () => {
    expect((await ingest(peak('4035', '16:30', 'north-south'))).status).toBe('stored');
    expect((await accept((await recommendationAt('4035', '16:30'))!.id)).status).toBe(200);
    expect((await put(admin, '4035', { enabled: true })).status).toBe(200);
    await ingestion.ingestHeartbeat('test', 'hb-4035', heartbeatMessage('4035', { seq: 1, status: 'degraded' }));
    expect((await ingest(peak('4035', '17:00', 'east-west'))).status).toBe('stored');

    const status = (await (await viewer('/api/crossings/4035')).json()).status;
    expect(status).toMatchObject({ freshness: 'fresh', workerStatus: 'degraded' });
    const held = (await recommendationAt('4035', '17:00'))!;
    expect(held).toMatchObject({ status: 'pending', automatic: { action: 'hold' } });
    expect(held.automatic!.note).toMatch(/worker reports degraded/);
    expect(await automaticDecisions('4035')).toEqual([]);

    // The operators still decide it.
    expect((await accept(held.id)).status).toBe(200);
  });
});
