import { Injectable } from '@nestjs/common';
import { CityForecastView, CrossingFusionView, CrossingStatusView, FusedCityView } from '@crosscast/contracts';
import { CityRepository } from '../repositories/city.repository';
import { CityFusionService } from './city-fusion.service';
import { cityForecastView, fusedCityView } from './fusion-views';
import { StatusService } from './status.service';

/** Everything the city picture is made of at one moment. */
export interface CityPicture {
  asOf: Date | null;
  statuses: CrossingStatusView[];
  /** GET /api/city/forecast and the `city-forecast` event. */
  city: CityForecastView;
  /** Every crossing's fused or estimated values (the `fused-forecast` event). */
  fused: FusedCityView;
}

/**
 * The city picture: crossing statuses (StatusService) and the city fusion's latest run
 * (CityFusionService: fused crossings, estimates for stale / offline / degraded ones,
 * corridor and city totals with their own intervals), turned into the served views.
 */
@Injectable()
export class CityForecastService {
  constructor(
    private readonly status: StatusService,
    private readonly fusion: CityFusionService,
    private readonly city: CityRepository,
  ) {}

  async picture(): Promise<CityPicture> {
    const { asOf, statuses } = await this.status.statuses();
    const fused = await this.fusion.picture(statuses, asOf);
    const withData = fused?.withData ?? new Set<string>();
    const result = fused?.result ?? null;
    return {
      asOf,
      statuses,
      city: cityForecastView({ result, statuses, asOf, intervalMinutes: this.city.city.intervalMinutes, withData, roads: this.fusion.roads() }),
      fused: fusedCityView(result, statuses, withData),
    };
  }

  async cityForecast(): Promise<{ city: CityForecastView; statuses: CrossingStatusView[] }> {
    const { city, statuses } = await this.picture();
    return { city, statuses };
  }

  /** One crossing's fused view (null: fusion has no data for it yet), with the statuses it was built from. */
  async crossingFusion(crossingId: string): Promise<{ fused: CrossingFusionView | null; statuses: CrossingStatusView[] }> {
    const { statuses, fused } = await this.picture();
    return { fused: fused.crossings.find((c) => c.crossingId === crossingId) ?? null, statuses };
  }
}
