import { CrossingDefinition, ForecastMessage, UnsignedForecastMessage } from '@crosscast/contracts';
import { signedAsWorker } from './forecast-factory';

/** Vehicles per 15-minute interval, by approach direction ("N", "E"…); directions not named get `otherCount`. */
export interface DemandShape {
  /** What the worker observed in the interval just finished. */
  observed: Record<string, number>;
  /** The forecast mean per horizon (15, 30, 45, 60 min). */
  forecast: Record<string, number[]>;
  /** Half-width of the 80 % band as a share of the mean (default 0.1). */
  band?: number;
  otherCount?: number;
  seq?: number;
  flags?: string[];
}

/** A north-south road's evening peak, rising over the horizons (the corridor specs' busy period). */
export const RISING_NS_PEAK: DemandShape = { observed: { N: 200, S: 200, E: 120, W: 120 }, forecast: { N: [330, 400, 450, 480], S: [330, 400, 450, 480] }, otherCount: 120 };
/** Night-time demand, flat and light (the corridor specs' quiet period). */
export const QUIET_NIGHT: DemandShape = { observed: { N: 20, S: 20, E: 8, W: 8 }, forecast: { N: [20, 20, 20, 20], S: [20, 20, 20, 20] }, otherCount: 8 };

/**
 * A signed forecast for planning tests, shaped by approach direction: e.g. a rising
 * evening peak on the north approach, or flat demand that matches what was observed.
 */
export function shapedForecast(crossing: CrossingDefinition, basedOn: string, shape: DemandShape): ForecastMessage {
  const basedOnMs = Date.parse(basedOn);
  const basedOnIso = new Date(basedOnMs).toISOString();
  const width = shape.band ?? 0.1;
  const other = shape.otherCount ?? 0;
  const band = (mean: number) => ({ mean, lower80: mean * (1 - width), upper80: mean * (1 + width), lower95: mean * (1 - 1.5 * width), upper95: mean * (1 + 1.5 * width) });
  const steps = [1, 2, 3, 4];
  const meanOf = (direction: string, step: number) => shape.forecast[direction]?.[step - 1] ?? shape.observed[direction] ?? other;
  const observed = Object.fromEntries(crossing.approaches.map((a) => [a.id, shape.observed[a.direction] ?? other]));
  return signedAsWorker<UnsignedForecastMessage>({
    v: 1,
    messageId: `${crossing.id}:${basedOnIso}`,
    crossingId: crossing.id,
    seq: shape.seq ?? 1,
    sentAt: new Date().toISOString(),
    basedOnIntervalStart: basedOnIso,
    intervalMinutes: 15,
    model: { name: 'residual-ensemble', version: 1, backend: 'wasm', trainedOnIntervals: 672 },
    horizons: steps.map((step) => {
      const approaches = Object.fromEntries(crossing.approaches.map((a) => [a.id, band(meanOf(a.direction, step))]));
      const total = Object.values(approaches).reduce((s, b) => s + b.mean, 0);
      return { stepsAhead: step, horizonMinutes: step * 15, intervalStart: new Date(basedOnMs + step * 15 * 60_000).toISOString(), total: band(total), approaches };
    }),
    observed: { intervalStart: basedOnIso, total: Object.values(observed).reduce((s, c) => s + c, 0), approaches: observed, filledShare: 0 },
    quality: { realInputShare: 1, flags: shape.flags ?? [] },
  });
}
