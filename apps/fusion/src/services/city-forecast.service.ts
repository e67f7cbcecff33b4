import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CityForecastView, CityOverviewView, CrossingFusionView, CrossingStatusView } from '@crosscast/contracts';
import { CityRepository } from '../repositories/city.repository';
import { FusionResult } from '@crosscast/fusion';
import { CityFusionService } from './city-fusion.service';
import { cityForecastView, cityOverviewView, fusedViewLookup } from './fusion-views';
import { StatusService } from './status.service';
import { CostBound } from './cost-bound';

/** Everything the city picture is made of at one moment. */
export interface CityPicture {
  /** Counts the pictures built: a new version when anything in it may have changed. */
  version: number;
  asOf: Date | null;
  statuses: CrossingStatusView[];
  /** GET /api/city/forecast. */
  city: CityForecastView;
  /** The `city-forecast` event and the snapshot's city: `city` without its per-crossing lists (the same object while `city` is). */
  overview: CityOverviewView;
  /** The crossings `city` lists as estimated (the summaries' `estimated` flag). */
  estimated: ReadonlySet<string>;
  /** A crossing's fused or estimated values (its room gets them: `crossing-fused`); built on first use. */
  fusedOf: (crossingId: string) => CrossingFusionView | null;
}

/** The cached picture is rebuilt this often (statuses age in wall time: a silent worker turns stale, then offline). */
const REFRESH_EVERY_MS = 1000;
/**
 * Share of wall time the optional refreshes may take together: previews of the fusion for
 * changed crossing states, and the city and fused views rebuilt for them or for shown status
 * fields alone (at 4,096 crossings a preview took 0.1–0.4 s and a views rebuild 0.1–0.6 s,
 * each wanted every second while an interval's forecasts arrived). One bound for both: with
 * a quarter each they took up to half of fusion's time under an ingest flood.
 */
export const REFRESH_MAX_SHARE = 0.25;
/** A read waits for at most this many rebuilds to catch up with data fed meanwhile (it never waits forever under load). */
const MAX_CATCH_UP_REFRESHES = 2;

/**
 * The city picture: crossing statuses (StatusService) and the city fusion's latest run
 * (CityFusionService: fused crossings, estimates for stale / offline / degraded ones,
 * corridor and city totals with their own intervals), turned into the served views.
 *
 * Reads (REST, the live-update tick, the socket snapshot) get a cached, versioned
 * picture. It is rebuilt once a second, and before a read when forecasts were fed since it
 * was built (so a reader sees what was stored before it asked); one rebuild serves every
 * reader waiting for it. A rebuild reads the statuses once, and the fusion advances only
 * when the city's data time did (CityFusionService.picture): which read comes first no
 * longer matters to what fusion learns. A new fusion result is always shown at once;
 * rebuilds for status changes alone, and previews for changed crossing states, are kept
 * to a quarter of wall time together (one CostBound), so a big city's burst of arrivals
 * cannot keep the event loop rebuilding views.
 */
@Injectable()
export class CityForecastService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CityForecastService.name);
  private cached: { picture: CityPicture; fedCount: number; builtAtMs: number } | null = null;
  private building: Promise<CityPicture> | null = null;
  private version = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The views of the last build, reused while neither the fusion result nor their key changed. */
  private views: { key: string; result: FusionResult | null; city: CityForecastView; overview: CityOverviewView; estimated: ReadonlySet<string>; fusedOf: CityPicture['fusedOf'] } | null = null;
  private readonly fusedListeners: Array<(picture: CityPicture) => void> = [];
  /** Previews and view rebuilds together take at most REFRESH_MAX_SHARE of wall time. */
  private readonly refreshBound = new CostBound(REFRESH_MAX_SHARE);

  constructor(
    private readonly status: StatusService,
    private readonly fusion: CityFusionService,
    private readonly city: CityRepository,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      if (!this.cached || Date.now() - this.cached.builtAtMs >= REFRESH_EVERY_MS) {
        this.refresh().catch((error) => this.logger.warn(`refreshing the city picture failed: ${(error as Error).message}`));
      }
    }, REFRESH_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The last picture built, without building one (null before the first). */
  lastPicture(): CityPicture | null {
    return this.cached?.picture ?? null;
  }

  /** Called on every instance each time a build brings new city and fused views (a city step, or a shown status change). */
  onNewViews(listener: (picture: CityPicture) => void): void {
    this.fusedListeners.push(listener);
  }

  /** The cached picture; rebuilt first only when none exists yet or forecasts were fed since it was built. */
  async picture(): Promise<CityPicture> {
    for (let i = 0; i < MAX_CATCH_UP_REFRESHES && (!this.cached || this.cached.fedCount < this.fusion.fedCount); i++) await this.refresh();
    return this.cached ? this.cached.picture : this.refresh();
  }

  /**
   * The cached picture as it is (rebuilt once a second by the timer), without catching up
   * with forecasts fed since: for the leader's planning rounds, which run several times a
   * second and need only the last city step, not a rebuild per round.
   */
  async cachedPicture(): Promise<CityPicture> {
    return this.cached ? this.cached.picture : this.refresh();
  }

  async cityForecast(): Promise<{ city: CityForecastView; statuses: CrossingStatusView[] }> {
    const { city, statuses } = await this.picture();
    return { city, statuses };
  }

  /** One crossing's fused view (null: fusion has no data for it yet), with the statuses it was built from. */
  async crossingFusion(crossingId: string): Promise<{ fused: CrossingFusionView | null; statuses: CrossingStatusView[] }> {
    const { statuses, fusedOf } = await this.picture();
    return { fused: fusedOf(crossingId), statuses };
  }

  /** Rebuilds the cached picture; callers arriving while one is being built share it. */
  refresh(): Promise<CityPicture> {
    this.building ??= this.build().finally(() => (this.building = null));
    return this.building;
  }

  private async build(): Promise<CityPicture> {
    const fedCount = this.fusion.fedCount;
    const { asOf, statuses } = await this.status.statuses();
    const fused = await this.fusion.picture(statuses, asOf, this.refreshBound);
    const withData = fused?.withData ?? new Set<string>();
    const result = fused?.result ?? null;
    // Heartbeats change the statuses every second but rarely what the views show: the city
    // and fused views are rebuilt only when the fusion result or a shown status field moved.
    const key = viewKey(statuses, asOf, withData.size);
    let fusedChanged = false;
    // A new fusion result is shown at once; a change of shown status fields alone (in a big
    // city, every second while an interval's forecasts arrive) within the same bound as previews.
    const nowMs = Date.now();
    if (!this.views || this.views.result !== result || (this.views.key !== key && this.refreshBound.allows(nowMs))) {
      this.views = this.refreshBound.run(nowMs, () => {
        const city = cityForecastView({ result, statuses, asOf, intervalMinutes: this.city.city.intervalMinutes, withData, roads: this.fusion.roads() });
        return {
          key,
          result,
          city,
          overview: cityOverviewView(city),
          estimated: new Set(city.estimated.map((e) => e.crossingId)),
          fusedOf: fusedViewLookup(result, statuses, withData),
        };
      });
      fusedChanged = true;
    }
    const picture: CityPicture = { version: ++this.version, asOf, statuses, city: this.views.city, overview: this.views.overview, estimated: this.views.estimated, fusedOf: this.views.fusedOf };
    this.cached = { picture, fedCount, builtAtMs: Date.now() };
    if (fusedChanged) {
      for (const listener of this.fusedListeners) {
        try {
          listener(picture);
        } catch (error) {
          this.logger.warn(`a fused-view listener failed: ${(error as Error).message}`);
        }
      }
    }
    return picture;
  }
}

/**
 * What the city and fused views are made of besides the fusion result: the data time, how
 * many crossings have data (the set only grows), and per crossing the status fields the views
 * show (the last heartbeat only for an offline crossing, whose reason names it).
 */
export function viewKey(statuses: CrossingStatusView[], asOf: Date | null, withDataCount: number): string {
  const parts = [String(asOf?.getTime() ?? ''), String(withDataCount)];
  for (const s of statuses) parts.push(`${s.crossingId}|${s.freshness}|${s.workerStatus}|${s.lastForecastIntervalStart ?? ''}|${s.freshness === 'offline' ? (s.lastHeartbeatAt ?? '') : ''}`);
  return parts.join('\n');
}
