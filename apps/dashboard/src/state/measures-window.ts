/**
 * The window of the measures charts: the last 1 h, 4 h or 24 h of the crossing's
 * controller event log (it follows the log as the simulator reports), or a fixed from–to
 * in the city's time. Pure functions: the REST query for a window, and the city-time
 * conversions of the from–to inputs (unit specs in measures-window.spec.ts).
 */
export type MeasuresWindow = { kind: 'last'; minutes: number } | { kind: 'range'; from: string; to: string };

/** The picker's "last …" choices, minutes. */
export const LAST_WINDOWS = [60, 240, 1440] as const;
/** The server refuses windows longer than this (7 days). */
export const MAX_WINDOW_MINUTES = 7 * 24 * 60;

export const DEFAULT_WINDOW: MeasuresWindow = { kind: 'last', minutes: 60 };

/** The query of GET /api/crossings/:id/measures for a window. */
export function measuresQuery(w: MeasuresWindow): { minutes?: number; from?: string; to?: string } {
  return w.kind === 'last' ? { minutes: w.minutes } : { from: w.from, to: w.to };
}

/** Whether the window moves with the log (refetched as the simulator reports). */
export const follows = (w: MeasuresWindow): boolean => w.kind === 'last';

export function sameWindow(a: MeasuresWindow, b: MeasuresWindow): boolean {
  return a.kind === 'last' && b.kind === 'last' ? a.minutes === b.minutes : a.kind === 'range' && b.kind === 'range' && a.from === b.from && a.to === b.to;
}

/** "1 h", "4 h", "24 h", or "90 min". */
export function windowLabel(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}

/** The zone's offset from UTC at an instant, ms (Melbourne: +10 h or +11 h). */
export function zoneOffsetMs(utcMs: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * A `datetime-local` value ("2006-10-10T07:30") read as the city's wall time → ISO 8601 UTC,
 * or null when it is not a date-time. A time that occurs twice (daylight saving ends) is the
 * first; one that does not occur (it begins) is moved forward by the jump.
 */
export function cityLocalToIso(value: string, zone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  if (!Number.isFinite(wall)) return null;
  // Offsets either side of the guess: the earlier instant whose wall time matches.
  const candidates = [wall - zoneOffsetMs(wall - 86_400_000, zone), wall - zoneOffsetMs(wall + 86_400_000, zone)].sort((a, b) => a - b);
  const exact = candidates.find((t) => t + zoneOffsetMs(t, zone) === wall);
  return new Date(exact ?? candidates[1]).toISOString();
}

/** An instant as the city's wall time in the `datetime-local` format ("2006-10-10T07:30"). */
export function isoToCityLocal(iso: string, zone: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  return new Date(t + zoneOffsetMs(t, zone)).toISOString().slice(0, 16);
}

/** Why a from–to window cannot be asked for, or null when it can. */
export function rangeProblem(fromIso: string | null, toIso: string | null): string | null {
  if (!fromIso || !toIso) return 'give both a start and an end';
  const span = Date.parse(toIso) - Date.parse(fromIso);
  if (!(span > 0)) return 'the start must be before the end';
  if (span > MAX_WINDOW_MINUTES * 60_000) return 'at most 7 days';
  return null;
}
