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
  private readonly cache = new Map<number, LocalSlot>();

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
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
