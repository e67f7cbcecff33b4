import { Injectable, OnModuleInit } from '@nestjs/common';
import { CrossingFusionView, CrossingStatusView, ForecastMessage, ForecastView, ObservationView } from '@crosscast/contracts';
import { LiveGateway } from '../gateways/live.gateway';
import { FusionFeedRepository } from '../repositories/fusion-feed.repository';
import { CityForecastService, CityPicture } from './city-forecast.service';
import { IngestEvents } from './ingest-events';
import { LeadershipService } from './leadership.service';

/**
 * One crossing's detail events (`forecast`, then its `observation`s; `crossing-fused`
 * after each city step and on subscribing) for the dashboards that follow it. Every instance tells only its own sockets: the instance that stored a
 * forecast at once (IngestEvents.forecastStored), the others when the fusion feed
 * brings them the same forecast. So a stored batch costs one pub/sub message (the feed's,
 * which every instance needs anyway for its model) instead of one adapter publish per
 * event, and a crossing nobody follows on an instance costs that instance nothing (its
 * views are not even built).
 */
@Injectable()
export class CrossingEventsService implements OnModuleInit {
  constructor(
    private readonly live: LiveGateway,
    private readonly feed: FusionFeedRepository,
    private readonly leadership: LeadershipService,
    private readonly cityForecast: CityForecastService,
    events: IngestEvents,
  ) {
    // Stored here: raised after the commit, once (a redelivery is not stored, so not told again).
    events.onForecastStored((message, receivedAt) => this.tellFollowers(message, receivedAt));
    // Each instance builds the city picture itself (its model is fed by every instance), so
    // it tells its own followers of new fused values without the adapter.
    cityForecast.onNewViews((picture) => this.tellFusedFollowers(picture));
    live.setFollowProvider((crossingId) => this.current(crossingId));
  }

  /** A crossing's status and fused values as this instance's last city picture has them. */
  private current(crossingId: string): { status: CrossingStatusView | null; fused: CrossingFusionView | null } {
    const picture = this.cityForecast.lastPicture();
    return { status: picture?.statuses.find((s) => s.crossingId === crossingId) ?? null, fused: picture?.fusedOf(crossingId) ?? null };
  }

  async onModuleInit(): Promise<void> {
    await this.feed.subscribeToOthers(this.leadership.instance, (notice) => this.tellFollowers(notice.message, new Date(notice.receivedAt)));
  }

  /** A new city step (or a crossing turning estimated): each locally followed crossing's fused values, to its room. */
  private tellFusedFollowers(picture: CityPicture): void {
    for (const crossingId of this.live.locallyFollowedCrossings()) {
      const view = picture.fusedOf(crossingId);
      if (view) this.live.emitToLocalFollowers(crossingId, 'crossing-fused', view);
    }
  }

  private tellFollowers(message: ForecastMessage, receivedAt: Date): void {
    if (!this.live.hasLocalFollowers(message.crossingId)) return;
    this.live.emitToLocalFollowers(message.crossingId, 'forecast', toForecastView(message, receivedAt));
    for (const earlier of message.earlierObserved ?? []) this.live.emitToLocalFollowers(message.crossingId, 'observation', toObservationView(message.crossingId, earlier));
    this.live.emitToLocalFollowers(message.crossingId, 'observation', toObservationView(message.crossingId, message.observed));
  }
}

export function toForecastView(message: ForecastMessage, receivedAt: Date): ForecastView {
  return {
    messageId: message.messageId,
    crossingId: message.crossingId,
    basedOnIntervalStart: new Date(message.basedOnIntervalStart).toISOString(),
    intervalMinutes: message.intervalMinutes,
    receivedAt: receivedAt.toISOString(),
    model: message.model,
    realInputShare: message.quality.realInputShare,
    qualityFlags: message.quality.flags,
    horizons: message.horizons.map((h) => ({ ...h, intervalStart: new Date(h.intervalStart).toISOString() })),
  };
}

export function toObservationView(crossingId: string, observed: ForecastMessage['observed']): ObservationView {
  return {
    crossingId,
    intervalStart: new Date(observed.intervalStart).toISOString(),
    total: observed.total,
    approaches: observed.approaches,
    filledShare: observed.filledShare,
  };
}
