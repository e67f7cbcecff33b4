import { Band } from './bands';
import { BacktestData, BacktestModel, FittedModel, PreparedCrossing } from './backtest';
import { TimeOfWeekProfile, slotOfWeek } from './profile';
import { ResidualEnsembleForecaster, ResidualEnsembleOptions } from './residual-ensemble';

/**
 * The model the edge workers deploy, trained per crossing on that crossing's data only.
 * `timer` (a monotonic clock in ms) makes it also time single forecasts, one origin per
 * call, as a worker makes them.
 */
export function edgeModel(options: Partial<ResidualEnsembleOptions> = {}, timer?: () => number, singleForecasts = 50, adaptive = true, name = 'residual-ensemble'): BacktestModel {
  return {
    name,
    kind: 'edge',
    async fitCrossing(p: PreparedCrossing, data: BacktestData): Promise<FittedModel> {
      const model = await ResidualEnsembleForecaster.train(
        {
          intervalMinutes: data.intervalMinutes,
          approaches: p.crossing.approaches,
          firstIntervalStartMs: data.firstIntervalStartMs,
          values: p.clean.slice(0, data.testStart),
          isReal: p.isReal,
          calendar: data.calendar,
        },
        { ...options, horizons: data.horizons },
      );
      const bytes = Buffer.byteLength(JSON.stringify(await model.serialize()));
      const fitted: FittedModel = {
        bytes,
        usesLevel: model.usesLevel,
        forecastMany: (prepared, origins) => {
          // As a worker runs it: the intervals adapt to their own misses as the test days are counted.
          const result = model.forecastMany(
            prepared.clean,
            origins,
            data.firstIntervalStartMs,
            data.calendar,
            undefined,
            adaptive ? { intervals: model.adaptiveIntervals(), isReal: prepared.isReal } : undefined,
          );
          if (timer) {
            // One untimed call first: the first call with a new input shape sets up the
            // backend's kernels; a worker pays that once, not per forecast.
            model.forecast(prepared.clean, origins[0], data.firstIntervalStartMs, data.calendar);
            fitted.singleForecastMs = origins.slice(0, singleForecasts).map((t) => {
              const started = timer();
              model.forecast(prepared.clean, t, data.firstIntervalStartMs, data.calendar);
              return timer() - started;
            });
          }
          model.dispose();
          return result;
        },
      };
      return fitted;
    },
  };
}

export interface CrossingLocation {
  id: string;
  lat: number;
  lon: number;
}

/**
 * The central reference: the same kind of model trained once on every crossing's raw data
 * (all approaches of the city as one network's samples), with each approach also seeing
 * its own crossing's total and its three nearest crossings' recent deviations from their
 * profiles. It exists only to
 * measure what keeping the data at the edge costs. Its crossing totals carry no interval.
 */
export function centralModel(locations: CrossingLocation[], options: Partial<ResidualEnsembleOptions> = {}, neighbours = 3): BacktestModel {
  return {
    name: 'central-reference',
    kind: 'central',
    async fitCity(prepared: PreparedCrossing[], data: BacktestData): Promise<Map<string, FittedModel>> {
      const approaches: string[] = [];
      const owner: number[] = [];
      const column: number[] = [];
      prepared.forEach((p, c) =>
        p.crossing.approaches.forEach((id, a) => {
          approaches.push(id);
          owner.push(c);
          column.push(a);
        }),
      );
      const n = prepared[0].clean.length;
      const values = Array.from({ length: n }, (_, t) => approaches.map((_, k) => prepared[owner[k]].clean[t][column[k]]));
      const isReal = (t: number, k: number) => prepared[owner[k]].isReal(t, column[k]);

      // Neighbours by straight-line distance (none when coordinates are unknown).
      const located = new Map(locations.map((l) => [l.id, l]));
      const nearest = prepared.map((p) => {
        const here = located.get(p.crossing.id);
        if (!here) return [];
        return prepared
          .map((q, j) => ({ j, d: q === p || !located.get(q.crossing.id) ? Infinity : distanceKm(here, located.get(q.crossing.id)!) }))
          .filter((x) => Number.isFinite(x.d))
          .sort((x, y) => x.d - y.d)
          .slice(0, neighbours)
          .map((x) => x.j);
      });
      const trainEnd = data.testStart - 1;
      const profiles = prepared.map((p) => TimeOfWeekProfile.fit(p.clean.slice(0, trainEnd + 1), p.isReal, data.firstIntervalStartMs, data.intervalMinutes, data.calendar));
      const slotCache = new Map<number, number>();
      const slot = (t: number) => {
        let s = slotCache.get(t);
        if (s === undefined) slotCache.set(t, (s = slotOfWeek(data.calendar, data.firstIntervalStartMs + t * data.intervalMinutes * 60_000, data.intervalMinutes)));
        return s;
      };
      const totalScale = prepared.map((p) => Math.max(5, p.clean.slice(0, trainEnd + 1).reduce((s, row) => s + row.reduce((x, y) => x + y, 0), 0) / (trainEnd + 1)));
      const totalDeviation = (c: number, t: number) => {
        const p = prepared[c];
        let d = 0;
        for (let a = 0; a < p.crossing.approaches.length; a++) d += p.clean[t][a] - profiles[c].at(slot(t), a);
        return d / totalScale[c];
      };
      const extra = (t: number, k: number) => {
        // Its own crossing's total (the edge model sees it too), then the neighbours'.
        const features: number[] = [0, 1, 2, 3].map((l) => totalDeviation(owner[k], t - l));
        const list = nearest[owner[k]];
        for (let i = 0; i < neighbours; i++) {
          const j = list[i];
          features.push(j === undefined ? 0 : totalDeviation(j, t), j === undefined ? 0 : totalDeviation(j, t - 1));
        }
        return features;
      };
      const model = await ResidualEnsembleForecaster.train(
        {
          intervalMinutes: data.intervalMinutes,
          approaches,
          firstIntervalStartMs: data.firstIntervalStartMs,
          values: values.slice(0, data.testStart),
          isReal,
          calendar: data.calendar,
          extraFeatures: { size: 4 + 2 * neighbours, at: extra },
        },
        { ...options, horizons: data.horizons },
      );
      const bytes = Buffer.byteLength(JSON.stringify(await model.serialize()));
      let cache: { origins: number[]; result: ReturnType<ResidualEnsembleForecaster['forecastMany']> } | null = null;
      const fitted = new Map<string, FittedModel>();
      prepared.forEach((p, c) => {
        const columns = approaches.map((_, k) => k).filter((k) => owner[k] === c);
        fitted.set(p.crossing.id, {
          bytes,
          forecastMany: (_prepared, origins) => {
            if (!cache || cache.origins !== origins) cache = { origins, result: model.forecastMany(values, origins, data.firstIntervalStartMs, data.calendar, extra) };
            return cache.result.map((steps) =>
              steps.map((step) => {
                const bands: Band[] = columns.map((k) => step.approaches[k]);
                const mean = bands.reduce((s, b) => s + b.mean, 0);
                return { stepsAhead: step.stepsAhead, approaches: bands, total: { mean, lower80: NaN, upper80: NaN, lower95: NaN, upper95: NaN } };
              }),
            );
          },
        });
      });
      return fitted;
    },
  };
}

function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 12742 * Math.asin(Math.sqrt(h));
}
