import { Inject, Injectable, Logger } from '@nestjs/common';
import { ComparedPlanView, CrossingStatusView, ObservationView, PlanningEvaluationView, PlanningInputSource, RecommendationView, RunningPlanView } from '@crosscast/contracts';
import { PlanningResult, planForForecast, shouldRecommend } from '@crosscast/signal-timing';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { LiveGateway } from '../gateways/live.gateway';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { ForecastStoreRepository } from '../repositories/forecast-store.repository';
import { RecommendationsRepository } from '../repositories/recommendations.repository';
import { GuardRails, automaticOutcome } from './automatic-guard';
import { DecisionService } from './decision.service';
import { PlanningForecast, comparedPlan, groupAdvisedVerdict, planningInputFor, planningPeriodStartMs, planningWindowEndMs, plannerVerdict, toPhaseTimingViews } from './planning-inputs';
import { StatusService } from './status.service';
import { LeadershipService } from './leadership.service';

export type EvaluationResult =
  | { status: 'recommended'; recommendation: RecommendationView; evaluation: PlanningEvaluationView }
  | { status: 'not-needed'; evaluation: PlanningEvaluationView }
  /** This crossing and period were evaluated before (redelivery, or an earlier forecast of the period). */
  | { status: 'already-evaluated' }
  /** A newer forecast of the crossing is stored: plans come only from the newest. */
  | { status: 'older-forecast' }
  /** The planner refused the input (logged); retrying would not help, so nothing is stored. */
  | { status: 'planning-failed'; reason: string };

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
    const observedIntervals = Math.max(1, Math.round(this.config.PLANNING_HORIZON_MINUTES / intervalMinutes));
    return this.store.recentObservations(crossingId, observedIntervals);
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
    const settings = { periodMinutes: this.config.PLANNING_PERIOD_MINUTES, horizonMinutes: this.config.PLANNING_HORIZON_MINUTES };

    for (let attempt = 1; attempt <= MAX_PLANNING_ATTEMPTS; attempt++) {
      const context = await this.recommendations.planningContext(crossing.id, periodStart);
      if (context.evaluation) {
        await this.resumeAutomatic(context.evaluation);
        return { status: 'already-evaluated' };
      }
      if (context.newestBasedOn && context.newestBasedOn.getTime() > basedOnMs) return { status: 'older-forecast' };

      const observations = await this.observationsForBasePlan(crossing.id, context.runningPlan, message.intervalMinutes);
      let compared: ComparedPlanView;
      let result: PlanningResult;
      try {
        compared = comparedPlan(crossing, context.runningPlan, observations, message.intervalMinutes, this.city.basePlan(crossing.id));
        result = planForForecast(planningInputFor(crossing, message, compared, settings, this.city.city.timeZone));
      } catch (error) {
        // Pure and deterministic: the same input fails again, so do not fail (and retry) the job.
        const reason = (error as Error).message;
        this.logger.error(`crossing ${crossing.id}: no plan from forecast ${message.messageId}: ${reason}`);
        return { status: 'planning-failed', reason };
      }
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

      const stored = await this.recommendations.storeEvaluation(
        {
          crossingId: crossing.id,
          planningPeriodStart: periodStart,
          basedOnIntervalStart: new Date(basedOnMs),
          forecastMessageId: message.messageId,
          ...(groupAdvice === null ? plannerVerdict(result) : groupAdvisedVerdict(result, groupAdvice, context.automatic.enabled)),
          inputSource,
          evaluatedAt: this.clock.now(),
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
      // The supersede / expiry rule is the server's: tell dashboards what it changed.
      if (stored.expiredIds.length) this.live.emit('recommendation-status', { crossingId: crossing.id, recommendationIds: stored.expiredIds, status: 'expired', byRecommendationId: null });
      if (stored.supersededIds.length) this.live.emit('recommendation-status', { crossingId: crossing.id, recommendationIds: stored.supersededIds, status: 'superseded', byRecommendationId: stored.recommendation?.id ?? null });
      if (!stored.recommendation) return { status: 'not-needed', evaluation: stored.evaluation };

      this.live.emit('recommendation', stored.recommendation);
      if (automatic?.action === 'apply') await this.applyAutomatically(stored.recommendation);
      return { status: 'recommended', recommendation: (await this.recommendations.recommendationById(stored.recommendation.id)) ?? stored.recommendation, evaluation: stored.evaluation };
    }
    throw new Error(`crossing ${crossing.id}: the running plan kept changing while planning period ${periodStart.toISOString()}; the job is retried`);
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
    await this.recommendations.recordAutomaticOutcome(recommendation.id, { action: 'hold', note: `not applied automatically: ${why}`, plan: null, clipped: false });
  }

  private async crossingStatus(crossingId: string): Promise<Pick<CrossingStatusView, 'freshness' | 'workerStatus'>> {
    const { statuses } = await this.status.statuses();
    const status = statuses.find((s) => s.crossingId === crossingId);
    return { freshness: status?.freshness ?? 'unknown', workerStatus: status?.workerStatus ?? null };
  }
}
