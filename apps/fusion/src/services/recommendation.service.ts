import { Inject, Injectable, Logger } from '@nestjs/common';
import { ComparedPlanView, CrossingDefinition, CrossingStatusView, ObservationView, PlanningEvaluationView, PlanningInputSource, RecommendationView, RunningPlanView } from '@crosscast/contracts';
import { PlanningResult, planForForecast, shouldRecommend } from '@crosscast/signal-timing';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { LiveGateway } from '../gateways/live.gateway';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { ForecastStoreRepository } from '../repositories/forecast-store.repository';
import { EvaluationToStore, PlanningContext, RecommendationsRepository, StoreEvaluationOutcome } from '../repositories/recommendations.repository';
import { GuardRails, automaticOutcome } from './automatic-guard';
import { DecisionService } from './decision.service';
import { PlanningForecast, comparedPlan, groupAdvisedVerdict, planningInputFor, planningPeriodStartMs, planningWindowEndMs, plannerVerdict, toPhaseTimingViews } from './planning-inputs';
import { StatusService } from './status.service';
import { EventLoopYield, SyncRunner, runNow } from './cost-bound';
import { LeadershipService } from './leadership.service';

/** One crossing to plan (PlanningService): its forecast, what the values came from, and the group advice that covers it (null: none). */
export interface PlanningRequest {
  forecast: PlanningForecast;
  source: PlanningInputSource;
  groupAdvice: string | null;
}

export type EvaluationResult =
  | { status: 'recommended'; recommendation: RecommendationView; evaluation: PlanningEvaluationView }
  | { status: 'not-needed'; evaluation: PlanningEvaluationView }
  /** This crossing and period were evaluated before (redelivery, or an earlier forecast of the period). */
  | { status: 'already-evaluated' }
  /** A newer forecast of the crossing is stored: plans come only from the newest. */
  | { status: 'older-forecast' }
  /** The planner refused the input (logged); retrying would not help, so nothing is stored. */
  | { status: 'planning-failed'; reason: string };

/** Planning a batch lets the event loop go at least this often (ms). */
const PLAN_SLICE_MS = 10;

/** How often a period's evaluation is retried when an operator's decision changes the running plan meanwhile. */
const MAX_PLANNING_ATTEMPTS = 3;

/**
 * The per-crossing evaluation. For each crossing and planning period, the first stored
 * forecast that is the crossing's newest is planned from: approach means and 80 % upper
 * bounds over the planning horizon against the running plan (planner and hysteresis in
 * libs/signal-timing). Every evaluation is stored (the explanation trail, the congestion
 * verdict). A crossing the group advice covers (`groupAdvice`: with SIGNAL_ADVICE=actuated,
 * every crossing; CorridorPlanningService.groupAdviceFor) gets no fixed-time recommendation:
 * its one advice is its group's, and the evaluation says so. Elsewhere (SIGNAL_ADVICE=
 * fixed-time, or a crossing whose group the advice refused) a fixed-time recommendation
 * when the gain passes the hysteresis, then streamed, then handed to automatic mode when
 * the crossing has it on and the guard rails allow.
 */
@Injectable()
export class RecommendationService {
  private readonly logger = new Logger(RecommendationService.name);

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly city: CityRepository,
    private readonly store: ForecastStoreRepository,
    private readonly recommendations: RecommendationsRepository,
    private readonly status: StatusService,
    private readonly decisions: DecisionService,
    private readonly live: LiveGateway,
    private readonly clock: ClockRepository,
    private readonly leadership: LeadershipService,
  ) {}

  get guardRails(): GuardRails {
    return {
      minCycleSeconds: this.config.AUTOMATIC_MIN_CYCLE_SECONDS,
      maxCycleSeconds: this.config.AUTOMATIC_MAX_CYCLE_SECONDS,
      maxCycleChangeShare: this.config.AUTOMATIC_MAX_CYCLE_CHANGE_SHARE,
      maxGreenChangeShare: this.config.AUTOMATIC_MAX_GREEN_CHANGE_SHARE,
      minMinutesBetweenChanges: this.config.AUTOMATIC_MIN_MINUTES_BETWEEN_CHANGES,
    };
  }

  get settings() {
    return { PLANNING_PERIOD_MINUTES: this.config.PLANNING_PERIOD_MINUTES, PLANNING_HORIZON_MINUTES: this.config.PLANNING_HORIZON_MINUTES };
  }

  get hysteresis() {
    return { minGainSeconds: this.config.MIN_GAIN_SECONDS, minGainShare: this.config.MIN_GAIN_SHARE };
  }

  /**
   * What the base plan is made from when no plan was accepted at the crossing (Webster on the
   * flows observed over the last planning horizon): nothing when a plan is running.
   */
  async observationsForBasePlan(crossingId: string, runningPlan: RunningPlanView | null, intervalMinutes: number): Promise<ObservationView[]> {
    if (runningPlan) return [];
    return this.store.recentObservations(crossingId, this.baseObservationIntervals(intervalMinutes));
  }

  /** `observationsForBasePlan` of many crossings with no running plan, in one query, keyed by crossing id. */
  observationsForBasePlans(crossingIds: readonly string[], intervalMinutes: number): Promise<Map<string, ObservationView[]>> {
    return this.store.recentObservationsOf(crossingIds, this.baseObservationIntervals(intervalMinutes));
  }

  /** Observed intervals a base plan is made from: the last planning horizon's. */
  private baseObservationIntervals(intervalMinutes: number): number {
    return Math.max(1, Math.round(this.config.PLANNING_HORIZON_MINUTES / intervalMinutes));
  }

  /**
   * Plans from a crossing's stored forecast (`message`: with the city fusion's values put
   * in when `inputSource` says so; PlanningService); idempotent per crossing and period.
   * `groupAdvice`: what advises the crossing instead of a fixed-time plan (its corridor, or
   * free operation), null when nothing does (then the fixed-time planner recommends).
   */
  async evaluateForecast(message: PlanningForecast, inputSource: PlanningInputSource = 'worker-forecast', groupAdvice: string | null = null): Promise<EvaluationResult> {
    const crossing = this.city.get(message.crossingId);
    if (!crossing) throw new Error(`unknown crossing ${message.crossingId}`);
    const basedOnMs = Date.parse(message.basedOnIntervalStart);
    const periodStart = new Date(planningPeriodStartMs(basedOnMs, this.config.PLANNING_PERIOD_MINUTES));

    for (let attempt = 1; attempt <= MAX_PLANNING_ATTEMPTS; attempt++) {
      const context = await this.recommendations.planningContext(crossing.id, periodStart);
      if (context.evaluation) {
        await this.resumeAutomatic(context.evaluation);
        return { status: 'already-evaluated' };
      }
      if (context.newestBasedOn && context.newestBasedOn.getTime() > basedOnMs) return { status: 'older-forecast' };

      const observations = await this.observationsForBasePlan(crossing.id, context.runningPlan, message.intervalMinutes);
      const planned = this.plan(crossing, message, context, observations);
      if ('status' in planned) return planned;
      const { compared, result } = planned;
      // One advice per crossing: where the group advice covers it, no fixed-time plan as well.
      const recommend = groupAdvice === null && shouldRecommend(result, this.hysteresis);

      const phases = toPhaseTimingViews(result.plan);
      const automatic =
        recommend && context.automatic.enabled
          ? automaticOutcome(
              {
                ...(await this.crossingStatus(crossing.id)),
                qualityFlags: message.quality.flags,
                hasRunningPlan: context.runningPlan !== null,
                plansEnabled: context.automatic.plansEnabled,
                periodStartMs: periodStart.getTime(),
                lastAppliedPeriodStartMs: context.lastAutomaticPeriodStart?.getTime() ?? null,
              },
              compared,
              result.plan,
              { cycleSeconds: result.plan.cycleSeconds, phases: phases.map((p) => ({ name: p.name, approaches: p.approaches, greenSeconds: p.greenSeconds })) },
              this.guardRails,
            )
          : null;

      const evaluation = this.evaluationToStore(message, periodStart, inputSource, groupAdvice, context, result);
      const stored = await this.recommendations.storeEvaluation(
        {
          ...evaluation,
          recommendation: recommend
            ? {
                validUntil: new Date(planningWindowEndMs(message, this.config.PLANNING_HORIZON_MINUTES)),
                method: result.plan.method,
                cycleSeconds: result.plan.cycleSeconds,
                lostTimeSeconds: result.plan.lostTimeSeconds,
                flowRatioSum: result.plan.flowRatioSum,
                oversaturated: result.plan.oversaturated,
                phases,
                comparedWith: compared,
                automatic,
              }
            : null,
        },
        context.runningPlan?.decisionId ?? null,
        (manager) => this.leadership.assertLeading(manager),
      );
      if (stored.status === 'running-plan-changed') continue;
      if (stored.status === 'already-evaluated') return { status: 'already-evaluated' };
      this.announceExpiry(crossing.id, stored);
      if (!stored.recommendation) return { status: 'not-needed', evaluation: stored.evaluation };

      this.live.emit('recommendation', stored.recommendation);
      if (automatic?.action === 'apply') await this.applyAutomatically(stored.recommendation);
      return { status: 'recommended', recommendation: (await this.recommendations.recommendationById(stored.recommendation.id)) ?? stored.recommendation, evaluation: stored.evaluation };
    }
    throw new Error(`crossing ${crossing.id}: the running plan kept changing while planning period ${periodStart.toISOString()}; the job is retried`);
  }

  /**
   * `evaluateForecast` for many crossings at once (one planning round; each crossing at
   * most once), with the same outcomes: the database is read for all of them in one go
   * (planningContexts, recentObservationsOf) and the evaluations that recommend nothing —
   * under the group advice, all of them — are stored in one transaction. A crossing that
   * needs more (a recommendation to store, a redelivered period to resume, a running plan
   * changed meanwhile) goes through `evaluateForecast` on its own. One settled result per
   * request, in order: a request fails on its own (unknown crossing, a database error in
   * its own path) or all fail together (a shared read or write failed).
   */
  async evaluateForecasts(requests: ReadonlyArray<PlanningRequest>, runMaths: SyncRunner = runNow): Promise<Array<PromiseSettledResult<EvaluationResult>>> {
    const results: Array<PromiseSettledResult<EvaluationResult> | null> = requests.map(() => null);
    const alone: number[] = [];
    const prepared: Array<{ k: number; crossing: CrossingDefinition; periodStart: Date }> = [];
    for (const [k, { forecast }] of requests.entries()) {
      const crossing = this.city.get(forecast.crossingId);
      if (!crossing) results[k] = { status: 'rejected', reason: new Error(`unknown crossing ${forecast.crossingId}`) };
      else prepared.push({ k, crossing, periodStart: new Date(planningPeriodStartMs(Date.parse(forecast.basedOnIntervalStart), this.config.PLANNING_PERIOD_MINUTES)) });
    }
    const contexts = await this.recommendations.planningContexts(prepared.map((p) => ({ crossingId: p.crossing.id, periodStart: p.periodStart })));
    const withoutPlan = prepared.filter((p) => !contexts.get(p.crossing.id)!.runningPlan);
    const observations = await this.observationsForBasePlans(withoutPlan.map((p) => p.crossing.id), this.city.city.intervalMinutes);

    const toStore: Array<{ k: number; evaluation: EvaluationToStore; expectedRunningDecisionId: string | null }> = [];
    const yieldToEventLoop = new EventLoopYield(PLAN_SLICE_MS);
    for (const { k, crossing, periodStart } of prepared) {
      const { forecast, source, groupAdvice } = requests[k];
      const context = contexts.get(crossing.id)!;
      if (context.evaluation || forecast.intervalMinutes !== this.city.city.intervalMinutes) {
        alone.push(k);
        continue;
      }
      if (context.newestBasedOn && context.newestBasedOn.getTime() > Date.parse(forecast.basedOnIntervalStart)) {
        results[k] = { status: 'fulfilled', value: { status: 'older-forecast' } };
        continue;
      }
      // One crossing at a time (`runMaths` may time it), and the event loop is let go every
      // few milliseconds: a batch planned in one go held it for a quarter of a second.
      await yieldToEventLoop.ifDue();
      const planned = runMaths(() => this.plan(crossing, forecast, context, context.runningPlan ? [] : (observations.get(crossing.id) ?? [])));
      if ('status' in planned) {
        results[k] = { status: 'fulfilled', value: planned };
        continue;
      }
      if (groupAdvice === null && shouldRecommend(planned.result, this.hysteresis)) {
        alone.push(k);
        continue;
      }
      toStore.push({ k, evaluation: this.evaluationToStore(forecast, periodStart, source, groupAdvice, context, planned.result), expectedRunningDecisionId: context.runningPlan?.decisionId ?? null });
    }

    const outcomes = await this.recommendations.storeEvaluationsWithoutRecommendation(toStore, (manager) => this.leadership.assertLeading(manager));
    for (const [n, { k, evaluation }] of toStore.entries()) {
      const stored = outcomes[n];
      if (stored.status === 'running-plan-changed') alone.push(k);
      else if (stored.status === 'already-evaluated') results[k] = { status: 'fulfilled', value: { status: 'already-evaluated' } };
      else {
        this.announceExpiry(evaluation.crossingId, stored);
        results[k] = { status: 'fulfilled', value: { status: 'not-needed', evaluation: stored.evaluation } };
      }
    }
    for (const k of alone) {
      const { forecast, source, groupAdvice } = requests[k];
      try {
        results[k] = { status: 'fulfilled', value: await this.evaluateForecast(forecast, source, groupAdvice) };
      } catch (error) {
        results[k] = { status: 'rejected', reason: error };
      }
    }
    return results as Array<PromiseSettledResult<EvaluationResult>>;
  }

  /** The planner's verdict for one crossing from its forecast and context; planning-failed when it refuses the input. */
  private plan(
    crossing: CrossingDefinition,
    message: PlanningForecast,
    context: PlanningContext,
    observations: ObservationView[],
  ): { compared: ComparedPlanView; result: PlanningResult } | { status: 'planning-failed'; reason: string } {
    const settings = { periodMinutes: this.config.PLANNING_PERIOD_MINUTES, horizonMinutes: this.config.PLANNING_HORIZON_MINUTES };
    try {
      const compared = comparedPlan(crossing, context.runningPlan, observations, message.intervalMinutes, this.city.basePlan(crossing.id));
      return { compared, result: planForForecast(planningInputFor(crossing, message, compared, settings, this.city.city.timeZone)) };
    } catch (error) {
      // Pure and deterministic: the same input fails again, so do not fail (and retry) the job.
      const reason = (error as Error).message;
      this.logger.error(`crossing ${crossing.id}: no plan from forecast ${message.messageId}: ${reason}`);
      return { status: 'planning-failed', reason };
    }
  }

  /** What an evaluation stores, recommendation aside: the planner's verdict, or the group advice that covers the crossing. */
  private evaluationToStore(
    message: PlanningForecast,
    periodStart: Date,
    inputSource: PlanningInputSource,
    groupAdvice: string | null,
    context: PlanningContext,
    result: PlanningResult,
  ): EvaluationToStore {
    return {
      crossingId: message.crossingId,
      planningPeriodStart: periodStart,
      basedOnIntervalStart: new Date(Date.parse(message.basedOnIntervalStart)),
      forecastMessageId: message.messageId,
      ...(groupAdvice === null ? plannerVerdict(result) : groupAdvisedVerdict(result, groupAdvice, context.automatic.enabled)),
      inputSource,
      evaluatedAt: this.clock.now(),
      recommendation: null,
    };
  }

  /** The supersede / expiry rule is the server's: tell dashboards what a stored evaluation changed. */
  private announceExpiry(crossingId: string, stored: Extract<StoreEvaluationOutcome, { status: 'stored' }>): void {
    if (stored.expiredIds.length) this.live.emit('recommendation-status', { crossingId, recommendationIds: stored.expiredIds, status: 'expired', byRecommendationId: null });
    if (stored.supersededIds.length) this.live.emit('recommendation-status', { crossingId, recommendationIds: stored.supersededIds, status: 'superseded', byRecommendationId: stored.recommendation?.id ?? null });
  }

  /**
   * A redelivered forecast whose period was evaluated: if automatic mode had decided to
   * apply the recommendation but the process stopped before it did, finish the job (the
   * decision itself is once-only).
   */
  private async resumeAutomatic(evaluation: PlanningEvaluationView): Promise<void> {
    if (!evaluation.recommendationId) return;
    const recommendation = await this.recommendations.recommendationById(evaluation.recommendationId);
    if (recommendation?.status === 'pending' && recommendation.automatic?.action === 'apply') await this.applyAutomatically(recommendation);
  }

  /**
   * Finishes every automatic application that was decided but not carried out (the process
   * stopped in between): run by a new leader before it plans anything.
   */
  async resumeAutomaticApplies(): Promise<number> {
    const pending = await this.recommendations.pendingAutomaticApplies();
    for (const recommendation of pending) await this.applyAutomatically(recommendation);
    return pending.length;
  }

  private async applyAutomatically(recommendation: RecommendationView): Promise<void> {
    const automatic = recommendation.automatic!;
    const outcome = await this.decisions.applyAutomatically(recommendation.id, automatic.plan!, automatic.note);
    if (outcome.status === 'decided') {
      this.logger.log(`crossing ${recommendation.crossingId}: recommendation ${recommendation.id} ${automatic.note}`);
      return;
    }
    // Refused at the last moment (an admin disabled plans, an operator decided first…): say so on the recommendation.
    const why = outcome.status === 'plans-disabled' ? 'an admin disabled plans for this crossing' : outcome.status === 'not-pending' ? `it is ${outcome.recommendationStatus}` : outcome.status;
    await this.recommendations.recordAutomaticOutcome(recommendation.id, { action: 'hold', note: `not applied automatically: ${why}`, plan: null, clipped: false }, (manager) => this.leadership.assertLeading(manager));
  }

  private async crossingStatus(crossingId: string): Promise<Pick<CrossingStatusView, 'freshness' | 'workerStatus'>> {
    const { statuses } = await this.status.statuses();
    const status = statuses.find((s) => s.crossingId === crossingId);
    return { freshness: status?.freshness ?? 'unknown', workerStatus: status?.workerStatus ?? null };
  }
}
