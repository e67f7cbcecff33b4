import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';
import type {
  ApproachVolumeView,
  ArrivalsOnGreenView,
  CrossingMeasuresView,
  DetectorChannelConfig,
  PcdCycleView,
  PcdPhaseView,
  PhaseTerminationView,
  SplitFailureGreenView,
  SplitFailuresView,
  SplitMonitorGreenView,
  SplitMonitorPhaseView,
} from '@crosscast/contracts';

export const BIN_MINUTES = [1, 5, 15, 60] as const;

export class MeasuresQuery {
  @ApiPropertyOptional({ example: '2025-01-06T07:00:00Z', description: 'Window start (ISO 8601 with zone). Default: `minutes` (60) before `to`. Cycles (greens, red-to-red cycles) starting in [from, to) count.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time, e.g. 2025-01-06T07:00:00Z' })
  from?: string;

  @ApiPropertyOptional({ example: '2025-01-06T08:00:00Z', description: "Window end (exclusive). Default: the end of the crossing's newest stored log (else now). At most 7 days after `from`." })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time, e.g. 2025-01-06T08:00:00Z' })
  to?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 10080, default: 60, description: 'Window length in minutes when `from` is not given: the window is [to − minutes, to), e.g. the last 4 hours of the log with 240 (ignored with `from`)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'minutes must be a whole number' })
  @Min(1, { message: 'minutes must be at least 1' })
  @Max(10080, { message: 'minutes must be at most 10080 (7 days)' })
  minutes?: number;

  @ApiPropertyOptional({ enum: BIN_MINUTES, default: 15, description: 'Approach volume bin, minutes' })
  @IsOptional()
  @Type(() => Number)
  @IsIn(BIN_MINUTES, { message: `binMinutes must be one of ${BIN_MINUTES.join(', ')}` })
  binMinutes?: number;
}

const TERMINATIONS: PhaseTerminationView[] = ['gap-out', 'max-out', 'force-off', 'unknown'];

export class DetectorChannelDto implements DetectorChannelConfig {
  @ApiProperty({ example: 1 }) channel: number;
  @ApiProperty({ example: 'c0_0:N' }) approachId: string;
  @ApiProperty({ type: Number, nullable: true, example: 2, description: 'Phase number (1-based) serving the channel' }) phase: number | null;
  @ApiProperty({ enum: ['advance', 'stop-bar', 'count'] }) kind: DetectorChannelConfig['kind'];
  @ApiProperty({ description: 'Free-flow seconds from the detector to the stop line; arrivals are moved by it' }) travelSeconds: number;
}

export class SplitMonitorGreenDto implements SplitMonitorGreenView {
  @ApiProperty({ format: 'date-time' }) greenStart: string;
  @ApiProperty() greenSeconds: number;
  @ApiProperty({ type: Number, nullable: true }) yellowSeconds: number | null;
  @ApiProperty({ type: Number, nullable: true }) redClearanceSeconds: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Green start to the next green start of the phase' }) cycleSeconds: number | null;
  @ApiProperty({ enum: TERMINATIONS }) termination: PhaseTerminationView;
}

export class SplitMonitorPhaseDto implements SplitMonitorPhaseView {
  @ApiProperty() phase: number;
  @ApiProperty({ description: 'Greens starting in the window whose end is logged' }) cycles: number;
  @ApiProperty() meanGreenSeconds: number;
  @ApiProperty({ description: '85th percentile (nearest rank) green' }) p85GreenSeconds: number;
  @ApiProperty({ type: Number, nullable: true }) meanCycleSeconds: number | null;
  @ApiProperty() gapOutShare: number;
  @ApiProperty() maxOutShare: number;
  @ApiProperty() forceOffShare: number;
  @ApiProperty() unknownShare: number;
  @ApiProperty({ type: [SplitMonitorGreenDto] }) greens: SplitMonitorGreenDto[];
}

export class ArrivalsOnGreenDto implements ArrivalsOnGreenView {
  @ApiProperty() phase: number;
  @ApiProperty({ description: 'Red-to-red cycles starting in the window' }) cycles: number;
  @ApiProperty() arrivals: number;
  @ApiProperty() arrivalsOnGreen: number;
  @ApiProperty({ type: Number, nullable: true, description: 'arrivalsOnGreen / arrivals' }) aogShare: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Green time / cycle time' }) greenShare: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'aogShare / greenShare (HCM platoon ratio)' }) platoonRatio: number | null;
}

export class PcdCycleDto implements PcdCycleView {
  @ApiProperty({ format: 'date-time', description: 'Start of red' }) cycleStart: string;
  @ApiProperty() cycleSeconds: number;
  @ApiProperty({ type: Number, nullable: true }) greenAtSeconds: number | null;
  @ApiProperty({ type: Number, nullable: true }) yellowAtSeconds: number | null;
  @ApiProperty({ type: [Number], description: 'Arrivals at the stop line, seconds after cycleStart' }) arrivalsSeconds: number[];
}

export class PcdPhaseDto implements PcdPhaseView {
  @ApiProperty() phase: number;
  @ApiProperty({ type: [PcdCycleDto] }) cycles: PcdCycleDto[];
}

export class SplitFailureGreenDto implements SplitFailureGreenView {
  @ApiProperty({ format: 'date-time' }) greenStart: string;
  @ApiProperty({ description: 'Green occupancy ratio of the stop-bar zones' }) greenOccupancy: number;
  @ApiProperty({ description: 'Occupancy ratio over the first 5 s of red' }) redOccupancy: number;
  @ApiProperty({ description: 'Both ratios at or above 0.79' }) failed: boolean;
}

export class SplitFailuresDto implements SplitFailuresView {
  @ApiProperty() phase: number;
  @ApiProperty() cycles: number;
  @ApiProperty() failures: number;
  @ApiProperty({ type: Number, nullable: true }) failureShare: number | null;
  @ApiProperty({ type: [SplitFailureGreenDto] }) greens: SplitFailureGreenDto[];
}

export class VolumeBinDto {
  @ApiProperty({ format: 'date-time' }) start: string;
  @ApiProperty() count: number;
}

export class ApproachVolumeDto implements ApproachVolumeView {
  @ApiProperty() approachId: string;
  @ApiProperty() total: number;
  @ApiProperty() vehPerHour: number;
  @ApiProperty({ type: [VolumeBinDto] }) bins: VolumeBinDto[];
}

/** The OpenAPI description of CrossingMeasuresView (libs/contracts). */
export class CrossingMeasuresDto implements CrossingMeasuresView {
  @ApiProperty() crossingId: string;
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty() binMinutes: number;
  @ApiProperty({ description: 'Events read (the window plus 10 minutes either side)' }) events: number;
  @ApiProperty({ type: [DetectorChannelDto] }) channels: DetectorChannelDto[];
  @ApiProperty({ type: [SplitMonitorPhaseDto] }) splitMonitor: SplitMonitorPhaseDto[];
  @ApiProperty({ type: [ArrivalsOnGreenDto] }) arrivalsOnGreen: ArrivalsOnGreenDto[];
  @ApiProperty({ type: [PcdPhaseDto] }) pcd: PcdPhaseDto[];
  @ApiProperty({ type: [SplitFailuresDto] }) splitFailures: SplitFailuresDto[];
  @ApiProperty({ type: [ApproachVolumeDto] }) approachVolumes: ApproachVolumeDto[];
}
