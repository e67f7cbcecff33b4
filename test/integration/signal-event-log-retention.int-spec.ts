import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@crosscast/persistence';
import { readFusionConfig } from '../../apps/fusion/src/config';
import { createFusionApp, migrate } from '../../apps/fusion/src/fusion-app';
import { SignalEventLogRepository } from '../../apps/fusion/src/measures/signal-event-log.repository';
import { PartitionMaintenanceService } from '../../apps/fusion/src/services/partition-maintenance.service';
import { clearRedisPrefix, dropDatabase, TEST_REDIS_URL, testDatabaseUrl, undoMigrationsThrough, uniqueName } from '../support/infrastructure';

/**
 * Retention for the controller event logs (signal_event_logs), like the other growing
 * tables: migration 1765860000000 partitions the table by month of interval_start (an
 * upgraded database keeps its rows and its key), and the leader's partition maintenance
 * drops months older than RETENTION_SIGNAL_EVENT_LOGS_DAYS (0 keeps everything).
 */
describe('signal_event_logs retention (real PostgreSQL)', () => {
  const dbName = uniqueName('crosscast_selret');
  const prefix = uniqueName('ccselret');
  const url = testDatabaseUrl(dbName);
  let db: DataSource;
  let app: NestExpressApplication | null = null;

  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    await dropDatabase(dbName);
    await clearRedisPrefix(prefix);
  }, 60_000);

  const logRow = (crossingId: string, intervalStart: string) =>
    db.query(
      `INSERT INTO signal_event_logs (run_id, crossing_id, interval_start, interval_minutes, channels, events, event_count, received_at)
       VALUES ('run-1', $1, $2, 15, '[]', '[[0, 1, 2]]', 1, now()) ON CONFLICT DO NOTHING RETURNING crossing_id`,
      [crossingId, intervalStart],
    );
  const count = async (sql: string) => Number((await db.query(sql))[0].n);
  const partitionsOf = async (table: string) =>
    ((await db.query(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`, [table])) as Array<{ name: string }>).map((r) => r.name);
  const startFusion = async (retentionDays: string) => {
    await app?.close();
    const config = readFusionConfig({ DATABASE_URL: url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, PARTITION_MAINTENANCE_SECONDS: '0', RETENTION_SIGNAL_EVENT_LOGS_DAYS: retentionDays });
    app = await createFusionApp(config, { logger: false });
    await app.init();
    return app;
  };

  it('partitions an upgraded table by month of interval_start, keeping its rows and its key', async () => {
    await migrate(url);
    db = new DataSource(dataSourceOptions(url));
    await db.initialize();
    await undoMigrationsThrough(db, 'PartitionedSignalEventLogs1765860000000');
    expect(await partitionsOf('signal_event_logs')).toEqual([]);
    await logRow('0970', '2006-10-31T23:45:00Z');
    await logRow('0970', '2006-11-01T00:00:00Z');
    await logRow('2000', '2006-11-20T08:00:00Z');

    // This migration runs again first (later ones, undone with it, follow it).
    expect((await db.runMigrations()).map((m) => m.name)[0]).toBe('PartitionedSignalEventLogs1765860000000');
    expect(await partitionsOf('signal_event_logs')).toEqual(['signal_event_logs_default', 'signal_event_logs_p200610', 'signal_event_logs_p200611']);
    expect(await count(`SELECT count(*) AS n FROM signal_event_logs_p200611`)).toBe(2);
    // a redelivered log is still stored once; the measures' index is on every partition
    expect(await logRow('0970', '2006-11-01T00:00:00Z')).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM signal_event_logs`)).toBe(3);
    const indexes = (await db.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'signal_event_logs_p200610' ORDER BY 1`)) as Array<{ indexname: string }>;
    expect(indexes.map((i) => i.indexname).join(' ')).toMatch(/crossing_id_interval_start|IDX_signal_event_logs_crossing/i);
    // December has no partition yet: its rows wait in DEFAULT
    await logRow('0970', '2006-12-05T08:00:00Z');
    expect(await count(`SELECT count(*) AS n FROM signal_event_logs_default`)).toBe(1);
  });

  it('keeps every month with RETENTION_SIGNAL_EVENT_LOGS_DAYS=0, and gives DEFAULT rows their month', async () => {
    const fusion = await startFusion('0');
    const report = await fusion.get(PartitionMaintenanceService).maintain();
    expect(report.created).toEqual(expect.arrayContaining(['signal_event_logs 2006-12']));
    expect(report.dropped).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM signal_event_logs_default`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM signal_event_logs_p200612`)).toBe(1);
    expect(await partitionsOf('signal_event_logs')).toEqual(expect.arrayContaining(['signal_event_logs_p200610', 'signal_event_logs_p200611', 'signal_event_logs_p200612']));
  });

  it('drops the months wholly older than the retention, counted back from the newest log, and the measures still read the rest', async () => {
    const fusion = await startFusion('20');
    const report = await fusion.get(PartitionMaintenanceService).maintain();
    // 20 days back from the newest log (5 Dec 2006 08:00) is 15 Nov: October ended before it, November did not
    expect(report.dropped).toEqual(['signal_event_logs_p200610']);
    expect(await partitionsOf('signal_event_logs')).not.toContain('signal_event_logs_p200610');
    expect(await count(`SELECT count(*) AS n FROM signal_event_logs`)).toBe(3);
    // other tables keep their retention (0 here): nothing else dropped
    expect(report.dropped.every((p) => p.startsWith('signal_event_logs_'))).toBe(true);
    const logs = fusion.get(SignalEventLogRepository);
    expect(await logs.latestEnd('2000')).toBe(Date.parse('2006-11-20T08:15:00Z'));
    expect((await logs.overlapping('0970', Date.parse('2006-10-31T00:00:00Z'), Date.parse('2006-11-02T00:00:00Z'))).map((l) => new Date(l.intervalStartMs).toISOString())).toEqual(['2006-11-01T00:00:00.000Z']);
    expect(await fusion.get(PartitionMaintenanceService).maintain()).toEqual({ created: [], dropped: [] });
  });
});
