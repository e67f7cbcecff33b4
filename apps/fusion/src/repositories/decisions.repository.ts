import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CrossingSettingsView, DeciderRole, DecisionKind, DecisionView, PhaseTimingView, PlanSummaryView, RecommendationStatus, RunningPlanView } from '@crosscast/contracts';
import { runningDecisionKey } from './recommendations.repository';
import { Fence } from './leadership.repository';

export type DecideOutcome =
  | { status: 'decided'; decision: DecisionView }
  | { status: 'already-decided'; decision: DecisionView }
  | { status: 'unknown-recommendation' }
  | { status: 'plans-disabled'; crossingId: string }
  /** Superseded by a newer recommendation or expired: nothing to decide any more. */
  | { status: 'not-pending'; recommendationStatus: RecommendationStatus; crossingId: string };

/** Who decides: a signed-in user, or automatic mode (no user row: userId null, role 'automatic'). */
export interface Decider {
  userId: string | null;
  username: string;
  role: DeciderRole;
}

/** Automatic mode's decider: every automatic change is in the audit trail under this name. */
export const AUTOMATIC_DECIDER: Decider = { userId: null, username: 'automatic', role: 'automatic' };

/** What the decision does to the recommendation's status. */
const STATUS_AFTER: Record<DecisionKind, RecommendationStatus> = { accepted: 'accepted', rejected: 'rejected' };

/**
 * The operator workflow's tables: decisions (the audit trail), the plan running at each
 * crossing, and the crossings' administrative settings.
 */
@Injectable()
export class DecisionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records one decision on a recommendation, in one transaction: the crossing row is
   * locked so decisions on one crossing take turns (the "plan running before" is exact),
   * and the unique recommendation_id makes a second decision, even a concurrent one, a
   * conflict. Only a pending recommendation can be decided. Accepting also replaces the
   * crossing's running plan. Automatic mode comes through here too (AUTOMATIC_DECIDER),
   * with the plan its guard rails allow (`plan`, else the recommendation's own), and with
   * `fence`: it runs first and throws (FencedError) to refuse a deposed leader's decision.
   */
  async decide(
    recommendationId: string,
    decision: DecisionKind,
    reason: string | null,
    decider: Decider,
    at: Date,
    plan?: Pick<PlanSummaryView, 'cycleSeconds' | 'phases'>,
    fence?: Fence,
  ): Promise<DecideOutcome> {
    return this.dataSource.transaction(async (manager) => {
      // Automatic mode is the leader's: a deposed leader's application writes nothing.
      if (fence) await fence(manager);
      const [found] = await manager.query(`SELECT crossing_id FROM recommendations WHERE id = $1`, [recommendationId]);
      if (!found) return { status: 'unknown-recommendation' } as const;
      const crossingId = found.crossing_id as string;
      const [crossing] = await manager.query(`SELECT plans_enabled FROM crossings WHERE id = $1 FOR NO KEY UPDATE`, [crossingId]);
      // Read after the lock: a planning evaluation may just have superseded it.
      const [recommendation] = await manager.query(`SELECT id, crossing_id, cycle_seconds, phases, status FROM recommendations WHERE id = $1`, [recommendationId]);
      const existing = await manager.query(`SELECT * FROM recommendation_decisions WHERE recommendation_id = $1`, [recommendationId]);
      if (existing.length) return { status: 'already-decided', decision: toDecisionView(existing[0]) } as const;
      if (recommendation.status !== 'pending') return { status: 'not-pending', recommendationStatus: recommendation.status as RecommendationStatus, crossingId } as const;
      if (decision === 'accepted' && crossing && !crossing.plans_enabled) return { status: 'plans-disabled', crossingId } as const;

      const [running] = await manager.query(`SELECT plan FROM running_plans WHERE crossing_id = $1`, [crossingId]);
      const decided: PlanSummaryView = {
        planId: decision === 'accepted' ? planIdFor(recommendationId) : null,
        recommendationId: String(recommendation.id),
        cycleSeconds: plan?.cycleSeconds ?? recommendation.cycle_seconds,
        phases: plan?.phases ?? (recommendation.phases as PhaseTimingView[]).map((p) => ({ name: p.name, approaches: p.approaches, greenSeconds: p.greenSeconds })),
      };
      const inserted = await manager.query(
        `INSERT INTO recommendation_decisions (recommendation_id, crossing_id, decision, reason, decided_by_user_id, decided_by_username,
           decided_by_role, decided_at, plan, previous_plan)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb)
         ON CONFLICT (recommendation_id) DO NOTHING RETURNING *`,
        [recommendationId, crossingId, decision, reason, decider.userId, decider.username, decider.role, at, JSON.stringify(decided), running ? JSON.stringify(running.plan) : null],
      );
      if (!inserted.length) {
        const [winner] = await manager.query(`SELECT * FROM recommendation_decisions WHERE recommendation_id = $1`, [recommendationId]);
        return { status: 'already-decided', decision: toDecisionView(winner) } as const;
      }
      const status: RecommendationStatus = decider.role === 'automatic' && decision === 'accepted' ? 'applied-automatically' : STATUS_AFTER[decision];
      await manager.query(`UPDATE recommendations SET status = $2, status_changed_at = $3 WHERE id = $1`, [recommendationId, status, at]);
      if (decision === 'accepted') {
        await manager.query(
          `INSERT INTO running_plans (crossing_id, decision_id, plan, accepted_by, accepted_at) VALUES ($1, $2, $3::jsonb, $4, $5)
           ON CONFLICT (crossing_id) DO UPDATE SET decision_id = EXCLUDED.decision_id, corridor_decision_id = NULL, plan = EXCLUDED.plan,
             accepted_by = EXCLUDED.accepted_by, accepted_at = EXCLUDED.accepted_at`,
          [crossingId, inserted[0].id, JSON.stringify(decided), decider.username, at],
        );
      }
      return { status: 'decided', decision: toDecisionView(inserted[0]) } as const;
    });
  }

  async markPublished(decisionId: string, at: Date): Promise<void> {
    await this.dataSource.query(`UPDATE recommendation_decisions SET published_at = $2 WHERE id = $1 AND published_at IS NULL`, [decisionId, at]);
  }

  /** Accepted plans that have not reached the queue yet (Redis was down when they were accepted), oldest first. */
  async unpublished(limit: number): Promise<DecisionView[]> {
    const rows = await this.dataSource.query(
      `SELECT * FROM recommendation_decisions WHERE decision = 'accepted' AND published_at IS NULL ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map(toDecisionView);
  }

  /** The audit trail, newest first. */
  async decisions(crossingId: string | undefined, limit: number): Promise<DecisionView[]> {
    const rows = crossingId
      ? await this.dataSource.query(`SELECT * FROM recommendation_decisions WHERE crossing_id = $1 ORDER BY id DESC LIMIT $2`, [crossingId, limit])
      : await this.dataSource.query(`SELECT * FROM recommendation_decisions ORDER BY id DESC LIMIT $1`, [limit]);
    return rows.map(toDecisionView);
  }

  async runningPlans(crossingId: string | undefined): Promise<RunningPlanView[]> {
    const rows = crossingId
      ? await this.dataSource.query(`SELECT * FROM running_plans WHERE crossing_id = $1`, [crossingId])
      : await this.dataSource.query(`SELECT * FROM running_plans ORDER BY crossing_id`);
    return rows.map((r: Record<string, unknown>) => ({
      ...(r.plan as PlanSummaryView),
      crossingId: r.crossing_id as string,
      acceptedBy: r.accepted_by as string,
      acceptedAt: (r.accepted_at as Date).toISOString(),
      decisionId: runningDecisionKey(r),
    }));
  }

  async crossingSettings(crossingId?: string): Promise<CrossingSettingsView[]> {
    const columns = `id, name, plans_enabled, admin_note, settings_updated_by, settings_updated_at`;
    const rows = crossingId
      ? await this.dataSource.query(`SELECT ${columns} FROM crossings WHERE id = $1`, [crossingId])
      : await this.dataSource.query(`SELECT ${columns} FROM crossings ORDER BY id`);
    return rows.map(toSettingsView);
  }

  /** Changes a crossing's settings; undefined fields keep their value, a null note clears it. */
  async updateCrossingSettings(crossingId: string, changes: { plansEnabled?: boolean; adminNote?: string | null }, by: string, at: Date): Promise<CrossingSettingsView | null> {
    const [rows] = await this.dataSource.query(
      `UPDATE crossings SET plans_enabled = COALESCE($2, plans_enabled),
         admin_note = CASE WHEN $3::boolean THEN $4 ELSE admin_note END,
         settings_updated_by = $5, settings_updated_at = $6
       WHERE id = $1 RETURNING id, name, plans_enabled, admin_note, settings_updated_by, settings_updated_at`,
      [crossingId, changes.plansEnabled ?? null, changes.adminNote !== undefined, changes.adminNote ?? null, by, at],
    );
    return rows.length ? toSettingsView(rows[0]) : null;
  }
}

export function planIdFor(recommendationId: string): string {
  return `rec-${recommendationId}`;
}

function toDecisionView(r: Record<string, unknown>): DecisionView {
  return {
    id: String(r.id),
    recommendationId: String(r.recommendation_id),
    crossingId: r.crossing_id as string,
    decision: r.decision as DecisionKind,
    reason: (r.reason as string | null) ?? null,
    decidedBy: r.decided_by_username as string,
    decidedByRole: r.decided_by_role as DeciderRole,
    decidedAt: (r.decided_at as Date).toISOString(),
    plan: r.plan as PlanSummaryView,
    previousPlan: (r.previous_plan as PlanSummaryView | null) ?? null,
    publishedAt: r.published_at ? (r.published_at as Date).toISOString() : null,
  };
}

function toSettingsView(r: Record<string, unknown>): CrossingSettingsView {
  return {
    crossingId: r.id as string,
    name: r.name as string,
    plansEnabled: r.plans_enabled as boolean,
    adminNote: (r.admin_note as string | null) ?? null,
    settingsUpdatedBy: (r.settings_updated_by as string | null) ?? null,
    settingsUpdatedAt: r.settings_updated_at ? (r.settings_updated_at as Date).toISOString() : null,
  };
}
