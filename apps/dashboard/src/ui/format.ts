/** Number and time formatting; times always in the city's zone. */
export const TIME_ZONE = 'Australia/Melbourne';
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

const intFormat = new Intl.NumberFormat('en-AU', { maximumFractionDigits: 0 });
const fmtFull = new Intl.DateTimeFormat('en-AU', { timeZone: TIME_ZONE, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
const fmtShort = new Intl.DateTimeFormat('en-AU', { timeZone: TIME_ZONE, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false });
const fmtHm = new Intl.DateTimeFormat('en-AU', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hour12: false });
const fmtDayOnly = new Intl.DateTimeFormat('en-AU', { timeZone: TIME_ZONE, weekday: 'short', day: 'numeric' });
const fmtHourOnly = new Intl.DateTimeFormat('en-AU', { timeZone: TIME_ZONE, hour: 'numeric', hourCycle: 'h23' });
const fmtWall = new Intl.DateTimeFormat('en-AU', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export const fmtInt = (n: number | null | undefined): string => (n == null || !Number.isFinite(n) ? '—' : intFormat.format(Math.round(n)));
export const fmtFixed = (n: number | null | undefined, digits: number): string => (n == null || !Number.isFinite(n) ? '—' : Number(n).toFixed(digits));
export const fmtPct = (share: number | null | undefined): string => (share == null || !Number.isFinite(share) ? '—' : `${Math.round(share * 100)}%`);

export function toDate(iso: string | number | Date | null | undefined): Date | null {
  if (iso == null) return null;
  const d = iso instanceof Date ? iso : new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export const ms = (iso: string | null | undefined): number => toDate(iso)?.getTime() ?? NaN;
const fmt = (f: Intl.DateTimeFormat) => (iso: string | number | Date | null | undefined): string => {
  const d = toDate(iso);
  return d ? f.format(d) : '—';
};
/** "Tue, 10 Oct 2006, 14:15". */
export const fmtDataTime = fmt(fmtFull);
/** "Tue 10 Oct, 14:15". */
export const fmtDataTimeShort = fmt(fmtShort);
/** "14:15". */
export const fmtClock = fmt(fmtHm);
export const fmtWallClock = (d: Date): string => fmtWall.format(d);
export const fmtDay = fmt(fmtDayOnly);
export const localHour = (t: number): number => Number(fmtHourOnly.format(new Date(t))) % 24;
