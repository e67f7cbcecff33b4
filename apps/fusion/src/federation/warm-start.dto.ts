import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsISO8601, IsInt, Matches, Max, Min } from 'class-validator';
import type { WarmStartResponse } from '@crosscast/contracts';

/** The snapshot type of WarmStartResponse. */
type FederatedSnapshot = WarmStartResponse['snapshot'];

/** The query of GET /api/federation/warm-start: a worker's signed request (WarmStartRequestSchema). */
export class WarmStartQuery {
  @ApiProperty({ example: '0970', description: 'The requesting crossing (its signing key checks sig)' })
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'crossingId must be 1-32 letters, digits, "-" or "_"' })
  crossingId: string;

  @ApiProperty({ example: '2026-12-06T02:00:00.000Z', description: 'When the worker asked; refused when further than MAX_CLOCK_SKEW_SECONDS from now' })
  @IsISO8601({ strict: true }, { message: 'requestedAt must be an ISO 8601 date-time' })
  requestedAt: string;

  @ApiProperty({ example: 15, description: "The worker's interval length (the snapshot's architecture must match)" })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60)
  intervalMinutes: number;

  @ApiProperty({ example: 4, description: "The worker's forecast horizons" })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(96)
  horizons: number;

  @ApiProperty({ example: 8, description: "The worker's model lags" })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(96)
  lags: number;

  @ApiProperty({ description: 'HMAC-SHA256 (hex) of warmStartRequestPayload(query) with the crossing\'s key' })
  @Matches(/^[0-9a-f]{64}$/, { message: 'sig must be 64 hex characters' })
  sig: string;
}

export class FederatedMemberArchitectureDto {
  @ApiProperty() name: string;
  @ApiProperty({ type: [Number], description: 'Hidden layer widths' }) hidden: number[];
}

export class FederatedArchitectureDto {
  @ApiProperty({ type: 'integer' }) intervalMinutes: number;
  @ApiProperty({ type: 'integer' }) horizons: number;
  @ApiProperty({ type: 'integer' }) lags: number;
  @ApiProperty({ type: 'integer' }) inputSize: number;
  @ApiProperty({ type: () => [FederatedMemberArchitectureDto] }) members: FederatedMemberArchitectureDto[];
}

export class FederatedTensorDto {
  @ApiProperty({ type: [Number] }) shape: number[];
  @ApiProperty({ type: [Number] }) values: number[];
}

export class FederatedMemberDto {
  @ApiProperty() name: string;
  @ApiProperty({ type: () => [FederatedTensorDto] }) tensors: FederatedTensorDto[];
}

export class FederatedCalibrationDto {
  @ApiProperty({ type: [Number] }) q80: number[];
  @ApiProperty({ type: [Number] }) q95: number[];
  @ApiProperty({ type: [Number] }) q80Total: number[];
  @ApiProperty({ type: [Number] }) q95Total: number[];
}

/** FederatedSnapshotSchema (libs/contracts): weights, normalised interval widths and a unit-free week shape; never counts. */
export class FederatedSnapshotDto implements FederatedSnapshot {
  @ApiProperty() format: string;
  @ApiProperty({ type: () => FederatedArchitectureDto }) architecture: FederatedArchitectureDto;
  @ApiProperty({ type: 'integer' }) samples: number;
  @ApiProperty({ type: 'integer' }) contributors: number;
  @ApiProperty({ type: () => [FederatedMemberDto] }) members: FederatedMemberDto[];
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'number' } }, description: 'Per horizon, the combination weights of the members' }) combination: number[][];
  @ApiProperty({ type: () => FederatedCalibrationDto }) calibration: FederatedCalibrationDto;
  @ApiProperty({ type: [Number] }) weekShape: number[];
}

/** The answer to GET /api/federation/warm-start (WarmStartResponse). */
export class WarmStartResponseDto implements WarmStartResponse {
  @ApiProperty({ type: () => FederatedSnapshotDto }) snapshot: FederatedSnapshotDto;
  @ApiProperty({ type: 'integer', description: "How many crossings' snapshots were averaged (never the requester's)" }) contributors: number;
  @ApiProperty({ format: 'date-time' }) newestSnapshotAt: string;
}
