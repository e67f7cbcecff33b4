import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { LOGIN_RATE_LIMIT_KEY } from './decorators';
import type { AuthenticatedUser } from './roles';

export const LOGIN_THROTTLER = 'login';
export const LOGIN_ADDRESS_THROTTLER = 'login-address';
export const LOGIN_USERNAME_THROTTLER = 'login-username';
export const WRITE_THROTTLER = 'writes';

interface ThrottledRequest {
  method: string;
  ip?: string;
  body?: { username?: unknown };
  user?: AuthenticatedUser;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const isLoginRoute = (context: ExecutionContext) => Reflect.getMetadata(LOGIN_RATE_LIMIT_KEY, context.getHandler()) === true;
const requestOf = (context: ExecutionContext) => context.switchToHttp().getRequest<ThrottledRequest>();

const usernameOf = (request: ThrottledRequest) => (typeof request.body?.username === 'string' ? request.body.username.toLowerCase().slice(0, 64) : '');
const skipUnlessLogin = (context: ExecutionContext) => context.getType() !== 'http' || !isLoginRoute(context);

/**
 * Throttler options: strict on login, moderate on writes; reads and socket events are not
 * limited. Logins have three limits: per address and username (one user's password
 * guessed from one place), per address (many usernames tried from one place) and per
 * username (one user's password tried from many places). The counters live in Redis
 * (RedisThrottlerStorage), so they hold across fusion instances.
 */
export function rateLimitThrottlers(config: { LOGIN_RATE_LIMIT: number; LOGIN_ADDRESS_RATE_LIMIT: number; LOGIN_USERNAME_RATE_LIMIT: number; WRITE_RATE_LIMIT: number }) {
  return [
    {
      name: LOGIN_ADDRESS_THROTTLER,
      ttl: 60_000,
      limit: config.LOGIN_ADDRESS_RATE_LIMIT,
      skipIf: skipUnlessLogin,
      getTracker: (req: Record<string, unknown>) => (req as unknown as ThrottledRequest).ip ?? 'unknown',
    },
    {
      name: LOGIN_USERNAME_THROTTLER,
      ttl: 60_000,
      limit: config.LOGIN_USERNAME_RATE_LIMIT,
      skipIf: skipUnlessLogin,
      getTracker: (req: Record<string, unknown>) => usernameOf(req as unknown as ThrottledRequest),
    },
    {
      name: LOGIN_THROTTLER,
      ttl: 60_000,
      limit: config.LOGIN_RATE_LIMIT,
      skipIf: skipUnlessLogin,
      // Per client address and username: guessing one user's password is slowed without
      // locking everyone behind the same proxy out.
      getTracker: (req: Record<string, unknown>) => {
        const request = req as unknown as ThrottledRequest;
        return `${request.ip ?? 'unknown'}|${usernameOf(request)}`;
      },
    },
    {
      name: WRITE_THROTTLER,
      ttl: 60_000,
      limit: config.WRITE_RATE_LIMIT,
      skipIf: (context: ExecutionContext) => context.getType() !== 'http' || isLoginRoute(context) || READ_METHODS.has(requestOf(context).method),
      // Per signed-in user (the AccessGuard ran first), else per address.
      getTracker: (req: Record<string, unknown>) => {
        const request = req as unknown as ThrottledRequest;
        return request.user ? `user:${request.user.id}` : `ip:${request.ip ?? 'unknown'}`;
      },
    },
  ];
}

/** ThrottlerGuard that answers 429 with a plain `Retry-After` (seconds), whichever limit was hit. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const response = context.switchToHttp().getResponse<{ setHeader(name: string, value: string): void }>();
    response.setHeader('Retry-After', String(Math.max(1, Math.ceil(detail.timeToBlockExpire))));
    return super.throwThrottlingException(context, detail);
  }
}
