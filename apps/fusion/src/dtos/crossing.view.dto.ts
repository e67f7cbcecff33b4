import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type {
  CrossingDetailView,
  CrossingForecastsView,
  CrossingFreshness,
  CrossingFusionView,
  CrossingListItemView,
  CongestionView,
  CrossingStatusView,
  DeadLetterView,
  ForecastPointView,
  ForecastView,
  FusedPointView,
  FusedSource,
  ObservationView,
  WorkerStatus,
} from '@crosscast/contracts';
import { ApproachDto, ForecastBandDto, FRESHNESS_VALUES, ModelInfoDto, WORKER_STATUSES, WorkerDriftDto } from './common.view.dto';
import { RecommendationDto } from './recommendation.view.dto';

const FUSED_SOURCES: FusedSource[] = ['own', 'fused', 'estimated'];

export class CongestionDto implements CongestionView {
  @ApiProperty({ format: 'date-time', description: 'First planning period of the unbroken run of congested evaluations (keys the alert)' }) since: string;
  @ApiProperty({ format: 'date-time', description: 'The newest (congested) planning period' }) periodStart: string;
  @ApiProperty({ example: 'cycle capped at 120 s: Y = 0.93 >= 0.9', description: "Why, in the planner's words" }) reason: string;
}

export class CrossingStatusDto implements CrossingStatusView {
  @ApiProperty({ example: '0970' }) crossingId: string;
  @ApiProperty({ enum: FRESHNESS_VALUES }) freshness: CrossingFreshness;
  @ApiProperty({ enum: WORKER_STATUSES, nullable: true }) workerStatus: WorkerStatus | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastForecastIntervalStart: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastHeartbeatAt: string | null;
  @ApiProperty({ type: () => ModelInfoDto, nullable: true }) model: ModelInfoDto | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Vehicles in the last finished interval' }) lastObservedTotal: number | null;
  @ApiProperty({ type: () => WorkerDriftDto, nullable: true, description: 'Recent 1-step error against validation error (null until measured)' }) drift: WorkerDriftDto | null;
  @ApiProperty({ type: () => CongestionDto, nullable: true, description: "The server's congestion verdict (newest planning evaluation near or over capacity, at most two periods old); null when not congested" }) congestion: CongestionDto | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'While offline: the last heartbeat before the worker went silent (keys the offline alert)' }) offlineSince: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'While stale: the newest forecast interval when the crossing went stale, kept while it stays stale (keys the stale alert)' }) staleSince: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'While degraded: the first heartbeat of the unbroken degraded run (keys the degraded alert)' }) degradedSince: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'While drifting (drift ratio over 1.5): the first heartbeat of the unbroken drifting run (keys the drift alert)' }) driftingSince: string | null;
}

@ApiExtraModels(ForecastBandDto)
export class ForecastPointDto implements ForecastPointView {
  @ApiProperty({ type: 'integer' }) stepsAhead: number;
  @ApiProperty({ type: 'integer' }) horizonMinutes: number;
  @ApiProperty({ format: 'date-time' }) intervalStart: string;
  @ApiProperty({ type: () => ForecastBandDto }) total: ForecastBandDto;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(ForecastBandDto) }, description: 'Per approach id' }) approaches: Record<string, ForecastBandDto>;
}

export class ForecastDto implements ForecastView {
  @ApiProperty() messageId: string;
  @ApiProperty() crossingId: string;
  @ApiProperty({ format: 'date-time' }) basedOnIntervalStart: string;
  @ApiProperty({ type: 'integer' }) intervalMinutes: number;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty({ type: () => ModelInfoDto }) model: ModelInfoDto;
  @ApiProperty() realInputShare: number;
  @ApiProperty({ type: [String] }) qualityFlags: string[];
  @ApiProperty({ type: () => [ForecastPointDto] }) horizons: ForecastPointDto[];
}

export class ObservationDto implements ObservationView {
  @ApiProperty() crossingId: string;
  @ApiProperty({ format: 'date-time' }) intervalStart: string;
  @ApiProperty({ type: Number, nullable: true }) total: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number', nullable: true }, description: 'Per approach id (null: missing)' }) approaches: Record<string, number | null>;
  @ApiProperty() filledShare: number;
}

export class FusionWeightsDto {
  @ApiProperty() own: number;
  @ApiProperty() profile: number;
  @ApiProperty() neighbours: number;
  @ApiProperty() bias: number;
}

export class FusedPointDto implements FusedPointView {
  @ApiProperty({ type: 'integer' }) stepsAhead: number;
  @ApiProperty({ type: 'integer' }) horizonMinutes: number;
  @ApiProperty({ format: 'date-time' }) intervalStart: string;
  @ApiProperty({ enum: FUSED_SOURCES }) source: FusedSource;
  @ApiProperty({ type: () => ForecastBandDto }) total: ForecastBandDto;
  @ApiPropertyOptional({ type: () => FusionWeightsDto, description: 'Fused points: own × w.own + profile × w.profile + neighbours × w.neighbours + bias' }) weights?: FusionWeightsDto;
}

export class CrossingFusionDto implements CrossingFusionView {
  @ApiProperty() crossingId: string;
  @ApiProperty({ format: 'date-time' }) asOfIntervalStart: string;
  @ApiProperty({ enum: FRESHNESS_VALUES }) freshness: CrossingFreshness;
  @ApiProperty({ enum: WORKER_STATUSES, nullable: true }) workerStatus: WorkerStatus | null;
  @ApiProperty({ enum: FUSED_SOURCES }) source: FusedSource;
  @ApiProperty({ type: String, nullable: true, description: 'Why the crossing is estimated; null when it is not' }) reason: string | null;
  @ApiProperty({ type: () => [FusedPointDto] }) horizons: FusedPointDto[];
}

/** GET /api/crossings: one item. */
export class CrossingListItemDto implements CrossingListItemView {
  @ApiProperty({ example: '0970' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() lat: number;
  @ApiProperty() lon: number;
  @ApiProperty({ type: () => [ApproachDto] }) approaches: ApproachDto[];
  @ApiProperty({ type: () => CrossingStatusDto }) status: CrossingStatusDto;
  @ApiProperty({ type: () => CrossingFusionDto, nullable: true, description: "Fusion's estimate while the worker's own forecast is not usable (stale, offline, degraded); null otherwise" })
  estimate: CrossingFusionDto | null;
}

/** GET /api/crossings/:id. */
export class CrossingDetailDto extends CrossingListItemDto implements CrossingDetailView {
  @ApiProperty({ type: () => ForecastDto, nullable: true }) latestForecast: ForecastDto | null;
  @ApiProperty({ type: () => RecommendationDto, nullable: true }) latestRecommendation: RecommendationDto | null;
  @ApiProperty({ type: () => [ObservationDto], description: 'The last 96 observed intervals' }) recentObservations: ObservationDto[];
  @ApiProperty({ type: () => CrossingFusionDto, nullable: true, description: "Fusion's values for the intervals after the city's now (null: no data yet)" }) fused: CrossingFusionDto | null;
}

/** GET /api/crossings/:id/forecasts. */
export class CrossingForecastsDto implements CrossingForecastsView {
  @ApiProperty() crossingId: string;
  @ApiProperty({ type: () => [ForecastDto], description: 'The worker\'s own forecasts whose based-on interval lies in [from, to], oldest first' }) forecasts: ForecastDto[];
  @ApiProperty({ type: () => CrossingFusionDto, nullable: true }) fused: CrossingFusionDto | null;
}

export class DeadLetterDto implements DeadLetterView {
  @ApiProperty() id: string;
  @ApiProperty() queue: string;
  @ApiProperty() jobId: string;
  @ApiProperty() reason: string;
  @ApiProperty({ description: 'The message as received, cut to 2 KiB' }) payload: string;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
}
