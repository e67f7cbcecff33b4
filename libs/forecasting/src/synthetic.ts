import { LocalCalendar } from './calendar';
import { IntervalSeries } from './series';

/**
 * Seeded synthetic detector counts for stress-testing the forecaster on what Boroondara's
 * month does not have: growth, level shifts, big roads, long gaps, other time zones.
 * Counts follow a weekday/weekend time-of-day shape in the city's local time, scaled by a
 * level (yearly growth, optional step), a day factor shared by the crossing (weather,
 * events), a slow within-day swing (AR(1)), and over-dispersed count noise. Pure and
 * reproducible: same options, same series.
 */
export interface SyntheticOptions {
  seed: number;
  intervalMinutes: number;
  /** First interval start, epoch ms. */
  startMs: number;
  days: number;
  timeZone: string;
  approaches: number;
  /** Peak vehicles per hour of the busiest approach at the start. */
  peakPerHour: number;
  /** 0.3 = 30% more traffic a year later (compounded continuously over the series). */
  yearlyGrowth?: number;
  /** Multiply every count by `factor` from day `atDay` on. */
  levelShift?: { atDay: number; factor: number };
  /** Whole-crossing gaps (every approach null) and single-approach gaps, in days from the start. */
  gaps?: Array<{ fromDay: number; days: number; approach?: number }>;
  /** Per-day standard deviation of the day factor (default 0.05). */
  dayNoise?: number;
  /** Over-dispersion: noise variance = mean * (1 + mean / dispersion) (default 300). */
  dispersion?: number;
}

export function syntheticSeries(options: SyntheticOptions): IntervalSeries {
  const random = mulberry32(options.seed);
  const gauss = () => {
    const u = Math.max(1e-12, random());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const calendar = new LocalCalendar(options.timeZone);
  const stepMs = options.intervalMinutes * 60_000;
  const n = Math.round((options.days * 24 * 60) / options.intervalMinutes);
  const perHour = options.intervalMinutes / 60;
  const dispersion = options.dispersion ?? 300;
  const dayNoise = options.dayNoise ?? 0.05;
  // Each approach: its own size and its own balance of morning and evening peaks.
  const approaches = Array.from({ length: options.approaches }, (_, a) => ({
    size: a === 0 ? 1 : 0.35 + 0.6 * random(),
    morning: 0.6 + 0.8 * random(),
    evening: 0.6 + 0.8 * random(),
  }));
  const dayFactors = new Map<string, number>();
  let swing = 0;
  const swingKeep = Math.pow(0.85, perHour); // about a 6-hour memory whatever the interval
  const values: Array<Array<number | null>> = [];
  for (let t = 0; t < n; t++) {
    const ms = options.startMs + t * stepMs;
    const local = calendar.slotOf(ms);
    const date = calendar.localDate(ms);
    let dayFactor = dayFactors.get(date);
    if (dayFactor === undefined) dayFactors.set(date, (dayFactor = Math.exp(dayNoise * gauss())));
    swing = swingKeep * swing + Math.sqrt(1 - swingKeep * swingKeep) * 0.05 * gauss();
    const days = t / ((24 * 60) / options.intervalMinutes);
    let level = Math.pow(1 + (options.yearlyGrowth ?? 0), days / 365);
    if (options.levelShift && days >= options.levelShift.atDay) level *= options.levelShift.factor;
    const hour = local.minuteOfDay / 60 + options.intervalMinutes / 120;
    const weekend = local.dayOfWeek >= 5;
    const row = approaches.map((ap, a) => {
      const shape = weekend
        ? 0.06 + 0.65 * bump(hour, 13, 3.5) + (local.dayOfWeek === 5 ? 0.1 * bump(hour, 21, 2) : 0)
        : 0.04 + ap.morning * bump(hour, 8, 1.2) + ap.evening * 0.9 * bump(hour, 17.5, 1.6) + 0.45 * bump(hour, 13, 3);
      const mean = options.peakPerHour * perHour * ap.size * (shape / 1.35) * level * dayFactor! * Math.exp(swing);
      const sd = Math.sqrt(mean * (1 + mean / dispersion));
      const gap = options.gaps?.some((g) => days >= g.fromDay && days < g.fromDay + g.days && (g.approach === undefined || g.approach === a));
      return gap ? null : Math.max(0, Math.round(mean + sd * gauss()));
    });
    values.push(row);
  }
  return { intervalMinutes: options.intervalMinutes, approaches: approaches.map((_, a) => `A${a + 1}`), firstIntervalStartMs: options.startMs, values };
}

function bump(hour: number, centre: number, width: number): number {
  return Math.exp(-((hour - centre) ** 2) / (2 * width * width));
}

/** A small seeded generator (mulberry32): uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
