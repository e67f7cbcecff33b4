import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { DeciderRole, DecisionKind, PlanSummaryView } from '@crosscast/contracts';
import { CrossingEntity } from './crossing.entity';
import { RecommendationEntity } from './recommendation.entity';
import { UserEntity } from './user.entity';

/**
 * The audit trail of the operator workflow: one row per decided recommendation (the
 * unique key makes a second decision a conflict), with who decided, when, the plan and
 * the plan that was running before. The username and role are copied so the row still
 * says who it was after the user is renamed or changes role.
 */
@Entity({ name: 'recommendation_decisions' })
@Unique('uq_recommendation_decisions_recommendation', ['recommendationId'])
@Index('ix_recommendation_decisions_crossing_decided', ['crossingId', 'decidedAt'])
@Check('ck_recommendation_decisions_decider', `"decided_by_user_id" IS NOT NULL OR "decided_by_role" = 'automatic'`)
export class RecommendationDecisionEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'recommendation_id', type: 'bigint' })
  recommendationId: string;

  @ManyToOne(() => RecommendationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'recommendation_id', foreignKeyConstraintName: 'fk_recommendation_decisions_recommendation' })
  recommendation?: RecommendationEntity;

  @Column({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  @ManyToOne(() => CrossingEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'crossing_id', foreignKeyConstraintName: 'fk_recommendation_decisions_crossing' })
  crossing?: CrossingEntity;

  @Column({ type: 'varchar', length: 16 })
  decision: DecisionKind;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  /** Null only for automatic mode's decisions (role 'automatic'): no user row, no login. */
  @Column({ name: 'decided_by_user_id', type: 'bigint', nullable: true })
  decidedByUserId: string | null;

  @ManyToOne(() => UserEntity)
  @JoinColumn({ name: 'decided_by_user_id', foreignKeyConstraintName: 'fk_recommendation_decisions_user' })
  decidedByUser?: UserEntity;

  @Column({ name: 'decided_by_username', type: 'varchar', length: 64 })
  decidedByUsername: string;

  @Column({ name: 'decided_by_role', type: 'varchar', length: 16 })
  decidedByRole: DeciderRole;

  @Column({ name: 'decided_at', type: 'timestamptz' })
  decidedAt: Date;

  @Column({ type: 'jsonb' })
  plan: PlanSummaryView;

  @Column({ name: 'previous_plan', type: 'jsonb', nullable: true })
  previousPlan: PlanSummaryView | null;

  /** Accepted plans: when the TimingPlanMessage reached the queue; null until then (retried). */
  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;
}
