/**
 * Controller logs carry local wall-clock time without a zone. This turns wall-clock
 * times into instants for one IANA zone, in log order, so the repeated hour when clocks
 * go back is resolved by the log's own order and the skipped hour is reported.
 */
export type WallClockResolution = { instantMs: number; kind: 'exact' | 'ambiguous' } | { instantMs: null; kind: 'nonexistent' };

export class WallClockResolver {
  private readonly offsetFormat: Intl.DateTimeFormat;
  private lastInstantMs = -Infinity;

  constructor(readonly timeZone: string) {
    this.offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  }

  /** Minutes the zone is ahead of UTC at an instant. */
  private offsetMinutes(instantMs: number): number {
    const name = this.offsetFormat.formatToParts(new Date(instantMs)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const match = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
    return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0)) : 0;
  }

  /**
   * The instant of a wall-clock time (`wallMs`: the local time read as UTC). Of two
   * instants with that wall time (clocks went back), the earliest not before the
   * previous resolved event is taken, so a log that runs through the repeated hour stays
   * in order.
   */
  resolve(wallMs: number): WallClockResolution {
    const dayMs = 36 * 3_600_000;
    const offsets = new Set([this.offsetMinutes(wallMs - dayMs), this.offsetMinutes(wallMs), this.offsetMinutes(wallMs + dayMs)]);
    const candidates = [...offsets]
      .map((offset) => wallMs - offset * 60_000)
      .filter((instant) => this.offsetMinutes(instant) === (wallMs - instant) / 60_000)
      .sort((a, b) => a - b);
    if (candidates.length === 0) return { instantMs: null, kind: 'nonexistent' };
    const instantMs = candidates.find((c) => c >= this.lastInstantMs) ?? candidates[candidates.length - 1];
    this.lastInstantMs = Math.max(this.lastInstantMs, instantMs);
    return { instantMs, kind: candidates.length > 1 ? 'ambiguous' : 'exact' };
  }

  /** ISO 8601 with this zone's offset at the instant ("2023-04-17T08:00:00-06:00"). */
  format(instantMs: number): string {
    const offset = this.offsetMinutes(instantMs);
    const local = new Date(instantMs + offset * 60_000).toISOString().slice(0, 19);
    if (offset === 0) return `${local}Z`;
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  }
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
