import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PARTITIONED_TABLES } from '@crosscast/persistence';
import { Fence } from './leadership.repository';

export type PartitionedTable = (typeof PARTITIONED_TABLES)[number]['table'];

export interface PartitionInfo {
  name: string;
  /** Lower bound of the month (UTC); null for the DEFAULT partition. */
  from: Date | null;
  to: Date | null;
}

/**
 * Monthly partitions of the growing tables (migration 1765400000000): lists them, creates a
 * month's partition (moving its rows out of DEFAULT) and drops whole months for retention.
 * DDL waits at most a few seconds for locks; maintenance simply tries again next time.
 * Creating and dropping take a `fence`, checked in the DDL's own transaction (the epoch's
 * row stays share-locked until the DDL commits), so a deposed leader's DDL never runs.
 */
@Injectable()
export class PartitionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(table: PartitionedTable): Promise<PartitionInfo[]> {
    const rows: Array<{ name: string; bound: string }> = await this.dataSource.query(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY c.relname`,
      [table],
    );
    return rows.map(({ name, bound }) => {
      const match = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(bound);
      return { name, from: match ? new Date(match[1]) : null, to: match ? new Date(match[2]) : null };
    });
  }

  /** The months (UTC starts) that have rows waiting in the DEFAULT partition. */
  async monthsInDefault(table: PartitionedTable, column: string): Promise<Date[]> {
    const rows: Array<{ month: Date }> = await this.dataSource.query(
      `SELECT DISTINCT date_trunc('month', "${column}" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month FROM "${table}_default" ORDER BY 1 LIMIT 36`,
    );
    return rows.map((r) => new Date(r.month));
  }

  /** True when it created the partition. */
  async ensureMonth(table: PartitionedTable, column: string, month: Date, fence: Fence): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL lock_timeout = '5s'`);
      await fence(manager);
      const [{ created }] = await manager.query(`SELECT crosscast_ensure_month_partition($1, $2, $3) AS created`, [table, column, month.toISOString()]);
      return created as boolean;
    });
  }

  async newest(table: PartitionedTable, column: string): Promise<Date | null> {
    const [{ newest }] = await this.dataSource.query(`SELECT max("${column}") AS newest FROM "${table}"`);
    return newest ? new Date(newest) : null;
  }

  async drop(partition: string, fence: Fence): Promise<void> {
    if (!/^[a-z_]+_p\d{6}$/.test(partition)) throw new Error(`refusing to drop ${partition}: not a monthly partition`);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL lock_timeout = '5s'`);
      await fence(manager);
      await manager.query(`DROP TABLE "${partition}"`);
    });
  }
}
