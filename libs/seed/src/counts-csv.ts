/**
 * Reader for the long counts CSV format shared by every seed city:
 *
 *   timestamp,crossing,approach,count
 *   2006-10-01T00:00:00+10:00,0970,0970:1,86
 *
 * - A header row is required. Columns may come in any order; extra columns are ignored.
 * - `timestamp`: ISO 8601 date-time with an offset or `Z`; the start of the interval.
 * - `crossing` / `approach`: ids as in crossings.json.
 * - `count`: a non-negative integer, or empty for "missing". A missing interval may also
 *   simply have no row.
 * - Files ending in `.gz` are gunzipped while streaming.
 *
 * Every problem is reported as an Error "<file> line <n>: <what is wrong>".
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { ApproachIdSchema, CrossingIdSchema } from '@crosscast/contracts';

export interface CountRow {
  /** Start of the interval, epoch milliseconds (UTC). */
  intervalStartMs: number;
  crossingId: string;
  approachId: string;
  /** Vehicles counted in the interval; null = missing. */
  count: number | null;
}

export interface CountsTable {
  intervalMinutes: number;
  /** Sorted by time, then crossing, then approach. */
  rows: CountRow[];
}

export interface ReadCountsCsvOptions {
  /** The interval length; inferred from the timestamps (most common gap) when omitted. */
  intervalMinutes?: number;
}

export const COUNTS_CSV_COLUMNS = ['timestamp', 'crossing', 'approach', 'count'] as const;
type Column = (typeof COUNTS_CSV_COLUMNS)[number];

const MINUTE_MS = 60_000;

/** Every error this module throws: the message starts with the file name (and line). */
export class CountsCsvError extends Error {
  override name = 'CountsCsvError';
}

/** Streams a `.csv` or `.csv.gz` counts file from disk. */
export async function readCountsCsv(path: string, options: ReadCountsCsvOptions = {}): Promise<CountsTable> {
  const parser = new CountsCsvParser(path, options);
  const input = createReadStream(path);
  const gunzip = path.toLowerCase().endsWith('.gz') ? createGunzip() : undefined;
  const source = gunzip ? input.pipe(gunzip) : input;

  let streamError: { err: unknown; stage: 'read' | 'gunzip' } | undefined;
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  const fail = (stage: 'read' | 'gunzip') => (err: unknown) => {
    streamError ??= { err, stage };
    lines.close();
  };
  input.on('error', fail('read'));
  gunzip?.on('error', fail('gunzip'));

  try {
    let lineNo = 0;
    for await (const line of lines) {
      lineNo += 1;
      parser.line(line, lineNo);
    }
  } catch (err) {
    if (err instanceof CountsCsvError) throw err;
    // readline re-throws errors of its input stream (e.g. ENOENT) from the iterator.
    streamError ??= { err, stage: 'read' };
  } finally {
    lines.close();
    gunzip?.destroy();
    input.destroy();
  }

  if (streamError) {
    const what = streamError.stage === 'gunzip' ? 'not a valid gzip file' : 'cannot read file';
    throw new CountsCsvError(`${path}: ${what} (${describeError(streamError.err)})`);
  }
  return parser.finish();
}

/** Parses counts CSV text already in memory; `fileName` is used in error messages. */
export function parseCountsCsvText(text: string, fileName: string, options: ReadCountsCsvOptions = {}): CountsTable {
  const parser = new CountsCsvParser(fileName, options);
  const lines = text.split('\n');
  // A trailing newline does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => parser.line(line, i + 1));
  return parser.finish();
}

/**
 * Groups a table per crossing: crossingId -> intervalStartMs -> { approachId: count }.
 * Crossings and intervals keep the table's sort order.
 */
export function groupByCrossing(table: CountsTable): Map<string, Map<number, Record<string, number | null>>> {
  const out = new Map<string, Map<number, Record<string, number | null>>>();
  for (const row of table.rows) {
    let byTime = out.get(row.crossingId);
    if (!byTime) {
      byTime = new Map();
      out.set(row.crossingId, byTime);
    }
    let counts = byTime.get(row.intervalStartMs);
    if (!counts) {
      counts = {};
      byTime.set(row.intervalStartMs, counts);
    }
    counts[row.approachId] = row.count;
  }
  return out;
}

/** Line-by-line parser shared by the streaming and the in-memory entry points. */
class CountsCsvParser {
  private columns: Record<Column, number> | undefined;
  private headerWidth = 0;
  private readonly rows: CountRow[] = [];
  private readonly rowLines: number[] = [];
  private readonly seen = new Map<string, number>();
  private readonly timestampCache = new Map<string, number>();
  /** The text a row's timestamp was written as, by row index, for messages. */
  private readonly rowTimestamps: string[] = [];
  private readonly intervalMinutes: number | undefined;

  constructor(
    private readonly fileName: string,
    options: ReadCountsCsvOptions,
  ) {
    const minutes = options.intervalMinutes;
    if (minutes !== undefined && !(Number.isInteger(minutes) && minutes > 0)) {
      throw new CountsCsvError(`${fileName}: intervalMinutes must be a positive integer, got ${String(minutes)}`);
    }
    this.intervalMinutes = minutes;
  }

  line(raw: string, lineNo: number): void {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.trim() === '') return;

    const fields = this.split(line, lineNo);
    if (!this.columns) {
      this.readHeader(fields, lineNo);
      return;
    }
    if (fields.length !== this.headerWidth) {
      this.fail(lineNo, `expected ${this.headerWidth} fields as in the header, found ${fields.length}`);
    }

    const c = this.columns;
    const timestamp = fields[c.timestamp].trim();
    const crossingId = fields[c.crossing].trim();
    const approachId = fields[c.approach].trim();
    const countText = fields[c.count].trim();

    const intervalStartMs = this.parseTimestamp(timestamp, lineNo);
    if (crossingId === '') this.fail(lineNo, 'crossing is empty');
    if (!CrossingIdSchema.safeParse(crossingId).success) {
      this.fail(lineNo, `crossing '${crossingId}' is not a valid crossing id (1-32 letters, digits, "-" or "_")`);
    }
    if (approachId === '') this.fail(lineNo, 'approach is empty');
    if (!ApproachIdSchema.safeParse(approachId).success) {
      this.fail(lineNo, `approach '${approachId}' is not a valid approach id (1-48 letters, digits, ":", ".", "-" or "_")`);
    }

    let count: number | null = null;
    if (countText !== '') {
      count = /^\d+$/.test(countText) ? Number(countText) : NaN;
      if (!Number.isSafeInteger(count)) this.fail(lineNo, `count '${countText}' is not a non-negative integer`);
    }

    const key = `${intervalStartMs}\u0000${crossingId}\u0000${approachId}`;
    const previous = this.seen.get(key);
    if (previous !== undefined) {
      this.fail(lineNo, `duplicate row for ${timestamp}, crossing '${crossingId}', approach '${approachId}' (first on line ${previous})`);
    }
    this.seen.set(key, lineNo);

    this.rows.push({ intervalStartMs, crossingId, approachId, count });
    this.rowLines.push(lineNo);
    this.rowTimestamps.push(timestamp);
  }

  finish(): CountsTable {
    if (!this.columns) throw new CountsCsvError(`${this.fileName}: empty file, expected a header row '${COUNTS_CSV_COLUMNS.join(',')}'`);

    const rows = this.rows;
    let intervalMinutes = this.intervalMinutes;
    if (intervalMinutes === undefined) intervalMinutes = this.inferIntervalMinutes();

    if (rows.length > 0) {
      const intervalMs = intervalMinutes * MINUTE_MS;
      // The grid is the phase most rows share, not the first row's: when the first row is
      // the odd one, it is the one to blame, not every row after it.
      const phaseOf = (ms: number) => ((ms % intervalMs) + intervalMs) % intervalMs;
      const phases = new Map<number, number>();
      for (const row of rows) {
        const phase = phaseOf(row.intervalStartMs);
        phases.set(phase, (phases.get(phase) ?? 0) + 1);
      }
      let gridPhase = phaseOf(rows[0].intervalStartMs);
      for (const [phase, count] of phases) if (count > (phases.get(gridPhase) ?? 0)) gridPhase = phase;
      const reference = rows.findIndex((row) => phaseOf(row.intervalStartMs) === gridPhase);
      for (let i = 0; i < rows.length; i++) {
        if (phaseOf(rows[i].intervalStartMs) !== gridPhase) {
          this.fail(
            this.rowLines[i],
            `timestamp '${this.rowTimestamps[i]}' is not aligned to the ${intervalMinutes}-minute interval ` +
              `(the other rows are on the grid of '${this.rowTimestamps[reference]}' on line ${this.rowLines[reference]})`,
          );
        }
      }
    }

    rows.sort(compareRows);
    return { intervalMinutes, rows };
  }

  private readHeader(fields: string[], lineNo: number): void {
    const names = fields.map((f) => f.trim().toLowerCase());
    const columns: Partial<Record<Column, number>> = {};
    for (const column of COUNTS_CSV_COLUMNS) {
      const first = names.indexOf(column);
      if (first >= 0 && names.indexOf(column, first + 1) >= 0) this.fail(lineNo, `header names column '${column}' twice`);
      if (first >= 0) columns[column] = first;
    }
    const missing = COUNTS_CSV_COLUMNS.filter((column) => columns[column] === undefined);
    if (missing.length) {
      this.fail(
        lineNo,
        `header is missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} ` +
          `(found ${names.map((n) => `'${n}'`).join(', ')}; required: ${COUNTS_CSV_COLUMNS.join(',')})`,
      );
    }
    this.columns = columns as Record<Column, number>;
    this.headerWidth = fields.length;
  }

  private inferIntervalMinutes(): number {
    const distinct = [...new Set(this.rows.map((r) => r.intervalStartMs))].sort((a, b) => a - b);
    if (distinct.length < 2) {
      throw new CountsCsvError(
        `${this.fileName}: cannot infer the interval from ${distinct.length === 0 ? 'no data rows' : 'a single timestamp'}; pass intervalMinutes`,
      );
    }
    const gaps = new Map<number, number>();
    for (let i = 1; i < distinct.length; i++) {
      const gap = distinct[i] - distinct[i - 1];
      gaps.set(gap, (gaps.get(gap) ?? 0) + 1);
    }
    let best = 0;
    let bestCount = 0;
    for (const [gap, n] of gaps) {
      if (n > bestCount || (n === bestCount && gap < best)) {
        best = gap;
        bestCount = n;
      }
    }
    if (best % MINUTE_MS !== 0) {
      throw new CountsCsvError(
        `${this.fileName}: the most common gap between timestamps is ${best / 1000} s, not a whole number of minutes; pass intervalMinutes`,
      );
    }
    return best / MINUTE_MS;
  }

  private parseTimestamp(text: string, lineNo: number): number {
    const cached = this.timestampCache.get(text);
    if (cached !== undefined) return cached;
    const ms = parseIsoInstant(text);
    if (ms === undefined) {
      this.fail(lineNo, `timestamp '${text}' is not an ISO 8601 date-time with an offset or Z (e.g. 2006-10-01T00:00:00+10:00)`);
    }
    this.timestampCache.set(text, ms);
    return ms;
  }

  private split(line: string, lineNo: number): string[] {
    if (!line.includes('"')) return line.split(',');
    // RFC 4180 quoting within one line: "a ""quoted"" value",next
    const fields: string[] = [];
    let i = 0;
    for (;;) {
      let field = '';
      if (line[i] === '"') {
        i += 1;
        for (;;) {
          const q = line.indexOf('"', i);
          if (q < 0) this.fail(lineNo, 'unterminated quoted field');
          field += line.slice(i, q);
          if (line[q + 1] === '"') {
            field += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        if (i < line.length && line[i] !== ',') this.fail(lineNo, 'unexpected text after a closing quote');
      } else {
        const comma = line.indexOf(',', i);
        field = comma < 0 ? line.slice(i) : line.slice(i, comma);
        i = comma < 0 ? line.length : comma;
      }
      fields.push(field);
      if (i >= line.length) return fields;
      i += 1; // skip the comma
    }
  }

  private fail(lineNo: number, message: string): never {
    throw new CountsCsvError(`${this.fileName} line ${lineNo}: ${message}`);
  }
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;

/** Parses an ISO 8601 date-time that carries a zone (Z or ±hh[:mm]); undefined if invalid. */
export function parseIsoInstant(text: string): number | undefined {
  const m = ISO_INSTANT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;

  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const millis = frac === '' ? 0 : Math.round(Number(`0.${frac}`) * 1000);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, keeps years 0-99 as written
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offsetMinutes * MINUTE_MS;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

function compareRows(a: CountRow, b: CountRow): number {
  if (a.intervalStartMs !== b.intervalStartMs) return a.intervalStartMs - b.intervalStartMs;
  if (a.crossingId !== b.crossingId) return a.crossingId < b.crossingId ? -1 : 1;
  if (a.approachId !== b.approachId) return a.approachId < b.approachId ? -1 : 1;
  return 0;
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
