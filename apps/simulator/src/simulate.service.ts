import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import IORedis from 'ioredis';
import type * as http from 'node:http';
import * as path from 'node:path';
import { DetectorReading, SimulationReport } from '@crosscast/contracts';
import { loadSimulatorLinkKey, redisConnectionOptions } from '@crosscast/runtime';
import { SIMULATOR_CONFIG, SimulatorConfig } from './config';
import { TimingPlanConsumer } from './queue/timing-plan.consumer';
import { SimulationReportPublisher } from './queue/simulation-report.publisher';
import { SignalEventLogPublisher } from './queue/signal-event-log.publisher';
import { DetectorStreamWriter } from './repositories/detector-stream.writer';
import { LoadedSimCity, loadSimCity, writeCityDefinition } from './services/sim-city.loader';
import { citySummaryLine } from './services/simulated-interval';
import { SimulatedStreet } from './services/simulated-street';
import { startStatusServer } from './status-server';

const DAY_MS = 86_400_000;

/**
 * Simulate mode: the simulation engine plays the street. It runs the chosen network
 * (SIM_NETWORK) faster than real time, writes each crossing's stop-line counts to that
 * crossing's detector stream at every interval boundary (the same writer and format as
 * replay), applies the timing plans fusion sends, and publishes a SimulationReport per
 * interval (also served at GET /metrics). SIM_BACKFILL_DAYS are simulated as fast as
 * possible first, so workers have history to train on.
 */
@Injectable()
export class SimulateService implements OnApplicationShutdown {
  private readonly logger = new Logger('simulator');
  private redis: IORedis;
  private writer: DetectorStreamWriter;
  private plans: TimingPlanConsumer | null = null;
  private reports: SimulationReportPublisher | null = null;
  private eventLogs: SignalEventLogPublisher | null = null;
  private street: SimulatedStreet;
  private loaded: LoadedSimCity;
  private server: http.Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private latest: SimulationReport | null = null;
  private phase: 'starting' | 'backfill' | 'live' = 'starting';
  private liveStartMs = 0;
  private stopped = false;
  /** Local data time for the log lines. */
  private format: Intl.DateTimeFormat;

  constructor(@Inject(SIMULATOR_CONFIG) private readonly config: SimulatorConfig) {}

  async start(): Promise<void> {
    const c = this.config;
    this.loaded = loadSimCity(c.SIM_NETWORK, c.CITY_DIR, c.SIM_SEED);
    const { sim, definition } = this.loaded;
    this.format = new Intl.DateTimeFormat('en-AU', { timeZone: definition.timeZone, weekday: 'short', day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    this.logger.log(`simulate mode: network ${sim.name}, ${sim.crossings.length} crossings, ${sim.network.links.length} links; demand from ${this.loaded.source}`);
    if (c.SIM_CITY_OUT) this.logger.log(`city definition written to ${writeCityDefinition(path.resolve(c.SIM_CITY_OUT), definition)} (start fusion and workers with CITY_DIR=${c.SIM_CITY_OUT})`);

    this.liveStartMs = Date.parse(c.SIM_START);
    const originMs = this.liveStartMs - c.SIM_BACKFILL_DAYS * DAY_MS;
    const runId = `${sim.name}-${c.SIM_SEED}-${Date.now().toString(36)}`;
    this.street = new SimulatedStreet(sim, { seed: c.SIM_SEED, originMs, intervalMinutes: this.loaded.intervalMinutes, dailyDemand: this.loaded.dailyDemand, runId, eventLogs: c.SIM_EVENT_LOGS });

    const intervalsPerDay = (24 * 60) / this.loaded.intervalMinutes;
    const backfillIntervals = Math.round(c.SIM_BACKFILL_DAYS * intervalsPerDay);
    if (c.STREAM_MAXLEN < backfillIntervals + intervalsPerDay) {
      throw new Error(`STREAM_MAXLEN (${c.STREAM_MAXLEN}) must be at least the backfill (${backfillIntervals} intervals) plus a day (${intervalsPerDay})`);
    }
    this.redis = new IORedis({ ...redisConnectionOptions(c.REDIS_URL), maxRetriesPerRequest: null });
    this.redis.on('error', () => undefined);
    this.writer = new DetectorStreamWriter(this.redis, c.STREAM_PREFIX, c.STREAM_MAXLEN);
    if (c.REPLAY_RESET) await this.writer.reset(sim.crossings.map((x) => x.id));
    const linkKey = loadSimulatorLinkKey(c.SIMULATOR_KEY_FILE, c.WORKER_KEY_SEED);
    this.reports = new SimulationReportPublisher(c.REDIS_URL, c.QUEUE_PREFIX, linkKey);
    if (c.SIM_EVENT_LOGS) this.eventLogs = new SignalEventLogPublisher(c.REDIS_URL, c.QUEUE_PREFIX, linkKey);
    if (c.HEALTH_PORT > 0) this.server = startStatusServer(c.HEALTH_PORT, () => this.health(), () => this.metrics(), c.LISTEN_HOST);

    this.phase = 'backfill';
    // The event logs are for the live street: not recorded during the backfill (it runs 4-5 times slower with them).
    if (backfillIntervals > 0) this.street.recordEventLogs(false);
    const started = Date.now();
    let batch: DetectorReading[] = [];
    while (this.street.intervalsSimulated < backfillIntervals && !this.stopped) {
      // The last backfill interval warms the logs up, so the first live interval's log is whole.
      if (this.street.intervalsSimulated === backfillIntervals - 1) this.street.recordEventLogs(true);
      const interval = this.street.advance();
      batch.push(...interval.readings);
      this.latest = interval.report;
      if (this.street.intervalsSimulated % intervalsPerDay === 0 || this.street.intervalsSimulated === backfillIntervals) {
        await this.writer.write(batch);
        batch = [];
        await new Promise((resolve) => setImmediate(resolve)); // let health checks in
      }
    }
    this.logger.log(
      `simulated ${backfillIntervals} intervals of history in ${((Date.now() - started) / 1000).toFixed(1)} s; live from ${new Date(this.street.nextIntervalStartMs).toISOString()} at ${c.SIM_SPEED}x (one interval every ${this.stepSeconds().toFixed(2)} s)`,
    );
    // Plans apply to the live street; plans sent while the history was simulated wait in the queue.
    this.plans = new TimingPlanConsumer(c.REDIS_URL, c.QUEUE_PREFIX, (plan) => this.street.applyPlan(plan), linkKey);
    this.plans.start();
    this.phase = 'live';
    this.scheduleNext();
  }

  private stepSeconds(): number {
    return (this.loaded.intervalMinutes * 60) / this.config.SIM_SPEED;
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.simulateNext(), this.stepSeconds() * 1000);
  }

  private async simulateNext(): Promise<void> {
    const interval = this.street.advance();
    this.latest = interval.report;
    try {
      await this.writer.write(interval.readings);
      await this.reports!.publish(interval.report);
      // Each crossing's event log comes one interval late (empty with the first live interval).
      await this.eventLogs?.publish(interval.eventLogs);
    } catch (error) {
      // The street does not wait for Redis: this interval's readings are lost, like a cable fault.
      this.logger.warn(`Redis unreachable, interval ${new Date(interval.intervalStartMs).toISOString()} not delivered: ${(error as Error).message}`);
    }
    const live = this.street.intervalsSimulated;
    if (live % this.config.SIM_LOG_EVERY_INTERVALS === 0) {
      this.logger.log(`${citySummaryLine(interval.report, this.format.format(interval.intervalStartMs))}; plans applied ${this.plans?.applied ?? 0}, refused ${this.plans?.rejected ?? 0}`);
    }
    this.scheduleNext();
  }

  private health(): { ok: boolean; body: unknown } {
    const ok = this.redis?.status === 'ready';
    return {
      ok,
      body: {
        status: ok ? 'ok' : 'redis-unreachable',
        mode: 'simulate',
        network: this.loaded?.sim.name,
        phase: this.phase,
        intervalsSimulated: this.street?.intervalsSimulated ?? 0,
        nextIntervalStart: this.street ? new Date(this.street.nextIntervalStartMs).toISOString() : null,
      },
    };
  }

  private metrics(): unknown {
    return {
      mode: 'simulate',
      network: this.loaded?.sim.name,
      phase: this.phase,
      intervalsSimulated: this.street?.intervalsSimulated ?? 0,
      plansApplied: this.plans?.applied ?? 0,
      plansRefused: this.plans?.rejected ?? 0,
      latest: this.latest,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.server?.close();
    await this.plans?.close().catch(() => undefined);
    await this.reports?.close().catch(() => undefined);
    await this.eventLogs?.close().catch(() => undefined);
    this.redis?.disconnect();
  }
}
