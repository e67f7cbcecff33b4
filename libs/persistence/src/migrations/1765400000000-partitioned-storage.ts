import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tables that grow with every forecast are partitioned by month of data time (native
 * PostgreSQL range partitioning), so a year of a large city keeps its indexes small and old
 * months are dropped whole (retention) instead of deleted row by row:
 *
 *   forecasts            by based_on_interval_start
 *   forecast_points      by target_interval_start
 *   observations         by interval_start
 *   planning_evaluations by planning_period_start
 *
 * Primary keys and unique constraints must contain the partition key, so
 * `pk_forecasts` becomes (id, based_on_interval_start), `uq_forecasts_message_id`
 * (message_id, based_on_interval_start) (a message always names the same interval, so a
 * redelivery still conflicts) and `pk_forecast_points` gains target_interval_start (fixed by
 * forecast and step). The foreign key forecast_points → forecasts cannot reference a
 * partitioned table's id alone and is dropped: retention drops both by month.
 *
 * Each table gets a DEFAULT partition, so an insert never fails for want of a partition;
 * `crosscast_ensure_month_partition` (called by fusion's PartitionMaintenanceService) moves
 * a month's rows out of it into their own partition. Existing rows are copied over, so an
 * upgraded deployment keeps its data.
 */
export const PARTITIONED_TABLES = [
  {
    table: 'forecasts',
    column: 'based_on_interval_start',
    primaryKey: ['id', 'based_on_interval_start'],
    uniques: { uq_forecasts_message_id: ['message_id', 'based_on_interval_start'], uq_forecasts_crossing_interval: ['crossing_id', 'based_on_interval_start'] },
    before: { primaryKey: ['id'], uniques: { uq_forecasts_message_id: ['message_id'], uq_forecasts_crossing_interval: ['crossing_id', 'based_on_interval_start'] } },
  },
  {
    table: 'forecast_points',
    column: 'target_interval_start',
    primaryKey: ['forecast_id', 'steps_ahead', 'approach_id', 'target_interval_start'],
    uniques: {},
    before: { primaryKey: ['forecast_id', 'steps_ahead', 'approach_id'], uniques: {} },
  },
  { table: 'observations', column: 'interval_start', primaryKey: ['crossing_id', 'interval_start', 'approach_id'], uniques: {}, before: { primaryKey: ['crossing_id', 'interval_start', 'approach_id'], uniques: {} } },
  {
    table: 'planning_evaluations',
    column: 'planning_period_start',
    primaryKey: ['crossing_id', 'planning_period_start'],
    uniques: {},
    before: { primaryKey: ['crossing_id', 'planning_period_start'], uniques: {} },
  },
] as const;

type Keys = { primaryKey: readonly string[]; uniques: Record<string, readonly string[]> };

export class PartitionedStorage1765400000000 implements MigrationInterface {
  name = 'PartitionedStorage1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(ENSURE_MONTH_PARTITION_FUNCTION);
    await queryRunner.query(`ALTER TABLE "forecast_points" DROP CONSTRAINT IF EXISTS "fk_forecast_points_forecast"`);
    for (const spec of PARTITIONED_TABLES) await rebuildTable(queryRunner, spec.table, spec, spec.column);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const spec of [...PARTITIONED_TABLES].reverse()) await rebuildTable(queryRunner, spec.table, spec.before, null);
    await queryRunner.query(`ALTER TABLE "forecast_points" ADD CONSTRAINT "fk_forecast_points_forecast" FOREIGN KEY ("forecast_id") REFERENCES "forecasts"("id") ON DELETE CASCADE`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS crosscast_ensure_month_partition(text, text, timestamptz)`);
  }
}

/** Creates the month's partition if missing, moving that month's rows out of the DEFAULT partition first. */
const ENSURE_MONTH_PARTITION_FUNCTION = `
CREATE OR REPLACE FUNCTION crosscast_ensure_month_partition(parent text, key_column text, month_start timestamptz)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  lo timestamptz := date_trunc('month', month_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  hi timestamptz := (date_trunc('month', month_start AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
  part text := parent || '_p' || to_char(lo AT TIME ZONE 'UTC', 'YYYYMM');
BEGIN
  IF to_regclass(quote_ident(part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TEMP TABLE crosscast_moved ON COMMIT DROP AS WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) SELECT * FROM moved', parent || '_default', key_column, key_column) USING lo, hi;
  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, parent, lo, hi);
  EXECUTE format('INSERT INTO %I SELECT * FROM crosscast_moved', parent);
  DROP TABLE crosscast_moved;
  RETURN true;
END $$`;

/**
 * Re-creates `table` with the same columns, partitioned by month of `column` (or plain when
 * null), copies the rows, and puts back its keys, foreign keys, checks and plain indexes.
 * Later migrations partition their tables with it too (1765860000000, signal_event_logs).
 */
export async function rebuildTable(q: QueryRunner, table: string, keys: Keys, column: string | null): Promise<void> {
  const { primaryKey, uniques } = keys;
  const old = `${table}_before_rebuild`;
  const [{ oid }] = await q.query(`SELECT $1::regclass::oid AS oid`, [table]);
  // What the old table had besides its primary key and unique constraints: plain indexes,
  // foreign keys and checks are re-created with their own names on the partitioned table.
  const indexes: Array<{ indexdef: string }> = await q.query(
    `SELECT pg_get_indexdef(i.indexrelid) AS indexdef FROM pg_index i WHERE i.indrelid = $1 AND NOT i.indisprimary AND NOT i.indisunique`,
    [oid],
  );
  const constraints: Array<{ conname: string; def: string }> = await q.query(
    `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1 AND contype IN ('f', 'c') ORDER BY conname`,
    [oid],
  );
  const sequences: Array<{ seq: string; col: string }> = await q.query(
    `SELECT s.relname AS seq, a.attname AS col FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
       JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.refobjid = $1 AND d.deptype = 'a'`,
    [oid],
  );
  const [range] = column ? await q.query(`SELECT min("${column}") AS lo, max("${column}") AS hi FROM "${table}"`) : [{ lo: null }];

  await q.query(`ALTER TABLE "${table}" RENAME TO "${old}"`);
  await q.query(`CREATE TABLE "${table}" (LIKE "${old}" INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING IDENTITY)${column ? ` PARTITION BY RANGE ("${column}")` : ''}`);
  if (column) await q.query(`CREATE TABLE "${table}_default" PARTITION OF "${table}" DEFAULT`);
  // A partition per month the data covers, then the rows.
  if (column && range.lo) {
    await q.query(
      `SELECT crosscast_ensure_month_partition($1, $2, g AT TIME ZONE 'UTC')
         FROM generate_series(date_trunc('month', $3::timestamptz AT TIME ZONE 'UTC'), date_trunc('month', $4::timestamptz AT TIME ZONE 'UTC'), interval '1 month') AS g`,
      [table, column, range.lo, range.hi],
    );
  }
  await q.query(`INSERT INTO "${table}" SELECT * FROM "${old}"`);
  for (const { seq } of sequences) await q.query(`ALTER SEQUENCE "${seq}" OWNED BY NONE`);
  // CASCADE: the partitions of a partitioned original go with it.
  await q.query(`DROP TABLE "${old}" CASCADE`);
  for (const { seq, col } of sequences) await q.query(`ALTER SEQUENCE "${seq}" OWNED BY "${table}"."${col}"`);

  await q.query(`ALTER TABLE "${table}" ADD CONSTRAINT "pk_${table}" PRIMARY KEY (${primaryKey.map((c) => `"${c}"`).join(', ')})`);
  for (const [name, columns] of Object.entries(uniques)) await q.query(`ALTER TABLE "${table}" ADD CONSTRAINT "${name}" UNIQUE (${columns.map((c) => `"${c}"`).join(', ')})`);
  for (const { conname, def } of constraints) await q.query(`ALTER TABLE "${table}" ADD CONSTRAINT "${conname}" ${def}`);
  // "CREATE INDEX name ON public.<old> USING …" → the same index on the partitioned table.
  for (const { indexdef } of indexes) await q.query(indexdef.replace(/ ON (\S+\.)?"?[a-z_]+"? USING /, ` ON "${table}" USING `));
}
