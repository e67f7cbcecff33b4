import { Queue } from 'bullmq';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { CorridorDecisionView, CorridorRecommendationView, CrossingRecommendationView, ForecastMessage, SignedTimingPlanMessageSchema, TIMING_PLAN_QUEUE } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { IngestionService } from '../../apps/fusion/src/services/ingestion.service';
import { PlanningService } from '../../apps/fusion/src/services/planning.service';
import { authedFetch } from '../support/auth';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { QUIET_NIGHT, RISING_NS_PEAK, shapedForecast } from '../support/planning-forecasts';
import { eventually } from '../support/infrastructure';

/**
 * Automatic mode for group (corridor) advice, the default advice (SIGNAL_ADVICE=actuated),
 * against real PostgreSQL and Redis: a corridor plan is applied without an operator only
 * when automatic mode is on at every crossing it changes and each passes its gates; the
 * first actuated plan (leaving fixed-time plans) is an operator's; an automatic change goes
 * through the operator's path (one audit row by `automatic` naming every crossing, running
 * plans, one signed plan per crossing) and the least time between automatic changes holds
 * the next one. Periods of 30 minutes; automatic changes need 60 minutes between them.
 */
describe('automatic mode for corridor advice (real PostgreSQL + Redis)', () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const crossing = (id: string) => city.crossings.find((c) => c.id === id)!;
  // WARRIGAL RD: 3685 and 2000, 333 m apart: one corridor.
  const corridorIds = ['3685', '2000'];
  let harness: FusionHarness;
  let app: NestExpressApplication;
  let db: DataSource;
  let plans: Queue;
  let ingestion: IngestionService;
  let viewer: ReturnType<typeof authedFetch>;
  let operator: ReturnType<typeof authedFetch>;
  let admin: ReturnType<typeof authedFetch>;
  const decided: CorridorDecisionView[] = [];
  let seq = 0;

  const at = (hhmm: string) => `2006-10-10T${hhmm}:00+10:00`;
  const peak = (id: string, time: string): ForecastMessage =>
    shapedForecast(crossing(id), at(time), { ...RISING_NS_PEAK, seq: ++seq });
  const quiet = (id: string, time: string): ForecastMessage =>
    shapedForecast(crossing(id), at(time), { ...QUIET_NIGHT, seq: ++seq });
  const plan = async (make: (id: string, time: string) => ForecastMessage, time: string) => {
    for (const id of corridorIds) await ingestion.ingestForecast('test', `a-${id}-${time}`, make(id, time));
    await app.get(PlanningService).whenIdle();
  };
  const recommendationAt = async (time: string) => {
    const all = (await (await viewer('/api/corridor-recommendations')).json()) as CorridorRecommendationView[];
    return all.find((r) => r.planningPeriodStart === new Date(at(time)).toISOString() && r.crossingIds.includes(corridorIds[0]));
  };
  const automaticRows = async () => db.query(`SELECT * FROM corridor_decisions WHERE decided_by_role = 'automatic' ORDER BY id`);

  beforeAll(async () => {
    harness = await startFusionHarness({ name: 'corauto', env: { FUSION_STEP_SETTLE_MS: '500', PLANNING_PERIOD_MINUTES: '30', AUTOMATIC_MIN_MINUTES_BETWEEN_CHANGES: '60' } });
    ({ app, db } = harness);
    plans = harness.queue(TIMING_PLAN_QUEUE);
    ingestion = app.get(IngestionService);
    ({ viewer, operator, admin } = harness.api);
    await harness.socket('viewer', (socket) => socket.on('corridor-decided', (view: CorridorDecisionView) => decided.push(view)));
    for (const id of corridorIds) expect((await admin(`/api/crossings/${id}/automatic`, { method: 'PUT', body: JSON.stringify({ enabled: true }) })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  }, 60_000);

  it('leaves the first corridor plan (from the fixed-time plans running) to an operator, and says so', async () => {
    await plan(peak, '17:00');
    const rec = (await recommendationAt('17:00'))!;
    expect(rec).toMatchObject({ status: 'pending', automatic: { action: 'hold' } });
    expect(rec.automatic!.note).toMatch(/run a fixed-time plan: the first actuated plan must be accepted by an operator/);
    expect(await automaticRows()).toEqual([]);
    const accepted = await operator(`/api/corridor-recommendations/${rec.id}/accept`, { method: 'POST', body: JSON.stringify({ reason: 'first corridor plan' }) });
    expect(accepted.status).toBe(200);
  }, 60_000);

  it('applies the next corridor advice automatically through the accept path: one audit row by automatic, running plans, one signed plan per crossing', async () => {
    // Night-time flows half an hour later: both crossings are advised to leave the coordination and run free.
    await plan(quiet, '17:30');
    const rec = (await recommendationAt('17:30'))!;
    expect(rec).toBeDefined();
    expect([...rec.crossingIds].sort()).toEqual([...corridorIds].sort());
    expect(rec.reason).toMatch(/leaving it to run free/);
    expect(rec).toMatchObject({ status: 'applied-automatically', automatic: { action: 'apply' } });
    expect(rec.automatic!.note).toMatch(/^applied automatically: 2 crossings within the guard rails/);

    const [row] = await automaticRows();
    expect(row).toMatchObject({ corridor_recommendation_id: rec.id, decision: 'accepted', decided_by_user_id: null, decided_by_username: 'automatic', reason: rec.automatic!.note });
    expect([...row.crossing_ids].sort()).toEqual([...corridorIds].sort());
    expect(row.published_at).not.toBeNull();
    const running = await db.query(`SELECT crossing_id, corridor_decision_id, accepted_by, plan FROM running_plans WHERE crossing_id = ANY($1::text[]) ORDER BY crossing_id`, [corridorIds]);
    expect(running).toHaveLength(2);
    for (const r of running) {
      expect(r).toMatchObject({ corridor_decision_id: row.id, accepted_by: 'automatic' });
      expect(r.plan.actuated).toMatchObject({ corridorRecommendationId: rec.id });
    }
    const jobs = await plans.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    const messages = jobs.map((j) => SignedTimingPlanMessageSchema.parse(j.data)).filter((m) => m.recommendationId === rec.id);
    expect(messages.map((m) => m.crossingId).sort()).toEqual([...corridorIds].sort());
    for (const m of messages) expect(m).toMatchObject({ acceptedBy: 'automatic', planId: `cor-${rec.id}-${m.crossingId}`, actuated: { corridorRecommendationId: rec.id } });
    await eventually(async () => decided.some((d) => d.corridorRecommendationId === rec.id && d.decidedByRole === 'automatic'), 'the corridor-decided event');
    // The crossing panels count it as the last automatic change.
    const panel = (await (await viewer(`/api/crossings/${corridorIds[0]}/recommendation`)).json()) as CrossingRecommendationView;
    expect(panel.automatic).toMatchObject({ enabled: true, lastAppliedPeriodStart: new Date(at('17:30')).toISOString() });
  }, 60_000);

  it('holds the next change until the least time between automatic changes has passed, and leaves it to the operators', async () => {
    // The evening peak is back 30 minutes later: the advice coordinates them again, but automatic changes need 60 minutes between them.
    await plan(peak, '18:00');
    const rec = (await recommendationAt('18:00'))!;
    expect(rec).toMatchObject({ status: 'pending', automatic: { action: 'hold' } });
    expect(rec.automatic!.note).toMatch(/last automatic change 30 min ago .* at least 60 min/);
    expect(await automaticRows()).toHaveLength(1);
  }, 60_000);

  it('applies nothing while automatic mode is off at one of the crossings: a corridor plan goes to all its crossings or none', async () => {
    expect((await operator(`/api/crossings/${corridorIds[1]}/automatic`, { method: 'PUT', body: JSON.stringify({ enabled: false }) })).status).toBe(200);
    // 60 minutes after the last automatic change, the peak still on: the advice coordinates them again.
    await plan(peak, '18:30');
    const rec = (await recommendationAt('18:30'))!;
    expect(rec).toMatchObject({ status: 'pending', automatic: { action: 'hold' } });
    expect(rec.automatic!.note).toMatch(new RegExp(`automatic mode is off at ${corridorIds[1]} \\(a corridor plan is applied to all its crossings or none\\)`));
    expect(await automaticRows()).toHaveLength(1);
  }, 60_000);
});
