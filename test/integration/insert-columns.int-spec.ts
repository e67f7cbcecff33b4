import { Client } from 'pg';
import { insertColumns, pgArrayLiteral } from '../../apps/fusion/src/repositories/insert-columns';
import { TEST_POSTGRES_URL } from '../support/infrastructure';

/**
 * `insertColumns` sends each column as one array literal it builds itself
 * (`pgArrayLiteral`): every kind of value fusion writes must come back from real PostgreSQL
 * as it went in, including text that looks like array syntax, and a value its column cannot
 * hold must stay a data exception (SQLSTATE 22), which ingestion turns into a refusal.
 */
describe('insertColumns array literals (real PostgreSQL)', () => {
  let client: Client;

  beforeAll(async () => {
    client = new Client({ connectionString: `${TEST_POSTGRES_URL}/test` });
    await client.connect();
    await client.query(`CREATE TEMP TABLE literal_check (
      k integer, t text, n float8, r real, b bigint, at timestamptz, j jsonb, yes boolean)`);
  });

  afterAll(async () => {
    await client.end();
  });

  const asRows = { query: async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rows };
  const columns = [['k', 'integer'], ['t', 'text'], ['n', 'float8'], ['r', 'real'], ['b', 'bigint'], ['at', 'timestamptz'], ['j', 'jsonb'], ['yes', 'boolean']] as const;

  it('round-trips text with quotes, backslashes, commas, braces, NULL and unicode, numbers, instants, JSON and booleans', async () => {
    const texts = ['plain', '', 'NULL', 'with "quotes"', 'back\\slash\\', 'a,b', '{braces}', ' spaced ', 'Ünïcode → ✓', 'new\nline'];
    const rows = texts.map((t, k) => [k, t, k === 3 ? null : k * 1.25 - 3, k / 8, `${9_007_199_254_740_993n + BigInt(k)}`, new Date(Date.UTC(2006, 9, 10, k, 15)), JSON.stringify({ flags: [t], n: k }), k % 2 === 0]);
    const returned = await insertColumns(asRows, 'literal_check', columns, rows, 'RETURNING k');
    expect(returned.map((r) => r.k)).toEqual(texts.map((_, k) => k));
    const back = (await client.query('SELECT k, t, n, r, b::text AS b, at, j, yes FROM literal_check ORDER BY k')).rows;
    expect(back.map((r) => r.t)).toEqual(texts);
    expect(back.map((r) => r.n)).toEqual(rows.map((r) => r[2]));
    expect(back.map((r) => r.r)).toEqual(rows.map((r) => r[3]));
    expect(back.map((r) => r.b)).toEqual(rows.map((r) => r[4]));
    expect(back.map((r) => (r.at as Date).toISOString())).toEqual(rows.map((r) => (r[5] as Date).toISOString()));
    expect(back.map((r) => r.j)).toEqual(texts.map((t, k) => ({ flags: [t], n: k })));
    expect(back.map((r) => r.yes)).toEqual(rows.map((r) => r[7]));
  });

  it('keeps a value its column cannot hold a data exception', async () => {
    await expect(insertColumns(asRows, 'literal_check', [['k', 'integer']], [[1.5]], '')).rejects.toMatchObject({ code: expect.stringMatching(/^22/) });
    await expect(insertColumns(asRows, 'literal_check', [['t', 'text']], [['nul \u0000 inside']], '')).rejects.toMatchObject({ code: expect.stringMatching(/^22/) });
  });

  it('writes the literal pg would, element for element', () => {
    expect(pgArrayLiteral([[1], [null], [-2.5], [undefined]], 0)).toBe('{1,NULL,-2.5,NULL}');
    expect(pgArrayLiteral([['a"b'], ['c\\d'], ['']], 0)).toBe('{"a\\"b","c\\\\d",""}');
    expect(pgArrayLiteral([[new Date(Date.UTC(2006, 9, 10))], [true], [false]], 0)).toBe('{"2006-10-10T00:00:00.000Z",t,f}');
  });
});
