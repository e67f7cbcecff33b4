/** A column written by `insertColumns`: its name and the SQL type of its array (`text`, `bigint`, `jsonb`, ...). */
export type ColumnSpec = readonly [name: string, type: string];

/**
 * Rows per statement in `insertColumns`. Each column travels as one array parameter, so
 * PostgreSQL's 65,535 bind-parameter limit never applies; the bound keeps one statement's
 * arrays (and the server's memory for them) modest.
 */
export const MAX_ROWS_PER_STATEMENT = 20_000;

/**
 * `INSERT INTO <table> (<columns>) SELECT * FROM unnest($1::type[], $2::type[], ...) <suffix>`:
 * every row in one statement per MAX_ROWS_PER_STATEMENT rows, one array parameter per
 * column. PostgreSQL parses and plans the same short statement whatever the number of
 * rows, which makes it about twice as fast as a multi-row VALUES list with a parameter
 * per value (measured on forecast points: bench/pipeline.ts, ceiling_unnest_per_s).
 * Rows keep their order; values are cast to the columns' types on assignment, so a value
 * the column cannot hold is a data exception (SQLSTATE 22) as with VALUES. Returns the
 * rows every statement's RETURNING produced.
 */
/** Anything that runs SQL and resolves to the returned rows: a DataSource, an EntityManager, a pg client wrapper. */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export async function insertColumns(
  db: SqlRunner,
  table: string,
  columns: readonly ColumnSpec[],
  rows: unknown[][],
  suffix: string,
): Promise<Array<Record<string, unknown>>> {
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, type], k) => `$${k + 1}::${type}[]`).join(', ');
  const sql = `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays}) ${suffix}`;
  const returned: Array<Record<string, unknown>> = [];
  for (let from = 0; from < rows.length; from += MAX_ROWS_PER_STATEMENT) {
    const chunk = rows.slice(from, from + MAX_ROWS_PER_STATEMENT);
    const result = await db.query(sql, columns.map((_, k) => chunk.map((row) => row[k] ?? null)));
    if (Array.isArray(result)) returned.push(...result);
  }
  return returned;
}
