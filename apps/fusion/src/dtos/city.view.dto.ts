import { ApiProperty } from '@nestjs/swagger';
import type { AggregateHorizonView, CityForecastHorizonView, CityForecastView, CityMapView, CorridorForecastView, CrossingFreshness, WorkerStatus } from '@crosscast/contracts';
import { FRESHNESS_VALUES, WORKER_STATUSES } from './common.view.dto';

export class AggregateHorizonDto implements AggregateHorizonView {
  @ApiProperty({ type: 'integer' }) stepsAhead: number;
  @ApiProperty({ type: 'integer' }) horizonMinutes: number;
  @ApiProperty({ format: 'date-time' }) intervalStart: string;
  @ApiProperty({ description: "Sum of the included crossings' fused or estimated means (vehicles per interval)" }) total: number;
  @ApiProperty() lower80: number;
  @ApiProperty() upper80: number;
  @ApiProperty() lower95: number;
  @ApiProperty() upper95: number;
  @ApiProperty({ type: 'integer' }) crossingsIncluded: number;
  @ApiProperty({ type: 'integer' }) crossingsEstimated: number;
}

export class CityForecastHorizonDto extends AggregateHorizonDto implements CityForecastHorizonView {
  @ApiProperty({ type: 'integer', description: 'Fresh crossings whose newest forecast did not reach this far (held flat)' }) crossingsExtended: number;
}

export class CorridorForecastDto implements CorridorForecastView {
  @ApiProperty() road: string;
  @ApiProperty({ type: [String], description: 'In road order' }) crossings: string[];
  @ApiProperty({ type: () => [AggregateHorizonDto] }) horizons: AggregateHorizonDto[];
}

export class StaleCrossingDto {
  @ApiProperty() crossingId: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastForecastIntervalStart: string | null;
  @ApiProperty({ enum: FRESHNESS_VALUES }) freshness: CrossingFreshness;
}

export class EstimatedCrossingDto {
  @ApiProperty() crossingId: string;
  @ApiProperty({ enum: FRESHNESS_VALUES }) freshness: CrossingFreshness;
  @ApiProperty({ enum: WORKER_STATUSES, nullable: true }) workerStatus: WorkerStatus | null;
  @ApiProperty() reason: string;
}

/** GET /api/city/forecast. */
export class CityForecastDto implements CityForecastView {
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: "The city's now in data time" }) asOfIntervalStart: string | null;
  @ApiProperty({ type: 'integer' }) intervalMinutes: number;
  @ApiProperty({ enum: ['city-fusion', 'no-data'] }) method: 'city-fusion' | 'no-data';
  @ApiProperty({ type: 'integer' }) crossingsTotal: number;
  @ApiProperty({ type: 'integer' }) crossingsFresh: number;
  @ApiProperty({ type: 'integer' }) crossingsEstimated: number;
  @ApiProperty({ type: [String], description: 'Crossings fusion has never received data from' }) crossingsWithoutData: string[];
  @ApiProperty({ type: () => [StaleCrossingDto] }) stale: StaleCrossingDto[];
  @ApiProperty({ type: () => [EstimatedCrossingDto] }) estimated: EstimatedCrossingDto[];
  @ApiProperty({ type: () => [CityForecastHorizonDto] }) horizons: CityForecastHorizonDto[];
  @ApiProperty({ type: () => [CorridorForecastDto] }) corridors: CorridorForecastDto[];
}

export class CityMapDto implements CityMapView {
  @ApiProperty({ type: 'integer', description: 'Crossings (the length of every per-crossing array)' }) count: number;
  @ApiProperty({ type: [String], description: 'Crossing ids, in id order' }) ids: string[];
  @ApiProperty({ type: [String] }) names: string[];
  @ApiProperty({ type: [Number], description: 'Latitude (WGS84) of crossing i' }) lat: number[];
  @ApiProperty({ type: [Number], description: 'Longitude (WGS84) of crossing i' }) lon: number[];
  @ApiProperty({ type: [String], description: 'Every approach road name once' }) roadNames: string[];
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'integer' } }, description: "Crossing i's approach roads, as indexes into roadNames" }) roads: number[][];
  @ApiProperty({ type: [String], description: "The city's corridors, by name (as GET /api/corridors)" }) corridorNames: string[];
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'integer' } }, description: 'The corridors crossing i is on, as indexes into corridorNames' }) corridors: number[][];
}
