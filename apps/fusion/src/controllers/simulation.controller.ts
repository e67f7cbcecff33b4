import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/decorators';
import { CrossingIdParams, SimulationSeriesQuery } from '../dtos/crossing.dto';
import { CityRepository } from '../repositories/city.repository';
import { SimulationMeasurementsService } from '../services/simulation-measurements.service';
import { SimulatedCrossingDto, SimulationLatestDto } from '../dtos/simulation.view.dto';

const DEFAULT_SERIES_LIMIT = 96;

@ApiTags('simulation')
@ApiBearerAuth()
@Roles('viewer')
@Controller('api/simulation')
export class SimulationController {
  constructor(
    private readonly simulation: SimulationMeasurementsService,
    private readonly city: CityRepository,
  ) {}

  @Get('latest')
  @ApiOperation({ summary: "The simulated street's newest measured interval (simulate mode): `{ latest }` with city totals and every crossing's delay, stops, queues, throughput and running plan; `latest` is null in replay mode" })
  @ApiOkResponse({ type: SimulationLatestDto })
  async latest(): Promise<SimulationLatestDto> {
    return { latest: await this.simulation.latest() };
  }

  @Get('crossings/:id')
  @ApiOperation({ summary: "One crossing's measured intervals in the newest simulation run, newest first" })
  @ApiOkResponse({ type: [SimulatedCrossingDto] })
  crossing(@Param() params: CrossingIdParams, @Query() query: SimulationSeriesQuery): Promise<SimulatedCrossingDto[]> {
    if (!this.city.get(params.id)) throw new NotFoundException(`crossing ${params.id} is not part of this city`);
    return this.simulation.crossingSeries(params.id, query.limit ?? DEFAULT_SERIES_LIMIT);
  }
}
