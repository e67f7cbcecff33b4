import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/decorators';
import { CrossingIdParams, ForecastRangeQuery } from '../dtos/crossing.dto';
import { CrossingQueryService } from '../services/crossing-query.service';

@ApiTags('crossings')
@ApiBearerAuth()
@Roles('viewer')
@Controller('api/crossings')
export class CrossingsController {
  constructor(private readonly crossings: CrossingQueryService) {}

  @Get()
  @ApiOperation({ summary: 'All crossings with their approaches, live status and, for stale, offline or degraded ones, the estimate fusion serves instead' })
  @ApiOkResponse({
    description:
      'Array of crossings, each with `status` (freshness, worker status, last forecast interval, model) and `estimate`: null while the worker\'s own forecast is usable, else `{source: "estimated", reason, horizons[{intervalStart, total{mean, lower80, upper80, lower95, upper95}}]}` from the crossing\'s historical profile and its neighbours.',
  })
  list() {
    return this.crossings.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One crossing: status, latest forecast, latest recommendation, last 96 observed intervals, fusion\'s values (`fused`) and, when the worker is not usable, its `estimate`' })
  detail(@Param() params: CrossingIdParams) {
    return this.crossings.detail(params.id);
  }

  @Get(':id/forecasts')
  @ApiOperation({
    summary: "A crossing's own stored forecasts (based-on interval in [from, to], oldest first) and, beside them, fusion's series for the newest interval with each horizon's source: own, fused or estimated",
  })
  @ApiOkResponse({ description: '`{crossingId, forecasts: ForecastView[], fused: {asOfIntervalStart, freshness, source, reason, horizons[{source, total, weights?}]} | null}`' })
  forecasts(@Param() params: CrossingIdParams, @Query() query: ForecastRangeQuery) {
    return this.crossings.forecasts(params.id, query.from, query.to, query.limit);
  }
}
