import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AuthService } from '../auth/auth.service';
import { CurrentUser, LoginRateLimit, Public, Roles } from '../auth/decorators';
import type { AuthenticatedUser } from '../auth/roles';
import { LoginBody } from '../dtos/access.dto';
import { AuthenticatedUserDto, LoginDto } from '../dtos/access.view.dto';
import { ErrorResponseDto } from '../dtos/common.view.dto';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @LoginRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in: a bearer token (HS256 JWT, valid TOKEN_TTL) with your id, name and role. Rate limited per address and username' })
  @ApiOkResponse({ type: LoginDto })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Wrong username or password, or a disabled user' })
  @ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Too many attempts from this address or for this username' })
  login(@Body() body: LoginBody): Promise<LoginDto> {
    return this.auth.login(body.username, body.password);
  }

  @Post('logout')
  @Roles('viewer')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Sign out everywhere: every token of this user stops working at once, and their open sockets close within SESSION_RECHECK_SECONDS' })
  @ApiNoContentResponse({ description: 'Signed out; no body' })
  async logout(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    await this.auth.logout(user);
  }

  @Get('me')
  @Roles('viewer')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Who the token belongs to, with the current role' })
  @ApiOkResponse({ type: AuthenticatedUserDto })
  me(@CurrentUser() user: AuthenticatedUser): AuthenticatedUserDto {
    return user;
  }
}
