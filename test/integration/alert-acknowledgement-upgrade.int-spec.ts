import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@crosscast/persistence';
import { API_PATHS, AlertAcknowledgementView, CrossingDetailView, CrossingStatusView, StatusAlertKind, statusAlerts } from '@crosscast/contracts';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { undoMigrationsThrough } from '../support/infrastructure';

/**
 * Upgrading to per-episode alert keys (AlertEpisodes1765840000000) keeps what operators
 * had acknowledged (AlertAcknowledgementEpisodes1765880000000), against real PostgreSQL:
 * a database at the schema before per-episode keys, with statuses and acknowledgements as
 * the server wrote them then (`drift:<crossing>`, `degraded:` and `offline:<crossing>:<newest
 * forecast interval>`), is migrated and fusion started on it; the alerts the dashboard
 * derives from the statuses REST serves (`statusAlerts`) are acknowledged where they were
 * acknowledged before the upgrade, and only there.
 */
const at = (hhmm: string) => new Date(`2006-10-10T${hhmm}:00+10:00`).toISOString();

describe('alert acknowledgements across the upgrade to per-episode keys (real PostgreSQL)', () => {
  let h: FusionHarness;
  /** The run's database with the migrations listed (the harness's own connection has none). */
  let db: DataSource;

  beforeAll(async () => {
    // Offline after an hour of silence: the crossings given a heartbeat "now" stay online while the spec runs.
    h = await startFusionHarness({ name: 'ackupgrade', env: { OFFLINE_AFTER_SECONDS: '3600' } });
    db = await new DataSource(dataSourceOptions(h.config.DATABASE_URL)).initialize();
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await h?.stop();
  }, 60_000);

  it('carries drift, degraded and offline acknowledgements that matched before the upgrade to the alerts of now', async () => {
    await h.app.close();
    // Back to the schema before per-episode keys.
    await undoMigrationsThrough(db, 'AlertEpisodes1765840000000');
    const status = (id: string, workerStatus: string, heartbeatAgo: string, lastForecast: string, drift: number | null) =>
      db.query(
        `INSERT INTO crossing_status (crossing_id, worker_status, last_heartbeat_at, last_heartbeat_seq, last_forecast_interval_start, drift)
         VALUES ($1, $2, now() - $3::interval, 1, $4, $5)
         ON CONFLICT (crossing_id) DO UPDATE SET worker_status = EXCLUDED.worker_status, last_heartbeat_at = EXCLUDED.last_heartbeat_at, last_heartbeat_seq = 1,
           last_forecast_interval_start = EXCLUDED.last_forecast_interval_start, drift = EXCLUDED.drift`,
        [id, workerStatus, heartbeatAgo, lastForecast, drift === null ? null : JSON.stringify({ recentMae: drift * 10, validationMae: 10, ratio: drift, samples: 40 })],
      );
    await status('0970', 'ok', '0 s', at('17:00'), null); // sets the city's data time
    await status('2200', 'degraded', '0 s', at('17:00'), null);
    await status('3180', 'degraded', '0 s', at('17:00'), null);
    await status('2000', 'ok', '0 s', at('17:00'), 2.0);
    await status('4057', 'ok', '0 s', at('17:00'), 1.1);
    await status('2820', 'ok', '2 hours', at('16:45'), null);
    const [{ id: userId }] = await db.query(`SELECT id FROM users WHERE username = 'operator'`);
    const ack = (key: string, kind: string, crossingId: string, ago: string) =>
      db.query(
        `INSERT INTO alert_acknowledgements (alert_key, kind, crossing_id, note, acknowledged_by_user_id, acknowledged_by_username, acknowledged_by_role, acknowledged_at)
         VALUES ($1, $2, $3, 'before the upgrade', $4, 'operator', 'operator', now() - $5::interval)`,
        [key, kind, crossingId, userId, ago],
      );
    // As the dashboard keyed them before: drift without an episode, degraded and offline on the newest forecast.
    await ack('drift:2000', 'drift', '2000', '3 hours');
    await ack(`degraded:2200:${at('17:00')}`, 'degraded', '2200', '5 minutes');
    await ack(`offline:2820:${at('16:45')}`, 'offline', '2820', '10 minutes');
    // Made on an earlier forecast: it no longer matched before the upgrade (the alert was showing again), nor after.
    await ack(`degraded:3180:${at('16:00')}`, 'degraded', '3180', '1 hour');
    // Not drifting now: nothing to carry it to.
    await ack('drift:4057', 'drift', '4057', '1 day');

    const applied = (await db.runMigrations()).map((m) => m.name);
    expect(applied).toEqual(expect.arrayContaining(['AlertEpisodes1765840000000', 'AlertAcknowledgementEpisodes1765880000000']));

    const keys = new Map(((await db.query(`SELECT crossing_id, alert_key FROM alert_acknowledgements`)) as Array<{ crossing_id: string; alert_key: string }>).map((r) => [r.crossing_id, r.alert_key]));
    const [heartbeats] = await db.query(`SELECT (SELECT last_heartbeat_at FROM crossing_status WHERE crossing_id = '2820') AS offline_hb, (SELECT drifting_since FROM crossing_status WHERE crossing_id = '2000') AS drifting, (SELECT degraded_since FROM crossing_status WHERE crossing_id = '2200') AS degraded`);
    expect(keys.get('2000')).toBe(`drift:2000:${heartbeats.drifting.toISOString()}`);
    expect(keys.get('2200')).toBe(`degraded:2200:${heartbeats.degraded.toISOString()}`);
    expect(keys.get('2820')).toBe(`offline:2820:${heartbeats.offline_hb.toISOString()}`);
    expect(keys.get('3180')).toBe(`degraded:3180:${at('16:00')}`);
    expect(keys.get('4057')).toBe('drift:4057');

    // Fusion on the upgraded database: the alerts every dashboard derives, against the acknowledgements it loads.
    await h.restartApp();
    const statusOf = async (id: string): Promise<CrossingStatusView> => ((await (await h.api.viewer(API_PATHS.crossing(id))).json()) as CrossingDetailView).status;
    const acknowledged = new Set(((await (await h.api.viewer(`${API_PATHS.alertAcknowledgements}?limit=2000`)).json()) as AlertAcknowledgementView[]).map((a) => a.alertKey));
    const alertOf = async (id: string, kind: StatusAlertKind) => statusAlerts(await statusOf(id)).find((a) => a.kind === kind)?.key;

    const drift = await alertOf('2000', 'drift');
    const degraded = await alertOf('2200', 'degraded');
    const offline = await alertOf('2820', 'offline');
    expect([drift, degraded, offline].every((key) => key !== undefined && acknowledged.has(key))).toBe(true);
    // 3180 is degraded, and its alert shows as it did before the upgrade.
    const other = await alertOf('3180', 'degraded');
    expect(other).toBeDefined();
    expect(acknowledged.has(other!)).toBe(false);
    expect(await alertOf('4057', 'drift')).toBeUndefined();
  }, 120_000);

  it('changes nothing when run on acknowledgements already keyed per episode', async () => {
    const before = await db.query(`SELECT id, alert_key FROM alert_acknowledgements ORDER BY id`);
    // Undo and run it again (its `down` keeps the keys): every key is already the key of now.
    await undoMigrationsThrough(db, 'AlertAcknowledgementEpisodes1765880000000');
    // (Later migrations were undone with it and run again after it.)
    expect((await db.runMigrations()).map((m) => m.name)[0]).toBe('AlertAcknowledgementEpisodes1765880000000');
    expect(await db.query(`SELECT id, alert_key FROM alert_acknowledgements ORDER BY id`)).toEqual(before);
  }, 60_000);
});
