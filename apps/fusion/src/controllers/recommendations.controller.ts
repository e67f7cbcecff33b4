import { Body, Controller, Get, Header, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/decorators';
import type { AuthenticatedUser } from '../auth/roles';
import { RecommendationIdParams } from '../dtos/access.dto';
import { AutomaticModeBody, CrossingIdParams, RecommendationsQuery } from '../dtos/crossing.dto';
import { AutomaticModeService } from '../services/automatic-mode.service';
import { AutomaticModeDto, CrossingRecommendationDto, RecommendationDto } from '../dtos/recommendation.view.dto';

@ApiTags('recommendations')
@ApiBearerAuth()
@Controller('api')
export class RecommendationsController {
  constructor(private readonly recommendations: AutomaticModeService) {}

  @Get('recommendations')
  @Roles('viewer')
  @ApiOperation({ summary: 'Forecast-driven timing recommendations, newest planning period first: plan, expected delay running vs recommended, gain, basis, congestion, reason, status' })
  @ApiOkResponse({ type: [RecommendationDto] })
  list(@Query() query: RecommendationsQuery): Promise<RecommendationDto[]> {
    return this.recommendations.list(query.crossing, query.status, query.limit);
  }

  @Get('recommendations/:id/sumo')
  @Roles('viewer')
  @Header('content-type', 'application/xml; charset=utf-8')
  @ApiOperation({ summary: "The recommendation's plan as a SUMO static traffic-light program (<additional><tlLogic>), one signal index per approach in the crossing's approach order (named in a comment), to test it in SUMO" })
  @ApiProduces('application/xml')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'SUMO additional file (XML)' })
  sumo(@Param() params: RecommendationIdParams): Promise<string> {
    return this.recommendations.sumoProgram(params.id);
  }

  @Get('crossings/:id/recommendation')
  @Roles('viewer')
  @ApiOperation({ summary: "A crossing's recommendation panel: the pending recommendation (or null), the newest one, the last planning evaluation (why there is none), automatic mode" })
  @ApiOkResponse({ type: CrossingRecommendationDto })
  forCrossing(@Param() params: CrossingIdParams): Promise<CrossingRecommendationDto> {
    return this.recommendations.forCrossing(params.id);
  }

  @Put('crossings/:id/automatic')
  @Roles('operator')
  @ApiOperation({ summary: 'Turn automatic mode on (admin) or off (operator or admin) for a crossing: recommendations within the guard rails are then applied as user `automatic`' })
  @ApiOkResponse({ type: AutomaticModeDto })
  setAutomatic(@Param() params: CrossingIdParams, @Body() body: AutomaticModeBody, @CurrentUser() user: AuthenticatedUser): Promise<AutomaticModeDto> {
    return this.recommendations.set(params.id, body.enabled, user);
  }
}
