import { DataSource } from 'typeorm';
import { eventually, openDatabase } from '../support/infrastructure';
import { OwnRedis, startOwnRedis } from '../support/own-servers';
import { RunningPlatform, startPlatform } from '../support/platform';
import { healthOf } from '../support/fusion-rest';
import { missingObservations, newestForecastInterval } from './worker-support';
import { CITY, burstOfForecasts, enqueueForecasts, recordFaultResult, storedCount, tally, withLogs } from './fault-support';

/**
 * Redis (the test's own, append-only as in docker-compose.yml) is restarted while fusion
 * works through a burst of 10,000 forecasts and a real worker forecasts from the
 * simulator's feed. Nothing may be lost, and fusion, the worker and the simulator must
 * reconnect by themselves (nobody restarts them).
 */
describe('fault: Redis restarted during a burst', () => {
  const BURST = 10_000;
  const WORKER_CROSSING = '0970';
  let redis: OwnRedis;
  let platform: RunningPlatform;
  let db: DataSource;

  beforeAll(async () => {
    redis = await startOwnRedis();
    platform = await startPlatform([WORKER_CROSSING], { redisUrl: redis.url, simulator: { REPLAY_SPEED: '1800' } });
    db = await openDatabase(platform.databaseUrl);
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await platform?.stop();
    await redis?.destroy();
  }, 60_000);

  it('loses nothing and everyone reconnects by themselves', async () => {
    const others = CITY.crossings.map((c) => c.id).filter((id) => id !== WORKER_CROSSING);
    const messages = burstOfForecasts(BURST, '2006-11-01T00:00:00Z', others);
    const ids = messages.map((m) => m.messageId);
    // The worker is forecasting before the burst starts.
    await withLogs(eventually(async () => Number((await db.query(`SELECT count(*) AS n FROM forecasts WHERE crossing_id = $1`, [WORKER_CROSSING]))[0].n) > 0, 'a first worker forecast', 120_000), platform.logs);
    await enqueueForecasts(redis.url, platform.prefix, messages);
    await withLogs(eventually(async () => (await storedCount(db, ids)) >= 1500, '1,500 stored before the restart', 180_000, 100), platform.logs);

    const since = await newestForecastInterval(db, WORKER_CROSSING);
    await redis.stop();
    const atStop = await storedCount(db, ids);
    await withLogs(eventually(async () => {
      const health = await healthOf(platform.baseUrl);
      return health.status === 503 && health.body.redis?.ok === false;
    }, 'fusion /health 503 while Redis is down', 30_000, 250), platform.logs);
    const workerForecastsAtStop = Number((await db.query(`SELECT count(*) AS n FROM forecasts WHERE crossing_id = $1`, [WORKER_CROSSING]))[0].n);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // Redis stays down a few seconds
    await redis.start();
    const restartedAt = Date.now();

    await withLogs(eventually(async () => (await storedCount(db, ids)) >= BURST, `all ${BURST} burst forecasts stored`, 300_000, 500), platform.logs);
    const recoverySeconds = (Date.now() - restartedAt) / 1000;
    // The worker and the simulator came back by themselves: new worker forecasts arrive.
    await withLogs(eventually(async () => Number((await db.query(`SELECT count(*) AS n FROM forecasts WHERE crossing_id = $1`, [WORKER_CROSSING]))[0].n) > workerForecastsAtStop + 3, 'new worker forecasts after the restart', 120_000), platform.logs);
    expect((await healthOf(platform.baseUrl)).status).toBe(200);
    expect(platform.isRunning('fusion') && platform.isRunning('edge-workers') && platform.isRunning('simulator')).toBe(true);

    const result = await tally(db, ids);
    // No observed interval of the worker's crossing is missing since the restart began.
    const observations = await missingObservations(db, WORKER_CROSSING, since);
    const deadLetters = Number((await db.query(`SELECT count(*) AS n FROM dead_letters`))[0].n);
    recordFaultResult({
      scenario: 'Redis restarted (AOF everysec, orderly stop) mid-burst',
      ...result,
      recoverySeconds,
      notes: `stopped after ${atStop} stored, down 3 s + stop/start; worker ${WORKER_CROSSING} observations ${observations.present}/${observations.expected} intervals since the stop; ${deadLetters} dead letters`,
    });
    expect(result).toEqual({ sent: BURST, stored: BURST, lost: 0, duplicated: 0 });
    expect(observations.present).toBe(observations.expected);
    expect(deadLetters).toBe(0);
  }, 600_000);
});
