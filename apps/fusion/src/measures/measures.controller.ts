import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CrossingMeasuresView } from '@crosscast/contracts';
import { Roles } from '../auth/decorators';
import { CrossingIdParams } from '../dtos/crossing.dto';
import { CrossingMeasuresDto, MeasuresQuery } from './measures.dto';
import { SignalEventLogService } from './signal-event-log.service';

@ApiTags('measures')
@ApiBearerAuth()
@Roles('viewer')
@Controller('api/crossings')
export class MeasuresController {
  constructor(private readonly logs: SignalEventLogService) {}

  @Get(':id/measures')
  @ApiOperation({
    summary:
      "ATSPM performance measures of a crossing over [from, to) (default: the `minutes`, 60, before the end of its newest stored log), from its controller event log: split monitor (green per phase per cycle, gap-out / max-out / force-off shares), arrivals on green, Purdue Coordination Diagram points, split failures and approach volumes (simulate mode: the simulator's signals; definitions in the README)",
  })
  @ApiOkResponse({ type: CrossingMeasuresDto })
  measures(@Param() params: CrossingIdParams, @Query() query: MeasuresQuery): Promise<CrossingMeasuresView> {
    return this.logs.measures(params.id, query.from, query.to, query.binMinutes, query.minutes);
  }
}
