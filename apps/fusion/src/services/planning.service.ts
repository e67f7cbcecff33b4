import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { ForecastStoreRepository } from '../repositories/forecast-store.repository';
import { RecommendationsRepository } from '../repositories/recommendations.repository';
import { CityForecastService } from './city-forecast.service';
import { CityFusionService } from './city-fusion.service';
import { CorridorPlanningService, PlannedInput } from './corridor-planning.service';
import { CostBound, SyncRunner, YieldWhileBusy } from './cost-bound';
import { IngestEvents } from './ingest-events';
import { LeadershipService } from './leadership.service';
import { PlanningForecast, planningChoice, planningForecastFromStored } from './planning-inputs';
import { RecommendationService } from './recommendation.service';

/** How often the leader looks for forecasts to plan from (and retries failed ones when due). */
const PLAN_EVERY_MS = 250;
/** The leader checks PostgreSQL for unplanned crossings this often too (and at once when it takes over). */
const SWEEP_EVERY_MS = 5 * 60_000;
/** A failed evaluation is retried after 1, 2, 4 … s, at most this long. */
const MAX_RETRY_DELAY_MS = 60_000;
/**
 * Planning's synchronous maths (the planner per crossing, about 1 ms each, and the corridor
 * advice per group) takes at most this share of wall time. In real time that is no limit
 * (4,096 crossings take a few seconds of a 15-minute period); under a flood or at the demo's
 * pace it keeps planning from taking the event loop from ingestion and live updates (at
 * 1,024 crossings at the demo's pace, planning every crossing every period, with its
 * garbage, doubled fusion's CPU per stored forecast and multiplied the enqueue → dashboard
 * latency). Planning then falls behind by planning only each crossing's newest forecast, as
 * under any backlog (`/health` planning.waiting).
 */
const PLANNING_MAX_SHARE = 0.1;
/**
 * Planning does not start (and a running round stops between batches) while this instance
 * has forecasts on their way to PostgreSQL and the dashboards (IngestEvents.forecastsInHand),
 * for at most this long in a row; then one round runs whatever arrives. At the demo's pace
 * (1,024 crossings, a burst every 2 s) planning took about 0.3–0.4 s of fusion's CPU per
 * burst, mostly while the burst was being stored; now it runs in the gaps between bursts.
 */
export const PLANNING_MAX_DEFER_MS = 2_000;
/** Crossings evaluated together (one batch of reads and one transaction of evaluations). */
const PLANNING_BATCH = 256;
/** A forecast waits at most this long past FUSION_STEP_SETTLE_MS for the city step that holds it. */
const STEP_WAIT_MARGIN_MS = 2_000;

interface Waiting {
  forecast: PlanningForecast;
  notedAtMs: number;
  attempts: number;
  notBeforeMs: number;
}

/**
 * Signal-timing planning, off the ingestion path and driven by data time: stored → fused →
 * planned → published. Ingestion stores forecasts and its jobs finish; every forecast fed
 * to the city fusion (here or, through the fusion feed, on another instance) is noted here
 * as its crossing's newest; the leader plans each noted crossing once the city step that
 * holds the forecast has run, from the step's fused values for that crossing (or its
 * estimate when the worker's forecast was flagged degraded; the worker's forecast as sent
 * when it came after the step: `planningChoice`), and records which (`inputSource`).
 *
 * Only a crossing's newest forecast is planned from (RecommendationService plans once per
 * crossing and planning period), so under a backlog planning falls behind by skipping
 * older forecasts, never by holding ingestion up. Nothing is lost when a process stops: a
 * new leader (or a restarted one) first finishes automatic applications that were decided
 * but not carried out, then plans every crossing whose newest stored forecast's period has
 * no evaluation (the sweep), and sweeps again every few minutes.
 */
@Injectable()
export class PlanningService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PlanningService.name);
  private readonly waiting = new Map<string, Waiting>();
  private sweepDue = true;
  private lastSweepMs = 0;
  private round: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Evaluations done since start (planning progress, for /health and benchmarks). */
  private evaluated = 0;
  /** Per crossing, what it was last planned from: the corridors are planned from these. */
  private readonly latest = new Map<string, PlannedInput>();
  /** Planning's share of the event loop (PLANNING_MAX_SHARE). */
  private readonly bound = new CostBound(PLANNING_MAX_SHARE);
  private readonly runMaths: SyncRunner = (work) => this.bound.run(Date.now(), work);
  /** Planning waits for this instance's ingestion to finish a burst, PLANNING_MAX_DEFER_MS at most. */
  private readonly ingestionFirst = new YieldWhileBusy(PLANNING_MAX_DEFER_MS);

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly fusion: CityFusionService,
    private readonly cityForecast: CityForecastService,
    private readonly recommendations: RecommendationService,
    private readonly stored: RecommendationsRepository,
    private readonly forecasts: ForecastStoreRepository,
    private readonly leadership: LeadershipService,
    private readonly corridors: CorridorPlanningService,
    private readonly ingest: IngestEvents,
  ) {}

  onModuleInit(): void {
    this.fusion.onFed((message) => this.note(message));
    this.leadership.onChange((state) => {
      if (state.role !== 'leader') return;
      this.sweepDue = true;
      void this.kick();
    });
    this.timer = setInterval(() => void this.kick(), PLAN_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** A crossing's forecast was stored: plan from it unless a newer one of the crossing is noted. */
  note(forecast: PlanningForecast): void {
    const held = this.waiting.get(forecast.crossingId);
    if (held && Date.parse(held.forecast.basedOnIntervalStart) >= Date.parse(forecast.basedOnIntervalStart)) return;
    this.waiting.set(forecast.crossingId, { forecast, notedAtMs: Date.now(), attempts: 0, notBeforeMs: 0 });
  }

  /** Crossings noted and not planned yet, and evaluations done since start. */
  progress(): { waiting: number; evaluated: number } {
    return { waiting: this.waiting.size, evaluated: this.evaluated };
  }

  /**
   * Resolves once nothing noted is left to plan (for in-process callers and tests that
   * store a forecast and then read its recommendation); throws after `timeoutMs`.
   */
  async whenIdle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.kick();
      if (this.waiting.size === 0 && !this.sweepDue) return;
      if (Date.now() > deadline) throw new Error(`planning not idle after ${timeoutMs} ms: ${this.waiting.size} crossings waiting (leader: ${this.leadership.isLeader()})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Runs one planning round unless one is running (then waits for it). */
  private kick(): Promise<void> {
    this.round ??= this.planRound()
      .catch((error) => this.logger.warn(`planning round failed: ${(error as Error).message}`))
      .finally(() => (this.round = null));
    return this.round;
  }

  private async planRound(): Promise<void> {
    if (!this.leadership.isLeader()) return;
    if (this.sweepDue || Date.now() - this.lastSweepMs >= SWEEP_EVERY_MS) await this.sweep();
    if (this.waiting.size === 0 || !this.bound.allows(Date.now())) return;
    const turn = this.ingestionFirst.turn(this.ingest.forecastsInHand > 0, Date.now());
    if (turn === 'wait') return;
    // A round that has waited long enough runs to the end (or its share) whatever arrives.
    const forced = turn === 'forced';
    // The city steps when the picture is rebuilt (once a second, and for readers after new
    // forecasts) and the interval has settled; planning only reads the last step.
    await this.cityForecast.cachedPicture();
    const step = this.fusion.lastStep();
    const now = Date.now();
    const maxWaitMs = this.config.FUSION_STEP_SETTLE_MS + STEP_WAIT_MARGIN_MS;
    const due: Array<{ entry: Waiting; forecast: PlanningForecast; source: 'fused' | 'estimate' | 'worker-forecast' }> = [];
    for (const entry of this.waiting.values()) {
      if (entry.notBeforeMs > now) continue;
      const choice = planningChoice(entry.forecast, step, now - entry.notedAtMs, maxWaitMs);
      if (choice.action === 'plan') due.push({ entry, forecast: choice.forecast, source: choice.source });
    }
    // In batches (RecommendationService.evaluateForecasts: a batch reads and writes the
    // database a few times whatever its size, where one crossing at a time took about
    // fifteen round trips each); PLANNING_CONCURRENCY batches at once.
    const batches: Array<typeof due> = [];
    for (let from = 0; from < due.length; from += PLANNING_BATCH) batches.push(due.slice(from, from + PLANNING_BATCH));
    let next = 0;
    const lane = async () => {
      // Over its share, or when a burst of forecasts arrives, the rest waits for a later round.
      while (next < batches.length && this.leadership.isLeader() && this.bound.allows(Date.now()) && (forced || this.ingest.forecastsInHand === 0)) await this.evaluate(batches[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(this.config.PLANNING_CONCURRENCY, batches.length) }, lane));
    // Corridors whose crossings were all planned in the step's planning period.
    if (due.length > 0 && step && this.leadership.isLeader()) await this.corridors.planDue(this.latest, step.nowIntervalMs, this.runMaths);
  }

  private async evaluate(batch: ReadonlyArray<{ entry: Waiting; forecast: PlanningForecast; source: 'fused' | 'estimate' | 'worker-forecast' }>): Promise<void> {
    let settled: Array<PromiseSettledResult<unknown>>;
    try {
      settled = await this.recommendations.evaluateForecasts(
        batch.map(({ forecast, source }) => ({ forecast, source, groupAdvice: this.corridors.groupAdviceFor(forecast.crossingId) })),
        this.runMaths,
      );
    } catch (error) {
      // A read or write the whole batch shared failed: every crossing of it is tried again (one line in the log).
      this.logger.warn(`planning ${batch.length} crossings failed (each tried again after its back-off): ${(error as Error).message}`);
      settled = batch.map(() => ({ status: 'rejected', reason: null }));
    }
    for (const [k, { entry, forecast, source }] of batch.entries()) {
      const outcome = settled[k];
      const crossingId = entry.forecast.crossingId;
      if (outcome.status === 'fulfilled') {
        this.evaluated++;
        const held = this.latest.get(crossingId);
        if (!held || Date.parse(held.forecast.basedOnIntervalStart) <= Date.parse(forecast.basedOnIntervalStart)) this.latest.set(crossingId, { forecast, source });
        // A newer forecast noted meanwhile stays for the next round.
        if (this.waiting.get(crossingId) === entry) this.waiting.delete(crossingId);
      } else {
        entry.attempts++;
        const delayMs = Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** (entry.attempts - 1));
        entry.notBeforeMs = Date.now() + delayMs;
        if (outcome.reason !== null) this.logger.warn(`crossing ${crossingId}: planning from ${entry.forecast.messageId} failed (attempt ${entry.attempts}, again in ${delayMs / 1000} s): ${(outcome.reason as Error)?.message ?? outcome.reason}`);
      }
    }
  }

  /**
   * What a stopped process may have left: automatic applications decided but not carried
   * out, and crossings whose newest stored forecast was never planned from.
   */
  private async sweep(): Promise<void> {
    this.sweepDue = false;
    this.lastSweepMs = Date.now();
    try {
      const resumed = (await this.recommendations.resumeAutomaticApplies()) + (await this.corridors.resumeAutomaticApplies());
      const unplanned = await this.stored.unplannedCrossings(this.config.PLANNING_PERIOD_MINUTES);
      let noted = 0;
      for (const { crossingId, basedOnIntervalStart } of unplanned) {
        const held = this.waiting.get(crossingId);
        if (held && Date.parse(held.forecast.basedOnIntervalStart) >= basedOnIntervalStart.getTime()) continue;
        const found = await this.forecasts.forecastWithObserved(crossingId, basedOnIntervalStart);
        if (!found) continue;
        this.note(planningForecastFromStored(found.forecast, found.observedApproaches));
        noted++;
      }
      if (resumed || noted) this.logger.log(`planning sweep: ${resumed} automatic applications finished, ${noted} crossings with an unplanned newest forecast`);
    } catch (error) {
      this.sweepDue = true;
      this.logger.warn(`planning sweep failed (retried): ${(error as Error).message}`);
    }
  }
}
