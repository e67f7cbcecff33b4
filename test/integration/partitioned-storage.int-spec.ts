import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@crosscast/persistence';
import { readFusionConfig } from '../../apps/fusion/src/config';
import { createFusionApp, migrate } from '../../apps/fusion/src/fusion-app';
import { PartitionsRepository } from '../../apps/fusion/src/repositories/partitions.repository';
import { PartitionMaintenanceService } from '../../apps/fusion/src/services/partition-maintenance.service';
import { clearRedisPrefix, dropDatabase, eventually, TEST_REDIS_URL, testDatabaseUrl, undoMigrationsThrough, uniqueName } from '../support/infrastructure';

/**
 * Storage that grows for years (issue 16, item 4): the growing tables are partitioned by
 * month of data time. An upgraded database keeps its rows; keys still refuse duplicates;
 * rows for a month without a partition land in DEFAULT and maintenance gives them their
 * month; retention drops whole months.
 */
describe('partitioned storage (real PostgreSQL)', () => {
  const dbName = uniqueName('crosscast_part');
  const prefix = uniqueName('ccpart');
  const url = testDatabaseUrl(dbName);
  let db: DataSource;
  let app: NestExpressApplication | null = null;

  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    await dropDatabase(dbName);
    await clearRedisPrefix(prefix);
  }, 60_000);

  const forecastRow = (messageId: string, basedOn: string, seq: number) =>
    db.query(
      `INSERT INTO forecasts (message_id, crossing_id, seq, based_on_interval_start, interval_minutes, model_name, model_version, model_backend,
         trained_on_intervals, real_input_share, quality_flags, sent_at, received_at)
       VALUES ($1, '0970', $2, $3, 15, 'profile', 1, 'cpu', 0, 1, '[]', $3, $3) ON CONFLICT DO NOTHING RETURNING id`,
      [messageId, seq, basedOn],
    );
  const partitionsOf = async (table: string) =>
    ((await db.query(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`, [table])) as Array<{ name: string }>).map((r) => r.name);

  it('upgrades a database with data: rows kept, one partition per month, keys still hold', async () => {
    await migrate(url);
    db = new DataSource(dataSourceOptions(url));
    await db.initialize();
    // Back to the schema before partitioning, with data in two months.
    await undoMigrationsThrough(db, 'PartitionedStorage1765400000000');
    await db.query(`INSERT INTO crossings (id, name, lat, lon, approaches) VALUES ('0970', 'test', -37.8, 145.0, '[]') ON CONFLICT DO NOTHING`);
    const [{ id: octId }] = await forecastRow('m-oct', '2006-10-31T23:45:00Z', 1);
    await forecastRow('m-nov', '2006-11-01T00:00:00Z', 2);
    await db.query(
      `INSERT INTO forecast_points (forecast_id, steps_ahead, approach_id, crossing_id, horizon_minutes, target_interval_start, mean, lower80, upper80, lower95, upper95)
       VALUES ($1, 1, 'N', '0970', 15, '2006-11-01T00:00:00Z', 10, 8, 12, 6, 14)`,
      [octId],
    );
    await db.query(`INSERT INTO observations (crossing_id, interval_start, approach_id, count, filled_share) VALUES ('0970', '2006-10-31T23:45:00Z', 'N', 12, 0)`);

    expect((await db.runMigrations()).map((m) => m.name)).toContain('PartitionedStorage1765400000000');
    expect(await partitionsOf('forecasts')).toEqual(['forecasts_default', 'forecasts_p200610', 'forecasts_p200611']);
    expect(await partitionsOf('forecast_points')).toEqual(['forecast_points_default', 'forecast_points_p200611']);
    expect(await partitionsOf('observations')).toEqual(['observations_default', 'observations_p200610']);
    expect(Number((await db.query(`SELECT count(*) AS n FROM forecasts_p200610`))[0].n)).toBe(1);
    expect(Number((await db.query(`SELECT count(*) AS n FROM forecast_points`))[0].n)).toBe(1);

    // A redelivery conflicts (nothing stored twice); ids keep rising from the same sequence.
    expect(await forecastRow('m-oct', '2006-10-31T23:45:00Z', 1)).toEqual([]);
    const [{ id: nextId }] = await forecastRow('m-dec', '2006-12-05T08:00:00Z', 3);
    expect(Number(nextId)).toBeGreaterThan(Number(octId));
    await expect(db.query(`INSERT INTO observations (crossing_id, interval_start, approach_id, count, filled_share) VALUES ('0970', '2006-10-31T23:45:00Z', 'N', 13, 0)`)).rejects.toThrow(/duplicate key/);
    // December had no partition: the row waits in DEFAULT.
    expect(Number((await db.query(`SELECT count(*) AS n FROM forecasts_default`))[0].n)).toBe(1);
    // The dashboard's index is there, on every partition.
    const indexes = (await db.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'forecasts_p200610' ORDER BY 1`)) as Array<{ indexname: string }>;
    expect(indexes.length).toBeGreaterThanOrEqual(3);
  });

  it('gives DEFAULT rows their month, creates the coming months, and drops months past retention', async () => {
    const config = readFusionConfig({ DATABASE_URL: url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, PARTITION_MAINTENANCE_SECONDS: '0', RETENTION_FORECASTS_DAYS: '30' });
    app = await createFusionApp(config, { logger: false });
    await app.init();
    const report = await app.get(PartitionMaintenanceService).maintain();
    expect(report.created).toEqual(expect.arrayContaining(['forecasts 2006-12']));
    expect(Number((await db.query(`SELECT count(*) AS n FROM forecasts_default`))[0].n)).toBe(0);
    expect(Number((await db.query(`SELECT count(*) AS n FROM forecasts_p200612`))[0].n)).toBe(1);
    const now = new Date();
    const thisMonth = `forecasts_p${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    expect(await partitionsOf('forecasts')).toContain(thisMonth);
    // Retention 30 days back from the newest forecast (5 Dec 2006) is 5 Nov: October ended before it, November did not.
    expect(report.dropped).toEqual(['forecasts_p200610']);
    expect((await app.get(PartitionsRepository).list('forecasts')).map((p) => p.name)).not.toContain('forecasts_p200610');
    // Other tables keep everything (retention 0).
    expect(await partitionsOf('observations')).toContain('observations_p200610');
    // A second pass changes nothing.
    expect(await app.get(PartitionMaintenanceService).maintain()).toEqual({ created: [], dropped: [] });
  });

  it('runs a pass as soon as an instance leads, not a maintenance period later', async () => {
    await app?.close();
    app = null;
    await forecastRow('m-jan', '2007-01-10T08:00:00Z', 4);
    expect(Number((await db.query(`SELECT count(*) AS n FROM forecasts_default`))[0].n)).toBe(1);
    const config = readFusionConfig({ DATABASE_URL: url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, PARTITION_MAINTENANCE_SECONDS: '3600' });
    app = await createFusionApp(config, { logger: false });
    await app.init();
    await eventually(async () => (await partitionsOf('forecasts')).includes('forecasts_p200701'), 'January 2007 to get its partition', 20_000);
    expect(Number((await db.query(`SELECT count(*) AS n FROM forecasts_default`))[0].n)).toBe(0);
  });
});
