import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AlertAcknowledgementView } from '@crosscast/contracts';
import { CurrentUser, Roles } from '../auth/decorators';
import type { AuthenticatedUser } from '../auth/roles';
import { AcknowledgeAlertBody, AlertAcknowledgementDto, AlertAcknowledgementsQuery } from './alerts.dto';
import { AlertAcknowledgementsService } from './alert-acknowledgements.service';

@ApiTags('operator workflow')
@ApiBearerAuth()
@Controller('api')
export class AlertsController {
  constructor(private readonly acks: AlertAcknowledgementsService) {}

  @Post('alert-acknowledgements')
  @Roles('operator')
  @ApiOperation({ summary: "Acknowledge an alert of the dashboard's list for every operator: who and when are kept (the audit trail) and sent to every dashboard (`alert-acknowledged`). 409 if it was already acknowledged, 404 for a crossing of another city" })
  @ApiCreatedResponse({ type: AlertAcknowledgementDto })
  acknowledge(@Body() body: AcknowledgeAlertBody, @CurrentUser() user: AuthenticatedUser): Promise<AlertAcknowledgementView> {
    return this.acks.acknowledge(body.alertKey, body.note, user);
  }

  @Get('alert-acknowledgements')
  @Roles('viewer')
  @ApiOperation({ summary: 'Acknowledged alerts, newest first: the alert key, who, when, the note' })
  @ApiOkResponse({ type: [AlertAcknowledgementDto] })
  list(@Query() query: AlertAcknowledgementsQuery): Promise<AlertAcknowledgementView[]> {
    return this.acks.list(query.crossing, query.limit ?? 500);
  }
}
