import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  AutomaticModeView,
  AutomaticOutcomeView,
  ComparedPlanView,
  CrossingRecommendationView,
  DecisionKind,
  DecisionView,
  DeciderRole,
  PhaseTimingView,
  PlanActuatedView,
  PlanCoordinationView,
  PlanningEvaluationView,
  PlanningInputSource,
  PlanSummaryView,
  RECOMMENDATION_STATUSES,
  ROLES,
  RecommendationStatus,
  RecommendationView,
  RunningPlanView,
} from '@crosscast/contracts';
import { ErrorResponseDto } from './common.view.dto';

export const INPUT_SOURCES: PlanningInputSource[] = ['fused', 'estimate', 'worker-forecast'];
export const DECISION_KINDS: DecisionKind[] = ['accepted', 'rejected'];
export const DECIDER_ROLES: DeciderRole[] = [...ROLES, 'automatic'];

export class PhaseTimingDto implements PhaseTimingView {
  @ApiProperty({ example: 'A' }) name: string;
  @ApiProperty({ type: [String] }) approaches: string[];
  @ApiProperty() flowVehPerHour: number;
  @ApiProperty() saturationFlowVehPerHour: number;
  @ApiProperty() flowRatio: number;
  @ApiProperty() greenSeconds: number;
}

export class PhaseGreenDto {
  @ApiProperty() name: string;
  @ApiProperty() greenSeconds: number;
}

export class ComparedPlanDto implements ComparedPlanView {
  @ApiProperty({ enum: ['running-plan', 'base-plan', 'observed-webster', 'default'] }) source: ComparedPlanView['source'];
  @ApiProperty({ type: String, nullable: true }) planId: string | null;
  @ApiProperty() cycleSeconds: number;
  @ApiProperty({ type: () => [PhaseGreenDto] }) phases: PhaseGreenDto[];
}

export class PlanPhaseDto {
  @ApiProperty() name: string;
  @ApiProperty({ type: [String] }) approaches: string[];
  @ApiProperty() greenSeconds: number;
}

export class PlanCoordinationDto implements PlanCoordinationView {
  @ApiProperty() corridorRecommendationId: string;
  @ApiProperty() corridor: string;
  @ApiProperty({ description: "The coordinated phase's green starts at offsetSeconds + k × cycle from local midnight" }) offsetSeconds: number;
  @ApiProperty() coordinatedPhase: string;
  @ApiProperty({ type: [Number], description: "Per phase, in the plan's phase order: green + amber + all-red (its force-off)" }) splitSeconds: number[];
  @ApiProperty() minGreenSeconds: number;
  @ApiProperty() passageSeconds: number;
  @ApiProperty() amberSeconds: number;
  @ApiProperty() allRedSeconds: number;
}

export class PlanActuatedDto implements PlanActuatedView {
  @ApiProperty() corridorRecommendationId: string;
  @ApiProperty() corridor: string;
  @ApiProperty() minGreenSeconds: number;
  @ApiProperty({ description: 'Longest green of any phase' }) maxGreenSeconds: number;
  @ApiProperty({ description: 'A green ends when no vehicle crossed its detectors for this long' }) passageSeconds: number;
  @ApiProperty() amberSeconds: number;
  @ApiProperty() allRedSeconds: number;
}

export class PlanSummaryDto implements PlanSummaryView {
  @ApiProperty({ type: String, nullable: true }) planId: string | null;
  @ApiProperty() recommendationId: string;
  @ApiProperty() cycleSeconds: number;
  @ApiProperty({ type: () => [PlanPhaseDto] }) phases: PlanPhaseDto[];
  @ApiPropertyOptional({ type: () => PlanCoordinationDto, description: "Present when the plan is a corridor's coordinated-actuated plan" }) coordination?: PlanCoordinationDto;
  @ApiPropertyOptional({ type: () => PlanActuatedDto, description: "Present when the plan is a group's free operation (the actuated controller, no cycle)" }) actuated?: PlanActuatedDto;
}

export class AutomaticPlanDto {
  @ApiProperty() cycleSeconds: number;
  @ApiProperty({ type: () => [PlanPhaseDto] }) phases: PlanPhaseDto[];
}

export class AutomaticOutcomeDto implements AutomaticOutcomeView {
  @ApiProperty({ enum: ['apply', 'hold'] }) action: 'apply' | 'hold';
  @ApiProperty() note: string;
  @ApiProperty({ type: () => AutomaticPlanDto, nullable: true }) plan: AutomaticPlanDto | null;
  @ApiProperty() clipped: boolean;
}

export class RecommendationDto implements RecommendationView {
  @ApiProperty() id: string;
  @ApiProperty() crossingId: string;
  @ApiProperty({ format: 'date-time' }) basedOnIntervalStart: string;
  @ApiProperty() method: string;
  @ApiProperty() cycleSeconds: number;
  @ApiProperty() lostTimeSeconds: number;
  @ApiProperty() flowRatioSum: number;
  @ApiProperty() oversaturated: boolean;
  @ApiProperty({ type: () => [PhaseTimingDto] }) phases: PhaseTimingDto[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) planningPeriodStart: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) validUntil: string | null;
  @ApiProperty({ enum: RECOMMENDATION_STATUSES }) status: RecommendationStatus;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) statusChangedAt: string | null;
  @ApiProperty({ enum: ['centre', 'upper'], nullable: true }) basis: 'centre' | 'upper' | null;
  @ApiProperty({ type: Number, nullable: true }) expectedDelayRunningSeconds: number | null;
  @ApiProperty({ type: Number, nullable: true }) expectedDelayRecommendedSeconds: number | null;
  @ApiProperty({ type: Number, nullable: true }) gainSeconds: number | null;
  @ApiProperty({ type: Number, nullable: true }) gainShare: number | null;
  @ApiProperty({ type: Boolean, nullable: true }) congested: boolean | null;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ type: String, nullable: true }) forecastMessageId: string | null;
  @ApiProperty({ enum: INPUT_SOURCES }) inputSource: PlanningInputSource;
  @ApiProperty({ type: () => ComparedPlanDto, nullable: true }) comparedWith: ComparedPlanDto | null;
  @ApiProperty({ type: () => AutomaticOutcomeDto, nullable: true }) automatic: AutomaticOutcomeDto | null;
}

export class PlanningEvaluationDto implements PlanningEvaluationView {
  @ApiProperty() crossingId: string;
  @ApiProperty({ format: 'date-time' }) planningPeriodStart: string;
  @ApiProperty({ format: 'date-time' }) basedOnIntervalStart: string;
  @ApiProperty() forecastMessageId: string;
  @ApiProperty({ enum: ['recommended', 'not-needed'] }) outcome: 'recommended' | 'not-needed';
  @ApiProperty() gainSeconds: number;
  @ApiProperty() gainShare: number;
  @ApiProperty() expectedDelayRunningSeconds: number;
  @ApiProperty() expectedDelayRecommendedSeconds: number;
  @ApiProperty({ enum: ['centre', 'upper'] }) basis: 'centre' | 'upper';
  @ApiProperty() congested: boolean;
  @ApiProperty() reason: string;
  @ApiProperty({ enum: INPUT_SOURCES }) inputSource: PlanningInputSource;
  @ApiProperty({ type: String, nullable: true }) recommendationId: string | null;
  @ApiProperty({ format: 'date-time' }) evaluatedAt: string;
}

export class GuardRailsDto {
  @ApiProperty() minCycleSeconds: number;
  @ApiProperty() maxCycleSeconds: number;
  @ApiProperty() maxCycleChangeShare: number;
  @ApiProperty() maxGreenChangeShare: number;
  @ApiProperty() minMinutesBetweenChanges: number;
}

export class AutomaticModeDto implements AutomaticModeView {
  @ApiProperty() crossingId: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: String, nullable: true }) updatedBy: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Planning period of the last plan automatic mode applied' }) lastAppliedPeriodStart: string | null;
  @ApiProperty({ type: () => GuardRailsDto }) guardRails: GuardRailsDto;
}

export class HysteresisDto {
  @ApiProperty() minGainSeconds: number;
  @ApiProperty() minGainShare: number;
  @ApiProperty() planningPeriodMinutes: number;
  @ApiProperty() planningHorizonMinutes: number;
}

/** GET /api/crossings/:id/recommendation. */
export class CrossingRecommendationDto implements CrossingRecommendationView {
  @ApiProperty() crossingId: string;
  @ApiProperty({ type: () => RecommendationDto, nullable: true, description: 'The recommendation waiting for a decision' }) pending: RecommendationDto | null;
  @ApiProperty({ type: () => RecommendationDto, nullable: true, description: 'The newest recommendation whatever its status' }) latest: RecommendationDto | null;
  @ApiProperty({ type: () => PlanningEvaluationDto, nullable: true, description: 'Says why there is no recommendation when the gain was too small' }) lastEvaluation: PlanningEvaluationDto | null;
  @ApiProperty({ type: () => AutomaticModeDto }) automatic: AutomaticModeDto;
  @ApiProperty({ type: () => HysteresisDto }) hysteresis: HysteresisDto;
}

/** One audit row: who decided what about which recommendation, and what was running before. */
export class DecisionDto implements DecisionView {
  @ApiProperty() id: string;
  @ApiProperty() recommendationId: string;
  @ApiProperty() crossingId: string;
  @ApiProperty({ enum: DECISION_KINDS }) decision: DecisionKind;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty() decidedBy: string;
  @ApiProperty({ enum: DECIDER_ROLES }) decidedByRole: DeciderRole;
  @ApiProperty({ format: 'date-time' }) decidedAt: string;
  @ApiProperty({ type: () => PlanSummaryDto }) plan: PlanSummaryDto;
  @ApiProperty({ type: () => PlanSummaryDto, nullable: true, description: 'The plan running when the decision was made (null: none accepted yet)' }) previousPlan: PlanSummaryDto | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Accepted plans: when the TimingPlanMessage went onto the queue (null: not yet, retried)' }) publishedAt: string | null;
}

export class RunningPlanDto extends PlanSummaryDto implements RunningPlanView {
  @ApiProperty() crossingId: string;
  @ApiProperty() acceptedBy: string;
  @ApiProperty({ format: 'date-time' }) acceptedAt: string;
  @ApiProperty() decisionId: string;
}

/** 409 on a decision: already decided (with that decision), not pending, or plans disabled for the crossing. */
export class DecisionConflictDto extends ErrorResponseDto {
  @ApiPropertyOptional({ type: () => DecisionDto, description: 'The decision already made, when it was already decided' }) decision?: DecisionDto;
}
