import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/decorators';
import { DeadLettersQuery } from '../dtos/crossing.dto';
import { CityForecastService } from '../services/city-forecast.service';
import { CityMapService } from '../services/city-map.service';
import { CrossingQueryService } from '../services/crossing-query.service';
import { CityForecastDto, CityMapDto } from '../dtos/city.view.dto';
import { DeadLetterDto } from '../dtos/crossing.view.dto';

@ApiTags('city')
@ApiBearerAuth()
@Roles('viewer')
@Controller('api')
export class CityController {
  constructor(
    private readonly cityForecast: CityForecastService,
    private readonly crossings: CrossingQueryService,
    private readonly cityMap: CityMapService,
  ) {}

  @Get('city/map')
  @ApiOperation({
    summary:
      "What the dashboard's map draws of every crossing, column by column (index i of each array is one crossing, in id order): id, name, position, approach roads and corridors (names listed once, indexes per crossing). Fixed for a city; live status comes with the socket snapshot, approaches with GET /api/crossings/:id",
  })
  @ApiOkResponse({ type: CityMapDto })
  map(): CityMapDto {
    return this.cityMap.map();
  }

  @Get('city/forecast')
  @ApiOperation({
    summary:
      'City and corridor (per road) totals for the next four intervals from the city fusion: fresh crossings fused, stale / offline / degraded ones estimated from profile and neighbours (counted), 80 % and 95 % intervals computed on the totals\' own errors; `method`, estimated and stale crossings listed',
  })
  @ApiOkResponse({ type: CityForecastDto })
  async forecast(): Promise<CityForecastDto> {
    return (await this.cityForecast.cityForecast()).city;
  }

  @Get('dead-letters')
  @ApiOperation({ summary: 'Messages the fusion service refused (bad schema, unknown crossing, bad signature…), newest first, with the reason' })
  @ApiOkResponse({ type: [DeadLetterDto] })
  deadLetters(@Query() query: DeadLettersQuery): Promise<DeadLetterDto[]> {
    return this.crossings.deadLetters(query.queue, query.limit);
  }
}
