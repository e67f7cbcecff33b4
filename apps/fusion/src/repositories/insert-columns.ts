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
    const result = await db.query(sql, columns.map((_, k) => pgArrayLiteral(chunk, k)));
    if (Array.isArray(result)) returned.push(...result);
  }
  return returned;
}

/** Characters a quoted array element must escape. */
const NEEDS_ESCAPE = /["\\]/;

/**
 * Column `k` of `rows` as a PostgreSQL array literal (`{1.5,NULL,"text"}`), sent as one text
 * parameter and cast by the statement (`$1::float8[]`). pg would build the same literal
 * from a JS array, but element by element through its generic value conversion (a quoted,
 * twice-escaped string per number): a fifth of everything fusion allocated while ingesting
 * in a heap profile of the pipeline benchmark. Values as pg converts them: null and
 * undefined are NULL; numbers and bigints their text (unquoted); a Date its ISO instant
 * (the columns written are timestamptz); other objects their JSON; strings double-quoted
 * with `\` and `"` escaped. A value its column cannot hold is a data exception, as before.
 */
export function pgArrayLiteral(rows: readonly unknown[][], k: number): string {
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const value = rows[i][k];
    if (value === null || value === undefined) parts[i] = 'NULL';
    else if (typeof value === 'number' || typeof value === 'bigint') parts[i] = String(value);
    else if (typeof value === 'boolean') parts[i] = value ? 't' : 'f';
    else {
      const text = typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : JSON.stringify(value);
      parts[i] = NEEDS_ESCAPE.test(text) ? `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${text}"`;
    }
  }
  return `{${parts.join(',')}}`;
}
