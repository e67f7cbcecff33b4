import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { CrossingDefinition, CrossingFusionView, CrossingStatusView, DeadLetterView, ForecastView, ObservationView, RecommendationView } from '@crosscast/contracts';
import { CROSSING_PAGE_DEFAULT } from '../dtos/crossing.dto';
import { CityRepository } from '../repositories/city.repository';
import { ForecastStoreRepository } from '../repositories/forecast-store.repository';
import { CityForecastService } from './city-forecast.service';
import { CorridorPlanningService } from './corridor-planning.service';

export type CrossingSummary = CrossingDefinition & {
  status: CrossingStatusView;
  /** For a crossing without a usable worker forecast (stale, offline, degraded): fusion's estimate. Null otherwise. */
  estimate: CrossingFusionView | null;
};
export type CrossingDetail = CrossingSummary & {
  latestForecast: ForecastView | null;
  latestRecommendation: RecommendationView | null;
  recentObservations: ObservationView[];
  /** Fusion's values for the intervals after the city's now, whatever their source (null: no data yet). */
  fused: CrossingFusionView | null;
};

/** GET /api/crossings/:id/forecasts: the worker's own stored forecasts, and beside them fusion's newest values. */
export interface CrossingForecastsView {
  crossingId: string;
  /** The worker's own forecasts whose based-on interval lies in [from, to], oldest first. */
  forecasts: ForecastView[];
  /** The fused series for the newest interval, with its source per horizon (own, fused, estimated). */
  fused: CrossingFusionView | null;
}

const estimateOf = (fused: CrossingFusionView | null | undefined): CrossingFusionView | null => (fused?.source === 'estimated' ? fused : null);

const DAY_MS = 24 * 3600 * 1000;

export interface CrossingPageQuery {
  limit?: number;
  offset?: number;
  status?: CrossingStatusView['freshness'];
  /** minLon,minLat,maxLon,maxLat */
  bbox?: string;
  /** A corridor's name, as GET /api/corridors gives it. */
  corridor?: string;
}

/** Read side of the REST API. */
@Injectable()
export class CrossingQueryService {
  /** Per corridor name, its crossings (the city's corridors are fixed while the service runs). */
  private corridorMembers: Map<string, ReadonlySet<string>> | null = null;

  constructor(
    private readonly city: CityRepository,
    private readonly store: ForecastStoreRepository,
    private readonly cityForecast: CityForecastService,
    private readonly corridors: CorridorPlanningService,
  ) {}

  async list(): Promise<CrossingSummary[]> {
    return (await this.page({ limit: Number.MAX_SAFE_INTEGER })).items;
  }

  /**
   * GET /api/crossings: one page of the crossings that match every filter given (freshness,
   * bounding box, corridor), in id order; `total` counts them all. An unknown corridor is a
   * 404, not an empty page.
   */
  async page(query: CrossingPageQuery): Promise<{ items: CrossingSummary[]; total: number; limit: number; nextOffset: number | null }> {
    const limit = query.limit ?? CROSSING_PAGE_DEFAULT;
    const offset = query.offset ?? 0;
    const onCorridor = query.corridor === undefined ? null : this.corridorCrossings(query.corridor);
    const { statuses, fusedOf } = await this.cityForecast.picture();
    const byId = new Map(statuses.map((s) => [s.crossingId, s]));
    const box = query.bbox ? query.bbox.split(',').map(Number) : null;
    const matching = [...this.city.all()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .filter((c) => !onCorridor || onCorridor.has(c.id))
      .filter((c) => !query.status || byId.get(c.id)?.freshness === query.status)
      .filter((c) => !box || (c.lon >= box[0] && c.lat >= box[1] && c.lon <= box[2] && c.lat <= box[3]));
    const items = matching.slice(offset, offset + limit).map((c) => ({ ...c, status: byId.get(c.id)!, estimate: estimateOf(fusedOf(c.id)) }));
    return { items, total: matching.length, limit, nextOffset: offset + limit < matching.length ? offset + limit : null };
  }

  async detail(id: string): Promise<CrossingDetail> {
    const crossing = this.require(id);
    const [{ fused, statuses }, latestForecast, recommendations, recentObservations] = await Promise.all([
      this.cityForecast.crossingFusion(id),
      this.store.latestForecast(id),
      this.store.recommendations(id, 1),
      this.store.recentObservations(id, 96),
    ]);
    return {
      ...crossing,
      status: statuses.find((s) => s.crossingId === id)!,
      estimate: estimateOf(fused),
      latestForecast,
      latestRecommendation: recommendations[0] ?? null,
      recentObservations,
      fused,
    };
  }

  async forecasts(id: string, fromText: string | undefined, toText: string | undefined, limit = 96): Promise<CrossingForecastsView> {
    this.require(id);
    let to: Date;
    if (toText) to = new Date(toText);
    else {
      const latest = await this.store.latestForecast(id);
      to = latest ? new Date(latest.basedOnIntervalStart) : new Date();
    }
    const from = fromText ? new Date(fromText) : new Date(to.getTime() - DAY_MS);
    if (from.getTime() > to.getTime()) throw new BadRequestException('from must not be after to');
    const [forecasts, { fused }] = await Promise.all([this.store.forecasts(id, from, to, limit), this.cityForecast.crossingFusion(id)]);
    return { crossingId: id, forecasts, fused };
  }

  deadLetters(queue: string | undefined, limit = 100): Promise<DeadLetterView[]> {
    return this.store.deadLetters(queue, limit);
  }

  /** The crossings of the corridor of that name (404 when the city has none of that name). */
  private corridorCrossings(name: string): ReadonlySet<string> {
    if (!this.corridorMembers) {
      this.corridorMembers = new Map();
      for (const corridor of this.corridors.list()) {
        const members = new Set(this.corridorMembers.get(corridor.name));
        for (const crossing of corridor.crossings) members.add(crossing.id);
        this.corridorMembers.set(corridor.name, members);
      }
    }
    const members = this.corridorMembers.get(name);
    if (!members) throw new NotFoundException(`corridor ${JSON.stringify(name)} is not one of ${this.city.city.city}'s corridors (GET /api/corridors lists them)`);
    return members;
  }

  private require(id: string): CrossingDefinition {
    const crossing = this.city.get(id);
    if (!crossing) throw new NotFoundException(`crossing ${id} is not part of ${this.city.city.city}`);
    return crossing;
  }
}
