import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { API_PATHS, AlertAcknowledgementView, CrossingDetailView, ForecastMessage, SERVER_EVENT_NAMES } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { IngestionService } from '../../apps/fusion/src/services/ingestion.service';
import { PlanningService } from '../../apps/fusion/src/services/planning.service';
import { authedFetch } from '../support/auth';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { shapedForecast } from '../support/planning-forecasts';
import { eventually } from '../support/infrastructure';

/**
 * The dashboard's alerts on the server (issue 15 part 3), against real PostgreSQL and Redis:
 * - shared acknowledgements: POST /api/alert-acknowledgements needs the operator role, is
 *   kept with who and when (the audit trail, alert_acknowledgements), goes to every
 *   dashboard as `alert-acknowledged`, and a second acknowledgement of the same alert is a
 *   409 naming the first; GET lists them;
 * - the congestion verdict: a forecast over the signal's capacity makes the crossing's
 *   planning evaluation congested, which the crossing's status carries (`congestion`, keyed
 *   by the start of the congested run) until an evaluation is not congested.
 */
describe('alert acknowledgements and the congestion verdict (real PostgreSQL + Redis)', () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const crossing = (id: string) => city.crossings.find((c) => c.id === id)!;
  let harness: FusionHarness;
  let app: NestExpressApplication;
  let db: DataSource;
  let baseUrl: string;
  let operator: ReturnType<typeof authedFetch>;
  let admin: ReturnType<typeof authedFetch>;
  let viewer: ReturnType<typeof authedFetch>;
  const heard: AlertAcknowledgementView[] = [];
  let seq = 0;

  // Melbourne is on +10:00 until 29 October 2006.
  const at = (hhmm: string) => `2006-10-10T${hhmm}:00+10:00`;
  // 600 vehicles per 15 minutes on every approach: 2,400 veh/h against 3,600 veh/h of saturation flow per approach, Y ≈ 1.3.
  const HEAVY = { N: 600, S: 600, E: 600, W: 600 };
  const LIGHT = { N: 80, S: 80, E: 80, W: 80 };
  const forecast = (crossingId: string, time: string, demand: Record<string, number>) => shapedForecast(crossing(crossingId), at(time), { observed: demand, forecast: {}, seq: ++seq });
  const ingest = async (message: ForecastMessage) => {
    const outcome = await app.get(IngestionService).ingestForecast('test', `job-${message.messageId}-${++seq}`, message);
    await app.get(PlanningService).whenIdle();
    return outcome;
  };
  const statusOf = async (id: string) => ((await (await viewer(API_PATHS.crossing(id))).json()) as CrossingDetailView).status;
  /** The statuses are a picture rebuilt every second (planning runs after the forecast is fed): the crossing's status once `until` holds. */
  const statusWhen = async (id: string, until: (s: Awaited<ReturnType<typeof statusOf>>) => boolean, what: string) => {
    await eventually(async () => until(await statusOf(id)), what, 10_000);
    return statusOf(id);
  };
  const acknowledge = (as: ReturnType<typeof authedFetch>, body: unknown) => as(API_PATHS.alertAcknowledgements, { method: 'POST', body: JSON.stringify(body) });

  beforeAll(async () => {
    harness = await startFusionHarness({ name: 'alerts', env: { FUSION_STEP_SETTLE_MS: '500' } });
    ({ app, db, baseUrl } = harness);
    ({ operator, admin, viewer } = harness.api);
    await harness.socket('viewer', (s) => s.on(SERVER_EVENT_NAMES.alertAcknowledged, (view) => heard.push(view)));
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  }, 60_000);

  it('an operator acknowledges an alert once for everyone: kept with who and when, sent to every dashboard, a second time is a 409', async () => {
    const key = 'stale:0970:2006-10-10T06:00:00.000Z';
    // A viewer may read but not acknowledge; without a token nothing.
    expect((await acknowledge(viewer, { alertKey: key })).status).toBe(403);
    expect((await fetch(`${baseUrl}${API_PATHS.alertAcknowledgements}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ alertKey: key }) })).status).toBe(401);

    const response = await acknowledge(operator, { alertKey: key, note: 'crew on site' });
    expect(response.status).toBe(201);
    const ack = (await response.json()) as AlertAcknowledgementView;
    expect(ack).toMatchObject({ alertKey: key, kind: 'stale', crossingId: '0970', note: 'crew on site', acknowledgedBy: 'operator', acknowledgedByRole: 'operator' });

    // The audit trail: the user's id, name and role copied.
    const [row] = await db.query(
      `SELECT a.alert_key, a.kind, a.crossing_id, a.note, a.acknowledged_by_username, a.acknowledged_by_role, a.acknowledged_at, u.username FROM alert_acknowledgements a JOIN users u ON u.id = a.acknowledged_by_user_id WHERE a.id = $1`,
      [ack.id],
    );
    expect(row).toEqual({ alert_key: key, kind: 'stale', crossing_id: '0970', note: 'crew on site', acknowledged_by_username: 'operator', acknowledged_by_role: 'operator', acknowledged_at: new Date(ack.acknowledgedAt), username: 'operator' });

    // Every dashboard hears it.
    await eventually(async () => heard.some((h) => h.id === ack.id), 'the alert-acknowledged event');
    expect(heard.find((h) => h.id === ack.id)).toEqual(ack);

    // Someone else acknowledging the same alert is told who was first; nothing new is stored or sent.
    const again = await acknowledge(admin, { alertKey: key });
    expect(again.status).toBe(409);
    const body = (await again.json()) as { message: string; acknowledgement: AlertAcknowledgementView };
    expect(body.message).toMatch(/already acknowledged by operator/);
    expect(body.acknowledgement).toEqual(ack);
    expect(Number((await db.query(`SELECT count(*) FROM alert_acknowledgements WHERE alert_key = $1`, [key]))[0].count)).toBe(1);

    // Listed for every role, newest first, per crossing.
    const second = (await (await acknowledge(admin, { alertKey: 'pending:2000:17' })).json()) as AlertAcknowledgementView;
    const list = (await (await viewer(API_PATHS.alertAcknowledgements)).json()) as AlertAcknowledgementView[];
    expect(list.map((a) => a.id)).toEqual([second.id, ack.id]);
    expect(((await (await viewer(`${API_PATHS.alertAcknowledgements}?crossing=2000`)).json()) as AlertAcknowledgementView[]).map((a) => a.alertKey)).toEqual(['pending:2000:17']);
    expect(heard.filter((h) => h.id === ack.id)).toHaveLength(1);
  }, 60_000);

  it('refuses a key that names no alert kind, a crossing of another city, and an over-long note', async () => {
    expect((await acknowledge(operator, { alertKey: 'flood:0970' })).status).toBe(400);
    expect((await acknowledge(operator, { alertKey: 'drift:no such crossing' })).status).toBe(400);
    expect((await acknowledge(operator, {})).status).toBe(400);
    expect((await acknowledge(operator, { alertKey: 'drift:0970', note: 'x'.repeat(501) })).status).toBe(400);
    expect((await acknowledge(operator, { alertKey: 'drift:9999' })).status).toBe(404);
    expect((await viewer(`${API_PATHS.alertAcknowledgements}?limit=0`)).status).toBe(400);
  }, 30_000);

  it('is in the OpenAPI document with its schemas', async () => {
    type Op = { responses: Record<string, { content?: Record<string, { schema: { $ref?: string; items?: { $ref?: string } } }> }> };
    const doc = (await (await fetch(`${baseUrl}/api/docs-json`)).json()) as { paths: Record<string, { get?: Op; post?: Op }>; components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    const path = doc.paths['/api/alert-acknowledgements'];
    expect(path.post!.responses['201'].content!['application/json'].schema.$ref).toBe('#/components/schemas/AlertAcknowledgementDto');
    expect(path.get!.responses['200'].content!['application/json'].schema.items!.$ref).toBe('#/components/schemas/AlertAcknowledgementDto');
    expect(Object.keys(doc.components.schemas.AlertAcknowledgementDto.properties).sort()).toEqual(['acknowledgedAt', 'acknowledgedBy', 'acknowledgedByRole', 'alertKey', 'crossingId', 'id', 'kind', 'note']);
  }, 30_000);

  it('marks a crossing congested while its planning evaluations find the forecast over capacity, keyed by the start of the run', async () => {
    expect((await ingest(forecast('0970', '16:00', HEAVY))).status).toBe('stored');
    expect((await ingest(forecast('2000', '16:00', LIGHT))).status).toBe('stored');
    const [evaluation] = await db.query(`SELECT planning_period_start, congested, reason FROM planning_evaluations WHERE crossing_id = '0970' ORDER BY planning_period_start DESC LIMIT 1`);
    expect(evaluation.congested).toBe(true);
    const first = await statusWhen('0970', (s) => s.congestion !== null, 'the congested status');
    expect(first.congestion).toEqual({ since: evaluation.planning_period_start.toISOString(), periodStart: evaluation.planning_period_start.toISOString(), reason: expect.stringMatching(/Y = |over capacity|capped/) });
    expect((await statusOf('2000')).congestion).toBeNull();
    // The list every dashboard loads carries it too.
    const listed = (await (await viewer(API_PATHS.crossings)).json()) as Array<{ id: string; status: { congestion: unknown } }>;
    expect(listed.find((c) => c.id === '0970')!.status.congestion).toEqual(first.congestion);

    // Still congested in the next period: the same run (same `since`, so the same alert).
    await ingest(forecast('0970', '16:15', HEAVY));
    const second = await statusWhen('0970', (s) => s.congestion?.periodStart !== first.congestion!.periodStart, 'the next congested period');
    expect(second.congestion?.since).toBe(first.congestion!.since);
    expect(Date.parse(second.congestion!.periodStart)).toBeGreaterThan(Date.parse(first.congestion!.periodStart));

    // A light period ends the run; congested again later is a new run with a new key.
    await ingest(forecast('0970', '16:30', LIGHT));
    await statusWhen('0970', (s) => s.congestion === null, 'the end of congestion');
    await ingest(forecast('0970', '16:45', HEAVY));
    const third = await statusWhen('0970', (s) => s.congestion !== null, 'congestion again');
    expect(Date.parse(third.congestion!.since)).toBeGreaterThan(Date.parse(second.congestion!.periodStart));
    const [row] = await db.query(`SELECT congested, congested_since FROM crossing_congestion WHERE crossing_id = '0970'`);
    expect([row.congested, row.congested_since.toISOString()]).toEqual([true, third.congestion!.since]);
  }, 120_000);
});
