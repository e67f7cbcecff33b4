/**
 * Prediction intervals that stay calibrated when the street drifts.
 *
 * Split-conformal widths sized on held-out days assume the future looks like those days.
 * Adaptive conformal inference (Gibbs & Candès 2021) drops that assumption: it watches
 * whether each interval it issued held, and moves the interval after every miss or hit so
 * the long-run miss rate goes to the nominal one whatever the data do. This is its
 * quantile-tracking form (Angelopoulos, Candès & Tibshirani 2023, "conformal PID", the
 * P term): per horizon and level, the normalised width q moves by
 *
 *   q <- max(0, q + rate * q0 * (missShare - alpha))
 *
 * where missShare is the share of approaches (or 1/0 for the crossing total) whose actual
 * count fell outside the interval, alpha = 0.2 for the 80% band and 0.05 for the 95%
 * band, and q0 the width the model was calibrated with (so `rate` is scale-free). After a
 * run of misses q grows; after hits it shrinks slowly. Feedback is delayed: a forecast
 * h intervals ahead is scored once its interval has been counted.
 *
 * Plain and pure: the owner feeds it forecasts and actuals as data time moves (never on a
 * read), and it is small enough to keep next to a model.
 */
export interface AdaptiveIntervalsState {
  rate: number;
  /** Normalised widths per horizon, as calibrated (q0) and as adapted (q). */
  initial: WidthSet;
  current: WidthSet;
  /** Forecasts issued but not yet scored, oldest first. */
  pending: PendingForecast[];
  /** Newest origin recorded (ms); a second forecast from the same origin is not recorded again. */
  lastOriginMs: number | null;
  /** Scored forecasts per horizon, and how many fell inside each band (approach level). */
  scored: number[];
  inside80: number[];
  inside95: number[];
}

export interface WidthSet {
  q80: number[];
  q95: number[];
  q80Total: number[];
  q95Total: number[];
}

export interface PendingForecast {
  targetMs: number;
  h: number;
  means: number[];
  spreads: number[];
  totalMean: number;
  totalSpread: number;
}

export const DEFAULT_ADAPTIVE_RATE = 0.02;

export class AdaptiveIntervals {
  private constructor(private readonly state: AdaptiveIntervalsState) {}

  static start(initial: WidthSet, rate = DEFAULT_ADAPTIVE_RATE): AdaptiveIntervals {
    const copy = (w: WidthSet): WidthSet => ({ q80: [...w.q80], q95: [...w.q95], q80Total: [...w.q80Total], q95Total: [...w.q95Total] });
    const H = initial.q80.length;
    return new AdaptiveIntervals({ rate, initial: copy(initial), current: copy(initial), pending: [], lastOriginMs: null, scored: new Array(H).fill(0), inside80: new Array(H).fill(0), inside95: new Array(H).fill(0) });
  }

  static fromJSON(state: AdaptiveIntervalsState): AdaptiveIntervals {
    return new AdaptiveIntervals(JSON.parse(JSON.stringify(state)) as AdaptiveIntervalsState);
  }

  toJSON(): AdaptiveIntervalsState {
    return JSON.parse(JSON.stringify(this.state)) as AdaptiveIntervalsState;
  }

  /** The normalised widths to use now, per horizon. */
  get widths(): WidthSet {
    return this.state.current;
  }

  /** Running approach-level coverage of the intervals this tracker issued and scored. */
  get coverage(): { coverage80: Array<number | null>; coverage95: Array<number | null>; scored: number[] } {
    const s = this.state;
    return {
      coverage80: s.scored.map((n, h) => (n ? s.inside80[h] / n : null)),
      coverage95: s.scored.map((n, h) => (n ? s.inside95[h] / n : null)),
      scored: [...s.scored],
    };
  }

  /**
   * Scores every pending forecast whose target interval started at or before `knownUpToMs`
   * (actualAt returns the real count per approach, or null where the reading was missing
   * or flagged: those cells are not scored), and adapts the widths.
   */
  observe(knownUpToMs: number, actualAt: (targetMs: number) => Array<number | null> | null): void {
    const s = this.state;
    while (s.pending.length > 0 && s.pending[0].targetMs <= knownUpToMs) {
      const p = s.pending.shift() as PendingForecast;
      const actual = actualAt(p.targetMs);
      if (!actual) continue;
      const i = p.h - 1;
      let n = 0;
      let miss80 = 0;
      let miss95 = 0;
      let total = 0;
      let complete = true;
      actual.forEach((y, a) => {
        if (y === null) {
          complete = false;
          return;
        }
        const score = Math.abs(y - p.means[a]) / p.spreads[a];
        n++;
        if (score > s.current.q80[i]) miss80++;
        if (score > s.current.q95[i]) miss95++;
        total += y;
      });
      if (n > 0) {
        s.scored[i] += n;
        s.inside80[i] += n - miss80;
        s.inside95[i] += n - miss95;
        s.current.q80[i] = this.step(s.current.q80[i], s.initial.q80[i], miss80 / n, 0.2);
        s.current.q95[i] = this.step(s.current.q95[i], s.initial.q95[i], miss95 / n, 0.05);
      }
      if (complete && n > 0) {
        const score = Math.abs(total - p.totalMean) / p.totalSpread;
        s.current.q80Total[i] = this.step(s.current.q80Total[i], s.initial.q80Total[i], score > s.current.q80Total[i] ? 1 : 0, 0.2);
        s.current.q95Total[i] = this.step(s.current.q95Total[i], s.initial.q95Total[i], score > s.current.q95Total[i] ? 1 : 0, 0.05);
      }
      // The 95% band never narrower than the 80% one.
      s.current.q95[i] = Math.max(s.current.q95[i], s.current.q80[i]);
      s.current.q95Total[i] = Math.max(s.current.q95Total[i], s.current.q80Total[i]);
    }
  }

  /** Keeps the forecasts made after origin `originMs` to score when their intervals are counted. */
  record(originMs: number, forecasts: PendingForecast[]): void {
    const s = this.state;
    if (s.lastOriginMs !== null && originMs <= s.lastOriginMs) return;
    s.lastOriginMs = originMs;
    s.pending.push(...forecasts);
    s.pending.sort((x, y) => x.targetMs - y.targetMs);
    // A long outage: forget forecasts nobody will score (a few days' worth at most).
    if (s.pending.length > 4096) s.pending.splice(0, s.pending.length - 4096);
  }

  private step(q: number, q0: number, missShare: number, alpha: number): number {
    const scale = Math.max(q0, 1e-3);
    return Math.max(0, q + this.state.rate * scale * (missShare - alpha));
  }
}
