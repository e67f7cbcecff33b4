/**
 * Local calendar position of an instant in a city's time zone (time of day and day of
 * week drive traffic). Pure: uses Intl, not the system clock or zone.
 */
export interface LocalSlot {
  /** Minutes since local midnight. */
  minuteOfDay: number;
  /** 0 = Monday ... 6 = Sunday. */
  dayOfWeek: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

export class LocalCalendar {
  private readonly format: Intl.DateTimeFormat;
  private readonly dateFormat: Intl.DateTimeFormat;
  private readonly offsetFormat: Intl.DateTimeFormat;
  private readonly cache = new Map<number, LocalSlot>();

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    this.dateFormat = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    this.offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' });
  }

  /** Minutes the zone is ahead of UTC at an instant (600 for +10:00). */
  offsetMinutes(epochMs: number): number {
    const parts = this.offsetFormat.formatToParts(new Date(epochMs));
    const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const match = /GMT([+-])(\d{1,2})(?::(\d{2}))?/.exec(name);
    if (!match) return 0;
    return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0));
  }

  /**
   * The index of "the same local time, `days` days earlier" for interval index t of a
   * series starting at firstMs: across a daylight-saving change a local day is not
   * 24 hours, so it is not simply t - days * intervalsPerDay.
   */
  sameLocalTimeIndex(t: number, days: number, firstMs: number, intervalMinutes: number): number {
    const stepMs = intervalMinutes * 60_000;
    const naive = t - Math.round((days * 24 * 60) / intervalMinutes);
    const shiftMinutes = this.offsetMinutes(firstMs + t * stepMs) - this.offsetMinutes(firstMs + naive * stepMs);
    return naive + Math.round(shiftMinutes / intervalMinutes);
  }

  /** The local calendar date of an instant, "YYYY-MM-DD". */
  localDate(epochMs: number): string {
    return this.dateFormat.format(new Date(epochMs));
  }

  slotOf(epochMs: number): LocalSlot {
    const cached = this.cache.get(epochMs);
    if (cached) return cached;
    let hour = 0;
    let minute = 0;
    let dayOfWeek = 0;
    for (const part of this.format.formatToParts(new Date(epochMs))) {
      if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
      else if (part.type === 'weekday') dayOfWeek = WEEKDAYS[part.value] ?? 0;
    }
    const slot = { minuteOfDay: hour * 60 + minute, dayOfWeek };
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(epochMs, slot);
    return slot;
  }
}
