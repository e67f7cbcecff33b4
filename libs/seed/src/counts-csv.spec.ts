import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { groupByCrossing, parseCountsCsvText, parseIsoInstant, readCountsCsv } from './counts-csv';

const GOOD = [
  'timestamp,crossing,approach,count',
  '2006-10-01T00:15:00+10:00,0970,0970:3,12',
  '2006-10-01T00:00:00+10:00,0970,0970:3,5',
  '2006-10-01T00:00:00+10:00,0970,0970:1,86',
  '2006-10-01T00:00:00+10:00,2000,2000:1,7',
  '2006-10-01T00:15:00+10:00,0970,0970:1,83',
  '2006-09-30T14:30:00Z,0970,0970:1,0',
].join('\n');

const T0 = Date.parse('2006-09-30T14:00:00Z'); // 2006-10-01T00:00:00+10:00

function csv(...lines: string[]): string {
  return ['timestamp,crossing,approach,count', ...lines].join('\n') + '\n';
}

/** n timestamps every `minutes`, one approach. */
function series(minutes: number, n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`${new Date(T0 + i * minutes * 60_000).toISOString()},A,A:1,${i}`);
  return csv(...lines);
}

describe('parseCountsCsvText', () => {
  it('parses a good file, sorted by time, crossing, approach', () => {
    const table = parseCountsCsvText(GOOD, 'counts.csv');
    expect(table.intervalMinutes).toBe(15);
    expect(table.rows).toEqual([
      { intervalStartMs: T0, crossingId: '0970', approachId: '0970:1', count: 86 },
      { intervalStartMs: T0, crossingId: '0970', approachId: '0970:3', count: 5 },
      { intervalStartMs: T0, crossingId: '2000', approachId: '2000:1', count: 7 },
      { intervalStartMs: T0 + 15 * 60_000, crossingId: '0970', approachId: '0970:1', count: 83 },
      { intervalStartMs: T0 + 15 * 60_000, crossingId: '0970', approachId: '0970:3', count: 12 },
      { intervalStartMs: T0 + 30 * 60_000, crossingId: '0970', approachId: '0970:1', count: 0 },
    ]);
  });

  it('accepts columns in any order, extra columns, CRLF, a BOM, quotes and blank lines', () => {
    const text =
      '\uFEFFnote,count,approach,timestamp,crossing\r\n' +
      '"hello, world",3,0970:1,2006-10-01T00:00:00+10:00,0970\r\n' +
      '\r\n' +
      ',4,0970:1,2006-10-01T00:15:00+10:00,0970\r\n';
    const table = parseCountsCsvText(text, 'x.csv');
    expect(table.rows.map((r) => r.count)).toEqual([3, 4]);
    expect(table.intervalMinutes).toBe(15);
  });

  it('reads an empty count as missing (null)', () => {
    const table = parseCountsCsvText(
      csv('2006-10-01T00:00:00+10:00,0970,0970:1,', '2006-10-01T00:15:00+10:00,0970,0970:1,4'),
      'counts.csv',
    );
    expect(table.rows[0].count).toBeNull();
    expect(table.rows[1].count).toBe(4);
  });

  it.each(['abc', '-1', '1.5', '1e3', '99999999999999999999'])('rejects count %p with file and line', (bad) => {
    const text = csv('2006-10-01T00:00:00+10:00,0970,0970:1,1', `2006-10-01T00:15:00+10:00,0970,0970:1,${bad}`);
    expect(() => parseCountsCsvText(text, 'counts.csv')).toThrow(
      new Error(`counts.csv line 3: count '${bad}' is not a non-negative integer`),
    );
  });

  it.each([
    '2006-10-01 00:00', // no zone
    '2006-10-01T00:00:00', // no zone
    '2006-13-01T00:00:00Z', // month 13
    '2006-02-29T00:00:00Z', // not a leap year
    '2006-10-01T24:00:00Z',
    'yesterday',
    '',
  ])('rejects timestamp %p', (bad) => {
    const text = csv('2006-10-01T00:00:00+10:00,0970,0970:1,1', `${bad},0970,0970:1,2`);
    expect(() => parseCountsCsvText(text, 'counts.csv')).toThrow(
      `counts.csv line 3: timestamp '${bad}' is not an ISO 8601 date-time with an offset or Z`,
    );
  });

  it('rejects a timestamp not aligned to the interval', () => {
    const text = csv(
      '2006-10-01T00:00:00+10:00,0970,0970:1,1',
      '2006-10-01T00:15:00+10:00,0970,0970:1,1',
      '2006-10-01T00:30:00+10:00,0970,0970:1,1',
      '2006-10-01T00:37:00+10:00,0970,0970:3,1',
      '2006-10-01T00:45:00+10:00,0970,0970:1,1',
    );
    expect(() => parseCountsCsvText(text, 'counts.csv')).toThrow(
      "counts.csv line 5: timestamp '2006-10-01T00:37:00+10:00' is not aligned to the 15-minute interval",
    );
    // The odd row is blamed even when it is the first one.
    const oddFirst = csv(
      '2006-10-01T00:07:00+10:00,0970,0970:1,1',
      '2006-10-01T00:15:00+10:00,0970,0970:1,1',
      '2006-10-01T00:30:00+10:00,0970,0970:1,1',
      '2006-10-01T00:45:00+10:00,0970,0970:1,1',
    );
    expect(() => parseCountsCsvText(oddFirst, 'counts.csv', { intervalMinutes: 15 })).toThrow(
      "counts.csv line 2: timestamp '2006-10-01T00:07:00+10:00' is not aligned to the 15-minute interval (the other rows are on the grid of '2006-10-01T00:15:00+10:00' on line 3)",
    );
    // ...also when the interval is given.
    expect(() => parseCountsCsvText(series(5, 4), 'five.csv', { intervalMinutes: 15 })).toThrow(
      'five.csv line 3: timestamp',
    );
  });

  it('rejects a header without a required column', () => {
    const text = 'timestamp,crossing,count\n2006-10-01T00:00:00+10:00,0970,1\n';
    expect(() => parseCountsCsvText(text, 'counts.csv')).toThrow(
      "counts.csv line 1: header is missing column 'approach'",
    );
    expect(() => parseCountsCsvText('2006-10-01T00:00:00+10:00,0970,0970:1,1\n', 'counts.csv')).toThrow(
      "counts.csv line 1: header is missing columns 'timestamp', 'crossing', 'approach', 'count'",
    );
  });

  it('rejects short rows, bad ids, duplicates and empty files', () => {
    expect(() => parseCountsCsvText(csv('2006-10-01T00:00:00+10:00,0970,0970:1'), 'c.csv')).toThrow(
      'c.csv line 2: expected 4 fields as in the header, found 3',
    );
    expect(() => parseCountsCsvText(csv('2006-10-01T00:00:00+10:00,,0970:1,1'), 'c.csv')).toThrow(
      'c.csv line 2: crossing is empty',
    );
    expect(() => parseCountsCsvText(csv('2006-10-01T00:00:00+10:00,09 70,0970:1,1'), 'c.csv')).toThrow(
      "c.csv line 2: crossing '09 70' is not a valid crossing id",
    );
    const dup = csv(
      '2006-10-01T00:00:00+10:00,0970,0970:1,1',
      '2006-10-01T00:15:00+10:00,0970,0970:1,1',
      '2006-09-30T14:00:00Z,0970,0970:1,2',
    );
    expect(() => parseCountsCsvText(dup, 'c.csv')).toThrow('c.csv line 4: duplicate row');
    expect(() => parseCountsCsvText('', 'c.csv')).toThrow('c.csv: empty file');
    expect(() => parseCountsCsvText(csv(), 'c.csv')).toThrow('c.csv: cannot infer the interval from no data rows');
    expect(parseCountsCsvText(csv(), 'c.csv', { intervalMinutes: 15 })).toEqual({ intervalMinutes: 15, rows: [] });
    expect(() => parseCountsCsvText(csv(), 'c.csv', { intervalMinutes: 0 })).toThrow('intervalMinutes must be a positive integer');
  });

  it.each([5, 15, 60])('infers a %i-minute interval', (minutes) => {
    expect(parseCountsCsvText(series(minutes, 12), 's.csv').intervalMinutes).toBe(minutes);
  });

  it('infers the most common gap when some intervals are absent', () => {
    const lines = [0, 1, 2, 3, 7, 8, 9, 20].map((i) => `${new Date(T0 + i * 5 * 60_000).toISOString()},A,A:1,1`);
    expect(parseCountsCsvText(csv(...lines), 's.csv').intervalMinutes).toBe(5);
  });

  it('uses the given interval instead of inferring', () => {
    expect(parseCountsCsvText(series(60, 3), 's.csv', { intervalMinutes: 15 }).intervalMinutes).toBe(15);
  });
});

describe('readCountsCsv', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosscast-counts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads .csv and .csv.gz to the same table as the in-memory parser', async () => {
    const plain = join(dir, 'counts.csv');
    const gz = join(dir, 'counts.csv.gz');
    writeFileSync(plain, GOOD);
    writeFileSync(gz, gzipSync(Buffer.from(GOOD)));
    const expected = parseCountsCsvText(GOOD, 'counts.csv');
    await expect(readCountsCsv(plain)).resolves.toEqual(expected);
    await expect(readCountsCsv(gz)).resolves.toEqual(expected);
  });

  it('reports the path and line number from a gzipped file', async () => {
    const gz = join(dir, 'bad.csv.gz');
    writeFileSync(gz, gzipSync(Buffer.from(csv('2006-10-01T00:00:00+10:00,0970,0970:1,1', '2006-10-01T00:15:00+10:00,0970,0970:1,abc'))));
    await expect(readCountsCsv(gz)).rejects.toThrow(`${gz} line 3: count 'abc' is not a non-negative integer`);
  });

  it('reports a missing file and a corrupt gzip clearly', async () => {
    const missing = join(dir, 'nope.csv');
    await expect(readCountsCsv(missing)).rejects.toThrow(`${missing}: cannot read file`);
    const corrupt = join(dir, 'corrupt.csv.gz');
    writeFileSync(corrupt, 'this is not gzip');
    await expect(readCountsCsv(corrupt)).rejects.toThrow(`${corrupt}: not a valid gzip file`);
  });
});

describe('groupByCrossing', () => {
  it('groups per crossing and interval', () => {
    const grouped = groupByCrossing(parseCountsCsvText(GOOD, 'counts.csv'));
    expect([...grouped.keys()]).toEqual(['0970', '2000']);
    expect([...grouped.get('0970')!.keys()]).toEqual([T0, T0 + 15 * 60_000, T0 + 30 * 60_000]);
    expect(grouped.get('0970')!.get(T0)).toEqual({ '0970:1': 86, '0970:3': 5 });
    expect(grouped.get('2000')!.get(T0)).toEqual({ '2000:1': 7 });
  });
});

describe('parseIsoInstant', () => {
  it('handles offsets, Z and fractions', () => {
    expect(parseIsoInstant('2006-10-29T03:00:00+11:00')).toBe(Date.parse('2006-10-28T16:00:00Z'));
    expect(parseIsoInstant('2006-10-01T00:00:00.500Z')).toBe(Date.parse('2006-10-01T00:00:00.500Z'));
    expect(parseIsoInstant('2006-10-01T00:00-0530')).toBe(Date.parse('2006-10-01T05:30:00Z'));
    expect(parseIsoInstant('2006-10-01T00:00:00')).toBeUndefined();
  });
});
