import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import IORedis from 'ioredis';
import type * as http from 'node:http';
import * as path from 'node:path';
import { DetectorReading } from '@crosscast/contracts';
import { loadCityDefinition, readCountsCsv } from '@crosscast/seed';
import { redisConnectionOptions, startHealthServer } from '@crosscast/runtime';
import { SIMULATOR_CONFIG, SimulatorConfig } from './config';
import { ReplaySchedule } from './replay-schedule';
import { DetectorStreamWriter } from './repositories/detector-stream.writer';

/**
 * Replay mode: plays recorded counts on an accelerated clock and writes each crossing's
 * readings only to that crossing's detector stream, the way a detector cable would.
 * First it delivers REPLAY_BACKFILL_DAYS of history at once (the controller's log a new
 * worker starts from), then one interval every intervalMinutes*60/REPLAY_SPEED seconds.
 */
@Injectable()
export class ReplayService implements OnApplicationShutdown {
  private readonly logger = new Logger('simulator');
  private redis: IORedis;
  private writer: DetectorStreamWriter;
  private timer: NodeJS.Timeout | null = null;
  private healthServer: http.Server | null = null;
  private schedule: ReplaySchedule;
  private nextIndex = 0;
  private playedIntervals = 0;
  private finished = false;
  private stopped = false;

  constructor(@Inject(SIMULATOR_CONFIG) private readonly config: SimulatorConfig) {}

  async start(): Promise<void> {
    const city = loadCityDefinition(path.resolve(this.config.CITY_DIR));
    const ids = this.config.CROSSING_IDS === 'all' ? null : new Set(this.config.CROSSING_IDS.split(',').map((s) => s.trim()));
    const crossings = ids ? city.crossings.filter((c) => ids.has(c.id)) : city.crossings;
    if (ids && crossings.length !== ids.size) throw new Error(`unknown crossing in CROSSING_IDS: ${[...ids].filter((id) => !crossings.some((c) => c.id === id)).join(', ')}`);
    const countsFile = path.resolve(this.config.COUNTS_FILE ?? path.join(this.config.CITY_DIR, 'counts.csv.gz'));
    this.logger.log(`reading ${countsFile}`);
    this.schedule = new ReplaySchedule(await readCountsCsv(countsFile, { intervalMinutes: city.intervalMinutes }), crossings);

    this.redis = new IORedis({ ...redisConnectionOptions(this.config.REDIS_URL), maxRetriesPerRequest: null });
    this.redis.on('error', () => undefined);
    this.writer = new DetectorStreamWriter(this.redis, this.config.STREAM_PREFIX, this.config.STREAM_MAXLEN);
    this.logger.log('replay mode: recorded counts; timing plans from fusion are not consumed (they act on the simulated street only: SIMULATOR_MODE=simulate)');
    if (this.config.REPLAY_RESET) await this.writer.reset(crossings.map((c) => c.id));

    const backfillIntervals = Math.ceil((this.config.REPLAY_BACKFILL_DAYS * 24 * 60) / this.schedule.intervalMinutes);
    if (this.config.STREAM_MAXLEN < backfillIntervals + 96) {
      // A stream shorter than the backfill would trim history before any worker reads it.
      throw new Error(`STREAM_MAXLEN (${this.config.STREAM_MAXLEN}) must be at least the backfill (${backfillIntervals} intervals) plus a day (96)`);
    }
    const firstMs = this.schedule.intervalStartsMs[0];
    const startMs = this.config.REPLAY_START ? Date.parse(this.config.REPLAY_START) : firstMs + this.config.REPLAY_BACKFILL_DAYS * 24 * 3600 * 1000;
    const liveStart = this.schedule.indexAtOrAfter(startMs);
    const backfillFrom = this.schedule.indexAtOrAfter(startMs - this.config.REPLAY_BACKFILL_DAYS * 24 * 3600 * 1000);
    for (let i = backfillFrom; i < liveStart; i += 96) {
      await this.deliver(Array.from({ length: Math.min(96, liveStart - i) }, (_, k) => this.schedule.readingsAt(i + k)).flat());
    }
    this.logger.log(
      `${crossings.length} crossings: delivered ${liveStart - backfillFrom} intervals of history; live replay from ${new Date(this.schedule.intervalStartsMs[liveStart] ?? startMs).toISOString()} at ${this.config.REPLAY_SPEED}x (one interval every ${this.stepSeconds().toFixed(2)} s)`,
    );
    this.nextIndex = liveStart;
    if (this.config.HEALTH_PORT > 0) this.healthServer = startHealthServer(this.config.HEALTH_PORT, () => this.healthReport(), this.config.LISTEN_HOST);
    this.scheduleNext();
  }

  private stepSeconds(): number {
    return (this.schedule.intervalMinutes * 60) / this.config.REPLAY_SPEED;
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.playNext(), this.stepSeconds() * 1000);
  }

  private async playNext(): Promise<void> {
    if (this.nextIndex >= this.schedule.intervalStartsMs.length) {
      if (!this.finished) this.logger.log('replay finished: the end of the recording was reached');
      this.finished = true;
      return;
    }
    try {
      await this.deliver(this.schedule.readingsAt(this.nextIndex));
      this.nextIndex++;
      this.playedIntervals++;
      if (this.playedIntervals % 4 === 0) this.logger.log(`played up to ${new Date(this.schedule.intervalStartsMs[this.nextIndex - 1]).toISOString()}`);
    } catch (error) {
      this.logger.warn(`Redis unreachable, interval held back: ${(error as Error).message}`);
    }
    this.scheduleNext();
  }

  private async deliver(readings: DetectorReading[]): Promise<void> {
    await this.writer.write(readings);
  }

  /** 503 while Redis is not ready: the street cannot reach the detectors. */
  private healthReport(): { ok: boolean; body: unknown } {
    const ok = this.redis.status === 'ready';
    const next = this.schedule.intervalStartsMs[this.nextIndex];
    return {
      ok,
      body: {
        status: ok ? 'ok' : 'redis-unreachable',
        playedIntervals: this.playedIntervals,
        nextIntervalStart: next ? new Date(next).toISOString() : null,
        finished: this.finished,
      },
    };
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.healthServer?.close();
    this.redis?.disconnect();
  }
}
