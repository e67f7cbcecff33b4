import { ConflictException, Injectable, Logger, NotFoundException, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CorridorAutomaticOutcomeView, CorridorDecisionView, CorridorRecommendationStatus, CorridorRecommendationView, DecisionKind, PlanSummaryView, TimingPlanMessage, TimingPlanMessageSchema, parseMessage } from '@crosscast/contracts';
import type { AuthenticatedUser } from '../auth/roles';
import { LiveGateway } from '../gateways/live.gateway';
import { ClockRepository } from '../repositories/clock.repository';
import { CorridorDecideOutcome, CorridorRecommendationsRepository } from '../repositories/corridor-recommendations.repository';
import { AUTOMATIC_DECIDER } from '../repositories/decisions.repository';
import { Fence } from '../repositories/leadership.repository';
import { TimingPlanPublisher } from '../repositories/timing-plan-publisher.repository';
import { LeadershipService } from './leadership.service';
import { RepublishLoop } from './republish-loop';

/** How often accepted corridor plans that did not all reach the queue are sent again. */
const REPUBLISH_EVERY_MS = 10_000;

/**
 * The operator's decision on a corridor (group) recommendation: one decision for every
 * crossing of it (one audit row naming them all), then, when accepted, one signed
 * TimingPlanMessage per crossing: with its coordination settings, taking effect at the
 * next boundary of the common cycle, or, for a crossing advised to run free, its actuated
 * settings from its next boundary. Committed before publishing: if Redis is down the
 * plans are sent later (publishedAt stays null until every one was queued).
 */
@Injectable()
export class CorridorDecisionService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CorridorDecisionService.name);
  private readonly republisher: RepublishLoop<CorridorDecisionView>;

  constructor(
    private readonly corridors: CorridorRecommendationsRepository,
    private readonly publisher: TimingPlanPublisher,
    private readonly live: LiveGateway,
    private readonly clock: ClockRepository,
    private readonly leadership: LeadershipService,
  ) {
    this.republisher = new RepublishLoop('corridor plans', REPUBLISH_EVERY_MS, () => this.corridors.unpublished(20), async (view) => (await this.publish(view)).publishedAt !== null, this.logger);
  }

  onModuleInit(): void {
    this.republisher.start();
  }

  onModuleDestroy(): void {
    this.republisher.stop();
  }

  list(status: CorridorRecommendationStatus | undefined, crossingId: string | undefined, limit: number): Promise<CorridorRecommendationView[]> {
    return this.corridors.list({ status, crossingId }, limit);
  }

  async byId(id: string): Promise<CorridorRecommendationView> {
    const found = await this.corridors.byId(id);
    if (!found) throw new NotFoundException(`corridor recommendation ${id} does not exist`);
    return found;
  }

  audit(limit: number): Promise<CorridorDecisionView[]> {
    return this.corridors.decisions(limit);
  }

  async decide(id: string, decision: DecisionKind, reason: string | undefined, user: AuthenticatedUser): Promise<CorridorDecisionView> {
    const outcome = await this.corridors.decide(id, decision, reason?.trim() || null, { userId: user.id, username: user.username, role: user.role }, this.clock.now());
    switch (outcome.status) {
      case 'unknown-recommendation':
        throw new NotFoundException(`corridor recommendation ${id} does not exist`);
      case 'already-decided':
        throw new ConflictException({
          statusCode: 409,
          error: 'Conflict',
          message: `corridor recommendation ${id} was already ${outcome.decision.decision} by ${outcome.decision.decidedBy} at ${outcome.decision.decidedAt}`,
          decision: outcome.decision,
        });
      case 'plans-disabled':
        throw new ConflictException(`crossing ${outcome.crossingId} of the corridor does not take plans: an admin disabled them (PATCH /api/admin/crossings/${outcome.crossingId})`);
      case 'not-pending':
        throw new ConflictException(`corridor recommendation ${id} is ${outcome.recommendationStatus}: only a pending one can be decided`);
    }
    let view = outcome.decision;
    if (view.decision === 'accepted') view = await this.publish(view);
    this.live.emit('corridor-decided', view);
    return view;
  }

  /**
   * Automatic mode accepts a corridor plan through the operator's path: one audit row naming
   * every crossing (decided by `automatic`, the verdict's note as its reason), the running
   * plans, one signed plan per crossing and the live event; the recommendation's status is
   * then `applied-automatically`. Refused at the last moment (an admin disabled plans, an
   * operator decided first, a newer plan superseded it): the verdict becomes a hold saying why.
   * Automatic mode is the leader's: both writes check the leader's epoch in their transaction,
   * so a deposed leader's application throws FencedError and changes and publishes nothing
   * (the recommendation stays pending for the leader's sweep to apply).
   */
  async applyAutomatically(id: string, outcome: CorridorAutomaticOutcomeView): Promise<CorridorDecideOutcome> {
    const fence: Fence = (manager) => this.leadership.assertLeading(manager);
    const result = await this.corridors.decide(id, 'accepted', outcome.note, AUTOMATIC_DECIDER, this.clock.now(), fence);
    if (result.status !== 'decided') {
      const why = result.status === 'plans-disabled' ? `an admin disabled plans at ${result.crossingId}` : result.status === 'not-pending' ? `it is ${result.recommendationStatus}` : result.status === 'already-decided' ? `it was already ${result.decision.decision} by ${result.decision.decidedBy}` : result.status;
      await this.corridors.recordAutomaticOutcome(id, { action: 'hold', note: `not applied automatically: ${why}` }, fence);
      return result;
    }
    const view = await this.publish(result.decision);
    this.live.emit('corridor-decided', view);
    this.logger.log(`corridor recommendation ${id} (${view.crossingIds.join(', ')}): ${outcome.note}`);
    return { ...result, decision: view };
  }

  /** Finishes every automatic application that was decided but not carried out (the process stopped in between). */
  async resumeAutomaticApplies(): Promise<number> {
    const pending = await this.corridors.pendingAutomaticApplies();
    for (const rec of pending) await this.applyAutomatically(rec.id, rec.automatic!);
    return pending.length;
  }

  /** Every crossing's plan onto the timing-plan queue (job ids from plan ids: sending twice queues once). */
  private async publish(view: CorridorDecisionView): Promise<CorridorDecisionView> {
    const plans = await this.corridors.decisionPlans(view.id);
    try {
      for (const [crossingId, plan] of Object.entries(plans)) {
        const parsed = parseMessage(TimingPlanMessageSchema, toCorridorTimingPlanMessage(crossingId, plan, view));
        if (!parsed.ok) {
          this.logger.error(`corridor decision ${view.id}: the plan for ${crossingId} does not fit TimingPlanMessage: ${parsed.reason}`);
          return view;
        }
        await this.publisher.publish(parsed.value);
      }
      const at = this.clock.now();
      await this.corridors.markPublished(view.id, at);
      return { ...view, publishedAt: at.toISOString() };
    } catch (error) {
      this.logger.warn(`corridor decision ${view.id}: plans not all published yet (retried every ${REPUBLISH_EVERY_MS / 1000} s): ${(error as Error).message}`);
      return view;
    }
  }
}

export function toCorridorTimingPlanMessage(crossingId: string, plan: PlanSummaryView, decision: Pick<CorridorDecisionView, 'decidedBy' | 'decidedAt' | 'corridorRecommendationId'>): TimingPlanMessage {
  const common = {
    v: 1 as const,
    crossingId,
    planId: plan.planId ?? `cor-${decision.corridorRecommendationId}-${crossingId}`,
    recommendationId: decision.corridorRecommendationId,
    cycleSeconds: plan.cycleSeconds,
    phases: plan.phases.map((p) => ({ name: p.name, approaches: p.approaches, greenSeconds: p.greenSeconds })),
    acceptedBy: decision.decidedBy,
    acceptedAt: decision.decidedAt,
  };
  if (plan.actuated) {
    // A group's free crossing: the actuated controller from its next boundary (no common cycle to wait for).
    const a = plan.actuated;
    return {
      ...common,
      effectiveFrom: 'next-cycle-boundary',
      actuated: {
        corridorRecommendationId: decision.corridorRecommendationId,
        minGreenSeconds: a.minGreenSeconds,
        maxGreenSeconds: a.maxGreenSeconds,
        passageSeconds: a.passageSeconds,
        amberSeconds: a.amberSeconds,
        allRedSeconds: a.allRedSeconds,
      },
    };
  }
  const coordination = plan.coordination!;
  return {
    ...common,
    effectiveFrom: 'common-cycle-boundary',
    coordination: {
      corridorRecommendationId: decision.corridorRecommendationId,
      offsetSeconds: coordination.offsetSeconds,
      coordinatedPhase: coordination.coordinatedPhase,
      splitSeconds: coordination.splitSeconds,
      minGreenSeconds: coordination.minGreenSeconds,
      passageSeconds: coordination.passageSeconds,
      amberSeconds: coordination.amberSeconds,
      allRedSeconds: coordination.allRedSeconds,
    },
  };
}
