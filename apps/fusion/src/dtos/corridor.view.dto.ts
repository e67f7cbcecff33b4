import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { CorridorAutomaticOutcomeView, CorridorCrossingView, CorridorDecisionView, CorridorFreeCrossingView, CorridorView, CorridorRecommendationStatus, CorridorRecommendationView, DecisionKind, DeciderRole, PlanningInputSource, PlanSummaryView } from '@crosscast/contracts';
import { ErrorResponseDto } from './common.view.dto';
import { DECIDER_ROLES, DECISION_KINDS, INPUT_SOURCES, PlanActuatedDto, PlanCoordinationDto, PlanPhaseDto, PlanSummaryDto } from './recommendation.view.dto';

const CORRIDOR_STATUSES: CorridorRecommendationStatus[] = ['pending', 'accepted', 'rejected', 'superseded', 'expired', 'applied-automatically'];

/** Automatic mode's verdict on a corridor recommendation. */
export class CorridorAutomaticOutcomeDto implements CorridorAutomaticOutcomeView {
  @ApiProperty({ enum: ['apply', 'hold'], description: 'apply: applied as user automatic (the whole plan, never clipped); hold: left to the operators' }) action: 'apply' | 'hold';
  @ApiProperty() note: string;
}

/** GET /api/corridors: one corridor. */
export class CorridorDto implements CorridorView {
  @ApiProperty({ example: 'HIGH STREET RD: 0970 → 2000' }) name: string;
  @ApiProperty() road: string;
  @ApiProperty({ type: [String], description: 'In road order' }) crossingIds: string[];
  @ApiProperty({ description: 'The phase that carries the road (at its first crossing)' }) coordinatedPhase: string;
}

/** A crossing's part of a group's advice when it is to run coordinated. */
export class CoordinatedPlanDto implements PlanSummaryView {
  @ApiProperty({ type: String, nullable: true }) planId: string | null;
  @ApiProperty() recommendationId: string;
  @ApiProperty() cycleSeconds: number;
  @ApiProperty({ type: () => [PlanPhaseDto], description: 'Greens are the force-off greens (split − clearance)' }) phases: PlanPhaseDto[];
  @ApiProperty({ type: () => PlanCoordinationDto }) coordination: PlanCoordinationDto;
}

export class CorridorCrossingDto implements CorridorCrossingView {
  @ApiProperty() crossingId: string;
  @ApiProperty({ type: () => CoordinatedPlanDto }) plan: CoordinatedPlanDto;
  @ApiProperty({ type: Number, nullable: true, description: 'Road distance to the next crossing, metres (null for the last)' }) linkToNextMetres: number | null;
  @ApiProperty() expectedDelayRunningSeconds: number;
  @ApiProperty() expectedDelayPlanSeconds: number;
  @ApiProperty({ enum: INPUT_SOURCES }) inputSource: PlanningInputSource;
}

/** A crossing's part of a group's advice when it is to run free. */
export class FreePlanDto implements PlanSummaryView {
  @ApiProperty({ type: String, nullable: true }) planId: string | null;
  @ApiProperty() recommendationId: string;
  @ApiProperty({ description: 'The cycle it would run coordinated (for the record: free operation has none)' }) cycleSeconds: number;
  @ApiProperty({ type: () => [PlanPhaseDto], description: 'The greens it would run coordinated (for the record)' }) phases: PlanPhaseDto[];
  @ApiProperty({ type: () => PlanActuatedDto }) actuated: PlanActuatedDto;
}

export class CorridorFreeCrossingDto implements CorridorFreeCrossingView {
  @ApiProperty() crossingId: string;
  @ApiProperty({ type: () => FreePlanDto }) plan: FreePlanDto;
  @ApiProperty() expectedDelayRunningSeconds: number;
  @ApiProperty() expectedDelayPlanSeconds: number;
  @ApiProperty({ enum: INPUT_SOURCES }) inputSource: PlanningInputSource;
}

export class BandwidthDto {
  @ApiProperty({ description: 'First → last crossing, seconds' }) outbound: number;
  @ApiProperty() inbound: number;
}

export class CorridorRecommendationDto implements CorridorRecommendationView {
  @ApiProperty() id: string;
  @ApiProperty() corridor: string;
  @ApiProperty() road: string;
  @ApiProperty({ type: [String] }) crossingIds: string[];
  @ApiProperty({ format: 'date-time' }) planningPeriodStart: string;
  @ApiProperty({ format: 'date-time' }) basedOnIntervalStart: string;
  @ApiProperty({ format: 'date-time' }) validUntil: string;
  @ApiProperty() cycleSeconds: number;
  @ApiProperty({ type: () => BandwidthDto, description: 'Through band at free-flow speed, seconds' }) bandwidthSeconds: BandwidthDto;
  @ApiProperty({ type: () => [CorridorCrossingDto], description: 'The crossings advised to run coordinated' }) crossings: CorridorCrossingDto[];
  @ApiProperty({ type: () => [CorridorFreeCrossingDto], description: 'The crossings advised to run free (actuated, no common cycle)' }) freeCrossings: CorridorFreeCrossingDto[];
  @ApiProperty() expectedDelayRunningSeconds: number;
  @ApiProperty() expectedDelayPlanSeconds: number;
  @ApiProperty() gainSeconds: number;
  @ApiProperty() gainShare: number;
  @ApiProperty() reason: string;
  @ApiProperty({ enum: CORRIDOR_STATUSES }) status: CorridorRecommendationStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) statusChangedAt: string | null;
  @ApiProperty({ type: () => CorridorAutomaticOutcomeDto, nullable: true, description: 'Automatic mode\'s verdict (null: automatic mode is off at every crossing of it)' }) automatic: CorridorAutomaticOutcomeDto | null;
}

@ApiExtraModels(PlanSummaryDto)
export class CorridorDecisionDto implements CorridorDecisionView {
  @ApiProperty() id: string;
  @ApiProperty() corridorRecommendationId: string;
  @ApiProperty() corridor: string;
  @ApiProperty({ type: [String] }) crossingIds: string[];
  @ApiProperty({ enum: DECISION_KINDS }) decision: DecisionKind;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty() decidedBy: string;
  @ApiProperty({ enum: DECIDER_ROLES }) decidedByRole: DeciderRole;
  @ApiProperty({ format: 'date-time' }) decidedAt: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { nullable: true, allOf: [{ $ref: getSchemaPath(PlanSummaryDto) }] },
    description: 'Per crossing id: what it ran before (null: nothing accepted there yet)',
  })
  previousPlans: Record<string, PlanSummaryDto | null>;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) publishedAt: string | null;
}

/** 409 on a corridor decision: already decided (with that decision), not pending, or a crossing does not take plans. */
export class CorridorDecisionConflictDto extends ErrorResponseDto {
  @ApiPropertyOptional({ type: () => CorridorDecisionDto, description: 'The decision already made, when it was already decided' }) decision?: CorridorDecisionDto;
}
