import { io, Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { ForecastView } from '@crosscast/contracts';
import { authedFetch, loginAs } from '../support/auth';
import { eventually, openDatabase } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';

/**
 * The whole path on real parts: the simulator replays recorded counts onto each
 * crossing's detector stream, the workers forecast from their own history and publish to
 * BullMQ, fusion stores in PostgreSQL and serves REST and socket.io.
 */
describe('platform end to end: simulator -> workers -> BullMQ -> fusion -> PostgreSQL -> REST + socket.io', () => {
  const crossingIds = ['0970', '2000', '3120'];
  let platform: RunningPlatform;
  let db: DataSource;
  let socket: Socket;
  let api: ReturnType<typeof authedFetch>;
  const received: ForecastView[] = [];

  beforeAll(async () => {
    // Any gain makes a recommendation here: this checks the wiring; hysteresis is tested in integration.
    platform = await startPlatform(crossingIds, { fusion: { MIN_GAIN_SECONDS: '0', MIN_GAIN_SHARE: '0' } });
    db = await openDatabase(platform.databaseUrl);
    const token = await loginAs(platform.baseUrl, 'viewer');
    api = authedFetch(platform.baseUrl, token);
    socket = io(platform.baseUrl, { transports: ['websocket'], auth: { token } });
    socket.on('forecast', (view: ForecastView) => received.push(view));
    // Forecasts go to the crossing's room: follow every crossing, as a dashboard follows the one it shows.
    socket.on('connect', () => {
      for (const crossingId of crossingIds) socket.emit('subscribe-crossing', { crossingId });
    });
    await eventually(async () => socket.connected, 'socket.io connection', 20_000);
  }, 90_000);

  afterAll(async () => {
    socket?.close();
    await db?.destroy();
    await platform?.stop();
  }, 60_000);

  it('stores forecasts from every crossing worker, each message once', async () => {
    const perCrossing = await eventually(
      async () => {
        const rows: Array<{ crossing_id: string; n: number }> = await db.query(`SELECT crossing_id, count(*)::int AS n FROM forecasts GROUP BY crossing_id`);
        return rows.length === crossingIds.length && rows.every((r) => r.n >= 3) ? rows : null;
      },
      'three forecasts from each crossing',
      90_000,
    ).catch((error) => {
      throw new Error(`${error.message}\n--- platform logs ---\n${platform.logs().slice(-6000)}`);
    });
    expect(perCrossing.map((r) => r.crossing_id).sort()).toEqual(crossingIds);
    const duplicates = await db.query(`SELECT count(*)::int AS n FROM (SELECT crossing_id, based_on_interval_start FROM forecasts GROUP BY 1, 2 HAVING count(*) > 1) d`);
    expect(duplicates[0].n).toBe(0);
    expect(Number((await db.query(`SELECT count(*) AS n FROM dead_letters`))[0].n)).toBe(0);
  }, 120_000);

  it("switches each worker from the baseline to its own trained TensorFlow.js model", async () => {
    const trained = await eventually(
      async () => {
        const rows: Array<{ crossing_id: string; model_backend: string }> = await db.query(
          `SELECT DISTINCT ON (crossing_id) crossing_id, model_backend FROM forecasts WHERE model_name = 'residual-ensemble' ORDER BY crossing_id, based_on_interval_start DESC`,
        );
        return rows.length === crossingIds.length ? rows : null;
      },
      'a residual-ensemble forecast from every crossing',
      90_000,
    );
    // Tests run where @tensorflow/tfjs-node cannot install: WASM (or CPU) must be serving.
    for (const row of trained) expect(['wasm', 'cpu', 'tensorflow']).toContain(row.model_backend);
  }, 120_000);

  it('serves the forecasts over REST and streams them over socket.io as they arrive', async () => {
    // Planning follows storage on the leader (PlanningService), behind the replay at this speed: wait for
    // 0970's evaluation. With the default advice (SIGNAL_ADVICE=actuated) a crossing's one advice is its
    // group's, so the evaluation says so instead of carrying a per-crossing Webster plan.
    const panel = await eventually(
      async () => {
        const view = await (await api(`/api/crossings/0970/recommendation`)).json();
        return view.lastEvaluation ? view : null;
      },
      'a planning evaluation for 0970',
      60_000,
    );
    expect(panel.lastEvaluation.reason).toMatch(/^advised with its group: /);
    const crossing = await (await api(`/api/crossings/0970`)).json();
    expect(crossing.latestForecast.horizons.map((h: { horizonMinutes: number }) => h.horizonMinutes)).toEqual([15, 30, 45, 60]);
    expect(crossing.latestRecommendation).toBeNull();
    expect(crossing.recentObservations.length).toBeGreaterThan(0);
    expect(crossing.status.freshness).toBe('fresh');

    // Fused from its own forecast, not estimated. A city step that ran before this crossing's
    // forecast of the new interval arrived (a worker more than FUSION_STEP_SETTLE_MS late on a
    // busy machine) estimates it until the next step, so the check waits for a step that had it.
    const { forecasts, fused } = await eventually(
      async () => {
        const body = await (await api(`/api/crossings/2000/forecasts`)).json();
        return body.forecasts.length > 0 && !body.fused.horizons.some((h: { source: string }) => h.source === 'estimated') ? body : null;
      },
      "crossing 2000's fused values from its own forecast",
      30_000,
    );
    expect(forecasts.length).toBeGreaterThan(0);
    expect(fused.horizons.length).toBeGreaterThan(0);

    await eventually(async () => crossingIds.every((id) => received.some((f) => f.crossingId === id)), 'a live forecast event from every crossing', 30_000);
    const live = received[received.length - 1];
    const stored = await db.query(`SELECT count(*)::int AS n FROM forecasts WHERE message_id = $1`, [live.messageId]);
    expect(stored[0].n).toBe(1);

    const city = await (await api(`/api/city/forecast`)).json();
    expect(city.crossingsFresh).toBe(crossingIds.length);
    expect(city.horizons[0].crossingsIncluded).toBe(crossingIds.length);
    expect(city.horizons[0].total).toBeGreaterThan(0);
    expect(city.method).toBe('city-fusion');
  }, 150_000);
});

describe('edge worker restart: reloads its model from local disk and continues without duplicates', () => {
  const crossingIds = ['0970', '4035'];
  let platform: RunningPlatform;
  let db: DataSource;

  beforeAll(async () => {
    // Slower replay so the restart happens while the street keeps going.
    platform = await startPlatform(crossingIds, { simulator: { REPLAY_SPEED: '1800' } });
    db = await openDatabase(platform.databaseUrl);
  }, 90_000);

  afterAll(async () => {
    await db?.destroy();
    await platform?.stop();
  }, 60_000);

  it('forecasts again with the same model version, no retraining, no repeated message and a continuing sequence', async () => {
    const trained = async () =>
      (await db.query(`SELECT crossing_id, max(model_version) AS v, max(seq) AS seq FROM forecasts WHERE model_name = 'residual-ensemble' GROUP BY 1 ORDER BY 1`)) as Array<{ crossing_id: string; v: number; seq: string }>;
    const before = await eventually(async () => ((await trained()).length === crossingIds.length ? trained() : null), 'trained forecasts from both crossings', 90_000);
    const countBefore = Number((await db.query(`SELECT count(*) AS n FROM forecasts`))[0].n);

    await platform.restartWorkers();
    const restartedAt = Date.now();
    const after = await eventually(
      async () => {
        const rows: Array<{ crossing_id: string; model_version: number; seq: string }> = await db.query(
          `SELECT DISTINCT ON (crossing_id) crossing_id, model_version, seq FROM forecasts ORDER BY crossing_id, received_at DESC`,
        );
        const newer = Number((await db.query(`SELECT count(*) AS n FROM forecasts`))[0].n) > countBefore + 2 * crossingIds.length;
        return newer && rows.length === crossingIds.length ? rows : null;
      },
      'forecasts after the restart',
      60_000,
    );
    for (const row of after) {
      const previous = before.find((b) => b.crossing_id === row.crossing_id)!;
      // The saved model was reloaded: same version (or a later daily retrain), never back to the baseline.
      expect(row.model_version).toBeGreaterThanOrEqual(previous.v);
      expect(Number(row.seq)).toBeGreaterThan(Number(previous.seq));
    }
    expect(platform.logs()).toMatch(/hosting 2 crossing worker\(s\) \(2 restored/);
    const seqRepeats = await db.query(`SELECT count(*)::int AS n FROM (SELECT crossing_id, seq FROM forecasts GROUP BY 1, 2 HAVING count(*) > 1) d`);
    expect(seqRepeats[0].n).toBe(0);
    const duplicates = await db.query(`SELECT count(*)::int AS n FROM (SELECT crossing_id, based_on_interval_start FROM forecasts GROUP BY 1, 2 HAVING count(*) > 1) d`);
    expect(duplicates[0].n).toBe(0);
    const baselineAfterRestart = await db.query(`SELECT count(*)::int AS n FROM forecasts WHERE model_name = 'seasonal-naive' AND received_at > to_timestamp($1 / 1000.0)`, [restartedAt]);
    expect(baselineAfterRestart[0].n).toBe(0);
  }, 180_000);
});
