import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/decorators';
import type { AuthenticatedUser } from '../auth/roles';
import { AuditQuery, DecisionBody, RecommendationIdParams, RunningPlansQuery } from '../dtos/access.dto';
import { DecisionService } from '../services/decision.service';
import { DecisionConflictDto, DecisionDto, RunningPlanDto } from '../dtos/recommendation.view.dto';

@ApiTags('operator workflow')
@ApiBearerAuth()
@Controller('api')
export class DecisionsController {
  constructor(private readonly decisions: DecisionService) {}

  @Post('recommendations/:id/accept')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: "Accept a recommendation: it becomes the crossing's running plan and a TimingPlanMessage is queued for the next cycle boundary. 409 if already decided" })
  @ApiOkResponse({ type: DecisionDto })
  @ApiConflictResponse({ type: DecisionConflictDto, description: 'Already decided (the body names that decision), no longer pending (superseded, expired), or plans are disabled for the crossing' })
  accept(@Param() params: RecommendationIdParams, @Body() body: DecisionBody, @CurrentUser() user: AuthenticatedUser): Promise<DecisionDto> {
    return this.decisions.decide(params.id, 'accepted', body.reason, user);
  }

  @Post('recommendations/:id/reject')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a recommendation, with an optional reason. 409 if already decided' })
  @ApiOkResponse({ type: DecisionDto })
  @ApiConflictResponse({ type: DecisionConflictDto, description: 'Already decided (the body names that decision), or no longer pending' })
  reject(@Param() params: RecommendationIdParams, @Body() body: DecisionBody, @CurrentUser() user: AuthenticatedUser): Promise<DecisionDto> {
    return this.decisions.decide(params.id, 'rejected', body.reason, user);
  }

  @Get('audit')
  @Roles('operator')
  @ApiOperation({ summary: 'Decisions on recommendations, newest first: who, when, what, and the plan running before' })
  @ApiOkResponse({ type: [DecisionDto] })
  audit(@Query() query: AuditQuery): Promise<DecisionDto[]> {
    return this.decisions.audit(query.crossing, query.limit);
  }

  @Get('running-plans')
  @Roles('viewer')
  @ApiOperation({ summary: 'The plan last accepted at each crossing' })
  @ApiOkResponse({ type: [RunningPlanDto] })
  runningPlans(@Query() query: RunningPlansQuery): Promise<RunningPlanDto[]> {
    return this.decisions.runningPlans(query.crossing);
  }
}
