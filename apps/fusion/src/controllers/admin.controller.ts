import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/decorators';
import type { AuthenticatedUser } from '../auth/roles';
import { CreateUserBody, UpdateCrossingBody, UpdateUserBody, UserIdParams } from '../dtos/access.dto';
import { CrossingIdParams } from '../dtos/crossing.dto';
import { AccessAdminService } from '../services/access-admin.service';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/admin')
export class AdminController {
  constructor(private readonly admin: AccessAdminService) {}

  @Get('users')
  @ApiOperation({ summary: 'Every user with role and state (never a password hash)' })
  users() {
    return this.admin.listUsers();
  }

  @Post('users')
  @ApiOperation({ summary: 'Create a user (password at least 12 characters)' })
  createUser(@Body() body: CreateUserBody) {
    return this.admin.createUser(body);
  }

  @Patch('users/:id')
  @ApiOperation({ summary: "Change a user's role, display name or password, or disable them (not the last enabled admin)" })
  updateUser(@Param() params: UserIdParams, @Body() body: UpdateUserBody, @CurrentUser() user: AuthenticatedUser) {
    return this.admin.updateUser(params.id, body, user);
  }

  @Get('crossings')
  @ApiOperation({ summary: "Every crossing's settings: whether operators may accept plans for it, admin note" })
  crossings() {
    return this.admin.crossingSettings();
  }

  @Patch('crossings/:id')
  @ApiOperation({ summary: 'Enable or disable plans for a crossing, or set its admin note' })
  updateCrossing(@Param() params: CrossingIdParams, @Body() body: UpdateCrossingBody, @CurrentUser() user: AuthenticatedUser) {
    return this.admin.updateCrossing(params.id, body, user);
  }

  @Get('keys')
  @ApiOperation({ summary: "Where the workers' signing keys come from and each crossing's key fingerprint (never the key)" })
  keys() {
    return this.admin.workerKeys();
  }
}
