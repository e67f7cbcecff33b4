import { io, Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { DEV_WORKER_KEY_SEED } from '@crosscast/contracts';
import { dataSourceOptions } from '@crosscast/persistence';
import { loadWorkerKeys } from '@crosscast/runtime';
import { readFusionConfig } from '../../apps/fusion/src/config';
import { createFusionApp, migrate } from '../../apps/fusion/src/fusion-app';
import { DevUser, authedFetch, bearer, loginAs } from '../support/auth';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { clearRedisPrefix, dropDatabase, eventually, openDatabase, TEST_REDIS_URL, testDatabaseUrl, undoMigrationsThrough, uniqueName } from '../support/infrastructure';
import { recordSecurityCheck } from '../support/security-results';

/**
 * Issue 11's account findings, each reproduced against real PostgreSQL and Redis: a
 * production start on a database that was once run in development, revocation (sign-out,
 * disable, password change) for REST and open sockets, weak passwords, and usernames that
 * differ only in case.
 */
const PRODUCTION_SECRET = 'q7Vb2-LxN9sKd4TfWm0ZrYc8Hj3Ue6PaGo1Iv5Bn_Es';
const PRODUCTION_ADMIN_PASSWORD = 'tram-stop-quartz-47';

const login = (baseUrl: string, username: string, password: string) =>
  fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });

describe('secure by default (real PostgreSQL + Redis)', () => {
  describe('a production start on a database once run in development', () => {
    const dbName = uniqueName('crosscast_prod');
    const prefix = uniqueName('ccprod');
    const base = { DATABASE_URL: testDatabaseUrl(dbName), REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix };
    let db: DataSource;

    afterAll(async () => {
      await db?.destroy();
      await dropDatabase(dbName);
      await clearRedisPrefix(prefix);
    }, 60_000);

    it('disables the development accounts, applies ADMIN_PASSWORD, and writes both to the audit log', async () => {
      await migrate(base.DATABASE_URL);
      // As after `npm run demo`: the development accounts exist with their public passwords.
      const development = await createFusionApp(readFusionConfig(base), { logger: false });
      await development.listen(0, '127.0.0.1');
      const devUrl = await development.getUrl();
      for (const user of ['admin', 'operator', 'viewer'] as DevUser[]) await loginAs(devUrl, user);
      const oldAdminToken = await loginAs(devUrl, 'admin');
      await development.close();

      const config = readFusionConfig({ ...base, NODE_ENV: 'production', WORKER_KEYS_FILE: '/run/secrets/worker_keys', SIMULATOR_KEY_FILE: '/run/secrets/simulator_key', JWT_SECRET: PRODUCTION_SECRET, ADMIN_PASSWORD: PRODUCTION_ADMIN_PASSWORD });
      const production = await createFusionApp(config, { logger: false, keys: loadWorkerKeys(undefined, DEV_WORKER_KEY_SEED), simulatorKey: Buffer.alloc(32, 1) });
      await production.listen(0, '127.0.0.1');
      const url = await production.getUrl();
      try {
        for (const [username, password] of [
          ['admin', 'crosscast-admin'],
          ['operator', 'crosscast-operator'],
          ['viewer', 'crosscast-viewer'],
        ]) {
          expect({ username, status: (await login(url, username, password)).status }).toEqual({ username, status: 401 });
        }
        const admin = await login(url, 'admin', PRODUCTION_ADMIN_PASSWORD);
        expect(admin.status).toBe(200);
        // A development token (another secret, an older version) is refused too.
        expect((await fetch(`${url}/api/auth/me`, { headers: bearer(oldAdminToken) })).status).toBe(401);

        db = await openDatabase(base.DATABASE_URL);
        const users = await db.query(`SELECT username, disabled, development FROM users ORDER BY username`);
        expect(users).toEqual([
          { username: 'admin', disabled: false, development: false },
          { username: 'operator', disabled: true, development: true },
          { username: 'viewer', disabled: true, development: true },
        ]);
        const audit = (await db.query(`SELECT actor, action, details->>'username' AS username FROM admin_audit ORDER BY id`)) as Array<Record<string, string>>;
        expect(audit).toEqual([
          { actor: 'system', action: 'user.admin-password-applied', username: 'admin' },
          { actor: 'system', action: 'user.development-disabled', username: 'operator' },
          { actor: 'system', action: 'user.development-disabled', username: 'viewer' },
        ]);
        recordSecurityCheck({
          finding: 1,
          attack: 'production start on a database once run in development; sign in with the development passwords',
          expected: 'development accounts refused, ADMIN_PASSWORD applied, both audited',
          observed: `admin/operator/viewer development passwords → 401; ADMIN_PASSWORD → 200; ${users.filter((u: { disabled: boolean }) => u.disabled).length} development users disabled; ${audit.length} audit rows`,
          test: 'test/integration/secure-by-default.int-spec.ts',
        });
      } finally {
        await production.close();
      }

      // A second production start changes nothing more.
      const again = await createFusionApp(config, { logger: false, keys: loadWorkerKeys(undefined, DEV_WORKER_KEY_SEED), simulatorKey: Buffer.alloc(32, 1) });
      await again.init();
      await again.close();
      expect((await db.query(`SELECT count(*)::int AS n FROM admin_audit`))[0].n).toBe(3);
    }, 120_000);
  });

  describe('revocation, passwords and names', () => {
    let harness: FusionHarness;
    let baseUrl: string;
    let adminToken: string;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      harness = await startFusionHarness({ name: 'sec', env: { SESSION_RECHECK_SECONDS: '1' } });
      baseUrl = harness.baseUrl;
      adminToken = await harness.token('admin');
    }, 60_000);

    afterAll(async () => {
      for (const socket of sockets) socket.close();
      await harness?.stop();
    }, 60_000);

    const admin = () => authedFetch(baseUrl, adminToken);
    const createUser = async (username: string, password: string, role = 'viewer') => {
      const response = await admin()('/api/admin/users', { method: 'POST', body: JSON.stringify({ username, password, role }) });
      return { status: response.status, body: await response.json() };
    };
    const tokenFor = async (username: string, password: string) => {
      const response = await login(baseUrl, username, password);
      expect(response.status).toBe(200);
      return ((await response.json()) as { token: string }).token;
    };
    const openSocket = (token: string) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = io(baseUrl, { transports: ['websocket'], auth: { token }, reconnection: false });
        sockets.push(socket);
        socket.once('snapshot', () => resolve(socket));
        socket.once('connect_error', reject);
      });
    const closed = (socket: Socket) => eventually(async () => !socket.connected, 'the socket to be closed', 10_000);

    it('refuses weak passwords with a reason, and the development passwords for anyone', async () => {
      for (const [username, password, reason] of [
        ['weak1', 'aaaaaaaaaaaa', /different characters/],
        ['weak2', ' '.repeat(12), /spaces/],
        ['weak3longname', 'weak3longname', /username/],
        ['weak4', 'crosscast-admin', /development password/],
        ['weak5', 'short', /at least 12/],
      ] as Array<[string, string, RegExp]>) {
        const result = await createUser(username, password, 'admin');
        expect({ username, status: result.status }).toEqual({ username, status: 400 });
        expect(JSON.stringify(result.body.message)).toMatch(reason);
      }
      const ok = await createUser('gwen', 'tidal-lantern-93');
      expect(ok.status).toBe(201);
      const reset = await admin()(`/api/admin/users/${ok.body.id}`, { method: 'PATCH', body: JSON.stringify({ password: 'bbbbbbbbbbbb' }) });
      expect(reset.status).toBe(400);
      recordSecurityCheck({
        finding: 6,
        attack: "weak passwords: 'aaaaaaaaaaaa', twelve spaces, password = username, a development password, 5 characters",
        expected: '400 with the reason, for new users and password resets',
        observed: `each → 400 with its reason; reset to 'bbbbbbbbbbbb' → ${reset.status}`,
        test: 'test/integration/secure-by-default.int-spec.ts',
      });
    });

    it('treats usernames that differ only in case as one account', async () => {
      expect((await createUser('Hana', 'quiet-harbour-21')).status).toBe(201);
      const clash = await createUser('hANA', 'other-harbour-22');
      expect(clash.status).toBe(409);
      expect(JSON.stringify(clash.body.message)).toMatch(/case/);
      expect((await createUser('ADMIN', 'yet-another-pass-1')).status).toBe(409);
      expect((await login(baseUrl, 'HANA', 'quiet-harbour-21')).status).toBe(200);
      recordSecurityCheck({
        finding: 6,
        attack: "create 'hANA' beside 'Hana', 'ADMIN' beside 'admin'",
        expected: '409: usernames are unique regardless of case',
        observed: `${clash.status} both; 'HANA' signs in as Hana`,
        test: 'test/integration/secure-by-default.int-spec.ts',
      });
    });

    it('signing out ends every token of the user, and their open sockets close', async () => {
      expect((await createUser('ivan', 'copper-kettle-58')).status).toBe(201);
      const first = await tokenFor('ivan', 'copper-kettle-58');
      const second = await tokenFor('ivan', 'copper-kettle-58');
      const socket = await openSocket(first);
      expect((await fetch(`${baseUrl}/api/auth/me`, { headers: bearer(first) })).status).toBe(200);
      expect((await fetch(`${baseUrl}/api/auth/logout`, { method: 'POST', headers: bearer(second) })).status).toBe(204);
      for (const token of [first, second]) {
        const refused = await fetch(`${baseUrl}/api/auth/me`, { headers: bearer(token) });
        expect(refused.status).toBe(401);
        expect((await refused.json()).message).toMatch(/revoked/);
      }
      await closed(socket);
      // Signing in again works.
      expect((await fetch(`${baseUrl}/api/auth/me`, { headers: bearer(await tokenFor('ivan', 'copper-kettle-58')) })).status).toBe(200);
    });

    it('disabling a user closes their open socket; a password reset revokes older tokens', async () => {
      const created = await createUser('juno', 'silver-birch-66');
      const token = await tokenFor('juno', 'silver-birch-66');
      const socket = await openSocket(token);
      const received: string[] = [];
      socket.onAny((event) => received.push(event));
      expect((await admin()(`/api/admin/users/${created.body.id}`, { method: 'PATCH', body: JSON.stringify({ disabled: true }) })).status).toBe(200);
      await closed(socket);
      await expect(openSocket(token)).rejects.toThrow(/unauthorized/);

      // Enabled again, the old token stays revoked; a new password revokes the next one.
      expect((await admin()(`/api/admin/users/${created.body.id}`, { method: 'PATCH', body: JSON.stringify({ disabled: false }) })).status).toBe(200);
      expect((await fetch(`${baseUrl}/api/auth/me`, { headers: bearer(token) })).status).toBe(401);
      const beforeReset = await tokenFor('juno', 'silver-birch-66');
      const resetSocket = await openSocket(beforeReset);
      expect((await admin()(`/api/admin/users/${created.body.id}`, { method: 'PATCH', body: JSON.stringify({ password: 'granite-fern-71' }) })).status).toBe(200);
      expect((await fetch(`${baseUrl}/api/auth/me`, { headers: bearer(beforeReset) })).status).toBe(401);
      await closed(resetSocket);
      expect((await login(baseUrl, 'juno', 'silver-birch-66')).status).toBe(401);
      expect((await login(baseUrl, 'juno', 'granite-fern-71')).status).toBe(200);
      recordSecurityCheck({
        finding: 5,
        attack: 'disable a user with an open socket; reset a password; sign out',
        expected: 'the socket closes within seconds; older tokens → 401; logout revokes every token',
        observed: 'socket closed (re-check every 1 s in the test); reconnect refused "unauthorized"; pre-reset and pre-logout tokens → 401 "revoked"',
        test: 'test/integration/secure-by-default.int-spec.ts',
      });
    });

    it('answers NUL characters and absurd nesting with 400, never 500', async () => {
      const send = (method: string, path: string, body: string, token: string | null = adminToken) =>
        fetch(`${baseUrl}${path}`, { method, headers: { 'content-type': 'application/json', ...(token ? bearer(token) : {}) }, body });
      const nul = 'a\u0000b';
      const cases: Array<[string, string, string, string | null]> = [
        ['POST', '/api/admin/users', JSON.stringify({ username: 'nul-user', password: 'tidal-lantern-93', role: 'viewer', displayName: nul }), adminToken],
        ['PATCH', '/api/admin/crossings/0970', JSON.stringify({ adminNote: nul }), adminToken],
        ['POST', '/api/recommendations/1/reject', JSON.stringify({ reason: nul }), adminToken],
        ['POST', '/api/auth/login', JSON.stringify({ username: nul, password: 'whatever-it-is' }), null],
        ['POST', '/api/auth/login', '['.repeat(5000) + ']'.repeat(5000), null],
        ['POST', '/api/auth/login', '{"a":'.repeat(2000) + '1' + '}'.repeat(2000), null],
      ];
      for (const [method, path, body, token] of cases) {
        const response = await send(method, path, body, token);
        const text = await response.text();
        expect({ path, status: response.status }).toEqual({ path, status: 400 });
        expect(text).not.toMatch(/at .*\.js|QueryFailedError|INSERT|scrypt/);
      }
      expect((await fetch(`${baseUrl}/api/admin/audit?before=${encodeURIComponent(nul)}`, { headers: bearer(adminToken) })).status).toBe(400);
      recordSecurityCheck({
        finding: 7,
        attack: 'NUL in displayName, adminNote, reason, username; 5,000 nested [ and 2,000 nested objects on the public login',
        expected: '400, no SQL, stack or hash in the answer (the safe-errors filter logs class, code and message only)',
        observed: `${cases.length} requests → 400, none with SQL, stack or hash`,
        test: 'test/integration/secure-by-default.int-spec.ts',
      });
    });

    it('a role change ends the sessions too: the user signs in again and gets the new role', async () => {
      const created = await createUser('kim', 'amber-meadow-35');
      const token = await tokenFor('kim', 'amber-meadow-35');
      const socket = await openSocket(token);
      const accept = (bearerToken: string) =>
        fetch(`${baseUrl}/api/recommendations/999999/accept`, { method: 'POST', headers: { ...bearer(bearerToken), 'content-type': 'application/json' }, body: '{}' });
      expect((await accept(token)).status).toBe(403);
      expect((await admin()(`/api/admin/users/${created.body.id}`, { method: 'PATCH', body: JSON.stringify({ role: 'operator' }) })).status).toBe(200);
      expect((await accept(token)).status).toBe(401);
      await closed(socket);
      expect((await accept(await tokenFor('kim', 'amber-meadow-35'))).status).toBe(404);
    });
  });

  describe('login limits shared across fusion instances, per address and per username', () => {
    let harness: FusionHarness;
    const urls: string[] = [];

    beforeAll(async () => {
      // Two instances on one database and one Redis, behind a proxy on loopback that says who the client is.
      harness = await startFusionHarness({
        name: 'rl',
        env: { TRUST_PROXY: 'loopback', LOGIN_RATE_LIMIT: '5', LOGIN_ADDRESS_RATE_LIMIT: '8', LOGIN_USERNAME_RATE_LIMIT: '10' },
      });
      urls.push(harness.baseUrl, (await harness.startInstance()).baseUrl);
    }, 60_000);

    afterAll(async () => {
      await harness?.stop();
    }, 60_000);

    const attempt = (instance: number, from: string, username: string, password = 'not-the-password') =>
      fetch(`${urls[instance]}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
        body: JSON.stringify({ username, password }),
      });

    it('counts one user’s guesses from one address on every instance together', async () => {
      for (let i = 0; i < 5; i++) expect((await attempt(i % 2, '10.1.0.1', 'operator')).status).toBe(401);
      const limited = await attempt(1, '10.1.0.1', 'operator', 'crosscast-operator');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // The same user from another address is not locked out by it.
      expect((await attempt(0, '10.1.0.2', 'operator', 'crosscast-operator')).status).toBe(200);
    });

    it('limits one address trying many usernames (credential stuffing)', async () => {
      for (let i = 0; i < 8; i++) expect((await attempt(i % 2, '10.2.0.1', `someone-${i}`)).status).toBe(401);
      expect((await attempt(0, '10.2.0.1', 'someone-else')).status).toBe(429);
      expect((await attempt(0, '10.2.0.2', 'someone-else')).status).toBe(401);
    });

    it('limits one username tried from many addresses (password spraying)', async () => {
      for (let i = 0; i < 10; i++) expect((await attempt(i % 2, `10.3.0.${i + 1}`, 'viewer')).status).toBe(401);
      expect((await attempt(1, '10.3.0.99', 'viewer', 'crosscast-viewer')).status).toBe(429);
      recordSecurityCheck({
        finding: 8,
        attack: 'many usernames from one address; one username from many addresses; both across two fusion instances',
        expected: '429 per address and per username, counted in Redis for every instance',
        observed: '9th username from one address → 429; 11th address for one username → 429; a 6th guess on the other instance → 429',
        test: 'test/integration/secure-by-default.int-spec.ts',
      });
    });
  });

  describe('the migration to case-insensitive names', () => {
    const dbName = uniqueName('crosscast_case');
    afterAll(() => dropDatabase(dbName), 60_000);

    it('keeps the oldest of names that clash by case, renames and disables the others, and audits it', async () => {
      const url = testDatabaseUrl(dbName);
      await migrate(url);
      const db = new DataSource(dataSourceOptions(url));
      await db.initialize();
      try {
        // Back to the schema before this migration, with two accounts that differ only in case.
        // (Later migrations are undone first, then this one.)
        await undoMigrationsThrough(db, 'SecureByDefault1765000000000');
        await db.query(`INSERT INTO users (username, display_name, role, password_hash) VALUES ('Ops', 'first', 'operator', 'x'), ('ops', 'second', 'viewer', 'y')`);
        expect((await db.runMigrations()).map((m) => m.name)).toContain('SecureByDefault1765000000000');
        const users = await db.query(`SELECT username, display_name, disabled FROM users ORDER BY id`);
        expect(users[0]).toEqual({ username: 'Ops', display_name: 'first', disabled: false });
        expect(users[1]).toEqual({ username: expect.stringMatching(/^ops~\d+$/), display_name: 'second', disabled: true });
        const audit = await db.query(`SELECT actor, action, details->>'from' AS "from" FROM admin_audit`);
        expect(audit).toEqual([{ actor: 'migration', action: 'user.renamed-case-clash', from: 'ops' }]);
      } finally {
        await db.destroy();
      }
    }, 60_000);
  });
});
