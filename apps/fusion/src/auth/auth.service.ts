import { Inject, Injectable, Logger, OnApplicationBootstrap, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import { LoginView } from '@crosscast/contracts';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { ClockRepository } from '../repositories/clock.repository';
import { AdminAuditRepository } from '../repositories/admin-audit.repository';
import { StoredUser, UsersRepository } from '../repositories/users.repository';
import { DEV_USERS } from './access-config';
import { hashPassword, verifyPassword } from './password-hasher';
import { RecentReads } from './recent-reads';
import { AuthenticatedUser, isRole } from './roles';

/** What the signed token carries. The users table stays the authority on role and disabled. */
interface TokenClaims {
  sub: string;
  name: string;
  role: string;
  /** The user's token version at issue; tokens from before a revocation carry an older one (none = 0). */
  ver?: number;
}

/** The one reason given for any failed login, so it does not tell which part was wrong. */
const BAD_LOGIN = 'unknown username or wrong password';

/** What a token is checked against: the user's row without its password hash. */
type TokenHolder = Omit<StoredUser, 'passwordHash' | 'development'>;

/**
 * Logins and tokens. A token is an HS256 JWT with the user's id, name and role, valid for
 * TOKEN_TTL. Every request and socket connection checks the token and then the user's
 * row: disabling a user, changing their role or password, or signing out bumps the
 * user's token version, and a token of an older version is refused from then on (open
 * sockets are re-checked every SESSION_RECHECK_SECONDS, see LiveGateway). The row is read
 * at most once every AUTH_USER_CACHE_SECONDS per user (RecentReads): every write to it
 * through this instance forgets it at once (UsersRepository.onUserChanged), so such a
 * change holds from the next request; a change made through another instance holds here
 * within AUTH_USER_CACHE_SECONDS.
 */
@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  private unknownUserHash: Promise<string> | null = null;
  private readonly holders: RecentReads<TokenHolder>;

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly jwt: JwtService,
    private readonly users: UsersRepository,
    private readonly clock: ClockRepository,
    private readonly audit: AdminAuditRepository,
  ) {
    this.holders = new RecentReads<TokenHolder>(config.AUTH_USER_CACHE_SECONDS * 1000, () => clock.now().getTime());
    users.onUserChanged((id) => this.holders.forget(id));
  }

  async login(username: string, password: string): Promise<LoginView> {
    const user = await this.users.findByUsername(username);
    // Check a hash even for an unknown user: both failures take the same time.
    const hash = user?.passwordHash ?? (await (this.unknownUserHash ??= hashPassword(randomBytes(16).toString('hex'))));
    const matches = await verifyPassword(password, hash);
    if (!user || !matches || user.disabled) throw new UnauthorizedException(BAD_LOGIN);
    const claims: TokenClaims = { sub: user.id, name: user.username, role: user.role, ver: user.tokenVersion };
    const token = await this.jwt.signAsync(claims);
    const expiresAt = new Date(this.clock.now().getTime() + this.config.TOKEN_TTL * 1000).toISOString();
    return { token, tokenType: 'Bearer', expiresAt, user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role } };
  }

  /**
   * The user a bearer token stands for, with the expiry time; throws UnauthorizedException
   * with the reason (missing, malformed, expired, bad signature, unknown or disabled user).
   */
  async authenticate(token: string | undefined | null): Promise<{ user: AuthenticatedUser; expiresAtMs: number; tokenVersion: number }> {
    if (!token) throw new UnauthorizedException('a bearer token is required: sign in with POST /api/auth/login');
    let claims: TokenClaims & { exp: number };
    try {
      claims = await this.jwt.verifyAsync(token, { algorithms: ['HS256'] });
    } catch (error) {
      const name = (error as Error).name;
      throw new UnauthorizedException(name === 'TokenExpiredError' ? 'the token has expired: sign in again' : 'the token is not valid');
    }
    const id = String(claims.sub);
    const user = await this.holders.get(id, () => this.users.findById(id).then((u) => u && tokenHolder(u)));
    if (!user || user.disabled || !isRole(user.role)) throw new UnauthorizedException('the token is not valid: the user is unknown or disabled');
    if ((claims.ver ?? 0) !== user.tokenVersion) throw new UnauthorizedException('the token has been revoked (sign-out, disable, role or password change): sign in again');
    return { user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role }, expiresAtMs: claims.exp * 1000, tokenVersion: user.tokenVersion };
  }

  /**
   * Which of these open sessions (user id and the token version they signed in with) no
   * longer hold: the user is gone or disabled, or their tokens were revoked since. One query
   * for all of them, so the live gateway can re-check every socket every few seconds.
   */
  async revokedSessions(sessions: ReadonlyArray<{ userId: string; tokenVersion: number }>): Promise<Set<string>> {
    const revoked = new Set<string>();
    if (!sessions.length) return revoked;
    const states = await this.users.tokenStates([...new Set(sessions.map((s) => s.userId))]);
    for (const session of sessions) {
      const state = states.get(session.userId);
      if (!state || state.disabled || state.tokenVersion !== session.tokenVersion) revoked.add(sessionKey(session));
    }
    return revoked;
  }

  /** Ends every token of this user, the one in use included (their open sockets close within seconds). */
  async logout(user: AuthenticatedUser): Promise<void> {
    await this.users.revokeTokens(user.id);
  }

  /**
   * At start. Development: the configured admin and the documented operator and viewer are
   * created if missing, flagged as development accounts (their passwords are public).
   * Production: ADMIN_USERNAME gets ADMIN_PASSWORD (created, or its password replaced when
   * it does not verify, and enabled as admin); then every enabled development account (by
   * flag, or a development user name whose password is still a development password) is
   * disabled. Both are logged and written to the admin audit log.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.production) await this.secureProductionAccounts();
    else await this.createDevelopmentAccounts();
  }

  private async createDevelopmentAccounts(): Promise<void> {
    const wanted: Array<{ username: string; displayName: string; role: 'viewer' | 'operator' | 'admin'; password: string }> = [
      { username: this.config.ADMIN_USERNAME, displayName: 'Administrator', role: 'admin', password: this.config.ADMIN_PASSWORD },
    ];
    for (const dev of DEV_USERS) if (dev.username.toLowerCase() !== this.config.ADMIN_USERNAME.toLowerCase()) wanted.push({ ...dev });
    for (const user of wanted) {
      if (await this.users.findByUsername(user.username)) continue;
      const development = isDevelopmentPassword(user.password);
      const created = await this.users.create({ ...user, passwordHash: await hashPassword(user.password), development });
      if (created) this.logger.log(`created ${user.role} "${user.username}"${development ? ' (development password, see README)' : ''}`);
    }
  }

  private async secureProductionAccounts(): Promise<void> {
    const adminName = this.config.ADMIN_USERNAME;
    const existing = await this.users.findByUsername(adminName);
    if (!existing) {
      const created = await this.users.create({ username: adminName, displayName: 'Administrator', role: 'admin', passwordHash: await hashPassword(this.config.ADMIN_PASSWORD) });
      if (created) {
        this.logger.log(`created admin "${adminName}" with ADMIN_PASSWORD`);
        await this.audit.record({ actor: 'system', action: 'user.admin-created', target: `user:${created.id}`, details: { username: adminName } });
      }
    } else if (!(await verifyPassword(this.config.ADMIN_PASSWORD, existing.passwordHash)) || existing.disabled || existing.role !== 'admin' || existing.development) {
      await this.users.update(existing.id, { passwordHash: await hashPassword(this.config.ADMIN_PASSWORD), disabled: false, role: 'admin', development: false });
      this.logger.warn(`applied ADMIN_PASSWORD to "${existing.username}" (enabled, admin); its older tokens are revoked`);
      await this.audit.record({
        actor: 'system',
        action: 'user.admin-password-applied',
        target: `user:${existing.id}`,
        details: { username: existing.username, wasDisabled: existing.disabled, wasRole: existing.role, wasDevelopment: existing.development },
      });
    }
    for (const user of await this.users.enabledUsers()) {
      if (!(await hasDevelopmentPassword(user))) continue;
      await this.users.update(user.id, { disabled: true });
      this.logger.warn(`disabled development account "${user.username}" (${user.role}): its password is public; an admin can set a new password and enable it`);
      await this.audit.record({ actor: 'system', action: 'user.development-disabled', target: `user:${user.id}`, details: { username: user.username, role: user.role } });
    }
  }
}

const DEVELOPMENT_PASSWORDS: ReadonlySet<string> = new Set(DEV_USERS.map((u) => u.password));

function isDevelopmentPassword(password: string): boolean {
  return DEVELOPMENT_PASSWORDS.has(password);
}

/**
 * Flagged as a development account, or (databases from before the flag) a development user
 * name whose hash still verifies one of the public development passwords. Only those names
 * are tried, so a start-up costs a few scrypt checks, not one per user.
 */
async function hasDevelopmentPassword(user: StoredUser): Promise<boolean> {
  if (user.development) return true;
  if (!DEV_USERS.some((dev) => dev.username === user.username.toLowerCase())) return false;
  for (const password of DEVELOPMENT_PASSWORDS) if (await verifyPassword(password, user.passwordHash)) return true;
  return false;
}

function tokenHolder(u: StoredUser): TokenHolder {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role, disabled: u.disabled, createdAt: u.createdAt, updatedAt: u.updatedAt, tokenVersion: u.tokenVersion };
}

/** How revokedSessions names a session: user id and token version. */
export function sessionKey(session: { userId: string; tokenVersion: number }): string {
  return `${session.userId}:${session.tokenVersion}`;
}
