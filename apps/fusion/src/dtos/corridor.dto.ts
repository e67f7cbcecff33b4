import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { CorridorRecommendationStatus } from '@crosscast/contracts';

const CORRIDOR_STATUSES: CorridorRecommendationStatus[] = ['pending', 'accepted', 'rejected', 'superseded', 'expired', 'applied-automatically'];

export class CorridorRecommendationsQuery {
  @ApiPropertyOptional({ example: '0970', description: 'Only corridors that include this crossing' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'crossing must be 1-32 letters, digits, "-" or "_"' })
  crossing?: string;

  @ApiPropertyOptional({ enum: CORRIDOR_STATUSES, description: 'Only corridor recommendations with this status' })
  @IsOptional()
  @IsIn(CORRIDOR_STATUSES, { message: `status must be one of ${CORRIDOR_STATUSES.join(', ')}` })
  status?: CorridorRecommendationStatus;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(500)
  limit?: number;
}

export class CorridorAuditQuery {
  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(1000)
  limit?: number;
}
