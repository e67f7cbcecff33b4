import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { CrossingDefinition, CrossingStatusView, DeadLetterView, ForecastView, ObservationView, RecommendationView } from '@crosscast/contracts';
import { CityRepository } from '../repositories/city.repository';
import { ForecastStoreRepository } from '../repositories/forecast-store.repository';
import { StatusService } from './status.service';

export type CrossingSummary = CrossingDefinition & { status: CrossingStatusView };
export type CrossingDetail = CrossingSummary & {
  latestForecast: ForecastView | null;
  latestRecommendation: RecommendationView | null;
  recentObservations: ObservationView[];
};

const DAY_MS = 24 * 3600 * 1000;

/** Read side of the REST API. */
@Injectable()
export class CrossingQueryService {
  constructor(
    private readonly city: CityRepository,
    private readonly store: ForecastStoreRepository,
    private readonly status: StatusService,
  ) {}

  async list(): Promise<CrossingSummary[]> {
    const { statuses } = await this.status.statuses();
    const byId = new Map(statuses.map((s) => [s.crossingId, s]));
    return this.city.all().map((c) => ({ ...c, status: byId.get(c.id)! }));
  }

  async detail(id: string): Promise<CrossingDetail> {
    const crossing = this.require(id);
    const [{ statuses }, latestForecast, recommendations, recentObservations] = await Promise.all([
      this.status.statuses(),
      this.store.latestForecast(id),
      this.store.recommendations(id, 1),
      this.store.recentObservations(id, 96),
    ]);
    return { ...crossing, status: statuses.find((s) => s.crossingId === id)!, latestForecast, latestRecommendation: recommendations[0] ?? null, recentObservations };
  }

  async forecasts(id: string, fromText: string | undefined, toText: string | undefined, limit = 96): Promise<ForecastView[]> {
    this.require(id);
    let to: Date;
    if (toText) to = new Date(toText);
    else {
      const latest = await this.store.latestForecast(id);
      to = latest ? new Date(latest.basedOnIntervalStart) : new Date();
    }
    const from = fromText ? new Date(fromText) : new Date(to.getTime() - DAY_MS);
    if (from.getTime() > to.getTime()) throw new BadRequestException('from must not be after to');
    return this.store.forecasts(id, from, to, limit);
  }

  async recommendations(crossing: string | undefined, limit = 100): Promise<RecommendationView[]> {
    if (crossing) this.require(crossing);
    return this.store.recommendations(crossing, limit);
  }

  deadLetters(queue: string | undefined, limit = 100): Promise<DeadLetterView[]> {
    return this.store.deadLetters(queue, limit);
  }

  private require(id: string): CrossingDefinition {
    const crossing = this.city.get(id);
    if (!crossing) throw new NotFoundException(`crossing ${id} is not part of ${this.city.city.city}`);
    return crossing;
  }
}
