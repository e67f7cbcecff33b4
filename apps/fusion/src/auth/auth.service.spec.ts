import { JwtService } from '@nestjs/jwt';
import type { FusionConfig } from '../config';
import type { AdminAuditRepository } from '../repositories/admin-audit.repository';
import type { ClockRepository } from '../repositories/clock.repository';
import type { StoredUser, UserChanges, UsersRepository } from '../repositories/users.repository';
import { jwtKey } from './access-config';
import { AuthService } from './auth.service';

/**
 * The users table in memory, with the real repository's promise: every write that changes
 * what a token is worth tells onUserChanged listeners. `changeElsewhere` is another fusion
 * instance's write (this process is not told).
 */
class FakeUsers {
  readonly rows = new Map<string, StoredUser>();
  reads = 0;
  private readonly listeners: Array<(id: string) => void> = [];

  constructor() {
    const at = new Date(0).toISOString();
    this.rows.set('7', { id: '7', username: 'olga', displayName: 'Olga', role: 'operator', disabled: false, createdAt: at, updatedAt: at, passwordHash: 'x', tokenVersion: 3, development: false });
  }

  onUserChanged(listener: (id: string) => void): void {
    this.listeners.push(listener);
  }

  async findById(id: string): Promise<StoredUser | null> {
    this.reads++;
    const row = this.rows.get(id);
    return row ? { ...row } : null;
  }

  async update(id: string, changes: UserChanges): Promise<null> {
    this.changeElsewhere(id, changes);
    for (const listener of this.listeners) listener(id);
    return null;
  }

  async revokeTokens(id: string): Promise<number> {
    this.rows.get(id)!.tokenVersion++;
    for (const listener of this.listeners) listener(id);
    return this.rows.get(id)!.tokenVersion;
  }

  changeElsewhere(id: string, changes: UserChanges): void {
    const row = this.rows.get(id)!;
    const revokes = (changes.role !== undefined && changes.role !== row.role) || (changes.disabled !== undefined && changes.disabled !== row.disabled);
    Object.assign(row, changes.role === undefined ? {} : { role: changes.role }, changes.disabled === undefined ? {} : { disabled: changes.disabled });
    if (revokes) row.tokenVersion++;
  }
}

describe('AuthService: the user behind a token', () => {
  const jwt = new JwtService({ secret: 'a-test-secret-of-at-least-32-characters', signOptions: { algorithm: 'HS256', expiresIn: 3600 } });
  let users: FakeUsers;
  let nowMs: number;
  let token: string;
  const serviceWith = (cacheSeconds: number) =>
    new AuthService(
      { AUTH_USER_CACHE_SECONDS: cacheSeconds, TOKEN_TTL: 3600 } as unknown as FusionConfig,
      jwt,
      users as unknown as UsersRepository,
      { now: () => new Date(nowMs) } as ClockRepository,
      {} as AdminAuditRepository,
    );

  beforeEach(async () => {
    users = new FakeUsers();
    nowMs = Date.now();
    token = await jwt.signAsync({ sub: '7', name: 'olga', role: 'operator', ver: 3 });
  });

  it('reads the user once for a page load’s burst of requests (the socket sign-in and a dozen REST calls)', async () => {
    const auth = serviceWith(5);
    for (let i = 0; i < 13; i++) expect((await auth.authenticate(token)).user.username).toBe('olga');
    expect(users.reads).toBe(1);
    nowMs += 5000;
    await auth.authenticate(token);
    expect(users.reads).toBe(2);
  });

  it('refuses a user disabled through this instance at the very next request', async () => {
    const auth = serviceWith(60);
    await auth.authenticate(token);
    await users.update('7', { disabled: true });
    await expect(auth.authenticate(token)).rejects.toThrow(/unknown or disabled/);
  });

  it('refuses a token revoked by sign-out at the very next request, and one from before a role change', async () => {
    const auth = serviceWith(60);
    const { user } = await auth.authenticate(token);
    await auth.logout(user);
    await expect(auth.authenticate(token)).rejects.toThrow(/revoked/);

    const fresh = await jwt.signAsync({ sub: '7', name: 'olga', role: 'operator', ver: 4 });
    await auth.authenticate(fresh);
    await users.update('7', { role: 'viewer' });
    await expect(auth.authenticate(fresh)).rejects.toThrow(/revoked/);
  });

  it('does not keep what a read on its way during the disable saw', async () => {
    const auth = serviceWith(60);
    // The read answers with the row as it was, but only after the disable was written.
    const findById = users.findById.bind(users);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    users.findById = async (id) => {
      const row = await findById(id);
      await gate;
      return row;
    };
    const underWay = auth.authenticate(token);
    await new Promise((r) => setImmediate(r));
    await users.update('7', { disabled: true });
    release();
    await underWay; // asked before the disable
    await expect(auth.authenticate(token)).rejects.toThrow(/unknown or disabled/);
  });

  it('sees a change made through another instance within AUTH_USER_CACHE_SECONDS', async () => {
    const auth = serviceWith(5);
    await auth.authenticate(token);
    users.changeElsewhere('7', { disabled: true });
    nowMs += 4000;
    await auth.authenticate(token); // not told: still the row read 4 s ago
    nowMs += 1000;
    await expect(auth.authenticate(token)).rejects.toThrow(/unknown or disabled/);
  });

  it('with AUTH_USER_CACHE_SECONDS=0 reads the user for every request', async () => {
    const auth = serviceWith(0);
    for (let i = 0; i < 3; i++) await auth.authenticate(token);
    expect(users.reads).toBe(3);
  });
});

describe('the token key', () => {
  it('is made once: a token signed with the secret verifies with the key object, one signed with another secret does not', async () => {
    const secret = 'a-test-secret-of-at-least-32-characters';
    const keyed = new JwtService({ secret: jwtKey(secret), signOptions: { algorithm: 'HS256', expiresIn: 3600 } });
    const token = new JwtService({ secret }).sign({ sub: '7' }, { algorithm: 'HS256' });
    expect((await keyed.verifyAsync<{ sub: string }>(token, { algorithms: ['HS256'] })).sub).toBe('7');
    expect((await new JwtService({ secret }).verifyAsync<{ sub: string }>(await keyed.signAsync({ sub: '8' }), { algorithms: ['HS256'] })).sub).toBe('8');
    const forged = new JwtService({ secret: 'some-other-secret-of-at-least-32-chars!' }).sign({ sub: '7' }, { algorithm: 'HS256' });
    await expect(keyed.verifyAsync(forged, { algorithms: ['HS256'] })).rejects.toThrow(/signature/);
  });
});
