import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/decorators';
import type { AuthenticatedUser } from '../auth/roles';
import { AdminAuditQuery, CreateUserBody, ResetSequenceBody, UpdateCrossingBody, UpdateUserBody, UserIdParams } from '../dtos/access.dto';
import { CrossingIdParams } from '../dtos/crossing.dto';
import { AccessAdminService } from '../services/access-admin.service';
import { AdminAuditDto, CrossingSettingsDto, ResetSequenceDto, UserDto, WorkerKeysDto } from '../dtos/access.view.dto';
import { ErrorResponseDto } from '../dtos/common.view.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/admin')
export class AdminController {
  constructor(private readonly admin: AccessAdminService) {}

  @Get('users')
  @ApiOperation({ summary: 'Every user with role and state (never a password hash)' })
  @ApiOkResponse({ type: [UserDto] })
  users(): Promise<UserDto[]> {
    return this.admin.listUsers();
  }

  @Post('users')
  @ApiOperation({ summary: 'Create a user (password at least 12 characters)' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The username is taken' })
  createUser(@Body() body: CreateUserBody, @CurrentUser() user: AuthenticatedUser): Promise<UserDto> {
    return this.admin.createUser(body, user);
  }

  @Patch('users/:id')
  @ApiOperation({ summary: "Change a user's role, display name or password, or disable them (not the last enabled admin)" })
  @ApiOkResponse({ type: UserDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The last enabled admin cannot be disabled or demoted' })
  updateUser(@Param() params: UserIdParams, @Body() body: UpdateUserBody, @CurrentUser() user: AuthenticatedUser): Promise<UserDto> {
    return this.admin.updateUser(params.id, body, user);
  }

  @Get('crossings')
  @ApiOperation({ summary: "Every crossing's settings: whether operators may accept plans for it, admin note" })
  @ApiOkResponse({ type: [CrossingSettingsDto] })
  crossings(): Promise<CrossingSettingsDto[]> {
    return this.admin.crossingSettings();
  }

  @Patch('crossings/:id')
  @ApiOperation({ summary: 'Enable or disable plans for a crossing, or set its admin note' })
  @ApiOkResponse({ type: CrossingSettingsDto })
  updateCrossing(@Param() params: CrossingIdParams, @Body() body: UpdateCrossingBody, @CurrentUser() user: AuthenticatedUser): Promise<CrossingSettingsDto> {
    return this.admin.updateCrossing(params.id, body, user);
  }

  @Post('crossings/:id/reset-sequence')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Forget the crossing's highest accepted seqs, so its worker's next forecast is accepted again (after a faulty or compromised box pushed them out of reach; rotate its key too). Needs a reason; audited",
  })
  @ApiOkResponse({ type: ResetSequenceDto })
  resetSequence(@Param() params: CrossingIdParams, @Body() body: ResetSequenceBody, @CurrentUser() user: AuthenticatedUser): Promise<ResetSequenceDto> {
    return this.admin.resetSequence(params.id, body.reason, user);
  }

  @Get('audit')
  @ApiOperation({ summary: 'The admin audit log, newest first: user changes, sequence resets, production start-up actions, migrations' })
  @ApiOkResponse({ type: [AdminAuditDto] })
  auditLog(@Query() query: AdminAuditQuery): Promise<AdminAuditDto[]> {
    return this.admin.auditLog(query.limit ?? 100, query.before);
  }

  @Get('keys')
  @ApiOperation({ summary: "Where the workers' signing keys come from and each crossing's key fingerprint (never the key)" })
  @ApiOkResponse({ type: WorkerKeysDto })
  keys(): WorkerKeysDto {
    return this.admin.workerKeys();
  }
}
