import { DataSource } from 'typeorm';
import { eventually, openDatabase } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';
import { healthOf } from '../support/fusion-rest';
import { burstOfForecasts, crossingPeriodsAdvisedTwice, enqueueForecasts, recordFaultResult, storedCount, tally, withLogs } from './fault-support';

/**
 * Fusion is killed with SIGKILL (no shutdown hooks, transactions cut mid-way) while it
 * works through a burst of 10,000 forecasts, then started again: every forecast must be
 * stored exactly once. Jobs that were active when it died "stall" and come back when
 * their lock expires; rolled-back transactions are redone; completed ones are no-ops.
 */
describe('fault: fusion SIGKILL during a burst of 10,000 forecasts', () => {
  const BURST = 10_000;
  let platform: RunningPlatform;
  let db: DataSource;

  beforeAll(async () => {
    platform = await startPlatform([], { simulator: false, workerGroups: [] });
    db = await openDatabase(platform.databaseUrl);
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await platform?.stop();
  }, 60_000);

  it('stores every forecast exactly once after the kill and restart', async () => {
    const messages = burstOfForecasts(BURST);
    const ids = messages.map((m) => m.messageId);
    await enqueueForecasts(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', platform.prefix, messages);

    // Kill it in the middle of the burst.
    const before = await withLogs(eventually(async () => {
      const n = await storedCount(db, ids);
      return n >= 1500 ? n : null;
    }, '1,500 forecasts stored before the kill', 180_000, 100), platform.logs);
    await platform.kill('fusion', 'SIGKILL');
    const atKill = await storedCount(db, ids);
    expect(atKill).toBeLessThan(BURST);

    const restartedAt = Date.now();
    platform.startAgain('fusion');
    await withLogs(eventually(async () => (await healthOf(platform.baseUrl)).status === 200, 'fusion healthy again', 60_000, 300), platform.logs);
    await withLogs(eventually(async () => (await storedCount(db, ids)) >= BURST, `all ${BURST} forecasts stored`, 300_000, 500), platform.logs);
    const recoverySeconds = (Date.now() - restartedAt) / 1000;

    const result = await tally(db, ids);
    const deadLetters = Number((await db.query(`SELECT count(*) AS n FROM dead_letters`))[0].n);
    // Plans come from each crossing's newest forecast, once per crossing and planning period
    // (the primary key of planning_evaluations): after the crash every crossing's newest
    // forecast was planned from, and no crossing was advised twice in a period (crossing or
    // corridor recommendations; the latter's key does not forbid it under two group names).
    // Planning follows storage (and gives way to it while a burst is in hand): wait for it.
    const plannedCrossings = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS crossings FROM (SELECT f.crossing_id FROM forecasts f JOIN planning_evaluations e
             ON e.crossing_id = f.crossing_id AND e.forecast_id = f.id
           WHERE f.based_on_interval_start = (SELECT max(based_on_interval_start) FROM forecasts g WHERE g.crossing_id = f.crossing_id)
           GROUP BY f.crossing_id) t`,
        )
      )[0].crossings as number;
    const planned = await eventually(async () => ((await plannedCrossings()) === 40 ? 40 : null), "every crossing's newest forecast planned from", 60_000, 500).catch(plannedCrossings);
    const advisedTwice = await crossingPeriodsAdvisedTwice(db);
    recordFaultResult({
      scenario: 'fusion SIGKILL mid-burst, restarted',
      ...result,
      recoverySeconds,
      notes: `killed after ${atKill} stored (${before} seen); recovery = restart until all stored, incl. the lock expiry (JOB_LOCK_SECONDS, 10 s) of the jobs active at the kill; every crossing's newest forecast planned from: ${planned}/40; ${advisedTwice} crossing-periods advised twice; ${deadLetters} dead letters`,
    });
    expect(result).toEqual({ sent: BURST, stored: BURST, lost: 0, duplicated: 0 });
    expect(deadLetters).toBe(0);
    expect(planned).toBe(40);
    expect(advisedTwice).toBe(0);
  }, 600_000);
});
