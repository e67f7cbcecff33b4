import { Band, StepForecast, band } from './bands';
import { IntervalWidths, intervalWidths } from './quantiles';
import { intervalsPerDay } from './series';

/**
 * Same time yesterday, or the last value when there is no yesterday yet. It is the
 * worker's forecaster until its own model has trained, so the crossing is never silent.
 * Its intervals come from its own errors over the history it has.
 */
export class SeasonalNaiveForecaster {
  readonly name = 'seasonal-naive';
  private readonly widthsByStep: Array<{ total: IntervalWidths; approaches: IntervalWidths[] }>;

  constructor(
    private readonly intervalMinutes: number,
    private readonly horizons: number,
    history: number[][],
  ) {
    this.widthsByStep = [];
    const approachCount = history[0]?.length ?? 0;
    for (let h = 1; h <= horizons; h++) {
      const totalErrors: number[] = [];
      const approachErrors: number[][] = Array.from({ length: approachCount }, () => []);
      for (let i = Math.max(0, history.length - 7 * intervalsPerDay(intervalMinutes)); i + h < history.length; i++) {
        const predicted = this.pointForecast(history, i, h);
        let totalError = 0;
        for (let a = 0; a < approachCount; a++) {
          const error = history[i + h][a] - predicted[a];
          approachErrors[a].push(Math.abs(error));
          totalError += error;
        }
        totalErrors.push(Math.abs(totalError));
      }
      this.widthsByStep.push({ total: intervalWidths(totalErrors), approaches: approachErrors.map(intervalWidths) });
    }
  }

  forecast(history: number[][], index: number): StepForecast[] {
    const steps: StepForecast[] = [];
    for (let h = 1; h <= this.horizons; h++) {
      const predicted = this.pointForecast(history, index, h);
      const widths = this.widthsByStep[h - 1];
      const approaches: Band[] = predicted.map((p, a) => band(p, widths.approaches[a] ?? { q80: 0, q95: 0 }));
      const total = band(
        predicted.reduce((s, p) => s + p, 0),
        widths.total,
      );
      steps.push({ stepsAhead: h, total, approaches });
    }
    return steps;
  }

  private pointForecast(history: number[][], index: number, stepsAhead: number): number[] {
    const yesterday = index + stepsAhead - intervalsPerDay(this.intervalMinutes);
    return yesterday >= 0 ? [...history[yesterday]] : [...history[index]];
  }
}
