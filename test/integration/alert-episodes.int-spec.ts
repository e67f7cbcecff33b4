import { DataSource } from 'typeorm';
import { NestExpressApplication } from '@nestjs/platform-express';
import { API_PATHS, AlertAcknowledgementView, CrossingDetailView, CrossingStatusView, ForecastMessage, HeartbeatMessage, StatusAlertKind, WorkerDrift, statusAlerts } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { IngestionService } from '../../apps/fusion/src/services/ingestion.service';
import { PlanningService } from '../../apps/fusion/src/services/planning.service';
import { heartbeatMessage } from '../support/forecast-factory';
import { FusionHarness, RoleFetch, startFusionHarness } from '../support/fusion-harness';
import { eventually } from '../support/infrastructure';
import { shapedForecast } from '../support/planning-forecasts';

/**
 * Alert keys per episode (issue 15), against real PostgreSQL and Redis: an operator's
 * acknowledgement stays with the episode acknowledged — new forecasts and heartbeats while
 * the condition lasts keep the alert's key (so it stays acknowledged) — and a condition
 * that ends and comes back is a new alert, not acknowledged. The keys are computed from the
 * statuses REST serves with the same rule the dashboard uses (`statusAlerts`), and the
 * acknowledgements are the server's (POST / GET /api/alert-acknowledgements).
 */
const city = loadCityDefinition('seed-data/boroondara-2006');
const crossing = (id: string) => city.crossings.find((c) => c.id === id)!;
const FLOW = { N: 120, S: 120, E: 120, W: 120 };
// Melbourne is on +10:00 until 29 October 2006.
const at = (hhmm: string) => `2006-10-10T${hhmm}:00+10:00`;
const iso = (hhmm: string) => new Date(at(hhmm)).toISOString();

interface Rig {
  harness: FusionHarness;
  app: NestExpressApplication;
  db: DataSource;
  operator: RoleFetch;
  viewer: RoleFetch;
}

async function rig(name: string, env: Record<string, string> = {}): Promise<Rig> {
  const harness = await startFusionHarness({ name, env: { FUSION_STEP_SETTLE_MS: '500', ...env } });
  return { harness, app: harness.app, db: harness.db, operator: harness.api.operator, viewer: harness.api.viewer };
}

function helpers(get: () => Rig) {
  let seq = 0;
  const seqs = new Map<string, number>();
  const nextSeq = (id: string) => {
    const n = (seqs.get(id) ?? 0) + 1;
    seqs.set(id, n);
    return n;
  };
  const forecast = async (id: string, hhmm: string) => {
    const message: ForecastMessage = shapedForecast(crossing(id), at(hhmm), { observed: FLOW, forecast: {}, seq: nextSeq(`f${id}`) });
    const outcome = await get().app.get(IngestionService).ingestForecast('test', `job-${message.messageId}-${++seq}`, message);
    expect(outcome.status).toBe('stored');
    await get().app.get(PlanningService).whenIdle();
  };
  const heartbeat = async (id: string, over: Partial<HeartbeatMessage>) => {
    const message = heartbeatMessage(id, { seq: nextSeq(`h${id}`), sentAt: new Date().toISOString(), ...over });
    expect((await get().app.get(IngestionService).ingestHeartbeat('test', `hb-${id}-${++seq}`, message)).status).toBe('stored');
  };
  const statusOf = async (id: string): Promise<CrossingStatusView> => ((await (await get().viewer(API_PATHS.crossing(id))).json()) as CrossingDetailView).status;
  /** The statuses are a picture rebuilt every second: the crossing's status once `until` holds. */
  const statusWhen = async (id: string, until: (s: CrossingStatusView) => boolean, what: string) => {
    await eventually(async () => until(await statusOf(id)), what, 15_000);
    return statusOf(id);
  };
  /** The key the dashboard gives the crossing's alert of this kind now (undefined: no such alert). */
  const keyOf = (s: CrossingStatusView, kind: StatusAlertKind) => statusAlerts(s).find((a) => a.kind === kind)?.key;
  const acknowledge = async (key: string) => {
    const response = await get().operator(API_PATHS.alertAcknowledgements, { method: 'POST', body: JSON.stringify({ alertKey: key, note: 'seen' }) });
    expect(response.status).toBe(201);
  };
  /** Whether the server holds an acknowledgement for this key (what every dashboard loads). */
  const acknowledged = async (key: string | undefined) =>
    !!key && ((await (await get().viewer(`${API_PATHS.alertAcknowledgements}?limit=2000`)).json()) as AlertAcknowledgementView[]).some((a) => a.alertKey === key);
  return { forecast, heartbeat, statusOf, statusWhen, keyOf, acknowledge, acknowledged };
}

describe('alert keys per episode: degraded, drift and stale (real PostgreSQL + Redis)', () => {
  let r: Rig;
  const { forecast, heartbeat, statusWhen, keyOf, acknowledge, acknowledged } = helpers(() => r);
  const drift = (ratio: number): WorkerDrift => ({ recentMae: ratio * 10, validationMae: 10, ratio, samples: 40 });

  beforeAll(async () => {
    r = await rig('episodes');
  }, 60_000);

  afterAll(async () => {
    await r?.harness.stop();
  }, 60_000);

  /** 0970 and 2200 report every interval (they set the city's data time). */
  const advance = async (hhmm: string) => {
    await forecast('0970', hhmm);
    await forecast('2200', hhmm);
  };

  it('degraded: new forecasts and heartbeats in one episode keep the acknowledgement; degraded again later is a new alert', async () => {
    await advance('17:00');
    await heartbeat('2200', { status: 'degraded' });
    const first = await statusWhen('2200', (s) => s.degradedSince !== null && s.lastForecastIntervalStart === iso('17:00'), '2200 degraded');
    const key = keyOf(first, 'degraded')!;
    expect(key).toBe(`degraded:2200:${first.degradedSince}`);
    await acknowledge(key);

    // The worker keeps forecasting (its newest forecast moves on) and keeps saying degraded.
    await advance('17:15');
    await heartbeat('2200', { status: 'degraded' });
    const during = await statusWhen('2200', (s) => s.lastForecastIntervalStart === iso('17:15'), 'the 17:15 forecast of 2200');
    expect(during.freshness).toBe('fresh');
    expect(keyOf(during, 'degraded')).toBe(key);
    expect(await acknowledged(keyOf(during, 'degraded'))).toBe(true);

    // Healthy again: no alert. Degraded again: a new alert, not acknowledged.
    await heartbeat('2200', { status: 'ok' });
    const healthy = await statusWhen('2200', (s) => s.workerStatus === 'ok', '2200 ok');
    expect(keyOf(healthy, 'degraded')).toBeUndefined();
    await heartbeat('2200', { status: 'degraded' });
    const again = await statusWhen('2200', (s) => s.degradedSince !== null, '2200 degraded again');
    expect(keyOf(again, 'degraded')).not.toBe(key);
    expect(await acknowledged(keyOf(again, 'degraded'))).toBe(false);
    const [row] = await r.db.query(`SELECT degraded_since FROM crossing_status WHERE crossing_id = '2200'`);
    expect(row.degraded_since.toISOString()).toBe(again.degradedSince);
    await heartbeat('2200', { status: 'ok' });
  }, 120_000);

  it('drift: the episode is in the key; a ratio at or under 1.5 ends it, over 1.5 again is a new alert', async () => {
    await heartbeat('2200', { status: 'ok', drift: drift(2.0) });
    const first = await statusWhen('2200', (s) => s.driftingSince !== null, '2200 drifting');
    const key = keyOf(first, 'drift')!;
    expect(key).toBe(`drift:2200:${first.driftingSince}`);
    await acknowledge(key);

    await advance('17:30');
    await heartbeat('2200', { status: 'ok', drift: drift(2.6) });
    const during = await statusWhen('2200', (s) => s.lastForecastIntervalStart === iso('17:30') && s.drift?.ratio === 2.6, 'the 17:30 forecast and the new ratio of 2200');
    expect(keyOf(during, 'drift')).toBe(key);
    expect(await acknowledged(keyOf(during, 'drift'))).toBe(true);

    // Exactly 1.5 is not drifting (over it is).
    await heartbeat('2200', { status: 'ok', drift: drift(1.5) });
    expect(keyOf(await statusWhen('2200', (s) => s.drift?.ratio === 1.5, 'ratio 1.5'), 'drift')).toBeUndefined();
    await heartbeat('2200', { status: 'ok', drift: drift(1.9) });
    const again = await statusWhen('2200', (s) => s.driftingSince !== null, '2200 drifting again');
    expect(keyOf(again, 'drift')).not.toBe(key);
    expect(await acknowledged(keyOf(again, 'drift'))).toBe(false);
  }, 120_000);

  it('stale: a late forecast in the same stale episode keeps the acknowledgement; stale again after a fresh forecast is a new alert', async () => {
    await forecast('2827', '17:30');
    await advance('17:45');
    await advance('18:00');
    await advance('18:15');
    // 2827's newest forecast is now more than two intervals behind the city's data time.
    const first = await statusWhen('2827', (s) => s.freshness === 'stale', '2827 stale');
    expect(first.staleSince).toBe(iso('17:30'));
    const key = keyOf(first, 'stale')!;
    expect(key).toBe(`stale:2827:${iso('17:30')}`);
    // The leader's tick keeps where the episode began.
    await eventually(async () => (await r.db.query(`SELECT stale_since FROM crossing_status WHERE crossing_id = '2827'`))[0].stale_since?.toISOString() === iso('17:30'), 'stale_since kept');
    await acknowledge(key);

    // A late forecast: newer than before, still behind. Same episode, same key, still acknowledged.
    await advance('18:30');
    await advance('18:45');
    await forecast('2827', '17:45');
    const during = await statusWhen('2827', (s) => s.lastForecastIntervalStart === iso('17:45'), "2827's late forecast");
    expect(during.freshness).toBe('stale');
    expect(keyOf(during, 'stale')).toBe(key);
    expect(await acknowledged(keyOf(during, 'stale'))).toBe(true);

    // Caught up: fresh (the episode ends); behind again later: a new alert.
    await forecast('2827', '18:45');
    await statusWhen('2827', (s) => s.freshness === 'fresh', '2827 fresh');
    await eventually(async () => (await r.db.query(`SELECT stale_since FROM crossing_status WHERE crossing_id = '2827'`))[0].stale_since === null, 'stale_since cleared');
    await advance('19:00');
    await advance('19:15');
    await advance('19:30');
    const again = await statusWhen('2827', (s) => s.freshness === 'stale', '2827 stale again');
    expect(again.staleSince).toBe(iso('18:45'));
    expect(keyOf(again, 'stale')).not.toBe(key);
    expect(await acknowledged(keyOf(again, 'stale'))).toBe(false);
  }, 120_000);
});

describe('alert keys per episode: offline (real PostgreSQL + Redis)', () => {
  let r: Rig;
  const { forecast, heartbeat, statusWhen, keyOf, acknowledge, acknowledged } = helpers(() => r);

  beforeAll(async () => {
    // A short silence makes a worker offline, so the test can watch two episodes.
    r = await rig('offline', { OFFLINE_AFTER_SECONDS: '4' });
  }, 60_000);

  afterAll(async () => {
    await r?.harness.stop();
  }, 60_000);

  it('offline: data arriving while the worker is silent keeps the acknowledgement; silent again after a heartbeat is a new alert', async () => {
    await forecast('3002', '17:00');
    await heartbeat('3002', { status: 'ok' });
    const first = await statusWhen('3002', (s) => s.freshness === 'offline', '3002 offline');
    expect(first.offlineSince).toBe(first.lastHeartbeatAt);
    const key = keyOf(first, 'offline')!;
    expect(key).toBe(`offline:3002:${first.lastHeartbeatAt}`);
    await acknowledge(key);

    // A forecast still arrives (queued before the worker went silent): same episode.
    await forecast('3002', '17:15');
    const during = await statusWhen('3002', (s) => s.lastForecastIntervalStart === iso('17:15'), "3002's 17:15 forecast");
    expect(during.freshness).toBe('offline');
    expect(keyOf(during, 'offline')).toBe(key);
    expect(await acknowledged(keyOf(during, 'offline'))).toBe(true);

    // Back (a heartbeat), then silent again: a new alert.
    await heartbeat('3002', { status: 'ok' });
    await statusWhen('3002', (s) => s.freshness !== 'offline', '3002 back');
    const again = await statusWhen('3002', (s) => s.freshness === 'offline', '3002 offline again');
    expect(keyOf(again, 'offline')).not.toBe(key);
    expect(await acknowledged(keyOf(again, 'offline'))).toBe(false);
  }, 120_000);
});
