import { FORECAST_QUEUE } from '@crosscast/contracts';
import { DataSource } from 'typeorm';
import { TEST_REDIS_URL, eventually, openDatabase } from '../support/infrastructure';
import { OwnPostgres, startOwnPostgres } from '../support/own-servers';
import { RunningPlatform, startPlatform } from '../support/platform';
import { healthOf } from '../support/fusion-rest';
import { burstOfForecasts, enqueueForecasts, recordFaultResult, storedCount, tally, withLogs } from './fault-support';

/**
 * The test's own PostgreSQL is stopped for 20 seconds while fusion stores a burst:
 * fusion must say so on /health (503 with the reason), keep the jobs and retry them with
 * its capped exponential back-off, and store everything exactly once when it is back.
 */
describe('fault: PostgreSQL stopped for 20 s', () => {
  const BURST = 3000;
  const OUTAGE_MS = 20_000;
  let postgres: OwnPostgres;
  let platform: RunningPlatform;
  let db: DataSource | null = null;

  beforeAll(async () => {
    postgres = await startOwnPostgres();
    platform = await startPlatform([], { postgresUrl: postgres.url, simulator: false, workerGroups: [] });
  }, 120_000);

  afterAll(async () => {
    await db?.destroy().catch(() => undefined);
    await platform?.stop();
    postgres?.destroy();
  }, 60_000);

  it('reports unhealthy, retries with back-off, and stores everything once it is back', async () => {
    const messages = burstOfForecasts(BURST);
    const ids = messages.map((m) => m.messageId);
    let probe = await openDatabase(platform.databaseUrl);
    await enqueueForecasts(TEST_REDIS_URL, platform.prefix, messages);
    await withLogs(eventually(async () => (await storedCount(probe, ids)) >= 500, '500 stored before the outage', 120_000, 100), platform.logs);
    await probe.destroy();

    const stoppedAt = Date.now();
    postgres.stop();
    const unhealthy = await withLogs(eventually(async () => {
      const health = await healthOf(platform.baseUrl);
      return health.status === 503 && health.body.postgres?.ok === false ? health : null;
    }, '/health 503 with PostgreSQL down', 15_000, 250), platform.logs);
    expect(unhealthy.body.postgres?.error).toBeTruthy();
    // Jobs are failing and waiting to be retried (delayed), not dropped.
    const retrying = await withLogs(eventually(async () => {
      const health = (await healthOf(platform.baseUrl)).body as unknown as { queues: Record<string, { delayed?: number; failed?: number }> };
      const counts = health.queues[FORECAST_QUEUE];
      return (counts.delayed ?? 0) > 0 ? counts : null;
    }, 'forecast jobs delayed for retry', 15_000, 250), platform.logs);
    expect(retrying.failed ?? 0).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt))));
    expect((await healthOf(platform.baseUrl)).status).toBe(503);

    postgres.start();
    const restartedAt = Date.now();
    db = await openDatabase(platform.databaseUrl);
    await withLogs(eventually(async () => (await storedCount(db!, ids)) >= BURST, `all ${BURST} stored`, 300_000, 500), platform.logs);
    const recoverySeconds = (Date.now() - restartedAt) / 1000;
    await withLogs(eventually(async () => (await healthOf(platform.baseUrl)).status === 200, '/health 200 again', 30_000), platform.logs);

    const result = await tally(db, ids);
    const deadLetters = Number((await db.query(`SELECT count(*) AS n FROM dead_letters`))[0].n);
    recordFaultResult({
      scenario: 'PostgreSQL down 20 s mid-burst',
      ...result,
      recoverySeconds,
      notes: `/health 503 (${unhealthy.body.postgres?.error}) during the outage; ${retrying.delayed} jobs delayed for retry; recovery = server start until all stored (back-off up to 30 s); ${deadLetters} dead letters`,
    });
    expect(result).toEqual({ sent: BURST, stored: BURST, lost: 0, duplicated: 0 });
    expect(deadLetters).toBe(0);
  }, 600_000);
});
