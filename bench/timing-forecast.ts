/**
 * The forecasts the Crosscast strategies plan from: the product's time-of-week profile
 * (`TimeOfWeekProfile`, libs/forecasting, the "profile only" member of the edge workers'
 * residual ensemble) trained on the detector counts of the PREVIOUS simulated weekdays,
 * with split-conformal 80 % bounds (`conformalQuantile`) sized on leave-one-day-out
 * residuals, normalised by √(profile + 10) as the residual ensemble does, so bounds are
 * wider at the peaks. The test day's own counts never enter the model.
 *
 * Calendar: by default the history days are the weekdays right before a Friday (Mon–Thu
 * for four days) in UTC; the test day is that Friday. A Friday slot has no history of its
 * own, so the profile gives the weekday mean of the slot (shrinkage towards the day type).
 * With `firstDayMs` (real recorded days, e.g. Boroondara's), the history is that many
 * consecutive days from that date and `at` takes the test day's date: the profile knows
 * weekdays from weekends.
 */
import { LocalCalendar, TimeOfWeekProfile, conformalQuantile, slotOfWeek } from '@crosscast/forecasting';
import { SLOTS_PER_DAY } from './timing-scenarios';

const DAY_MS = 86_400_000;
const TEST_DAY_MS = Date.UTC(2024, 0, 5); // a Friday
const NOISE_FLOOR = 10;
const calendar = new LocalCalendar('UTC');

export interface SlotForecast {
  /** Vehicles per 15-minute interval. */
  mean: number;
  upper80: number;
}

export class ProfileForecaster {
  private constructor(
    private readonly columns: Map<string, number>,
    private readonly profile: TimeOfWeekProfile,
    /** Normalised conformal 80 % half-width per column. */
    private readonly q80: number[],
  ) {}

  /**
   * history[d][slot][column]: counts per 15 minutes of each previous day (oldest first);
   * `groups` lists the columns that share one conformal quantile (a crossing's links).
   */
  static fit(columnIds: string[], history: number[][][], groups: number[][], options: { firstDayMs?: number } = {}): ProfileForecaster {
    const dated = options.firstDayMs !== undefined;
    if (history.length < 2 || (!dated && history.length > 4)) throw new Error('the profile forecaster takes two to four previous weekdays (or dated days)');
    // Undated: the days are labelled as the weekdays right before the test Friday.
    const first = options.firstDayMs ?? TEST_DAY_MS - history.length * DAY_MS;
    const isReal = (keep: number[]) => (t: number) => keep.includes(Math.floor(t / SLOTS_PER_DAY));
    const fitOn = (out: number) => {
      if (!dated) {
        const days = history.filter((_, d) => d !== out);
        return TimeOfWeekProfile.fit(days.flat(), () => true, TEST_DAY_MS - days.length * DAY_MS, 15, calendar);
      }
      // Dated: keep the calendar, mark the day left out as not real.
      const keep = history.map((_, d) => d).filter((d) => d !== out);
      return TimeOfWeekProfile.fit(history.flat(), isReal(keep), first, 15, calendar);
    };
    // Leave one day out: the profile of the other days forecasts the day left out.
    const residuals: number[][] = columnIds.map(() => []);
    for (let out = 0; out < history.length; out++) {
      const profile = fitOn(out);
      const dayMs = dated ? first + out * DAY_MS : TEST_DAY_MS;
      for (let k = 0; k < SLOTS_PER_DAY; k++) {
        const slot = slotOfWeek(calendar, dayMs + k * 900_000, 15);
        columnIds.forEach((_, a) => {
          const expected = profile.at(slot, a);
          residuals[a].push(Math.abs(history[out][k][a] - expected) / Math.sqrt(Math.max(0, expected) + NOISE_FLOOR));
        });
      }
    }
    const q80 = new Array<number>(columnIds.length).fill(0);
    for (const group of groups) {
      const q = conformalQuantile(group.flatMap((a) => residuals[a]), 0.8);
      for (const a of group) q80[a] = q;
    }
    return new ProfileForecaster(new Map(columnIds.map((id, a) => [id, a])), fitOn(-1), q80);
  }

  /** The test day (UTC midnight of its date) when the history is dated. */
  testDayMs = TEST_DAY_MS;

  /** Forecast for slot `slot` of the test day (slots past midnight wrap to the same day's profile). */
  at(columnId: string, slot: number): SlotForecast {
    const a = this.columns.get(columnId);
    if (a === undefined) throw new Error(`no forecast column ${columnId}`);
    const slotOfTestDay = slotOfWeek(calendar, this.testDayMs + (slot % SLOTS_PER_DAY) * 900_000, 15);
    const mean = Math.max(0, this.profile.at(slotOfTestDay, a));
    return { mean, upper80: mean + this.q80[a] * Math.sqrt(mean + NOISE_FLOOR) };
  }
}
