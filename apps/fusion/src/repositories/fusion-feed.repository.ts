import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import IORedis from 'ioredis';
import { ForecastMessage } from '@crosscast/contracts';
import { redisConnectionOptions } from '@crosscast/runtime';
import { FUSION_CONFIG, FusionConfig } from '../config';

export interface StoredForecastNotice {
  /** The instance that stored it (it has fed its own model already). */
  instance: string;
  receivedAt: string;
  message: ForecastMessage;
}

/**
 * What goes over the channel: the forecasts one instance stored in one batch. `from` is
 * written first, so a subscriber knows its own batches by their first bytes and skips them
 * without parsing (instances before 2026-12-06 sent no `from`; their batches are parsed).
 */
interface StoredForecastBatch {
  from: string;
  notices: StoredForecastNotice[];
  /**
   * Sent once, with no notices, by an instance that has just subscribed: the others publish
   * to it at once instead of after their next count of listeners (up to LISTENERS_RECHECK_MS
   * later), so what they store after it subscribed reaches it. Older instances see an empty batch.
   */
  hello?: true;
}

/** How often the publisher asks Redis whether another instance listens (PUBSUB NUMSUB). */
const LISTENERS_RECHECK_MS = 1000;

/** The first bytes of a batch an instance sent (JSON.stringify keeps key order). */
function batchPrefix(instance: string): string {
  return `{"from":${JSON.stringify(instance)},`;
}

/**
 * Every fusion instance keeps the whole city's model, so any of them can take over as
 * leader warm and serve reads: the instance that stored a forecast feeds its own model and
 * announces the forecast on a Redis pub/sub channel (`<prefix>:fusion-feed`), and the other
 * instances feed theirs from it. The same notices carry one crossing's detail events
 * (forecast, observation) to the dashboards connected to other instances
 * (CrossingEventsService), so they cost one publish per batch, not one per event. Pub/sub is
 * at-most-once: an instance that was disconnected misses what was said meanwhile (its
 * picture can lack those forecasts until their intervals pass; a restart replays them from
 * PostgreSQL). An instance that starts subscribes first and replays after, holding what it
 * hears meanwhile (CityFusionService), so nothing stored while it starts falls between the two.
 */
@Injectable()
export class FusionFeedRepository implements OnApplicationShutdown {
  private readonly logger = new Logger(FusionFeedRepository.name);
  private publisher: IORedis | null = null;
  private subscriber: IORedis | null = null;
  private readonly channel: string;
  private outbox: StoredForecastNotice[] = [];
  private readonly listeners: Array<(notice: StoredForecastNotice) => void> = [];
  /** Subscribers on the channel besides this instance's own, as last counted (null: not yet). */
  private otherListeners: number | null = null;
  private listenersCheckedAtMs = -Infinity;
  /** When another instance last said it had just subscribed. */
  private heardHelloAtMs = -Infinity;

  constructor(@Inject(FUSION_CONFIG) private readonly config: FusionConfig) {
    this.channel = `${config.QUEUE_PREFIX}:fusion-feed`;
  }

  /**
   * Announces a stored forecast. Notices stored in the same turn of the event loop (one
   * ingest batch) go out together as one pub/sub message, not one each.
   */
  publish(notice: StoredForecastNotice): void {
    this.outbox.push(notice);
    if (this.outbox.length === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const notices = this.outbox;
    this.outbox = [];
    if (notices.length === 0) return;
    this.publisher ??= this.newPublisher();
    this.recountListeners(this.publisher);
    // Alone on the channel (one instance): nobody to tell, and encoding a batch costs about
    // 3 % of a single instance's time under an ingest flood. An instance that joins says
    // hello when it has subscribed, so it is told from then on; it replays from PostgreSQL
    // what was stored before (CityFusionService subscribes before its replay).
    if (this.otherListeners === 0) return;
    // Best effort: a lost notice only delays another instance's picture, never the store.
    const batch: StoredForecastBatch = { from: notices[0].instance, notices };
    this.publisher.publish(this.channel, JSON.stringify(batch)).catch(() => undefined);
  }

  /** Counts the channel's other subscribers again when the last count is older than LISTENERS_RECHECK_MS (in the background). */
  private recountListeners(publisher: IORedis): void {
    const now = Date.now();
    if (now - this.listenersCheckedAtMs < LISTENERS_RECHECK_MS) return;
    this.listenersCheckedAtMs = now;
    publisher
      .pubsub('NUMSUB', this.channel)
      .then((reply) => {
        const total = Number((reply as unknown[])[1] ?? 0);
        const counted = Math.max(0, total - (this.subscriber ? 1 : 0));
        // A hello heard while counting is newer than the count.
        this.otherListeners = this.heardHelloAtMs >= now ? Math.max(1, counted) : counted;
      })
      // Unknown: keep publishing.
      .catch(() => (this.otherListeners = null));
  }

  /**
   * Calls `onNotice` for every forecast another instance stored: notices from
   * `ownInstance` are skipped (that instance raised its own events when it stored them).
   */
  async subscribeToOthers(ownInstance: string, onNotice: (notice: StoredForecastNotice) => void): Promise<void> {
    this.listeners.push((notice) => {
      if (notice.instance !== ownInstance) onNotice(notice);
    });
    if (this.subscriber) return;
    const ownPrefix = batchPrefix(ownInstance);
    const subscriber = new IORedis({ ...redisConnectionOptions(this.config.REDIS_URL), maxRetriesPerRequest: null });
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, text: string) => {
      // This instance's own batch: every listener would skip each of its notices.
      if (text.startsWith(ownPrefix)) return;
      let notices: StoredForecastNotice[];
      try {
        const parsed = JSON.parse(text) as StoredForecastBatch | StoredForecastNotice;
        if ('hello' in parsed && parsed.hello) {
          this.heardHelloAtMs = Date.now();
          this.otherListeners = Math.max(1, this.otherListeners ?? 1);
        }
        // One notice per message is what instances before batching sent (a rolling upgrade).
        notices = 'notices' in parsed ? parsed.notices : [parsed];
      } catch (error) {
        this.logger.warn(`fusion feed message ignored: ${(error as Error).message}`);
        return;
      }
      for (const listener of this.listeners) {
        for (const notice of notices) {
          try {
            listener(notice);
          } catch (error) {
            this.logger.warn(`fusion feed notice ignored: ${(error as Error).message}`);
          }
        }
      }
    });
    this.subscriber = subscriber;
    try {
      await subscriber.subscribe(this.channel);
    } catch (error) {
      this.logger.warn(`fusion feed: not subscribed yet (${(error as Error).message}); ioredis resubscribes on reconnect`);
      return;
    }
    this.sayHello(ownInstance);
  }

  /** Tells the instances already on the channel that this one listens now (see StoredForecastBatch.hello). */
  private sayHello(ownInstance: string): void {
    const hello: StoredForecastBatch = { from: ownInstance, notices: [], hello: true };
    this.publisher ??= this.newPublisher();
    this.publisher.publish(this.channel, JSON.stringify(hello)).catch(() => undefined);
  }

  private newPublisher(): IORedis {
    // The offline queue holds messages until the connection is up (the first ones included).
    const publisher = new IORedis({ ...redisConnectionOptions(this.config.REDIS_URL), maxRetriesPerRequest: 3 });
    publisher.on('error', () => undefined);
    return publisher;
  }

  onApplicationShutdown(): void {
    this.flush();
    this.subscriber?.disconnect();
    this.publisher?.disconnect();
  }
}
