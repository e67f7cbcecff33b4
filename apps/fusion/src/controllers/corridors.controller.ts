import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/decorators';
import type { AuthenticatedUser } from '../auth/roles';
import { DecisionBody, RecommendationIdParams } from '../dtos/access.dto';
import { CorridorAuditQuery, CorridorRecommendationsQuery } from '../dtos/corridor.dto';
import { CorridorDecisionService } from '../services/corridor-decision.service';
import { CorridorPlanningService } from '../services/corridor-planning.service';
import { CorridorDecisionConflictDto, CorridorDecisionDto, CorridorDto, CorridorRecommendationDto } from '../dtos/corridor.view.dto';

@ApiTags('corridors')
@ApiBearerAuth()
@Controller('api')
export class CorridorsController {
  constructor(
    private readonly decisions: CorridorDecisionService,
    private readonly planning: CorridorPlanningService,
  ) {}

  @Get('corridors')
  @Roles('viewer')
  @ApiOperation({ summary: "The city's corridors: runs of crossings along one road close enough for platoons, in road order, with the phase that carries the road" })
  @ApiOkResponse({ type: [CorridorDto] })
  corridors(): CorridorDto[] {
    return this.planning.list().map((c) => ({ name: c.name, road: c.road, crossingIds: c.crossings.map((x) => x.id), coordinatedPhase: c.coordinatedPhase }));
  }

  @Get('corridor-recommendations')
  @Roles('viewer')
  @ApiOperation({ summary: 'Coordinated-actuated corridor plans, newest planning period first: common cycle, offsets, splits per crossing, through bands, expected delay running vs plan, status' })
  @ApiOkResponse({ type: [CorridorRecommendationDto] })
  list(@Query() query: CorridorRecommendationsQuery): Promise<CorridorRecommendationDto[]> {
    return this.decisions.list(query.status, query.crossing, query.limit ?? 50);
  }

  @Get('corridor-recommendations/:id')
  @Roles('viewer')
  @ApiOperation({ summary: 'One corridor recommendation' })
  @ApiOkResponse({ type: CorridorRecommendationDto })
  one(@Param() params: RecommendationIdParams): Promise<CorridorRecommendationDto> {
    return this.decisions.byId(params.id);
  }

  @Post('corridor-recommendations/:id/accept')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept a corridor plan for every crossing of the corridor at once: one audit row naming them all; each crossing gets its plan from the next boundary of the common cycle. 409 if already decided' })
  @ApiOkResponse({ type: CorridorDecisionDto })
  @ApiConflictResponse({ type: CorridorDecisionConflictDto, description: 'Already decided (the body names that decision), no longer pending, or a crossing does not take plans' })
  accept(@Param() params: RecommendationIdParams, @Body() body: DecisionBody, @CurrentUser() user: AuthenticatedUser): Promise<CorridorDecisionDto> {
    return this.decisions.decide(params.id, 'accepted', body.reason, user);
  }

  @Post('corridor-recommendations/:id/reject')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a corridor plan, with an optional reason. 409 if already decided' })
  @ApiOkResponse({ type: CorridorDecisionDto })
  @ApiConflictResponse({ type: CorridorDecisionConflictDto, description: 'Already decided (the body names that decision), or no longer pending' })
  reject(@Param() params: RecommendationIdParams, @Body() body: DecisionBody, @CurrentUser() user: AuthenticatedUser): Promise<CorridorDecisionDto> {
    return this.decisions.decide(params.id, 'rejected', body.reason, user);
  }

  @Get('corridor-decisions')
  @Roles('operator')
  @ApiOperation({ summary: 'Decisions on corridor plans, newest first: one row per decision naming every crossing, with what each ran before' })
  @ApiOkResponse({ type: [CorridorDecisionDto] })
  audit(@Query() query: CorridorAuditQuery): Promise<CorridorDecisionDto[]> {
    return this.decisions.audit(query.limit ?? 100);
  }
}
