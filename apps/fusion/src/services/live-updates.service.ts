import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CityOverviewView, CrossingStatusView, CrossingSummaryView, packSummaries } from '@crosscast/contracts';
import { LiveGateway } from '../gateways/live.gateway';
import { CityForecastService } from './city-forecast.service';
import { CityFusionService } from './city-fusion.service';
import { IngestEvents } from './ingest-events';
import { LeadershipService } from './leadership.service';
import { StatusService } from './status.service';

const BROADCAST_EVERY_MS = 1000;
const RECHECK_EVERY_MS = 5000;

/**
 * Pushes the city forecast and crossing status changes to
 * dashboards (the map's summary of all changed crossings to everyone in one message, a
 * followed crossing's full status to its room), at most once a second however many forecasts arrive, and every few seconds
 * regardless so that a worker going silent shows up as offline (and estimated) without
 * any message arriving. Each tick is also what runs the city fusion when data time moved.
 *
 * With several fusion instances only the leader broadcasts the city-wide events (the Redis
 * adapter takes them to every instance's dashboards); its model is fed with every instance's
 * forecasts, so a forecast stored elsewhere marks it dirty too. Per-forecast events reach each
 * instance's own sockets from the fusion feed (CrossingEventsService), and each instance tells
 * its own sockets of the crossings they follow (`crossing-status`, from its own picture).
 */
@Injectable()
export class LiveUpdatesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LiveUpdatesService.name);
  private dirty = true;
  private lastBroadcastMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** Each followed crossing's status as this instance last told its own sockets (statusKey). */
  private readonly toldFollowers = new Map<string, string>();
  private statusIndex: { version: number; byId: Map<string, CrossingStatusView> } | null = null;
  private readonly lastSummary = new Map<string, string>();
  private lastFedCount = -1;
  /** The overview last broadcast: an unchanged picture is not sent again (a new dashboard gets it in its snapshot). */
  private lastCity: CityOverviewView | null = null;

  constructor(
    private readonly cityForecast: CityForecastService,
    private readonly live: LiveGateway,
    private readonly fusion: CityFusionService,
    private readonly leadership: LeadershipService,
    private readonly status: StatusService,
    events: IngestEvents,
  ) {
    events.onBatchWritten(() => this.markDirty());
  }

  onModuleInit(): void {
    // A connecting dashboard gets the cached picture (rebuilt every second) at once, without
    // waiting for rebuilds that catch up with forecasts fed meanwhile: whatever changed after it
    // was built comes with the next tick's broadcast, which is built from a newer picture.
    // Column by column and without the city view's per-crossing lists: 0.1 MB at 4,096 crossings where it was 1.2 MB.
    this.live.setSnapshotProvider(async () => {
      const { overview, statuses, estimated } = await this.cityForecast.cachedPicture();
      return { city: overview, summaries: packSummaries(statuses.map((s) => crossingSummary(s, estimated.has(s.crossingId)))) };
    });
    this.timer = setInterval(() => void this.tick(), BROADCAST_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  markDirty(): void {
    this.dirty = true;
  }

  private async tick(): Promise<void> {
    if (this.leadership.isLeader()) await this.broadcast();
    this.tellFollowers();
  }

  /**
   * This instance's sockets that follow a crossing get its full status when it changed, from
   * this instance's picture (on the leader the one broadcast() just built; on another instance
   * the one its CityForecastService rebuilds every second). Until 2026-12-06 the leader sent
   * every changed crossing's status to its room through the Redis adapter, one publish per
   * crossing: at 4,096 crossings at the demo's pace, about 4,096 publishes a second for rooms
   * hardly anyone was in, a tenth of fusion's CPU while the dashboard benchmark's first render waited on it.
   */
  tellFollowers(): void {
    const followed = this.live.locallyFollowedCrossings();
    if (!followed.length) return;
    const picture = this.cityForecast.lastPicture();
    if (!picture) return;
    if (this.statusIndex?.version !== picture.version) this.statusIndex = { version: picture.version, byId: new Map(picture.statuses.map((st) => [st.crossingId, st])) };
    for (const crossingId of followed) {
      const status = this.statusIndex.byId.get(crossingId);
      if (!status) continue;
      const key = statusKey(status);
      if (this.toldFollowers.get(crossingId) === key) continue;
      this.toldFollowers.set(crossingId, key);
      this.live.emitToLocalFollowers(crossingId, 'crossing-status', status);
    }
  }

  private async broadcast(): Promise<void> {
    const now = Date.now();
    if (this.fusion.fedCount !== this.lastFedCount) {
      this.lastFedCount = this.fusion.fedCount;
      this.dirty = true;
    }
    if (this.running || (!this.dirty && now - this.lastBroadcastMs < RECHECK_EVERY_MS)) return;
    this.running = true;
    this.dirty = false;
    this.lastBroadcastMs = now;
    try {
      const { overview, statuses, estimated } = await this.cityForecast.picture();
      // Where stale episodes began is kept as the leader sees them (it keys the stale alert).
      // A failed write is tried again on the next tick; the broadcast goes out regardless.
      await this.status.recordStaleEpisodes(statuses).catch((error: Error) => this.logger.warn(`stale episodes not kept: ${error.message}`));
      // The overview, when the picture changed (it is rebuilt only then); which crossings are
      // estimated goes with their summaries (the map marks them); each crossing's fused values
      // go to its own room only (CrossingEventsService, `crossing-fused`).
      if (overview !== this.lastCity) {
        this.lastCity = overview;
        this.live.emit('city-forecast', overview);
      }
      // Every dashboard gets one message with the map's summary of the crossings that changed
      // (the full status of a followed crossing goes to its room from each instance, tellFollowers).
      const summaries: CrossingSummaryView[] = [];
      for (const status of statuses) {
        const summary = crossingSummary(status, estimated.has(status.crossingId));
        // (A new forecast brings a new observed total anyway: the forecast time adds few messages.)
        const summaryKey = [summary.freshness, summary.estimated, summary.workerStatus, summary.lastObservedTotal, summary.lastForecastIntervalStart, summary.congestion?.since, summary.congestion?.periodStart, summary.offlineSince, summary.staleSince, summary.degradedSince, summary.driftingSince].join('|');
        if (this.lastSummary.get(status.crossingId) !== summaryKey) {
          this.lastSummary.set(status.crossingId, summaryKey);
          summaries.push(summary);
        }
      }
      if (summaries.length) this.live.emit('crossing-summaries', packSummaries(summaries));
    } catch (error) {
      this.logger.warn(`live update failed: ${(error as Error).message}`);
      this.dirty = true;
    } finally {
      this.running = false;
    }
  }
}

/** What every dashboard gets of a crossing (the map and the alerts list): see CrossingSummaryView. */
export function crossingSummary(status: CrossingStatusView, estimated: boolean): CrossingSummaryView {
  return {
    crossingId: status.crossingId,
    estimated,
    freshness: status.freshness,
    workerStatus: status.workerStatus,
    lastObservedTotal: status.lastObservedTotal,
    lastForecastIntervalStart: status.lastForecastIntervalStart,
    congestion: status.congestion,
    offlineSince: status.offlineSince,
    staleSince: status.staleSince,
    degradedSince: status.degradedSince,
    driftingSince: status.driftingSince,
  };
}

function statusKey(s: CrossingStatusView): string {
  return [s.freshness, s.workerStatus, s.lastForecastIntervalStart, s.lastObservedTotal, s.model?.name, s.model?.version, s.drift?.ratio, s.congestion?.since, s.congestion?.periodStart, s.offlineSince, s.staleSince, s.degradedSince, s.driftingSince].join('|');
}
