import { ControllerEvent } from './codes';

/**
 * Reader for Indiana high-resolution controller event logs as ATSPM exports them:
 *
 *   Location Id,Timestamp,Event Code,Event Parameter
 *   7115,4/17/2023 8:00:0.20,82,2
 *
 * - The header row is optional (a first row whose event code is not a number is a header).
 * - A UTF-8 byte-order mark is ignored; line ends may be CRLF.
 * - Timestamps are the controller's local wall-clock time, without a zone, in either the
 *   US form `M/D/YYYY H:M:S[.f]` (fields may have one digit) or ISO `YYYY-MM-DD[ T]HH:MM:SS[.f]`
 *   (up to 7 decimals; kept to the millisecond).
 * - Columns: signal (location) id, timestamp, event code, event parameter; extra columns are ignored.
 *
 * Pure: takes text, returns events and one message per bad line ("line N: what is wrong").
 */
export interface ParsedEventLog {
  events: ControllerEvent[];
  problems: string[];
  /** Lines read, header and blank lines included. */
  lines: number;
  hadHeader: boolean;
}

const US_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

/** Parses a local wall-clock timestamp into epoch ms read as UTC, or null when it is not one. */
export function parseLocalTimestamp(text: string): number | null {
  const us = US_TIME.exec(text);
  const iso = us ? null : ISO_TIME.exec(text);
  if (!us && !iso) return null;
  const [year, month, day, hour, minute, second] = us
    ? [us[3], us[1], us[2], us[4], us[5], us[6]].map(Number)
    : [iso![1], iso![2], iso![3], iso![4], iso![5], iso![6]].map(Number);
  const fraction = (us ? us[7] : iso![7]) ?? '';
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) + Number((fraction + '000').slice(0, 3));
  // Date.UTC rolls 31 April into 1 May: refuse days the month does not have.
  if (new Date(ms).getUTCDate() !== day) return null;
  return ms;
}

export function parseEventLog(text: string): ParsedEventLog {
  const events: ControllerEvent[] = [];
  const problems: string[] = [];
  const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let hadHeader = false;
  rows.forEach((raw, index) => {
    const line = index + 1;
    const row = raw.trim();
    if (!row) return;
    const cells = row.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (events.length === 0 && problems.length === 0 && !hadHeader && cells.length >= 3 && !/^\d+$/.test(cells[2])) {
      hadHeader = true;
      return;
    }
    if (cells.length < 4) return void problems.push(`line ${line}: expected 4 columns (signal id, timestamp, event code, event parameter), found ${cells.length}`);
    const [signalId, stamp, codeText, paramText] = cells;
    if (!signalId) return void problems.push(`line ${line}: the signal id is empty`);
    const localMs = parseLocalTimestamp(stamp);
    if (localMs === null) return void problems.push(`line ${line}: timestamp "${stamp}" is neither M/D/YYYY H:M:S[.f] nor YYYY-MM-DD HH:MM:SS[.f]`);
    if (!/^\d{1,5}$/.test(codeText)) return void problems.push(`line ${line}: event code "${codeText}" is not a whole number`);
    if (!/^\d{1,5}$/.test(paramText)) return void problems.push(`line ${line}: event parameter "${paramText}" is not a whole number`);
    events.push({ signalId, localMs, code: Number(codeText), param: Number(paramText), line });
  });
  return { events, problems, lines: rows.length, hadHeader };
}

/** Events in time order (stable: same-time events keep their file order, as controllers log them). */
export function sortEvents(events: readonly ControllerEvent[]): ControllerEvent[] {
  return [...events].sort((a, b) => a.localMs - b.localMs || a.line - b.line);
}
