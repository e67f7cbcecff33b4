import { Inject, Injectable, Logger, OnApplicationBootstrap, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import { LoginView } from '@crosscast/contracts';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { ClockRepository } from '../repositories/clock.repository';
import { UsersRepository } from '../repositories/users.repository';
import { DEV_USERS } from './access-config';
import { hashPassword, verifyPassword } from './password-hasher';
import { AuthenticatedUser, isRole } from './roles';

/** What the signed token carries. The users table stays the authority on role and disabled. */
interface TokenClaims {
  sub: string;
  name: string;
  role: string;
}

/** The one reason given for any failed login, so it does not tell which part was wrong. */
const BAD_LOGIN = 'unknown username or wrong password';

/**
 * Logins and tokens. A token is an HS256 JWT with the user's id, name and role, valid for
 * TOKEN_TTL. Every request and socket connection checks the token and then reads the user
 * again, so disabling a user or changing their role takes effect at once.
 */
@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  private unknownUserHash: Promise<string> | null = null;

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly jwt: JwtService,
    private readonly users: UsersRepository,
    private readonly clock: ClockRepository,
  ) {}

  async login(username: string, password: string): Promise<LoginView> {
    const user = await this.users.findByUsername(username);
    // Check a hash even for an unknown user: both failures take the same time.
    const hash = user?.passwordHash ?? (await (this.unknownUserHash ??= hashPassword(randomBytes(16).toString('hex'))));
    const matches = await verifyPassword(password, hash);
    if (!user || !matches || user.disabled) throw new UnauthorizedException(BAD_LOGIN);
    const claims: TokenClaims = { sub: user.id, name: user.username, role: user.role };
    const token = await this.jwt.signAsync(claims);
    const expiresAt = new Date(this.clock.now().getTime() + this.config.TOKEN_TTL * 1000).toISOString();
    return { token, tokenType: 'Bearer', expiresAt, user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role } };
  }

  /**
   * The user a bearer token stands for, with the expiry time; throws UnauthorizedException
   * with the reason (missing, malformed, expired, bad signature, unknown or disabled user).
   */
  async authenticate(token: string | undefined | null): Promise<{ user: AuthenticatedUser; expiresAtMs: number }> {
    if (!token) throw new UnauthorizedException('a bearer token is required: sign in with POST /api/auth/login');
    let claims: TokenClaims & { exp: number };
    try {
      claims = await this.jwt.verifyAsync(token, { algorithms: ['HS256'] });
    } catch (error) {
      const name = (error as Error).name;
      throw new UnauthorizedException(name === 'TokenExpiredError' ? 'the token has expired: sign in again' : 'the token is not valid');
    }
    const user = await this.users.findById(String(claims.sub));
    if (!user || user.disabled || !isRole(user.role)) throw new UnauthorizedException('the token is not valid: the user is unknown or disabled');
    return { user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role }, expiresAtMs: claims.exp * 1000 };
  }

  /**
   * At start: the configured admin (ADMIN_USERNAME / ADMIN_PASSWORD) is created if no user
   * has that name; in development the documented admin, operator and viewer too. Existing
   * users are never changed, so a password changed through the API stays changed.
   */
  async onApplicationBootstrap(): Promise<void> {
    const wanted: Array<{ username: string; displayName: string; role: 'viewer' | 'operator' | 'admin'; password: string }> = [
      { username: this.config.ADMIN_USERNAME, displayName: 'Administrator', role: 'admin', password: this.config.ADMIN_PASSWORD },
    ];
    if (!this.config.production) {
      for (const dev of DEV_USERS) if (dev.username !== this.config.ADMIN_USERNAME) wanted.push({ ...dev });
    }
    for (const user of wanted) {
      if (await this.users.findByUsername(user.username)) continue;
      const created = await this.users.create({ username: user.username, displayName: user.displayName, role: user.role, passwordHash: await hashPassword(user.password) });
      if (created) this.logger.log(`created ${user.role} "${user.username}"${this.config.production ? '' : ' (development password, see README)'}`);
    }
  }
}
