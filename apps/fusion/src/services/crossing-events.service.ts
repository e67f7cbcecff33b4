import { Injectable, OnModuleInit } from '@nestjs/common';
import { ForecastMessage, ForecastView, ObservationView } from '@crosscast/contracts';
import { LiveGateway } from '../gateways/live.gateway';
import { FusionFeedRepository } from '../repositories/fusion-feed.repository';
import { IngestEvents } from './ingest-events';
import { LeadershipService } from './leadership.service';

/**
 * One crossing's detail events (`forecast`, then its `observation`s) for the dashboards
 * that follow it. Every instance tells only its own sockets: the instance that stored a
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
    events: IngestEvents,
  ) {
    // Stored here: raised after the commit, once (a redelivery is not stored, so not told again).
    events.onForecastStored((message, receivedAt) => this.tellFollowers(message, receivedAt));
  }

  async onModuleInit(): Promise<void> {
    await this.feed.subscribe((notice) => {
      if (notice.instance !== this.leadership.instance) this.tellFollowers(notice.message, new Date(notice.receivedAt));
    });
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
