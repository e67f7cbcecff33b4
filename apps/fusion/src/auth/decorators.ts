import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { Role } from '@crosscast/contracts';
import type { AuthenticatedUser } from './roles';

export const PUBLIC_KEY = 'crosscast:public';
export const ROLES_KEY = 'crosscast:minimum-role';
export const LOGIN_RATE_LIMIT_KEY = 'crosscast:login-rate-limit';

/** Anyone may call this route, without a token (health, login). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/**
 * The least role that may call this route or socket event (viewer < operator < admin).
 * The global AccessGuard refuses a route that declares neither @Roles nor @Public.
 */
export const Roles = (minimum: Role) => SetMetadata(ROLES_KEY, minimum);

/** The login route's strict rate limit (per client address and username). */
export const LoginRateLimit = () => SetMetadata(LOGIN_RATE_LIMIT_KEY, true);

/** The signed-in user the guard attached to the request. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AuthenticatedUser => {
  return context.switchToHttp().getRequest<{ user: AuthenticatedUser }>().user;
});
