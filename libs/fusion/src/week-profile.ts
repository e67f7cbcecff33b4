/**
 * The time-of-week profile the city learns from the observed totals workers send: per
 * crossing, a running mean by local weekday and time (capped at the last few weeks, so it
 * follows slow change), shrunk towards the same time on the same day type (weekday,
 * Saturday, Sunday) and lightly smoothed over neighbouring slots when read. Same idea as
 * the workers' own profile (libs/forecasting), learned online from totals only.
 */
export interface WeekProfileState {
  weekMean: number[];
  weekWeight: number[];
  typeMean: number[];
  typeWeight: number[];
  overallMean: number;
  overallWeight: number;
}

export class WeekProfile {
  constructor(
    private readonly slotsPerDay: number,
    private readonly s: WeekProfileState,
    /** A slot's mean remembers about this many weeks. */
    private readonly memoryWeeks = 4,
    /** Pseudo-observations of the day type's mean added to each weekday slot. */
    private readonly shrinkage = 1,
  ) {}

  static empty(slotsPerDay: number): WeekProfile {
    return new WeekProfile(slotsPerDay, {
      weekMean: new Array(7 * slotsPerDay).fill(0),
      weekWeight: new Array(7 * slotsPerDay).fill(0),
      typeMean: new Array(3 * slotsPerDay).fill(0),
      typeWeight: new Array(3 * slotsPerDay).fill(0),
      overallMean: 0,
      overallWeight: 0,
    });
  }

  static fromJSON(slotsPerDay: number, s: WeekProfileState): WeekProfile {
    return new WeekProfile(slotsPerDay, { ...s, weekMean: [...s.weekMean], weekWeight: [...s.weekWeight], typeMean: [...s.typeMean], typeWeight: [...s.typeWeight] });
  }

  toJSON(): WeekProfileState {
    return { ...this.s, weekMean: [...this.s.weekMean], weekWeight: [...this.s.weekWeight], typeMean: [...this.s.typeMean], typeWeight: [...this.s.typeWeight] };
  }

  get observations(): number {
    return this.s.overallWeight;
  }

  learn(slot: number, value: number): void {
    const s = this.s;
    const typeSlot = this.typeSlot(slot);
    s.weekWeight[slot] = Math.min(s.weekWeight[slot], this.memoryWeeks - 1) + 1;
    s.weekMean[slot] += (value - s.weekMean[slot]) / s.weekWeight[slot];
    s.typeWeight[typeSlot] = Math.min(s.typeWeight[typeSlot], 5 * this.memoryWeeks - 1) + 1;
    s.typeMean[typeSlot] += (value - s.typeMean[typeSlot]) / s.typeWeight[typeSlot];
    s.overallWeight = Math.min(s.overallWeight, 7 * this.slotsPerDay * this.memoryWeeks - 1) + 1;
    s.overallMean += (value - s.overallMean) / s.overallWeight;
  }

  at(slot: number): number {
    const week = 7 * this.slotsPerDay;
    return 0.25 * this.raw((slot - 1 + week) % week) + 0.5 * this.raw(slot) + 0.25 * this.raw((slot + 1) % week);
  }

  private raw(slot: number): number {
    const s = this.s;
    const typeSlot = this.typeSlot(slot);
    const typeMean = s.typeWeight[typeSlot] > 0 ? s.typeMean[typeSlot] : s.overallMean;
    const w = s.weekWeight[slot];
    return (w * s.weekMean[slot] + this.shrinkage * typeMean) / (w + this.shrinkage);
  }

  private typeSlot(slot: number): number {
    const day = Math.floor(slot / this.slotsPerDay);
    const dayType = day === 5 ? 1 : day === 6 ? 2 : 0;
    return dayType * this.slotsPerDay + (slot % this.slotsPerDay);
  }
}

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** Slot of the week (Monday 00:00 local = 0) of an instant in the city's zone. Intl only, no system zone. */
export class WeekSlots {
  private readonly format: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();

  constructor(readonly timeZone: string, readonly intervalMinutes: number) {
    this.format = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  }

  get slotsPerDay(): number {
    return Math.round((24 * 60) / this.intervalMinutes);
  }

  slotOf(epochMs: number): number {
    const cached = this.cache.get(epochMs);
    if (cached !== undefined) return cached;
    let hour = 0, minute = 0, day = 0;
    for (const part of this.format.formatToParts(new Date(epochMs))) {
      if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
      else if (part.type === 'weekday') day = WEEKDAYS[part.value] ?? 0;
    }
    const slot = day * this.slotsPerDay + Math.floor((hour * 60 + minute) / this.intervalMinutes);
    if (this.cache.size > 20_000) this.cache.clear();
    this.cache.set(epochMs, slot);
    return slot;
  }
}
