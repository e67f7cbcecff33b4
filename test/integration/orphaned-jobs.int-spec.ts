import { Worker } from 'bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { FORECAST_QUEUE } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { forecastMessage } from '../support/forecast-factory';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { TEST_REDIS_URL, eventually } from '../support/infrastructure';

/**
 * A job left in `active` locked to a holder that is gone (a killed fusion process, or a
 * fetch whose reply a Redis restart lost) goes back to the queue and is stored once, as
 * soon as its lock lapses and the stalled-job check sees it (JOB_LOCK_SECONDS: the lock's
 * length; the check runs every half of it). Real PostgreSQL and Redis; the orphan is made
 * the way it happens, by a worker that fetched the job and went away without a word.
 */
describe('a job locked to nobody (real PostgreSQL + Redis)', () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const crossing = city.crossings[0];
  let harness: FusionHarness;
  let db: DataSource;

  beforeAll(async () => {
    harness = await startFusionHarness({ name: 'orphan', env: { JOB_LOCK_SECONDS: '2' } });
    db = harness.db;
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  }, 60_000);

  it('is fetched again once its lock lapses, and stored once', async () => {
    // Fusion is away while another holder takes the job.
    await harness.app.close();
    const message = forecastMessage(crossing.id, crossing.approaches.map((a) => a.id), '2006-10-12T08:00:00+11:00', { seq: 42 });
    await harness.queue(FORECAST_QUEUE).add('forecast', message, { jobId: 'orphaned-forecast' });
    const connection = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const gone = new Worker(FORECAST_QUEUE, null, { connection, prefix: harness.prefix, autorun: false, lockDuration: 2000 });
    const taken = await gone.getNextJob('a-holder-that-is-gone');
    expect(taken?.id).toBe('orphaned-forecast');
    await gone.close();
    connection.disconnect();
    expect(await harness.queue(FORECAST_QUEUE).getJobState('orphaned-forecast')).toBe('active');

    // BullMQ's default (a 30 s lock, checked every 30 s) would leave it there for 30-60 s.
    await harness.restartApp();
    const stored = async () => Number((await db.query(`SELECT count(*) AS n FROM forecasts WHERE message_id = $1`, [message.messageId]))[0].n);
    await eventually(async () => (await stored()) === 1, 'the orphaned forecast stored', 20_000, 200);
    await eventually(async () => (await harness.queue(FORECAST_QUEUE).getJobState('orphaned-forecast')) === 'completed', 'the orphaned job completed', 10_000, 200);
    expect(await stored()).toBe(1);
  }, 60_000);
});
