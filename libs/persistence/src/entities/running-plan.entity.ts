import { Column, Entity, JoinColumn, ManyToOne, OneToOne, PrimaryColumn } from 'typeorm';
import type { PlanSummaryView } from '@crosscast/contracts';
import { CrossingEntity } from './crossing.entity';
import { RecommendationDecisionEntity } from './recommendation-decision.entity';

/** The plan last accepted for a crossing: what "was running before" the next decision. */
@Entity({ name: 'running_plans' })
export class RunningPlanEntity {
  @PrimaryColumn({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  @OneToOne(() => CrossingEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'crossing_id', foreignKeyConstraintName: 'fk_running_plans_crossing' })
  crossing?: CrossingEntity;

  /** The crossing's own decision that set the plan, or null when a corridor decision did. */
  @Column({ name: 'decision_id', type: 'bigint', nullable: true })
  decisionId: string | null;

  /** The corridor decision that set the plan (one decision for every crossing of the corridor). */
  @Column({ name: 'corridor_decision_id', type: 'bigint', nullable: true })
  corridorDecisionId: string | null;

  @ManyToOne(() => RecommendationDecisionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'decision_id', foreignKeyConstraintName: 'fk_running_plans_decision' })
  decision?: RecommendationDecisionEntity;

  @Column({ type: 'jsonb' })
  plan: PlanSummaryView;

  @Column({ name: 'accepted_by', type: 'varchar', length: 64 })
  acceptedBy: string;

  @Column({ name: 'accepted_at', type: 'timestamptz' })
  acceptedAt: Date;
}
