import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { RECOMMENDATION_STATUSES, RecommendationStatus } from '@crosscast/contracts';

export class CrossingIdParams {
  @ApiProperty({ example: '0970', description: 'Crossing id (SCATS site number in the seed data)' })
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'id must be 1-32 letters, digits, "-" or "_"' })
  id: string;
}

/** A bounded default page (about 190 KB of JSON): a client wanting the whole city pages with `Link` or asks for up to CROSSING_PAGE_MAX. */
export const CROSSING_PAGE_DEFAULT = 100;
export const CROSSING_PAGE_MAX = 5000;
const FRESHNESS = ['fresh', 'stale', 'offline', 'unknown'] as const;
/** A corridor's name ("HIGH STREET RD: 0970 → 2000"): the road's name and its first and last crossing. */
const CORRIDOR_NAME_MAX = 200;
const CORRIDOR_NAME = new RegExp(`^[^\\p{Cc}]{1,${CORRIDOR_NAME_MAX}}$`, 'u');

export class CrossingListQuery {
  @ApiPropertyOptional({ default: CROSSING_PAGE_DEFAULT, minimum: 1, maximum: CROSSING_PAGE_MAX, description: 'Crossings per page (in id order). When more match, the `Link` header has rel="next"; `X-Total-Count` says how many match.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(CROSSING_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0, description: 'How many matching crossings to skip' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'offset must be a whole number' })
  @Min(0)
  @Max(10_000_000)
  offset?: number;

  @ApiPropertyOptional({ enum: FRESHNESS, description: 'Only crossings with this freshness' })
  @IsOptional()
  @IsIn(FRESHNESS, { message: `status must be one of ${FRESHNESS.join(', ')}` })
  status?: (typeof FRESHNESS)[number];

  @ApiPropertyOptional({ example: '145.0,-37.9,145.1,-37.8', description: 'Only crossings inside this box: minLon,minLat,maxLon,maxLat (degrees)' })
  @IsOptional()
  @Matches(/^-?\d{1,3}(\.\d+)?,-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?,-?\d{1,2}(\.\d+)?$/, { message: 'bbox must be minLon,minLat,maxLon,maxLat in degrees' })
  bbox?: string;

  @ApiPropertyOptional({
    example: 'WARRIGAL RD: 3685 → 2000',
    maxLength: CORRIDOR_NAME_MAX,
    description: 'Only crossings on this corridor: its `name` as GET /api/corridors gives it (URL-encoded). 404 when the city has no corridor of that name.',
  })
  @IsOptional()
  @IsString({ message: 'corridor must be one corridor name' })
  @Matches(CORRIDOR_NAME, { message: `corridor must be a corridor's name as GET /api/corridors gives it (1-${CORRIDOR_NAME_MAX} characters, no control characters)` })
  corridor?: string;
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
