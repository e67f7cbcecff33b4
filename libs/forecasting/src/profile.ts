import { LocalCalendar } from './calendar';
import { intervalsPerDay } from './series';

/**
 * Historical average by time of week, per approach: the mean of past real values at the
 * same local weekday and time, shrunk towards the mean of the same day type (weekdays,
 * Saturday, Sunday) at that time, then lightly smoothed over neighbouring slots. With
 * only three or four weeks of history a single weekday slot is a handful of values; the
 * shrinkage keeps one odd day from becoming the profile. (Smoothing applies only to
 * intervals of 15 minutes or less.)
 */
export class TimeOfWeekProfile {
  private constructor(
    readonly intervalMinutes: number,
    /** profile[a][slotOfWeek], slotOfWeek = dayOfWeek * perDay + slotOfDay (Monday = 0). */
    private readonly table: number[][],
  ) {}

  static fit(
    values: number[][],
    isReal: (t: number, a: number) => boolean,
    firstIntervalStartMs: number,
    intervalMinutes: number,
    calendar: LocalCalendar,
    shrinkage = 1,
    smoothing = true,
  ): TimeOfWeekProfile {
    const perDay = intervalsPerDay(intervalMinutes);
    const approachCount = values[0]?.length ?? 0;
    const table: number[][] = [];
    const slots = values.map((_, t) => slotOfWeek(calendar, firstIntervalStartMs + t * intervalMinutes * 60_000, intervalMinutes));
    for (let a = 0; a < approachCount; a++) {
      const weekSum = new Float64Array(7 * perDay);
      const weekN = new Float64Array(7 * perDay);
      const typeSum = new Float64Array(3 * perDay);
      const typeN = new Float64Array(3 * perDay);
      let allSum = 0;
      let allN = 0;
      for (let t = 0; t < values.length; t++) {
        if (!isReal(t, a)) continue;
        const s = slots[t];
        const v = values[t][a];
        weekSum[s] += v;
        weekN[s]++;
        const typeSlot = dayType(Math.floor(s / perDay)) * perDay + (s % perDay);
        typeSum[typeSlot] += v;
        typeN[typeSlot]++;
        allSum += v;
        allN++;
      }
      const overall = allN > 0 ? allSum / allN : 0;
      const raw = new Array<number>(7 * perDay);
      for (let s = 0; s < 7 * perDay; s++) {
        const typeSlot = dayType(Math.floor(s / perDay)) * perDay + (s % perDay);
        const typeMean = typeN[typeSlot] > 0 ? typeSum[typeSlot] / typeN[typeSlot] : overall;
        raw[s] = weekN[s] + shrinkage > 0 ? (weekSum[s] + shrinkage * typeMean) / (weekN[s] + shrinkage) : typeMean;
      }
      // Smoothing over neighbouring slots helps at 15 minutes or less; at coarser
      // intervals a neighbour is a different part of the day and would blur the peaks.
      if (!smoothing || intervalMinutes > 15) {
        table.push(raw);
        continue;
      }
      const smooth = raw.map((_, s) => {
        const prev = raw[(s - 1 + raw.length) % raw.length];
        const next = raw[(s + 1) % raw.length];
        return 0.25 * prev + 0.5 * raw[s] + 0.25 * next;
      });
      table.push(smooth);
    }
    return new TimeOfWeekProfile(intervalMinutes, table);
  }

  static fromJSON(json: { intervalMinutes: number; table: number[][] }): TimeOfWeekProfile {
    return new TimeOfWeekProfile(json.intervalMinutes, json.table);
  }

  toJSON(): { intervalMinutes: number; table: number[][] } {
    return { intervalMinutes: this.intervalMinutes, table: this.table.map((row) => row.map((v) => Math.round(v * 100) / 100)) };
  }

  at(slot: number, approach: number): number {
    return this.table[approach][slot];
  }
}

/** 0 = weekday, 1 = Saturday, 2 = Sunday (dayOfWeek: Monday = 0). */
function dayType(dayOfWeek: number): number {
  return dayOfWeek === 5 ? 1 : dayOfWeek === 6 ? 2 : 0;
}

export function slotOfWeek(calendar: LocalCalendar, epochMs: number, intervalMinutes: number): number {
  const local = calendar.slotOf(epochMs);
  return local.dayOfWeek * intervalsPerDay(intervalMinutes) + Math.floor(local.minuteOfDay / intervalMinutes);
}
