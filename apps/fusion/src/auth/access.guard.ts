import { CanActivate, ExecutionContext, ForbiddenException, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { WsException } from '@nestjs/websockets';
import type { Role } from '@crosscast/contracts';
import { AuthService } from './auth.service';
import { PUBLIC_KEY, ROLES_KEY } from './decorators';
import { AuthenticatedUser, hasRole } from './roles';

interface HttpRequestWithUser {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthenticatedUser;
  method: string;
  url: string;
}

/**
 * Registered globally (APP_GUARD): every controller route and socket event handler is
 * refused unless it declares @Public() or @Roles(minimum). Routes that declare a role need
 * a valid bearer token (401 without one) of a user with at least that role (403 otherwise).
 * A route that forgot to declare anything is refused for everyone (403), never left open.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const minimum = this.reflector.getAllAndOverride<Role | undefined>(ROLES_KEY, targets);

    if (context.getType() === 'ws') {
      // The handshake middleware (socket-auth.ts) already checked the token at connection.
      const user = context.switchToWs().getClient<{ data?: { user?: AuthenticatedUser } }>().data?.user;
      if (!user) throw new WsException('unauthorized');
      if (!minimum || !hasRole(user.role, minimum)) throw new WsException(`forbidden: this event needs the ${minimum ?? 'undeclared'} role`);
      return true;
    }

    const request = context.switchToHttp().getRequest<HttpRequestWithUser>();
    const { user } = await this.auth.authenticate(bearerToken(request.headers.authorization));
    request.user = user;
    if (!minimum) {
      this.logger.error(`${request.method} ${request.url} declares neither @Roles nor @Public: refused`);
      throw new ForbiddenException('this route declares no role and is closed');
    }
    if (!hasRole(user.role, minimum)) throw new ForbiddenException(`this needs the ${minimum} role; ${user.username} is ${user.role}`);
    return true;
  }
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  if (value && !match) throw new UnauthorizedException('the Authorization header must be "Bearer <token>"');
  return match ? match[1] : null;
}
