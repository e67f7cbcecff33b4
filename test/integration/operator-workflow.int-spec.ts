import { Queue } from 'bullmq';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { DecisionView, TIMING_PLAN_QUEUE, SignedTimingPlanMessageSchema } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { IngestionService } from '../../apps/fusion/src/services/ingestion.service';
import { PlanningService } from '../../apps/fusion/src/services/planning.service';
import { authedFetch } from '../support/auth';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { OpenApiDocumentLike, answerProblems } from '../support/openapi-conformance';
import { devPlanJobId } from '../support/forecast-factory';
import { shapedForecast } from '../support/planning-forecasts';
import { eventually } from '../support/infrastructure';

/**
 * Accepting and rejecting recommendations over REST against real PostgreSQL and Redis:
 * one decision per recommendation, an audit row naming who and what ran before, the
 * running plan, the TimingPlanMessage on the timing-plan queue and the live event.
 */
describe('operator workflow: accept / reject recommendations (real PostgreSQL + Redis)', () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const crossing = (id: string) => city.crossings.find((c) => c.id === id)!;
  let harness: FusionHarness;
  let app: NestExpressApplication;
  let db: DataSource;
  let plans: Queue;
  let operator: ReturnType<typeof authedFetch>;
  let admin: ReturnType<typeof authedFetch>;
  let viewer: ReturnType<typeof authedFetch>;
  let baseUrl: string;
  const liveDecisions: DecisionView[] = [];
  /** Recommendation ids of 0970 (oldest first, made as the tests need them: a newer one supersedes a pending one) and of 2000. */
  const rec0970: string[] = [];
  let rec2000: string;
  let ingestion: IngestionService;
  let seq = 0;

  /**
   * A recommendation from a stored forecast, exactly as from a worker's message: the peak
   * rises on the north-south road or on the east-west road, alternately, so each one
   * gains against the plan accepted before it (hysteresis).
   */
  async function recommendation(crossingId: string, basedOn: string, peakOn: 'north-south' | 'east-west'): Promise<string> {
    const rising = [260, 330, 400, 450];
    const peak: Record<string, number[]> = peakOn === 'north-south' ? { N: rising, S: rising } : { E: rising, W: rising };
    const message = shapedForecast(crossing(crossingId), basedOn, { observed: { N: 200, S: 200, E: 200, W: 200 }, forecast: peak, seq: ++seq });
    expect((await ingestion.ingestForecast('test', `f-${crossingId}-${seq}`, message)).status).toBe('stored');
    await app.get(PlanningService).whenIdle();
    const [row] = await db.query(`SELECT id FROM recommendations WHERE crossing_id = $1 AND based_on_interval_start = $2`, [crossingId, message.basedOnIntervalStart]);
    expect(row).toBeDefined();
    return String(row.id);
  }

  beforeAll(async () => {
    // Per-crossing fixed-time recommendations exist only for controllers that cannot run actuated (with the group advice, the default, a crossing's one advice is its group's).
    harness = await startFusionHarness({ name: 'ops', env: { FUSION_STEP_SETTLE_MS: '500', SIGNAL_ADVICE: 'fixed-time' } });
    ({ app, db, baseUrl } = harness);
    plans = harness.queue(TIMING_PLAN_QUEUE);

    ingestion = app.get(IngestionService);
    rec0970.push(await recommendation('0970', '2006-10-10T16:00:00+11:00', 'north-south'));
    rec2000 = await recommendation('2000', '2006-10-10T16:00:00+11:00', 'north-south');

    ({ operator, admin, viewer } = harness.api);
    await harness.socket('viewer', (socket) => socket.on('recommendation-decided', (view: DecisionView) => liveDecisions.push(view)));
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  }, 60_000);

  const decisionsCount = async () => (await db.query(`SELECT count(*)::int AS n FROM recommendation_decisions`))[0].n as number;
  const post = (path: string, body: unknown = {}, as = operator) => as(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('accepts a recommendation once: audit row, running plan, TimingPlanMessage on the queue and a live event', async () => {
    const response = await post(`/api/recommendations/${rec0970[0]}/accept`, { reason: 'morning peak' });
    expect(response.status).toBe(200);
    const decision: DecisionView = await response.json();
    const [recommendation] = await db.query(`SELECT cycle_seconds, phases FROM recommendations WHERE id = $1`, [rec0970[0]]);
    expect(decision).toMatchObject({ recommendationId: rec0970[0], crossingId: '0970', decision: 'accepted', reason: 'morning peak', decidedBy: 'operator', decidedByRole: 'operator', previousPlan: null });
    expect(decision.plan).toMatchObject({ planId: `rec-${rec0970[0]}`, cycleSeconds: recommendation.cycle_seconds });
    expect(decision.plan.phases.map((p) => p.greenSeconds)).toEqual(recommendation.phases.map((p: { greenSeconds: number }) => p.greenSeconds));
    expect(decision.publishedAt).not.toBeNull();

    const [row] = await db.query(`SELECT d.*, u.username FROM recommendation_decisions d JOIN users u ON u.id = d.decided_by_user_id WHERE recommendation_id = $1`, [rec0970[0]]);
    expect(row).toMatchObject({ decision: 'accepted', decided_by_username: 'operator', username: 'operator', reason: 'morning peak' });
    const [running] = await db.query(`SELECT * FROM running_plans WHERE crossing_id = '0970'`);
    expect(running.plan.planId).toBe(`rec-${rec0970[0]}`);

    const job = await plans.getJob(devPlanJobId(`rec-${rec0970[0]}`));
    expect(job).toBeDefined();
    const message = SignedTimingPlanMessageSchema.parse(job!.data);
    expect(message).toMatchObject({ crossingId: '0970', recommendationId: rec0970[0], cycleSeconds: recommendation.cycle_seconds, acceptedBy: 'operator', effectiveFrom: 'next-cycle-boundary' });
    expect(message.phases.map((p) => p.name)).toEqual(['north-south', 'east-west']);

    await eventually(async () => liveDecisions.find((d) => d.id === decision.id), 'the recommendation-decided event');
  });

  it('answers 409 to a second decision on the same recommendation, naming the first, and writes nothing', async () => {
    const before = await decisionsCount();
    for (const action of ['accept', 'reject']) {
      const again = await post(`/api/recommendations/${rec0970[0]}/${action}`, { reason: 'again' });
      expect(again.status).toBe(409);
      const body = await again.json();
      expect(body.message).toMatch(/already accepted by operator/);
      expect(body.decision).toMatchObject({ recommendationId: rec0970[0], decision: 'accepted' });
    }
    expect(await decisionsCount()).toBe(before);
    expect(await plans.getJobCounts('waiting', 'completed', 'delayed', 'active')).toMatchObject({ waiting: 1 });
  });

  it('lets exactly one of two simultaneous decisions win', async () => {
    rec0970.push(await recommendation('0970', '2006-10-10T16:15:00+11:00', 'east-west'));
    const [a, b] = await Promise.all([post(`/api/recommendations/${rec0970[1]}/reject`, { reason: 'first' }), post(`/api/recommendations/${rec0970[1]}/reject`, { reason: 'second' })]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect((await db.query(`SELECT count(*)::int AS n FROM recommendation_decisions WHERE recommendation_id = $1`, [rec0970[1]]))[0].n).toBe(1);
  });

  it('records what was running before; a rejection leaves the running plan alone, a later acceptance replaces it', async () => {
    const [rejected] = await (await operator(`/api/audit?crossing=0970&limit=10`)).json();
    expect(rejected).toMatchObject({ recommendationId: rec0970[1], decision: 'rejected', previousPlan: { planId: `rec-${rec0970[0]}` }, publishedAt: null });
    expect((await db.query(`SELECT plan FROM running_plans WHERE crossing_id = '0970'`))[0].plan.planId).toBe(`rec-${rec0970[0]}`);
    expect(await plans.getJob(devPlanJobId(`rec-${rec0970[1]}`))).toBeUndefined();

    rec0970.push(await recommendation('0970', '2006-10-10T16:30:00+11:00', 'east-west'));
    const accepted = await (await post(`/api/recommendations/${rec0970[2]}/accept`)).json();
    expect(accepted).toMatchObject({ decision: 'accepted', reason: null, previousPlan: { planId: `rec-${rec0970[0]}` } });
    const running = await (await viewer('/api/running-plans?crossing=0970')).json();
    expect(running).toEqual([expect.objectContaining({ crossingId: '0970', planId: `rec-${rec0970[2]}`, acceptedBy: 'operator', decisionId: accepted.id })]);

    // The audit trail, newest first, for operators; viewers may not read it.
    const audit = await (await operator('/api/audit?crossing=0970')).json();
    expect(audit.map((d: DecisionView) => [d.recommendationId, d.decision])).toEqual([
      [rec0970[2], 'accepted'],
      [rec0970[1], 'rejected'],
      [rec0970[0], 'accepted'],
    ]);
    expect((await viewer('/api/audit')).status).toBe(403);
  });

  it('exports a recommendation as a SUMO program whose steps add up to its cycle; 404 for an unknown one', async () => {
    const response = await viewer(`/api/recommendations/${rec2000}/sumo`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/xml/);
    const xml = await response.text();
    expect(xml).toMatch(new RegExp(`<tlLogic id="2000" type="static" programID="crosscast-rec-${rec2000}" offset="0">`));
    const [recommendation] = await db.query(`SELECT cycle_seconds FROM recommendations WHERE id = $1`, [rec2000]);
    const durations = [...xml.matchAll(/<phase duration="([\d.]+)" state="[GgyrR]+"/g)].map((m) => Number(m[1]));
    expect(durations.length).toBeGreaterThanOrEqual(4);
    expect(durations.reduce((a, b) => a + b, 0)).toBeCloseTo(Number(recommendation.cycle_seconds), 6);
    expect((await viewer('/api/recommendations/900000000000000001/sumo')).status).toBe(404);
    expect((await viewer('/api/recommendations/abc/sumo')).status).toBe(400);
  });

  it('answers 400 to bad bodies and ids, 404 to an unknown recommendation, and writes nothing', async () => {
    const before = await decisionsCount();
    const jobsBefore = (await plans.getJobs(['waiting', 'completed', 'active', 'delayed', 'failed'])).length;
    const bad: Array<[string, unknown]> = [
      [`/api/recommendations/${rec2000}/accept`, { reason: 42 }],
      [`/api/recommendations/${rec2000}/accept`, { reason: 'x'.repeat(501) }],
      [`/api/recommendations/${rec2000}/accept`, { reason: 'ok', planOverride: { cycleSeconds: 5 } }],
      [`/api/recommendations/${rec2000}/reject`, '{"reason": '],
      ['/api/recommendations/abc/accept', {}],
      ['/api/recommendations/-1/reject', {}],
    ];
    for (const [path, body] of bad) {
      const response = await post(path, body);
      expect({ path, body, status: response.status }).toEqual({ path, body, status: 400 });
    }
    expect((await post('/api/recommendations/987654321/accept')).status).toBe(404);
    expect(await decisionsCount()).toBe(before);
    expect((await plans.getJobs(['waiting', 'completed', 'active', 'delayed', 'failed'])).length).toBe(jobsBefore);
  });

  it('refuses to accept a plan for a crossing an admin disabled, and accepts again once re-enabled', async () => {
    const disabled = await admin('/api/admin/crossings/2000', { method: 'PATCH', body: JSON.stringify({ plansEnabled: false, adminNote: 'controller under repair' }) });
    expect(disabled.status).toBe(200);
    expect(await disabled.json()).toMatchObject({ crossingId: '2000', plansEnabled: false, adminNote: 'controller under repair', settingsUpdatedBy: 'admin' });
    const refused = await post(`/api/recommendations/${rec2000}/accept`);
    expect(refused.status).toBe(409);
    expect((await refused.json()).message).toMatch(/crossing 2000 does not take plans/);
    expect(await plans.getJob(devPlanJobId(`rec-${rec2000}`))).toBeUndefined();

    expect((await admin('/api/admin/crossings/2000', { method: 'PATCH', body: JSON.stringify({ plansEnabled: true }) })).status).toBe(200);
    expect((await post(`/api/recommendations/${rec2000}/accept`)).status).toBe(200);
    expect(SignedTimingPlanMessageSchema.parse((await plans.getJob(devPlanJobId(`rec-${rec2000}`)))!.data).crossingId).toBe('2000');
    const settings = await (await admin('/api/admin/crossings')).json();
    expect(settings.find((s: { crossingId: string }) => s.crossingId === '2000')).toMatchObject({ plansEnabled: true, adminNote: 'controller under repair' });
  });

  it('answers as the OpenAPI document says: every property of each answer is in its schema, required ones present, null only where nullable', async () => {
    const document = (await (await fetch(`${baseUrl}/api/docs-json`)).json()) as OpenApiDocumentLike;
    // A fresh pending recommendation at 2000 (the last one there was accepted with a north-south peak).
    const pending = await recommendation('2000', '2006-10-10T17:00:00+11:00', 'east-west');
    const asks: Array<[ReturnType<typeof authedFetch> | null, string, string, unknown?]> = [
      [viewer, 'GET', '/api/crossings?limit=3'],
      [viewer, 'GET', '/api/crossings/0970'],
      [viewer, 'GET', '/api/crossings/2000'],
      [viewer, 'GET', '/api/crossings/0970/forecasts?from=2006-10-09T00:00:00Z&to=2006-10-11T00:00:00Z'],
      [viewer, 'GET', '/api/crossings/2000/recommendation'],
      [viewer, 'GET', '/api/city/forecast'],
      [viewer, 'GET', '/api/recommendations?limit=20'],
      [viewer, 'GET', '/api/running-plans'],
      [viewer, 'GET', '/api/dead-letters'],
      [viewer, 'GET', '/api/corridors'],
      [viewer, 'GET', '/api/corridor-recommendations'],
      [viewer, 'GET', '/api/simulation/latest'],
      [viewer, 'GET', '/api/simulation/crossings/0970'],
      [viewer, 'GET', '/api/auth/me'],
      [operator, 'GET', '/api/audit?limit=20'],
      [operator, 'GET', '/api/corridor-decisions'],
      [operator, 'POST', `/api/recommendations/${pending}/reject`, { reason: 'checking the document' }],
      [operator, 'PUT', '/api/crossings/2000/automatic', { enabled: false }],
      [admin, 'GET', '/api/admin/users'],
      [admin, 'GET', '/api/admin/crossings'],
      [admin, 'GET', '/api/admin/keys'],
      [admin, 'GET', '/api/admin/audit'],
      [null, 'GET', '/health'],
      [null, 'POST', '/api/auth/login', { username: 'viewer', password: 'crosscast-viewer' }],
      [admin, 'PATCH', '/api/admin/crossings/3120', { adminNote: 'checked against the document' }],
      [admin, 'POST', '/api/admin/crossings/3120/reset-sequence', { reason: 'checking the document' }],
      [admin, 'POST', '/api/admin/users', { username: 'doc-check', password: 'a-long-enough-password', role: 'viewer' }],
      // Error answers: 400, 401, 403, 404, 409.
      [viewer, 'GET', '/api/crossings?limit=0'],
      [null, 'GET', '/api/crossings'],
      [viewer, 'GET', '/api/audit'],
      [viewer, 'GET', '/api/crossings/nowhere'],
      [operator, 'POST', `/api/recommendations/${pending}/accept`, {}],
    ];
    const statuses: number[] = [];
    const problems: string[] = [];
    for (const [as, method, path, body] of asks) {
      const init = { method, body: body === undefined ? undefined : JSON.stringify(body) };
      const response = as ? await as(path, init) : await fetch(`${baseUrl}${path}`, { ...init, headers: body === undefined ? {} : { 'content-type': 'application/json' } });
      statuses.push(response.status);
      problems.push(...answerProblems(document, method, path, response.status, await response.json()));
    }
    expect(problems).toEqual([]);
    expect(statuses.slice(0, -5).filter((s) => s !== 200)).toEqual([201]); // the user created
    expect(statuses.slice(-5)).toEqual([400, 401, 403, 404, 409]);
    // The check itself fails on an answer with a property its DTO does not list, or without a required one.
    const detail = await (await viewer('/api/crossings/0970')).json();
    expect(answerProblems(document, 'GET', '/api/crossings/0970', 200, { ...detail, extra: 1 })).toEqual(['GET /api/crossings/{id} 200.extra: not in the schema']);
    const { fused: _fused, ...withoutFused } = detail;
    expect(answerProblems(document, 'GET', '/api/crossings/0970', 200, withoutFused)).toEqual(['GET /api/crossings/{id} 200.fused: required, missing']);
  }, 60_000);
});
