import { MigrationInterface, QueryRunner } from 'typeorm';
import { rebuildTable } from './1765400000000-partitioned-storage';

/**
 * Controller event logs grow with every simulated interval of every signal (simulate mode
 * sends one row per crossing and interval), so `signal_event_logs` is partitioned by month
 * of `interval_start` like the other growing tables (1765400000000): a DEFAULT partition so
 * an insert never fails, one partition per month the data covers, rows copied over. Its
 * primary key (run_id, crossing_id, interval_start) already holds the partition column.
 * Fusion's PartitionMaintenanceService creates the coming months and drops months older
 * than RETENTION_SIGNAL_EVENT_LOGS_DAYS.
 */
export const SIGNAL_EVENT_LOGS_PARTITIONING = { table: 'signal_event_logs', column: 'interval_start' } as const;

const KEYS = { primaryKey: ['run_id', 'crossing_id', 'interval_start'], uniques: {} };

export class PartitionedSignalEventLogs1765860000000 implements MigrationInterface {
  name = 'PartitionedSignalEventLogs1765860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await rebuildTable(queryRunner, SIGNAL_EVENT_LOGS_PARTITIONING.table, KEYS, SIGNAL_EVENT_LOGS_PARTITIONING.column);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await rebuildTable(queryRunner, SIGNAL_EVENT_LOGS_PARTITIONING.table, KEYS, null);
  }
}
