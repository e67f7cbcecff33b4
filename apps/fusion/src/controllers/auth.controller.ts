import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthService } from '../auth/auth.service';
import { CurrentUser, LoginRateLimit, Public, Roles } from '../auth/decorators';
import type { AuthenticatedUser } from '../auth/roles';
import { LoginBody } from '../dtos/access.dto';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @LoginRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in: a bearer token (HS256 JWT, valid TOKEN_TTL) with your id, name and role. Rate limited per address and username' })
  login(@Body() body: LoginBody) {
    return this.auth.login(body.username, body.password);
  }

  @Get('me')
  @Roles('viewer')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Who the token belongs to, with the current role' })
  me(@CurrentUser() user: AuthenticatedUser) {
    return user;
  }
}
