import { ConflictException, Injectable, Logger, NotFoundException, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DecisionKind, DecisionView, PlanSummaryView, RunningPlanView, TimingPlanMessage, TimingPlanMessageSchema, parseMessage } from '@crosscast/contracts';
import type { AuthenticatedUser } from '../auth/roles';
import { LiveGateway } from '../gateways/live.gateway';
import { ClockRepository } from '../repositories/clock.repository';
import { AUTOMATIC_DECIDER, DecideOutcome, Decider, DecisionsRepository } from '../repositories/decisions.repository';
import { TimingPlanPublisher } from '../repositories/timing-plan-publisher.repository';
import { LeadershipService } from './leadership.service';
import { RepublishLoop } from './republish-loop';
import { Fence } from '../repositories/leadership.repository';

/** How often accepted plans that did not reach the queue (Redis down) are sent again. */
const REPUBLISH_EVERY_MS = 10_000;

/**
 * The operator workflow: accept or reject a recommendation, once. Accepting makes the
 * recommendation's plan the crossing's running plan and publishes a TimingPlanMessage
 * towards the simulator; both decisions are kept as the audit trail and streamed to
 * dashboards (`recommendation-decided`). The decision is committed before the plan is
 * published: if Redis is down the plan is published later (publishedAt stays null until then).
 */
@Injectable()
export class DecisionService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DecisionService.name);
  private readonly republisher: RepublishLoop<DecisionView>;

  constructor(
    private readonly decisions: DecisionsRepository,
    private readonly publisher: TimingPlanPublisher,
    private readonly live: LiveGateway,
    private readonly clock: ClockRepository,
    private readonly leadership: LeadershipService,
  ) {
    this.republisher = new RepublishLoop('accepted plans', REPUBLISH_EVERY_MS, () => this.decisions.unpublished(50), async (view) => (await this.publish(view)).publishedAt !== null, this.logger);
  }

  onModuleInit(): void {
    this.republisher.start();
  }

  onModuleDestroy(): void {
    this.republisher.stop();
  }

  async decide(recommendationId: string, decision: DecisionKind, reason: string | undefined, user: AuthenticatedUser): Promise<DecisionView> {
    const decider: Decider = { userId: user.id, username: user.username, role: user.role };
    const outcome = await this.record(recommendationId, decision, reason?.trim() || null, decider);
    switch (outcome.status) {
      case 'unknown-recommendation':
        throw new NotFoundException(`recommendation ${recommendationId} does not exist`);
      case 'already-decided':
        throw new ConflictException({
          statusCode: 409,
          error: 'Conflict',
          message: `recommendation ${recommendationId} was already ${outcome.decision.decision} by ${outcome.decision.decidedBy} at ${outcome.decision.decidedAt}`,
          decision: outcome.decision,
        });
      case 'plans-disabled':
        throw new ConflictException(`crossing ${outcome.crossingId} does not take plans: an admin disabled them (PATCH /api/admin/crossings/${outcome.crossingId})`);
      case 'not-pending':
        throw new ConflictException(
          outcome.recommendationStatus === 'superseded'
            ? `recommendation ${recommendationId} was superseded by a newer recommendation for crossing ${outcome.crossingId}`
            : `recommendation ${recommendationId} is ${outcome.recommendationStatus}: only a pending recommendation can be decided`,
        );
    }
    return outcome.decision;
  }

  /**
   * Automatic mode accepts through the same path as an operator: the audit row (decided by
   * `automatic`), the running plan, the TimingPlanMessage and the live event. `plan` is
   * what the guard rails allow (possibly clipped from the recommendation's). Automatic
   * mode is the leader's: the decision's transaction checks the leader's epoch first, so a
   * deposed leader's application throws FencedError and changes and publishes nothing (the
   * recommendation stays pending for the leader's sweep to apply).
   */
  applyAutomatically(recommendationId: string, plan: Pick<PlanSummaryView, 'cycleSeconds' | 'phases'>, note: string): Promise<DecideOutcome> {
    return this.record(recommendationId, 'accepted', note, AUTOMATIC_DECIDER, plan, (manager) => this.leadership.assertLeading(manager));
  }

  /** One decision: recorded in one transaction (fenced when `fence` is given), then (accepted) published, then streamed. */
  private async record(
    recommendationId: string,
    decision: DecisionKind,
    reason: string | null,
    decider: Decider,
    plan?: Pick<PlanSummaryView, 'cycleSeconds' | 'phases'>,
    fence?: Fence,
  ): Promise<DecideOutcome> {
    const outcome = await this.decisions.decide(recommendationId, decision, reason, decider, this.clock.now(), plan, fence);
    if (outcome.status !== 'decided') return outcome;
    let view = outcome.decision;
    if (view.decision === 'accepted') view = await this.publish(view);
    this.live.emit('recommendation-decided', view);
    return { status: 'decided', decision: view };
  }

  audit(crossingId: string | undefined, limit = 100): Promise<DecisionView[]> {
    return this.decisions.decisions(crossingId, limit);
  }

  runningPlans(crossingId: string | undefined): Promise<RunningPlanView[]> {
    return this.decisions.runningPlans(crossingId);
  }


  private async publish(view: DecisionView): Promise<DecisionView> {
    const parsed = parseMessage(TimingPlanMessageSchema, toTimingPlanMessage(view));
    if (!parsed.ok) {
      // Cannot happen for a Webster plan; if it does, the audit row says it was never sent.
      this.logger.error(`plan of decision ${view.id} does not fit TimingPlanMessage: ${parsed.reason}`);
      return view;
    }
    try {
      await this.publisher.publish(parsed.value);
      const at = this.clock.now();
      await this.decisions.markPublished(view.id, at);
      return { ...view, publishedAt: at.toISOString() };
    } catch (error) {
      this.logger.warn(`plan ${parsed.value.planId} not published yet (retried every ${REPUBLISH_EVERY_MS / 1000} s): ${(error as Error).message}`);
      return view;
    }
  }
}

export function toTimingPlanMessage(view: DecisionView): TimingPlanMessage {
  return {
    v: 1,
    crossingId: view.crossingId,
    planId: view.plan.planId ?? `rec-${view.recommendationId}`,
    recommendationId: view.recommendationId,
    cycleSeconds: view.plan.cycleSeconds,
    phases: view.plan.phases.map((p) => ({ name: p.name, approaches: p.approaches, greenSeconds: p.greenSeconds })),
    acceptedBy: view.decidedBy,
    acceptedAt: view.decidedAt,
    effectiveFrom: 'next-cycle-boundary',
  };
}
