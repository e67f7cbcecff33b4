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
  @ApiOperation({ summary: 'All crossings with their approaches and live status' })
  @ApiOkResponse({ description: 'Array of crossings, each with `status` (freshness, worker status, last forecast interval, model).' })
  list() {
    return this.crossings.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One crossing: status, latest forecast, latest recommendation, last 96 observed intervals' })
  detail(@Param() params: CrossingIdParams) {
    return this.crossings.detail(params.id);
  }

  @Get(':id/forecasts')
  @ApiOperation({ summary: "A crossing's stored forecasts whose based-on interval lies in [from, to], oldest first" })
  forecasts(@Param() params: CrossingIdParams, @Query() query: ForecastRangeQuery) {
    return this.crossings.forecasts(params.id, query.from, query.to, query.limit);
  }
}
