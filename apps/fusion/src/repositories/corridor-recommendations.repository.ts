import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  CorridorAutomaticOutcomeView,
  CorridorCrossingView,
  CorridorDecisionView,
  CorridorFreeCrossingView,
  CorridorRecommendationStatus,
  CorridorRecommendationView,
  DeciderRole,
  DecisionKind,
  PlanSummaryView,
} from '@crosscast/contracts';
import type { Decider } from './decisions.repository';
import { Fence } from './leadership.repository';

/** A corridor recommendation as the planner hands it over (ids and statuses are the store's). */
export interface CorridorRecommendationToStore {
  corridor: string;
  road: string;
  crossingIds: string[];
  planningPeriodStart: Date;
  basedOnIntervalStart: Date;
  validUntil: Date;
  cycleSeconds: number;
  bandwidthSeconds: { outbound: number; inbound: number };
  crossings: CorridorCrossingView[];
  freeCrossings: CorridorFreeCrossingView[];
  expectedDelayRunningSeconds: number;
  expectedDelayPlanSeconds: number;
  gainSeconds: number;
  gainShare: number;
  reason: string;
  createdAt: Date;
  /** Automatic mode's verdict (null: it is off at every crossing). */
  automatic: CorridorAutomaticOutcomeView | null;
}

export type CorridorDecideOutcome =
  | { status: 'decided'; decision: CorridorDecisionView; recommendation: CorridorRecommendationView }
  | { status: 'already-decided'; decision: CorridorDecisionView }
  | { status: 'unknown-recommendation' }
  | { status: 'plans-disabled'; crossingId: string }
  | { status: 'not-pending'; recommendationStatus: CorridorRecommendationStatus };

/**
 * Corridor (group) recommendations and their decisions; a group's free crossings are stored
 * in the same `crossings` list (their plans carry `actuated`). A corridor decision is one audit row naming
 * every crossing; accepting it sets each crossing's running plan (pointing at that row) and
 * supersedes the crossings' pending single-crossing recommendations, in one transaction.
 */
@Injectable()
export class CorridorRecommendationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores a corridor's recommendation for a planning period, once: it supersedes the
   * corridor's pending one, and pending ones whose window has passed expire. Null when the
   * corridor has one for this period already, or when any of its crossings is in another
   * recommendation of the period (a leader that took over mid-period may group them
   * differently, under another name: a crossing is advised once a period). `fence` runs
   * first and throws to refuse the write.
   */
  async store(rec: CorridorRecommendationToStore, fence?: Fence): Promise<CorridorRecommendationView | null> {
    return this.dataSource.transaction(async (manager) => {
      // A deposed leader's planning must not write (fencing: it throws FencedError).
      if (fence) await fence(manager);
      // Only the leader writes here (fenced, one at a time), so this check and the insert do not race.
      const advised = await manager.query(`SELECT 1 FROM corridor_recommendations WHERE planning_period_start = $1 AND crossing_ids && $2::text[] LIMIT 1`, [rec.planningPeriodStart, rec.crossingIds]);
      if (advised.length > 0) return null;
      const inserted = await manager.query(
        `INSERT INTO corridor_recommendations (corridor, road, crossing_ids, planning_period_start, based_on_interval_start, valid_until, cycle_seconds,
           bandwidth, crossings, expected_delay_running_seconds, expected_delay_plan_seconds, gain_seconds, gain_share, reason, created_at, automatic)
         VALUES ($1, $2, $3::text[], $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14, $15, $16::jsonb)
         ON CONFLICT (corridor, planning_period_start) DO NOTHING RETURNING *`,
        [
          rec.corridor,
          rec.road,
          rec.crossingIds,
          rec.planningPeriodStart,
          rec.basedOnIntervalStart,
          rec.validUntil,
          rec.cycleSeconds,
          JSON.stringify(rec.bandwidthSeconds),
          // Coordinated and free parts in one list (a free part's plan carries `actuated`).
          JSON.stringify([...rec.crossings, ...rec.freeCrossings]),
          rec.expectedDelayRunningSeconds,
          rec.expectedDelayPlanSeconds,
          rec.gainSeconds,
          rec.gainShare,
          rec.reason,
          rec.createdAt,
          rec.automatic ? JSON.stringify(rec.automatic) : null,
        ],
      );
      if (inserted.length === 0) return null;
      await manager.query(
        `UPDATE corridor_recommendations SET status = CASE WHEN valid_until <= $3 THEN 'expired' ELSE 'superseded' END, status_changed_at = $4
         WHERE corridor = $1 AND status = 'pending' AND id <> $2`,
        [rec.corridor, inserted[0].id, rec.basedOnIntervalStart, rec.createdAt],
      );
      return toCorridorRecommendationView(inserted[0]);
    });
  }

  async byId(id: string): Promise<CorridorRecommendationView | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM corridor_recommendations WHERE id = $1`, [id]);
    return row ? toCorridorRecommendationView(row) : null;
  }

  /** Newest first; `crossingId` keeps the corridors that include it. */
  async list(filter: { status?: CorridorRecommendationStatus; crossingId?: string }, limit: number): Promise<CorridorRecommendationView[]> {
    const rows = await this.dataSource.query(
      `SELECT * FROM corridor_recommendations
       WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR $2 = ANY(crossing_ids))
       ORDER BY planning_period_start DESC, id DESC LIMIT $3`,
      [filter.status ?? null, filter.crossingId ?? null, limit],
    );
    return rows.map(toCorridorRecommendationView);
  }

  async decisions(limit: number): Promise<CorridorDecisionView[]> {
    const rows = await this.dataSource.query(`SELECT * FROM corridor_decisions ORDER BY id DESC LIMIT $1`, [limit]);
    return rows.map(toCorridorDecisionView);
  }

  /**
   * One decision for the whole corridor, once. Accepting needs every crossing to take plans;
   * it sets each crossing's running plan to its part of the corridor plan. `fence` (automatic
   * mode's) runs first and throws (FencedError) to refuse a deposed leader's decision.
   */
  async decide(id: string, decision: DecisionKind, reason: string | null, decider: Decider, at: Date, fence?: Fence): Promise<CorridorDecideOutcome> {
    return this.dataSource.transaction(async (manager) => {
      // Automatic mode is the leader's: a deposed leader's application writes nothing.
      if (fence) await fence(manager);
      const [rec] = await manager.query(`SELECT * FROM corridor_recommendations WHERE id = $1 FOR UPDATE`, [id]);
      if (!rec) return { status: 'unknown-recommendation' } as const;
      const [earlier] = await manager.query(`SELECT * FROM corridor_decisions WHERE corridor_recommendation_id = $1`, [id]);
      if (earlier) return { status: 'already-decided', decision: toCorridorDecisionView(earlier) } as const;
      if (rec.status !== 'pending') return { status: 'not-pending', recommendationStatus: rec.status } as const;
      const view = toCorridorRecommendationView(rec);
      // The crossings in id order, so two decisions touching the same crossings cannot deadlock.
      const crossings = await manager.query(`SELECT id, plans_enabled FROM crossings WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE`, [view.crossingIds]);
      if (decision === 'accepted') {
        const disabled = crossings.find((c: { plans_enabled: boolean }) => !c.plans_enabled);
        if (disabled) return { status: 'plans-disabled', crossingId: disabled.id } as const;
      }
      const running = await manager.query(`SELECT crossing_id, plan FROM running_plans WHERE crossing_id = ANY($1::text[])`, [view.crossingIds]);
      const previousPlans: Record<string, PlanSummaryView | null> = Object.fromEntries(view.crossingIds.map((c) => [c, null]));
      for (const r of running) previousPlans[r.crossing_id] = r.plan;
      // Each crossing's part, named after this recommendation (the plan id is also the timing-plan job id).
      const plans: Record<string, PlanSummaryView> = Object.fromEntries([
        ...view.crossings.map((c) => [c.crossingId, { ...c.plan, planId: `cor-${id}-${c.crossingId}`, recommendationId: id, coordination: { ...c.plan.coordination, corridorRecommendationId: id } }]),
        ...view.freeCrossings.map((c) => [c.crossingId, { ...c.plan, planId: `cor-${id}-${c.crossingId}`, recommendationId: id, actuated: { ...c.plan.actuated, corridorRecommendationId: id } }]),
      ]);
      const [row] = await manager.query(
        `INSERT INTO corridor_decisions (corridor_recommendation_id, corridor, crossing_ids, decision, reason, decided_by_user_id, decided_by_username, decided_by_role, decided_at, plans, previous_plans)
         VALUES ($1, $2, $3::text[], $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb) RETURNING *`,
        [id, view.corridor, view.crossingIds, decision, reason, decider.userId, decider.username, decider.role, at, JSON.stringify(plans), JSON.stringify(previousPlans)],
      );
      // Automatic mode accepts through this same path; the recommendation then says it was applied automatically.
      const status: CorridorRecommendationStatus = decider.role === 'automatic' && decision === 'accepted' ? 'applied-automatically' : decision;
      const [[updated]] = await manager.query(`UPDATE corridor_recommendations SET status = $2, status_changed_at = $3 WHERE id = $1 RETURNING *`, [id, status, at]);
      if (decision === 'accepted') {
        for (const [crossingId, plan] of Object.entries(plans)) {
          await manager.query(
            `INSERT INTO running_plans (crossing_id, decision_id, corridor_decision_id, plan, accepted_by, accepted_at) VALUES ($1, NULL, $2, $3::jsonb, $4, $5)
             ON CONFLICT (crossing_id) DO UPDATE SET decision_id = NULL, corridor_decision_id = EXCLUDED.corridor_decision_id, plan = EXCLUDED.plan,
               accepted_by = EXCLUDED.accepted_by, accepted_at = EXCLUDED.accepted_at`,
            [crossingId, row.id, JSON.stringify(plan), decider.username, at],
          );
        }
        // The corridor plan replaces whatever single-crossing advice was pending there.
        await manager.query(`UPDATE recommendations SET status = 'superseded', status_changed_at = $2 WHERE crossing_id = ANY($1::text[]) AND status = 'pending'`, [view.crossingIds, at]);
      }
      return { status: 'decided', decision: toCorridorDecisionView(row), recommendation: toCorridorRecommendationView(updated) } as const;
    });
  }

  /** Pending corridor recommendations automatic mode decided to apply: a process that stopped before applying one left it so. */
  async pendingAutomaticApplies(): Promise<CorridorRecommendationView[]> {
    const rows = await this.dataSource.query(`SELECT * FROM corridor_recommendations WHERE status = 'pending' AND automatic->>'action' = 'apply' ORDER BY id`);
    return rows.map(toCorridorRecommendationView);
  }

  /** Replaces automatic mode's verdict (an apply refused at the last moment becomes a hold that says why); `fence` as for `decide`. */
  async recordAutomaticOutcome(id: string, outcome: CorridorAutomaticOutcomeView, fence?: Fence): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (fence) await fence(manager);
      await manager.query(`UPDATE corridor_recommendations SET automatic = $2::jsonb WHERE id = $1`, [id, JSON.stringify(outcome)]);
    });
  }

  async markPublished(decisionId: string, at: Date): Promise<void> {
    await this.dataSource.query(`UPDATE corridor_decisions SET published_at = $2 WHERE id = $1 AND published_at IS NULL`, [decisionId, at]);
  }

  /** Accepted corridor decisions whose plans did not all reach the queue yet (Redis was down), oldest first. */
  async unpublished(limit: number): Promise<CorridorDecisionView[]> {
    const rows = await this.dataSource.query(`SELECT * FROM corridor_decisions WHERE decision = 'accepted' AND published_at IS NULL ORDER BY id LIMIT $1`, [limit]);
    return rows.map(toCorridorDecisionView);
  }

  /** The plans a decision set, per crossing (for publishing). */
  async decisionPlans(decisionId: string): Promise<Record<string, PlanSummaryView>> {
    const [row] = await this.dataSource.query(`SELECT plans FROM corridor_decisions WHERE id = $1`, [decisionId]);
    return (row?.plans as Record<string, PlanSummaryView>) ?? {};
  }
}

function iso(value: unknown): string | null {
  return value ? (value as Date).toISOString() : null;
}

export function toCorridorRecommendationView(r: Record<string, unknown>): CorridorRecommendationView {
  return {
    id: String(r.id),
    corridor: r.corridor as string,
    road: r.road as string,
    crossingIds: r.crossing_ids as string[],
    planningPeriodStart: iso(r.planning_period_start)!,
    basedOnIntervalStart: iso(r.based_on_interval_start)!,
    validUntil: iso(r.valid_until)!,
    cycleSeconds: r.cycle_seconds as number,
    bandwidthSeconds: r.bandwidth as CorridorRecommendationView['bandwidthSeconds'],
    crossings: (r.crossings as Array<CorridorCrossingView | CorridorFreeCrossingView>).filter((c): c is CorridorCrossingView => !('actuated' in c.plan && c.plan.actuated)),
    freeCrossings: (r.crossings as Array<CorridorCrossingView | CorridorFreeCrossingView>).filter((c): c is CorridorFreeCrossingView => 'actuated' in c.plan && !!c.plan.actuated),
    expectedDelayRunningSeconds: r.expected_delay_running_seconds as number,
    expectedDelayPlanSeconds: r.expected_delay_plan_seconds as number,
    gainSeconds: r.gain_seconds as number,
    gainShare: r.gain_share as number,
    reason: r.reason as string,
    status: r.status as CorridorRecommendationStatus,
    createdAt: iso(r.created_at)!,
    statusChangedAt: iso(r.status_changed_at),
    automatic: (r.automatic as CorridorAutomaticOutcomeView | null) ?? null,
  };
}

function toCorridorDecisionView(r: Record<string, unknown>): CorridorDecisionView {
  return {
    id: String(r.id),
    corridorRecommendationId: String(r.corridor_recommendation_id),
    corridor: r.corridor as string,
    crossingIds: r.crossing_ids as string[],
    decision: r.decision as DecisionKind,
    reason: (r.reason as string | null) ?? null,
    decidedBy: r.decided_by_username as string,
    decidedByRole: r.decided_by_role as DeciderRole,
    decidedAt: iso(r.decided_at)!,
    previousPlans: r.previous_plans as Record<string, PlanSummaryView | null>,
    publishedAt: iso(r.published_at),
  };
}
