import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, Matches, Max, Min } from 'class-validator';
import { RECOMMENDATION_STATUSES, RecommendationStatus } from '@crosscast/contracts';

export class CrossingIdParams {
  @ApiProperty({ example: '0970', description: 'Crossing id (SCATS site number in the seed data)' })
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'id must be 1-32 letters, digits, "-" or "_"' })
  id: string;
}

export class ForecastRangeQuery {
  @ApiPropertyOptional({ example: '2006-10-10T00:00:00+11:00', description: 'Earliest based-on interval start (ISO 8601 with zone). Default: 24 h before `to`.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time, e.g. 2006-10-10T08:00:00+11:00' })
  from?: string;

  @ApiPropertyOptional({ example: '2006-10-11T00:00:00+11:00', description: 'Latest based-on interval start. Default: the newest forecast of the crossing.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time, e.g. 2006-10-10T09:00:00+11:00' })
  to?: string;

  @ApiPropertyOptional({ default: 96, minimum: 1, maximum: 2000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(2000)
  limit?: number;
}

export class DeadLettersQuery {
  @ApiPropertyOptional({ enum: ['crosscast-forecasts', 'crosscast-heartbeats'], description: 'Only this queue' })
  @IsOptional()
  @IsIn(['crosscast-forecasts', 'crosscast-heartbeats'], { message: 'queue must be crosscast-forecasts or crosscast-heartbeats' })
  queue?: string;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class RecommendationsQuery {
  @ApiPropertyOptional({ example: '0970', description: 'Only this crossing' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'crossing must be 1-32 letters, digits, "-" or "_"' })
  crossing?: string;

  @ApiPropertyOptional({ enum: RECOMMENDATION_STATUSES, description: 'Only recommendations with this status' })
  @IsOptional()
  @IsIn(RECOMMENDATION_STATUSES, { message: `status must be one of ${RECOMMENDATION_STATUSES.join(', ')}` })
  status?: RecommendationStatus;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class SimulationSeriesQuery {
  @ApiPropertyOptional({ description: 'Newest intervals to return (1-672), default 96' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(672)
  limit?: number;
}

export class AutomaticModeBody {
  @ApiProperty({ example: true, description: 'true turns automatic mode on (admin only), false turns it off (operator or admin)' })
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled: boolean;
}
