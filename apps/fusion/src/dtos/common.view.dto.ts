import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ApproachDefinition, CompassDirection, ForecastBand, ModelInfo, WorkerDrift, WorkerStatus } from '@crosscast/contracts';

/**
 * Response DTOs shared by several routes. Every response DTO describes what a handler
 * already returns (the OpenAPI document's schemas, from which the dashboard's client types
 * are generated); where the handler returns a contracts view, the DTO `implements` it.
 */

export const WORKER_STATUSES: WorkerStatus[] = ['starting', 'warming-up', 'ok', 'degraded'];
export const FRESHNESS_VALUES = ['fresh', 'stale', 'offline', 'unknown'] as const;
const DIRECTIONS: CompassDirection[] = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];

/** What a refused request gets: Nest's HttpException body (or SafeErrorsFilter's, same shape). */
export class ErrorResponseDto {
  @ApiProperty({ example: 404 }) statusCode: number;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'What was wrong; a list for validation errors', example: 'crossing 9999 is not part of Boroondara' })
  message: string | string[];
  @ApiPropertyOptional({ example: 'Not Found' }) error?: string;
}

export class ForecastBandDto implements ForecastBand {
  @ApiProperty() mean: number;
  @ApiProperty() lower80: number;
  @ApiProperty() upper80: number;
  @ApiProperty() lower95: number;
  @ApiProperty() upper95: number;
}

export class ModelInfoDto implements ModelInfo {
  @ApiProperty({ example: 'ensemble' }) name: string;
  @ApiProperty({ type: 'integer' }) version: number;
  @ApiProperty({ example: 'tensorflow' }) backend: string;
  @ApiProperty({ type: 'integer' }) trainedOnIntervals: number;
}

export class WorkerDriftDto implements WorkerDrift {
  @ApiProperty() recentMae: number;
  @ApiProperty() validationMae: number;
  @ApiProperty() ratio: number;
  @ApiProperty({ type: 'integer' }) samples: number;
}

export class ApproachDto implements ApproachDefinition {
  @ApiProperty({ example: '0970:N' }) id: string;
  @ApiProperty({ enum: DIRECTIONS, description: 'The side traffic arrives from' }) direction: CompassDirection;
  @ApiProperty() road: string;
  @ApiProperty() location: string;
  @ApiProperty({ type: Number, nullable: true }) lat: number | null;
  @ApiProperty({ type: Number, nullable: true }) lon: number | null;
}
