import { Queue } from 'bullmq';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { CorridorDecisionView, CorridorRecommendationView, CrossingRecommendationView, SignedTimingPlanMessageSchema, TIMING_PLAN_QUEUE, ForecastMessage } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { IngestionService } from '../../apps/fusion/src/services/ingestion.service';
import { CorridorRecommendationsRepository, CorridorRecommendationToStore } from '../../apps/fusion/src/repositories/corridor-recommendations.repository';
import { PlanningService } from '../../apps/fusion/src/services/planning.service';
import { authedFetch } from '../support/auth';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { OpenApiDocumentLike, answerProblems } from '../support/openapi-conformance';
import { QUIET_NIGHT, RISING_NS_PEAK, shapedForecast } from '../support/planning-forecasts';
import { eventually } from '../support/infrastructure';

/**
 * Group advice against real PostgreSQL and Redis (issue 12, item 3): the leader plans
 * the crossings of a road run close enough for platoons together once each has a forecast
 * of the period (adviseActuatedGroups, as bench:timing's crosscast_actuated), as a
 * coordinated-actuated plan; an operator accepts it as one decision naming every crossing,
 * which sets each crossing's running plan and queues one signed plan per crossing with its
 * coordination settings. A crossing on no corridor is advised to run free (actuated).
 * That advice is a crossing's only one: the per-crossing evaluations recommend no
 * fixed-time plan (SIGNAL_ADVICE=actuated, the default) and say so.
 */
describe('corridor recommendations (real PostgreSQL + Redis)', () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const crossing = (id: string) => city.crossings.find((c) => c.id === id)!;
  // WARRIGAL RD: 3685 (Highbury Rd) and 2000 (Toorak Rd) are 333 m apart on a north-south road.
  const corridorIds = ['3685', '2000'];
  let harness: FusionHarness;
  let app: NestExpressApplication;
  let db: DataSource;
  let plans: Queue;
  let ingestion: IngestionService;
  let viewer: ReturnType<typeof authedFetch>;
  let operator: ReturnType<typeof authedFetch>;
  let baseUrl: string;
  const live: CorridorRecommendationView[] = [];
  const decided: CorridorDecisionView[] = [];
  let seq = 0;

  // Melbourne is on +10:00 until 29 October 2006: an evening peak rising on Warrigal Rd.
  const at = (hhmm: string) => `2006-10-10T${hhmm}:00+10:00`;
  const peak = (id: string, time: string): ForecastMessage =>
    shapedForecast(crossing(id), at(time), { ...RISING_NS_PEAK, seq: ++seq });

  beforeAll(async () => {
    harness = await startFusionHarness({ name: 'corridor', env: { FUSION_STEP_SETTLE_MS: '500', PLANNING_PERIOD_MINUTES: '30' } });
    ({ app, db, baseUrl } = harness);
    plans = harness.queue(TIMING_PLAN_QUEUE);
    ingestion = app.get(IngestionService);
    ({ viewer, operator } = harness.api);
    await harness.socket('viewer', (socket) => {
      socket.on('corridor-recommendation', (view: CorridorRecommendationView) => live.push(view));
      socket.on('corridor-decided', (view: CorridorDecisionView) => decided.push(view));
    });
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  }, 60_000);

  it("lists the city's corridors: road runs within platoon distance, with the phase that carries the road", async () => {
    const corridors = (await (await viewer('/api/corridors')).json()) as Array<{ name: string; crossingIds: string[]; coordinatedPhase: string }>;
    const warrigal = corridors.find((c) => [...c.crossingIds].sort().join() === [...corridorIds].sort().join());
    expect(warrigal).toMatchObject({ coordinatedPhase: 'north-south' });
    expect(warrigal!.name).toMatch(/^WARRIGAL RD: /);
  });

  it('recommends a corridor plan once every crossing of it was planned in the period, and not before', async () => {
    for (const id of corridorIds.slice(0, 1)) await ingestion.ingestForecast('test', `c-${id}-1`, peak(id, '17:00'));
    await app.get(PlanningService).whenIdle();
    expect(await (await viewer('/api/corridor-recommendations')).json()).toEqual([]);

    await ingestion.ingestForecast('test', `c-${corridorIds[1]}-1`, peak(corridorIds[1], '17:00'));
    await app.get(PlanningService).whenIdle();
    const [rec] = (await (await viewer('/api/corridor-recommendations?status=pending')).json()) as CorridorRecommendationView[];
    expect(rec).toBeDefined();
    expect([...rec.crossingIds].sort()).toEqual([...corridorIds].sort());
    expect(rec.planningPeriodStart).toBe(new Date(at('17:00')).toISOString());
    // One common cycle; each crossing's splits fill it; the road's phase is the coordinated one.
    for (const part of rec.crossings) {
      expect(part.plan.cycleSeconds).toBe(rec.cycleSeconds);
      expect(part.plan.coordination.splitSeconds.reduce((s, x) => s + x, 0)).toBeCloseTo(rec.cycleSeconds, 6);
      expect(part.plan.coordination.coordinatedPhase).toBe('north-south');
      expect(part.inputSource).toBe('worker-forecast');
    }
    expect(rec.gainSeconds).toBeGreaterThan(0);
    expect(rec.expectedDelayPlanSeconds).toBeLessThan(rec.expectedDelayRunningSeconds);
    expect(rec.freeCrossings).toEqual([]);
    expect(rec.reason).toMatch(/^Group of 2 crossings along WARRIGAL RD: 2 coordinated on a common \d+ s cycle \(from the fixed-time plans running\)/);
    await eventually(async () => live.some((v) => v.id === rec.id), 'the corridor-recommendation event');
    // Once per corridor and period (30 minutes here): a newer forecast in the same period adds none.
    await ingestion.ingestForecast('test', `c-${corridorIds[0]}-2`, peak(corridorIds[0], '17:15'));
    await app.get(PlanningService).whenIdle();
    expect(Number((await db.query(`SELECT count(*) FROM corridor_recommendations`))[0].count)).toBe(1);
  }, 60_000);

  it('accepts a corridor plan as one decision naming every crossing: running plans, one signed plan per crossing, 409 the second time', async () => {
    const [rec] = (await (await viewer('/api/corridor-recommendations?status=pending')).json()) as CorridorRecommendationView[];
    const response = await operator(`/api/corridor-recommendations/${rec.id}/accept`, { method: 'POST', body: JSON.stringify({ reason: 'evening peak on Warrigal Rd' }) });
    expect(response.status).toBe(200);
    const decision = (await response.json()) as CorridorDecisionView;
    expect(decision).toMatchObject({ corridorRecommendationId: rec.id, decision: 'accepted', decidedBy: 'operator', reason: 'evening peak on Warrigal Rd' });
    expect([...decision.crossingIds].sort()).toEqual([...corridorIds].sort());
    expect(decision.publishedAt).not.toBeNull();

    // One audit row for the corridor; the crossings' running plans point at it.
    const rows = await db.query(`SELECT crossing_ids FROM corridor_decisions`);
    expect(rows).toHaveLength(1);
    const running = await db.query(`SELECT crossing_id, decision_id, corridor_decision_id, plan FROM running_plans ORDER BY crossing_id`);
    expect(running.map((r: { crossing_id: string }) => r.crossing_id)).toEqual([...corridorIds].sort());
    for (const r of running) {
      expect(r.decision_id).toBeNull();
      expect(String(r.corridor_decision_id)).toBe(decision.id);
      expect(r.plan.coordination).toMatchObject({ corridorRecommendationId: rec.id });
    }
    // Pending single-crossing advice at those crossings is superseded by the corridor plan.
    expect(Number((await db.query(`SELECT count(*) FROM recommendations WHERE crossing_id = ANY($1::text[]) AND status = 'pending'`, [corridorIds]))[0].count)).toBe(0);

    // One signed plan per crossing, with its offset and splits, from the common cycle boundary.
    const jobs = await plans.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    const messages = jobs.map((j) => SignedTimingPlanMessageSchema.parse(j.data)).filter((m) => m.coordination?.corridorRecommendationId === rec.id);
    expect(messages.map((m) => m.crossingId).sort()).toEqual([...corridorIds].sort());
    for (const m of messages) {
      const part = rec.crossings.find((c) => c.crossingId === m.crossingId)!;
      expect(m).toMatchObject({ effectiveFrom: 'common-cycle-boundary', cycleSeconds: rec.cycleSeconds, planId: `cor-${rec.id}-${m.crossingId}` });
      expect(m.coordination).toMatchObject({ offsetSeconds: part.plan.coordination.offsetSeconds, splitSeconds: part.plan.coordination.splitSeconds });
    }
    await eventually(async () => decided.some((d) => d.id === decision.id), 'the corridor-decided event');

    const again = await operator(`/api/corridor-recommendations/${rec.id}/reject`, { method: 'POST', body: '{}' });
    expect(again.status).toBe(409);
    expect(JSON.stringify(await again.json())).toMatch(/already accepted by operator/);
    expect((await db.query(`SELECT count(*)::int AS n FROM corridor_decisions`))[0].n).toBe(1);
    // A viewer cannot decide.
    expect((await viewer(`/api/corridor-recommendations/${rec.id}/accept`, { method: 'POST', body: '{}' })).status).toBe(403);
  }, 60_000);

  it('advises a crossing on no corridor to run free; accepting it sends the actuated settings, and the accepted corridor is not re-advised without a gain', async () => {
    // 0970 is 1.4 km from its nearest neighbour on Warrigal Rd: no corridor, so free operation.
    const lone = shapedForecast(crossing('0970'), at('17:30'), { ...RISING_NS_PEAK, seq: ++seq });
    await ingestion.ingestForecast('test', 'c-0970-1', lone);
    for (const id of corridorIds) await ingestion.ingestForecast('test', `c-${id}-3`, peak(id, '17:30'));
    await app.get(PlanningService).whenIdle();
    const pending = (await (await viewer('/api/corridor-recommendations?status=pending')).json()) as CorridorRecommendationView[];
    const rec = pending.find((r) => r.crossingIds.includes('0970'))!;
    expect(rec).toMatchObject({ corridor: '0970 (no corridor)', crossingIds: ['0970'], crossings: [] });
    expect(rec.freeCrossings).toHaveLength(1);
    expect(rec.freeCrossings[0].plan.actuated).toMatchObject({ minGreenSeconds: 7, maxGreenSeconds: 45, passageSeconds: 2 });
    expect(rec.freeCrossings[0].expectedDelayPlanSeconds).toBeLessThan(rec.freeCrossings[0].expectedDelayRunningSeconds);
    expect(rec.reason).toMatch(/^Crossing 0970, on no corridor: 1 free \(actuated, no cycle\)/);
    // Warrigal Rd runs the accepted corridor plan: its advice for this period is a change only if it passes groupChanges' gates (the same demand: none).
    expect(pending.filter((r) => r.crossingIds.some((id) => corridorIds.includes(id)))).toEqual([]);

    const decision = (await (await operator(`/api/corridor-recommendations/${rec.id}/accept`, { method: 'POST', body: JSON.stringify({ reason: 'quiet crossing, let it run free' }) })).json()) as CorridorDecisionView;
    expect(decision).toMatchObject({ decision: 'accepted', crossingIds: ['0970'] });
    const [running] = await db.query(`SELECT plan FROM running_plans WHERE crossing_id = '0970'`);
    expect(running.plan.actuated).toMatchObject({ corridorRecommendationId: rec.id, maxGreenSeconds: 45 });
    expect(running.plan.coordination).toBeUndefined();
    const jobs = await plans.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    const [message] = jobs.map((j) => SignedTimingPlanMessageSchema.parse(j.data)).filter((m) => m.crossingId === '0970');
    expect(message).toMatchObject({ effectiveFrom: 'next-cycle-boundary', planId: `cor-${rec.id}-0970`, actuated: { corridorRecommendationId: rec.id, minGreenSeconds: 7, maxGreenSeconds: 45, passageSeconds: 2 } });
    expect(message.coordination).toBeUndefined();

    // One advice per crossing: the per-crossing evaluations recommend no fixed-time plan anywhere, and say whose advice it is.
    expect(await (await viewer('/api/recommendations')).json()).toEqual([]);
    expect(Number((await db.query(`SELECT count(*) FROM recommendations`))[0].count)).toBe(0);
    const panel = async (id: string) => (await (await viewer(`/api/crossings/${id}/recommendation`)).json()) as CrossingRecommendationView;
    const lone0970 = await panel('0970');
    expect(lone0970).toMatchObject({ pending: null, latest: null, lastEvaluation: { outcome: 'not-needed', gainSeconds: 0, planningPeriodStart: new Date(at('17:30')).toISOString() } });
    expect(lone0970.lastEvaluation!.reason).toMatch(/^advised with its group: free operation \(on no corridor\) /);
    for (const id of corridorIds) {
      const view = await panel(id);
      expect(view).toMatchObject({ pending: null, latest: null, lastEvaluation: { outcome: 'not-needed', gainSeconds: 0 } });
      expect(view.lastEvaluation!.reason).toMatch(/^advised with its group: WARRIGAL RD: .*; evening peak rising on the (north|south) approach/);
    }
  }, 60_000);

  it('answers as the OpenAPI document says (corridor plans, decisions, coordinated running plans)', async () => {
    const document = (await (await fetch(`${baseUrl}/api/docs-json`)).json()) as OpenApiDocumentLike;
    const [rec] = (await (await viewer('/api/corridor-recommendations')).json()) as CorridorRecommendationView[];
    const asks: Array<[ReturnType<typeof authedFetch>, string, string, unknown?]> = [
      [viewer, 'GET', '/api/corridors'],
      [viewer, 'GET', '/api/corridor-recommendations'],
      [viewer, 'GET', `/api/corridor-recommendations/${rec.id}`],
      [operator, 'GET', '/api/corridor-decisions'],
      [viewer, 'GET', '/api/running-plans'],
      [viewer, 'GET', `/api/crossings/${corridorIds[0]}`],
      [viewer, 'GET', `/api/crossings/${corridorIds[0]}/recommendation`],
      [viewer, 'GET', '/api/city/forecast'],
      [operator, 'POST', `/api/corridor-recommendations/${rec.id}/reject`, {}],
    ];
    const problems: string[] = [];
    const statuses: number[] = [];
    for (const [as, method, path, body] of asks) {
      const response = await as(path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
      statuses.push(response.status);
      problems.push(...answerProblems(document, method, path, response.status, await response.json()));
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 409]);
    expect(problems).toEqual([]);
  }, 60_000);
  it("waits for a group's other crossing until the period's last interval, then advises the one planned (the other cut out)", async () => {
    const quiet = (time: string) => shapedForecast(crossing('3685'), at(time), { ...QUIET_NIGHT, seq: ++seq });
    const namingWarrigal = async () => Number((await db.query(`SELECT count(*) FROM corridor_recommendations WHERE '3685' = ANY(crossing_ids) AND planning_period_start = $1`, [new Date(at('18:00'))]))[0].count);
    // 18:00, the first interval of the period: 2000 has no forecast of it yet, so the group waits.
    await ingestion.ingestForecast('test', 'c-3685-4', quiet('18:00'));
    await app.get(PlanningService).whenIdle();
    expect(await namingWarrigal()).toBe(0);
    // 18:15, the period's last interval: 3685 is advised alone, a crossing on no corridor now: free at night-time flows.
    await ingestion.ingestForecast('test', 'c-3685-5', quiet('18:15'));
    await app.get(PlanningService).whenIdle();
    const [rec] = (await (await viewer('/api/corridor-recommendations?status=pending&crossing=3685')).json()) as CorridorRecommendationView[];
    expect(rec).toMatchObject({ corridor: '3685 (no corridor)', crossingIds: ['3685'], planningPeriodStart: new Date(at('18:00')).toISOString(), crossings: [] });
    expect(rec.freeCrossings).toHaveLength(1);
    // It runs Warrigal Rd's coordinated plan: the switch to free passed groupChanges' test (free beats it at this forecast).
    expect(rec.reason).toMatch(/leaving it to run free/);
    expect(rec.gainSeconds).toBeGreaterThan(0);
  }, 60_000);

  it('does not put a crossing running free back on a fixed-time plan the next period: no second advice', async () => {
    // 0970 runs the free operation accepted at 17:30; a heavier forecast two periods later.
    const heavier = shapedForecast(crossing('0970'), at('18:30'), { observed: { N: 260, S: 260, E: 140, W: 140 }, forecast: { N: [400, 480, 520, 540], S: [400, 480, 520, 540] }, otherCount: 140, seq: ++seq });
    await ingestion.ingestForecast('test', 'c-0970-2', heavier);
    await app.get(PlanningService).whenIdle();
    const view = (await (await viewer('/api/crossings/0970/recommendation')).json()) as CrossingRecommendationView;
    expect(view).toMatchObject({ pending: null, latest: null, lastEvaluation: { planningPeriodStart: new Date(at('18:30')).toISOString(), recommendationId: null } });
    expect(view.lastEvaluation!.reason).toMatch(/^advised with its group: free operation/);
    expect(Number((await db.query(`SELECT count(*) FROM recommendations`))[0].count)).toBe(0);
    // What runs there is still the group's free operation.
    const [running] = await db.query(`SELECT plan FROM running_plans WHERE crossing_id = '0970'`);
    expect(running.plan.actuated).toBeDefined();
  }, 60_000);
  it('advises a crossing once a period even under another group name (a leader that took over mid-period may group it differently)', async () => {
    const repository = app.get(CorridorRecommendationsRepository);
    const period = new Date(at('18:00'));
    const [earlier] = await db.query(`SELECT corridor FROM corridor_recommendations WHERE '3685' = ANY(crossing_ids) AND planning_period_start = $1`, [period]);
    expect(earlier).toBeDefined();
    const advice = (corridor: string, crossingIds: string[], planningPeriodStart: Date): CorridorRecommendationToStore => ({
      corridor,
      road: 'WARRIGAL RD',
      crossingIds,
      planningPeriodStart,
      basedOnIntervalStart: planningPeriodStart,
      validUntil: new Date(planningPeriodStart.getTime() + 3_600_000),
      cycleSeconds: 90,
      bandwidthSeconds: { outbound: 0, inbound: 0 },
      crossings: [],
      freeCrossings: [],
      expectedDelayRunningSeconds: 30,
      expectedDelayPlanSeconds: 20,
      gainSeconds: 10,
      gainShare: 0.33,
      reason: 'test: the same crossings grouped another way',
      createdAt: new Date(),
      automatic: null,
    });
    // 3685 was advised in this period under another name: not again, whatever the group is called.
    expect(await repository.store(advice('WARRIGAL RD: 3685 → 2000 (regrouped)', ['3685', '2000'], period))).toBeNull();
    expect(Number((await db.query(`SELECT count(*) FROM corridor_recommendations WHERE '3685' = ANY(crossing_ids) AND planning_period_start = $1`, [period]))[0].count)).toBe(1);
    // The same crossings in a period they were not advised in are stored.
    const later = await repository.store(advice('WARRIGAL RD: 3685 → 2000 (regrouped)', ['3685', '2000'], new Date(at('20:00'))));
    expect(later).toMatchObject({ crossingIds: ['3685', '2000'] });
  }, 60_000);
});
