import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  AutomaticOutcomeView,
  ComparedPlanView,
  PhaseTimingView,
  PlanningEvaluationView,
  PlanningInputSource,
  RecommendationStatus,
  RecommendationView,
  RunningPlanView,
} from '@crosscast/contracts';
import { ColumnSpec, insertColumns } from './insert-columns';
import { Fence } from './leadership.repository';

/** What a planning evaluation stores: the planner's verdict, and the recommendation when the gain passed. */
export interface EvaluationToStore {
  crossingId: string;
  planningPeriodStart: Date;
  basedOnIntervalStart: Date;
  forecastMessageId: string;
  gainSeconds: number;
  gainShare: number;
  expectedDelayRunningSeconds: number;
  expectedDelayRecommendedSeconds: number;
  basis: 'centre' | 'upper';
  congested: boolean;
  reason: string;
  inputSource: PlanningInputSource;
  evaluatedAt: Date;
  /** Present only when the gain passed the hysteresis. */
  recommendation: {
    validUntil: Date;
    method: string;
    cycleSeconds: number;
    lostTimeSeconds: number;
    flowRatioSum: number;
    oversaturated: boolean;
    phases: PhaseTimingView[];
    comparedWith: ComparedPlanView;
    automatic: AutomaticOutcomeView | null;
  } | null;
}

export type StoreEvaluationOutcome =
  | { status: 'stored'; evaluation: PlanningEvaluationView; recommendation: RecommendationView | null; supersededIds: string[]; expiredIds: string[] }
  /** The period was evaluated already (redelivery, or a concurrent twin got in first). */
  | { status: 'already-evaluated' }
  /** The running plan changed while the planner ran (an operator decided): plan again. */
  | { status: 'running-plan-changed' };

/** What the planner needs from the database about one crossing, read before planning. */
export interface PlanningContext {
  evaluation: PlanningEvaluationView | null;
  /** The crossing's newest stored forecast interval: only that forecast is planned from. */
  newestBasedOn: Date | null;
  runningPlan: RunningPlanView | null;
  automatic: { enabled: boolean; plansEnabled: boolean; updatedBy: string | null; updatedAt: Date | null };
  lastAutomaticPeriodStart: Date | null;
}

export interface AutomaticSettingsRow {
  crossingId: string;
  enabled: boolean;
  updatedBy: string | null;
  updatedAt: Date | null;
  lastAppliedPeriodStart: Date | null;
}

/**
 * Recommendations, planning evaluations and automatic-mode settings in PostgreSQL. An
 * evaluation is keyed by (crossing, planning period): under BullMQ redelivery the second
 * attempt finds it and changes nothing. Evaluations and decisions on one crossing lock
 * its `crossings` row, so they take turns.
 */
/** The planning period of the last change automatic mode applied at a crossing: its own recommendation's or a corridor's that named it. */
/** planning_evaluations' columns as `storeEvaluationsWithoutRecommendation` writes them (insertColumns). */
const EVALUATION_COLUMNS: readonly ColumnSpec[] = [
  ['crossing_id', 'text'],
  ['planning_period_start', 'timestamptz'],
  ['based_on_interval_start', 'timestamptz'],
  ['forecast_id', 'bigint'],
  ['forecast_message_id', 'text'],
  ['outcome', 'text'],
  ['gain_seconds', 'float8'],
  ['gain_share', 'float8'],
  ['expected_delay_running_seconds', 'float8'],
  ['expected_delay_recommended_seconds', 'float8'],
  ['basis', 'text'],
  ['congested', 'boolean'],
  ['reason', 'text'],
  ['evaluated_at', 'timestamptz'],
  ['input_source', 'text'],
];

const LAST_AUTOMATIC_SQL = (crossing: string) =>
  `GREATEST((SELECT max(planning_period_start) FROM recommendations r WHERE r.crossing_id = ${crossing} AND r.status = 'applied-automatically'),
     (SELECT max(planning_period_start) FROM corridor_recommendations cr WHERE ${crossing} = ANY(cr.crossing_ids) AND cr.status = 'applied-automatically'))`;

@Injectable()
export class RecommendationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async planningContext(crossingId: string, periodStart: Date): Promise<PlanningContext> {
    return (await this.planningContexts([{ crossingId, periodStart }])).get(crossingId)!;
  }

  /**
   * `planningContext` for many crossings at once (one planning round, one corridor group):
   * five queries whatever their number, where one at a time took five each. Keyed by
   * crossing id; each crossing at most once.
   */
  async planningContexts(requests: ReadonlyArray<{ crossingId: string; periodStart: Date }>): Promise<Map<string, PlanningContext>> {
    const ids = requests.map((r) => r.crossingId);
    if (new Set(ids).size !== ids.length) throw new Error('planningContexts: a crossing asked for twice');
    const [evaluations, newest, running, crossings, lastAutomatic] = await Promise.all([
      this.dataSource.query(
        `SELECT e.* FROM planning_evaluations e JOIN unnest($1::text[], $2::timestamptz[]) AS q(crossing_id, period_start)
           ON e.crossing_id = q.crossing_id AND e.planning_period_start = q.period_start`,
        [ids, requests.map((r) => r.periodStart)],
      ),
      // Per crossing, so each is the index's newest entry (as a single crossing's max is).
      this.dataSource.query(`SELECT q.id AS crossing_id, (SELECT max(based_on_interval_start) FROM forecasts f WHERE f.crossing_id = q.id) AS newest FROM unnest($1::text[]) AS q(id)`, [ids]),
      this.dataSource.query(`SELECT * FROM running_plans WHERE crossing_id = ANY($1::text[])`, [ids]),
      this.dataSource.query(`SELECT id, automatic_enabled, plans_enabled, automatic_updated_by, automatic_updated_at FROM crossings WHERE id = ANY($1::text[])`, [ids]),
      this.dataSource.query(`SELECT q.id AS crossing_id, ${LAST_AUTOMATIC_SQL('q.id')} AS last FROM unnest($1::text[]) AS q(id)`, [ids]),
    ]);
    const byCrossing = (rows: Array<Record<string, unknown>>, key = 'crossing_id') => new Map(rows.map((r) => [r[key] as string, r]));
    const evaluationOf = byCrossing(evaluations);
    const newestOf = byCrossing(newest);
    const runningOf = byCrossing(running);
    const crossingOf = byCrossing(crossings, 'id');
    const lastAutomaticOf = byCrossing(lastAutomatic);
    const contexts = new Map<string, PlanningContext>();
    for (const id of ids) {
      const evaluation = evaluationOf.get(id);
      const runningPlan = runningOf.get(id);
      const crossing = crossingOf.get(id);
      contexts.set(id, {
        evaluation: evaluation ? toEvaluationView(evaluation) : null,
        newestBasedOn: (newestOf.get(id)?.newest as Date | null) ?? null,
        runningPlan: runningPlan ? toRunningPlanView(runningPlan) : null,
        automatic: {
          enabled: Boolean(crossing?.automatic_enabled),
          plansEnabled: crossing ? Boolean(crossing.plans_enabled) : false,
          updatedBy: (crossing?.automatic_updated_by as string | null) ?? null,
          updatedAt: (crossing?.automatic_updated_at as Date | null) ?? null,
        },
        lastAutomaticPeriodStart: (lastAutomaticOf.get(id)?.last as Date | null) ?? null,
      });
    }
    return contexts;
  }

  /**
   * Stores evaluations that recommend nothing (the common case: a crossing its group's
   * advice covers, or a gain under the hysteresis) for many crossings in one transaction,
   * with `storeEvaluation`'s rules for each: the crossings' rows locked (in id order), an
   * evaluation whose running plan changed meanwhile not written ('running-plan-changed'),
   * one already stored for the period kept ('already-evaluated'), pending recommendations
   * whose window has passed expired. One outcome per evaluation, in order; each crossing
   * at most once.
   */
  async storeEvaluationsWithoutRecommendation(
    items: ReadonlyArray<{ evaluation: EvaluationToStore; expectedRunningDecisionId: string | null }>,
    fence?: Fence,
  ): Promise<StoreEvaluationOutcome[]> {
    if (items.some((i) => i.evaluation.recommendation)) throw new Error('storeEvaluationsWithoutRecommendation: an evaluation with a recommendation (storeEvaluation stores those)');
    const ids = items.map((i) => i.evaluation.crossingId);
    if (new Set(ids).size !== ids.length) throw new Error('storeEvaluationsWithoutRecommendation: a crossing twice in one batch');
    if (items.length === 0) return [];
    return this.dataSource.transaction(async (manager) => {
      if (fence) await fence(manager);
      // Id order: two batches (or a batch and a corridor decision) never wait on each other in a circle.
      await manager.query(`SELECT id FROM crossings WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE`, [ids]);
      const running: Array<Record<string, unknown>> = await manager.query(`SELECT * FROM running_plans WHERE crossing_id = ANY($1::text[])`, [ids]);
      const runningKeyOf = new Map(running.map((r) => [r.crossing_id as string, runningDecisionKey(r)]));
      const outcomes: Array<StoreEvaluationOutcome | null> = items.map((i) =>
        (runningKeyOf.get(i.evaluation.crossingId) ?? null) !== i.expectedRunningDecisionId ? { status: 'running-plan-changed' } : null,
      );
      const toWrite = items.map((i) => i.evaluation).filter((_, k) => outcomes[k] === null);
      if (toWrite.length === 0) return outcomes as StoreEvaluationOutcome[];

      const forecasts: Array<{ message_id: string; id: string }> = await manager.query(
        `SELECT message_id, id FROM forecasts WHERE message_id = ANY($1::text[]) AND based_on_interval_start = ANY($2::timestamptz[])`,
        [toWrite.map((e) => e.forecastMessageId), [...new Set(toWrite.map((e) => e.basedOnIntervalStart.getTime()))].map((t) => new Date(t))],
      );
      const forecastIdOf = new Map(forecasts.map((f) => [f.message_id, f.id]));
      const inserted = await insertColumns(
        manager,
        'planning_evaluations',
        EVALUATION_COLUMNS,
        toWrite.map((e) => [
          e.crossingId,
          e.planningPeriodStart,
          e.basedOnIntervalStart,
          forecastIdOf.get(e.forecastMessageId) ?? null,
          e.forecastMessageId,
          'not-needed',
          e.gainSeconds,
          e.gainShare,
          e.expectedDelayRunningSeconds,
          e.expectedDelayRecommendedSeconds,
          e.basis,
          e.congested,
          e.reason,
          e.evaluatedAt,
          e.inputSource,
        ]),
        'ON CONFLICT (crossing_id, planning_period_start) DO NOTHING RETURNING *',
      );
      const insertedOf = new Map(inserted.map((r) => [r.crossing_id as string, r]));
      const stored = toWrite.filter((e) => insertedOf.has(e.crossingId));
      await recordCongestions(manager, stored);
      const [expired]: [Array<{ id: string; crossing_id: string }>, number] = stored.length
        ? await manager.query(
            `UPDATE recommendations r SET status = 'expired', status_changed_at = q.evaluated_at
             FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS q(crossing_id, based_on, evaluated_at)
             WHERE r.crossing_id = q.crossing_id AND r.status = 'pending' AND r.valid_until <= q.based_on RETURNING r.id, r.crossing_id`,
            [stored.map((e) => e.crossingId), stored.map((e) => e.basedOnIntervalStart), stored.map((e) => e.evaluatedAt)],
          )
        : [[], 0];
      return items.map((i, k): StoreEvaluationOutcome => {
        const settled = outcomes[k];
        if (settled) return settled;
        const row = insertedOf.get(i.evaluation.crossingId);
        if (!row) return { status: 'already-evaluated' };
        const expiredIds = expired.filter((r) => r.crossing_id === i.evaluation.crossingId).map((r) => String(r.id));
        return { status: 'stored', evaluation: toEvaluationView(row), recommendation: null, supersededIds: [], expiredIds };
      });
    });
  }

  /**
   * Stores one period's evaluation and, when the gain passed, its recommendation, in one
   * transaction: the crossing row is locked; if the running plan is no longer the one the
   * planner was given, nothing is written ('running-plan-changed'). A new recommendation
   * supersedes the crossing's pending ones; pending ones whose window has passed (in data
   * time: this forecast's interval) expire.
   */
  async storeEvaluation(evaluation: EvaluationToStore, expectedRunningDecisionId: string | null, fence?: Fence): Promise<StoreEvaluationOutcome> {
    return this.dataSource.transaction(async (manager) => {
      // A deposed leader's planning must not write (fencing: it throws FencedError).
      if (fence) await fence(manager);
      // Serialises planning and decisions on this crossing. NO KEY UPDATE, not UPDATE: the
      // forecast store's inserts take KEY SHARE on the crossing (foreign keys), and FOR UPDATE
      // would make every ingest batch wait behind planning transactions.
      await manager.query(`SELECT id FROM crossings WHERE id = $1 FOR NO KEY UPDATE`, [evaluation.crossingId]);
      const [running] = await manager.query(`SELECT * FROM running_plans WHERE crossing_id = $1`, [evaluation.crossingId]);
      if ((running ? runningDecisionKey(running) : null) !== expectedRunningDecisionId) return { status: 'running-plan-changed' } as const;

      const [forecast] = await manager.query(`SELECT id FROM forecasts WHERE message_id = $1`, [evaluation.forecastMessageId]);
      const inserted = await manager.query(
        `INSERT INTO planning_evaluations (crossing_id, planning_period_start, based_on_interval_start, forecast_id, forecast_message_id, outcome,
           gain_seconds, gain_share, expected_delay_running_seconds, expected_delay_recommended_seconds, basis, congested, reason, evaluated_at, input_source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (crossing_id, planning_period_start) DO NOTHING RETURNING *`,
        [
          evaluation.crossingId,
          evaluation.planningPeriodStart,
          evaluation.basedOnIntervalStart,
          forecast?.id ?? null,
          evaluation.forecastMessageId,
          evaluation.recommendation ? 'recommended' : 'not-needed',
          evaluation.gainSeconds,
          evaluation.gainShare,
          evaluation.expectedDelayRunningSeconds,
          evaluation.expectedDelayRecommendedSeconds,
          evaluation.basis,
          evaluation.congested,
          evaluation.reason,
          evaluation.evaluatedAt,
          evaluation.inputSource,
        ],
      );
      if (inserted.length === 0) return { status: 'already-evaluated' } as const;
      await recordCongestion(manager, evaluation);

      // (TypeORM answers an UPDATE with [rows, count].)
      const [expired]: [Array<{ id: string }>, number] = await manager.query(
        `UPDATE recommendations SET status = 'expired', status_changed_at = $3
         WHERE crossing_id = $1 AND status = 'pending' AND valid_until <= $2 RETURNING id`,
        [evaluation.crossingId, evaluation.basedOnIntervalStart, evaluation.evaluatedAt],
      );
      const rec = evaluation.recommendation;
      if (!rec) return { status: 'stored', evaluation: toEvaluationView(inserted[0]), recommendation: null, supersededIds: [], expiredIds: expired.map((r) => String(r.id)) } as const;

      const [superseded]: [Array<{ id: string }>, number] = await manager.query(
        `UPDATE recommendations SET status = 'superseded', status_changed_at = $2 WHERE crossing_id = $1 AND status = 'pending' RETURNING id`,
        [evaluation.crossingId, evaluation.evaluatedAt],
      );
      const [row] = await manager.query(
        `INSERT INTO recommendations (crossing_id, based_on_interval_start, forecast_id, method, cycle_seconds, lost_time_seconds, flow_ratio_sum,
           oversaturated, phases, planning_period_start, valid_until, status, status_changed_at, basis, expected_delay_running_seconds,
           expected_delay_recommended_seconds, gain_seconds, gain_share, congested, reason, forecast_message_id, compared_with, automatic, input_source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, 'pending', $12, $13, $14, $15, $16, $17, $18, $19, $20, $21::jsonb, $22::jsonb, $23)
         RETURNING *`,
        [
          evaluation.crossingId,
          evaluation.basedOnIntervalStart,
          forecast?.id ?? null,
          rec.method,
          rec.cycleSeconds,
          rec.lostTimeSeconds,
          rec.flowRatioSum,
          rec.oversaturated,
          JSON.stringify(rec.phases),
          evaluation.planningPeriodStart,
          rec.validUntil,
          evaluation.evaluatedAt,
          evaluation.basis,
          evaluation.expectedDelayRunningSeconds,
          evaluation.expectedDelayRecommendedSeconds,
          evaluation.gainSeconds,
          evaluation.gainShare,
          evaluation.congested,
          evaluation.reason,
          evaluation.forecastMessageId,
          JSON.stringify(rec.comparedWith),
          rec.automatic ? JSON.stringify(rec.automatic) : null,
          evaluation.inputSource,
        ],
      );
      const [[linked]] = await manager.query(
        `UPDATE planning_evaluations SET recommendation_id = $3 WHERE crossing_id = $1 AND planning_period_start = $2 RETURNING *`,
        [evaluation.crossingId, evaluation.planningPeriodStart, row.id],
      );
      return {
        status: 'stored',
        evaluation: toEvaluationView(linked),
        recommendation: toRecommendationView(row),
        supersededIds: superseded.map((r) => String(r.id)),
        expiredIds: expired.map((r) => String(r.id)),
      } as const;
    });
  }

  /**
   * Crossings whose newest stored forecast (crossing_status) lies in a planning period with
   * no evaluation yet, with that forecast's interval: what a new leader, or one that
   * restarted, still has to plan.
   */
  async unplannedCrossings(periodMinutes: number): Promise<Array<{ crossingId: string; basedOnIntervalStart: Date }>> {
    const rows = await this.dataSource.query(
      `SELECT s.crossing_id, s.last_forecast_interval_start FROM crossing_status s
       WHERE s.last_forecast_interval_start IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM planning_evaluations e WHERE e.crossing_id = s.crossing_id
           AND e.planning_period_start = to_timestamp(floor(extract(epoch FROM s.last_forecast_interval_start) / $1) * $1))
       ORDER BY s.crossing_id`,
      [periodMinutes * 60],
    );
    return rows.map((r: Record<string, unknown>) => ({ crossingId: r.crossing_id as string, basedOnIntervalStart: r.last_forecast_interval_start as Date }));
  }

  /** Pending recommendations automatic mode decided to apply: a process that stopped before applying one left it so. */
  async pendingAutomaticApplies(): Promise<RecommendationView[]> {
    const rows = await this.dataSource.query(`SELECT * FROM recommendations WHERE status = 'pending' AND automatic->>'action' = 'apply' ORDER BY id`);
    return rows.map(toRecommendationView);
  }

  async recommendationById(id: string): Promise<RecommendationView | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM recommendations WHERE id = $1`, [id]);
    return row ? toRecommendationView(row) : null;
  }

  /** Replaces automatic mode's verdict (an apply refused at the last moment becomes a hold that says why); `fence` runs first and throws to refuse the write. */
  async recordAutomaticOutcome(id: string, outcome: AutomaticOutcomeView, fence?: Fence): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (fence) await fence(manager);
      await manager.query(`UPDATE recommendations SET automatic = $2::jsonb WHERE id = $1`, [id, JSON.stringify(outcome)]);
    });
  }

  /** Newest planning period first. */
  async recommendations(filter: { crossingId?: string; status?: RecommendationStatus }, limit: number): Promise<RecommendationView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.crossingId) where.push(`crossing_id = $${params.push(filter.crossingId)}`);
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    const rows = await this.dataSource.query(
      `SELECT * FROM recommendations ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY planning_period_start DESC, crossing_id LIMIT $${params.push(limit)}`,
      params,
    );
    return rows.map(toRecommendationView);
  }

  async lastEvaluation(crossingId: string): Promise<PlanningEvaluationView | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM planning_evaluations WHERE crossing_id = $1 ORDER BY planning_period_start DESC LIMIT 1`, [crossingId]);
    return row ? toEvaluationView(row) : null;
  }

  async automaticSettings(crossingId: string): Promise<AutomaticSettingsRow | null> {
    const [row] = await this.dataSource.query(
      `SELECT c.id, c.automatic_enabled, c.automatic_updated_by, c.automatic_updated_at,
         ${LAST_AUTOMATIC_SQL('c.id')} AS last_applied
       FROM crossings c WHERE c.id = $1`,
      [crossingId],
    );
    return row
      ? { crossingId: row.id, enabled: row.automatic_enabled, updatedBy: row.automatic_updated_by ?? null, updatedAt: row.automatic_updated_at ?? null, lastAppliedPeriodStart: row.last_applied ?? null }
      : null;
  }

  async setAutomatic(crossingId: string, enabled: boolean, by: string, at: Date): Promise<void> {
    await this.dataSource.query(`UPDATE crossings SET automatic_enabled = $2, automatic_updated_by = $3, automatic_updated_at = $4 WHERE id = $1`, [crossingId, enabled, by, at]);
  }
}

export function toRecommendationView(r: Record<string, unknown>): RecommendationView {
  const iso = (v: unknown) => (v ? (v as Date).toISOString() : null);
  return {
    id: String(r.id),
    crossingId: r.crossing_id as string,
    basedOnIntervalStart: (r.based_on_interval_start as Date).toISOString(),
    method: r.method as string,
    cycleSeconds: r.cycle_seconds as number,
    lostTimeSeconds: r.lost_time_seconds as number,
    flowRatioSum: r.flow_ratio_sum as number,
    oversaturated: r.oversaturated as boolean,
    phases: r.phases as PhaseTimingView[],
    createdAt: (r.created_at as Date).toISOString(),
    planningPeriodStart: iso(r.planning_period_start ?? r.based_on_interval_start)!,
    validUntil: iso(r.valid_until),
    status: (r.status as RecommendationStatus | undefined) ?? 'pending',
    statusChangedAt: iso(r.status_changed_at),
    basis: (r.basis as 'centre' | 'upper' | null) ?? null,
    expectedDelayRunningSeconds: (r.expected_delay_running_seconds as number | null) ?? null,
    expectedDelayRecommendedSeconds: (r.expected_delay_recommended_seconds as number | null) ?? null,
    gainSeconds: (r.gain_seconds as number | null) ?? null,
    gainShare: (r.gain_share as number | null) ?? null,
    congested: (r.congested as boolean | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    forecastMessageId: (r.forecast_message_id as string | null) ?? null,
    inputSource: (r.input_source as PlanningInputSource | undefined) ?? 'worker-forecast',
    comparedWith: (r.compared_with as ComparedPlanView | null) ?? null,
    automatic: (r.automatic as AutomaticOutcomeView | null) ?? null,
  };
}

function toEvaluationView(r: Record<string, unknown>): PlanningEvaluationView {
  return {
    crossingId: r.crossing_id as string,
    planningPeriodStart: (r.planning_period_start as Date).toISOString(),
    basedOnIntervalStart: (r.based_on_interval_start as Date).toISOString(),
    forecastMessageId: r.forecast_message_id as string,
    outcome: r.outcome as PlanningEvaluationView['outcome'],
    gainSeconds: r.gain_seconds as number,
    gainShare: r.gain_share as number,
    expectedDelayRunningSeconds: r.expected_delay_running_seconds as number,
    expectedDelayRecommendedSeconds: r.expected_delay_recommended_seconds as number,
    basis: r.basis as 'centre' | 'upper',
    congested: r.congested as boolean,
    reason: r.reason as string,
    inputSource: (r.input_source as PlanningInputSource | undefined) ?? 'worker-forecast',
    recommendationId: r.recommendation_id === null || r.recommendation_id === undefined ? null : String(r.recommendation_id),
    evaluatedAt: (r.evaluated_at as Date).toISOString(),
  };
}

function toRunningPlanView(r: Record<string, unknown>): RunningPlanView {
  const plan = r.plan as RunningPlanView;
  return { ...plan, crossingId: r.crossing_id as string, acceptedBy: r.accepted_by as string, acceptedAt: (r.accepted_at as Date).toISOString(), decisionId: runningDecisionKey(r) };
}

/** The decision a running plan came from: a crossing's decision id, or `corridor-<id>` for a corridor decision. */
export function runningDecisionKey(r: Record<string, unknown>): string {
  return r.decision_id !== null && r.decision_id !== undefined ? String(r.decision_id) : `corridor-${String(r.corridor_decision_id)}`;
}

/**
 * The crossing's congestion verdict (crossing_congestion, the congestion alert): the newest
 * planning period wins (an older one arriving late changes nothing); while evaluations stay
 * congested the run keeps its first period as `congested_since`.
 */
async function recordCongestion(manager: EntityManager, evaluation: Pick<EvaluationToStore, 'crossingId' | 'planningPeriodStart' | 'congested' | 'reason'>): Promise<void> {
  await recordCongestions(manager, [evaluation]);
}

/** `recordCongestion` for many crossings in one statement (each crossing at most once). */
async function recordCongestions(manager: EntityManager, evaluations: ReadonlyArray<Pick<EvaluationToStore, 'crossingId' | 'planningPeriodStart' | 'congested' | 'reason'>>): Promise<void> {
  if (evaluations.length === 0) return;
  await manager.query(
    `INSERT INTO crossing_congestion AS c (crossing_id, planning_period_start, congested, congested_since, reason)
     SELECT q.crossing_id, q.period_start, q.congested, CASE WHEN q.congested THEN q.period_start END, q.reason
     FROM unnest($1::text[], $2::timestamptz[], $3::boolean[], $4::text[]) AS q(crossing_id, period_start, congested, reason)
     ON CONFLICT (crossing_id) DO UPDATE SET
       congested_since = CASE WHEN NOT EXCLUDED.congested THEN NULL WHEN c.congested THEN c.congested_since ELSE EXCLUDED.planning_period_start END,
       planning_period_start = EXCLUDED.planning_period_start, congested = EXCLUDED.congested, reason = EXCLUDED.reason
     WHERE EXCLUDED.planning_period_start > c.planning_period_start`,
    [evaluations.map((e) => e.crossingId), evaluations.map((e) => e.planningPeriodStart), evaluations.map((e) => e.congested), evaluations.map((e) => e.reason)],
  );
}
