import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsISO8601, IsInt, Matches, Max, Min } from 'class-validator';

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
