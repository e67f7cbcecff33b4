import { Injectable } from '@nestjs/common';
import { CityForecastHorizonView, CityForecastView, CrossingStatusView, ForecastView } from '@crosscast/contracts';
import { CityRepository } from '../repositories/city.repository';
import { ForecastStoreRepository } from '../repositories/forecast-store.repository';
import { StatusService } from './status.service';

const DEFAULT_CITY_HORIZONS = 4;

/** The city picture: the sum of the fresh crossings' forecasts, with the stale ones named. */
@Injectable()
export class CityForecastService {
  constructor(
    private readonly store: ForecastStoreRepository,
    private readonly status: StatusService,
    private readonly city: CityRepository,
  ) {}

  async cityForecast(): Promise<{ city: CityForecastView; statuses: CrossingStatusView[] }> {
    const [{ asOf, statuses }, latest] = await Promise.all([this.status.statuses(), this.store.latestForecasts()]);
    return { city: computeCityForecast(latest, statuses, asOf, this.city.city.intervalMinutes), statuses };
  }
}

/**
 * Sums, for each of the next intervals after `asOf` (as many as the workers forecast),
 * the central forecasts of every fresh crossing: whichever of its horizons targets that
 * interval, or, for a fresh crossing whose forecast is an interval or two older and does
 * not reach that far, its furthest horizon held flat (counted in crossingsExtended), so
 * the total does not dip because of timing. Stale, offline and silent crossings are
 * listed, not dropped without a word. The 80% band is the sum of bounds: conservative (it
 * assumes the errors move together).
 */
export function computeCityForecast(
  latest: ForecastView[],
  statuses: CrossingStatusView[],
  asOf: Date | null,
  intervalMinutes: number,
): CityForecastView {
  const fresh = new Set(statuses.filter((s) => s.freshness === 'fresh').map((s) => s.crossingId));
  const horizons: CityForecastHorizonView[] = [];
  const cityHorizons = latest.reduce((m, f) => Math.max(m, ...f.horizons.map((h) => h.stepsAhead)), 0) || DEFAULT_CITY_HORIZONS;
  if (asOf) {
    for (let step = 1; step <= cityHorizons; step++) {
      const targetMs = asOf.getTime() + step * intervalMinutes * 60_000;
      const target = new Date(targetMs).toISOString();
      let total = 0;
      let lower80 = 0;
      let upper80 = 0;
      let included = 0;
      let extended = 0;
      for (const forecast of latest) {
        if (!fresh.has(forecast.crossingId) || forecast.horizons.length === 0) continue;
        let point = forecast.horizons.find((h) => h.intervalStart === target);
        if (!point) {
          const furthest = forecast.horizons.reduce((a, b) => (b.stepsAhead > a.stepsAhead ? b : a));
          // Only to fill the end of an older forecast, never to reach back in time.
          if (Date.parse(furthest.intervalStart) > targetMs) continue;
          point = furthest;
          extended++;
        }
        total += point.total.mean;
        lower80 += point.total.lower80;
        upper80 += point.total.upper80;
        included++;
      }
      horizons.push({
        stepsAhead: step,
        horizonMinutes: step * intervalMinutes,
        intervalStart: target,
        total: round1(total),
        lower80: round1(lower80),
        upper80: round1(upper80),
        crossingsIncluded: included,
        crossingsExtended: extended,
      });
    }
  }
  return {
    asOfIntervalStart: asOf?.toISOString() ?? null,
    intervalMinutes,
    crossingsTotal: statuses.length,
    crossingsFresh: fresh.size,
    stale: statuses
      .filter((s) => s.freshness !== 'fresh')
      .map((s) => ({ crossingId: s.crossingId, lastForecastIntervalStart: s.lastForecastIntervalStart, freshness: s.freshness })),
    horizons,
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
