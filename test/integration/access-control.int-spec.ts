import { JwtService } from '@nestjs/jwt';
import { MetadataScanner } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { io, Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { DEV_WORKER_KEY_SEED, deriveWorkerKey } from '@crosscast/contracts';
import { ROLES_KEY } from '../../apps/fusion/src/auth/decorators';
import { LiveGateway } from '../../apps/fusion/src/gateways/live.gateway';
import { fusionOpenApiDocument } from '../../apps/fusion/src/openapi/offline-document';
import { operationsOf } from '../../tools/api-types';
import { DevUser, authedFetch, bearer, loginAs } from '../support/auth';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { eventually } from '../support/infrastructure';

type Access = 'public' | 'viewer' | 'operator' | 'admin';

/**
 * Every HTTP route the running app registers, with the least role it must need. A route
 * added without an entry here fails the census, so nobody adds an endpoint without
 * deciding who may call it. The OpenAPI docs are public on purpose (they hold no data).
 */
const ROUTE_ACCESS: Record<string, Access> = {
  'GET /health': 'public',
  'POST /api/auth/login': 'public',
  'GET /api/docs': 'public',
  'GET /api/docs/': 'public',
  'GET /api/docs/index.html': 'public',
  'GET /api/docs/LICENSE': 'public',
  'GET /api/docs/swagger-ui-init.js': 'public',
  'GET /api/docs/docs/swagger-ui-init.js': 'public',
  'GET /api/docs-json': 'public',
  'GET /api/docs-yaml': 'public',
  'GET /api/auth/me': 'viewer',
  'POST /api/auth/logout': 'viewer',
  'GET /api/crossings': 'viewer',
  'GET /api/crossings/:id': 'viewer',
  'GET /api/crossings/:id/forecasts': 'viewer',
  'GET /api/crossings/:id/recommendation': 'viewer',
  'GET /api/crossings/:id/measures': 'viewer',
  // Operators may turn automatic mode off; turning it on is checked again in the service: admin only.
  'PUT /api/crossings/:id/automatic': 'operator',
  'GET /api/city/map': 'viewer',
  'GET /api/city/forecast': 'viewer',
  'GET /api/recommendations': 'viewer',
  'GET /api/recommendations/:id/sumo': 'viewer',
  'GET /api/dead-letters': 'viewer',
  'GET /api/running-plans': 'viewer',
  'GET /api/simulation/latest': 'viewer',
  'GET /api/simulation/crossings/:id': 'viewer',
  'GET /api/audit': 'operator',
  'POST /api/recommendations/:id/accept': 'operator',
  'POST /api/recommendations/:id/reject': 'operator',
  'GET /api/corridors': 'viewer',
  'GET /api/corridor-recommendations': 'viewer',
  'GET /api/corridor-recommendations/:id': 'viewer',
  'POST /api/corridor-recommendations/:id/accept': 'operator',
  'POST /api/corridor-recommendations/:id/reject': 'operator',
  'GET /api/corridor-decisions': 'operator',
  // Shared alert acknowledgements: every role sees them (they are on every dashboard), operators make them.
  'GET /api/alert-acknowledgements': 'viewer',
  'POST /api/alert-acknowledgements': 'operator',
  'GET /api/admin/users': 'admin',
  'POST /api/admin/users': 'admin',
  'PATCH /api/admin/users/:id': 'admin',
  'GET /api/admin/crossings': 'admin',
  'PATCH /api/admin/crossings/:id': 'admin',
  'GET /api/admin/keys': 'admin',
  'POST /api/admin/crossings/:id/reset-sequence': 'admin',
  'GET /api/admin/audit': 'admin',
};

const ROLE_ORDER: DevUser[] = ['viewer', 'operator', 'admin'];
/** Routes that end the caller's tokens: the census signs in again after probing them. */
const SIGNS_OUT = new Set(['POST /api/auth/logout']);
/** Route parameters that exist (crossings) or safely do not (ids), so no request changes data. */
const concrete = (route: string) => route.replace('/crossings/:id', '/crossings/0970').replace(/:id/g, '999999');

/** The routes the app really serves, read from the Express router of the running app. */
function registeredRoutes(app: NestExpressApplication): string[] {
  const router = app.getHttpAdapter().getInstance().router as { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  return router.stack.flatMap((layer) => (layer.route ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path}`) : []));
}

describe('access control (real PostgreSQL + Redis)', () => {
  const allowedOrigin = 'http://ops.crosscast.test:8080';
  let harness: FusionHarness;
  let app: NestExpressApplication;
  let db: DataSource;
  let baseUrl: string;
  const tokens = {} as Record<DevUser, string>;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    harness = await startFusionHarness({ name: 'acl', env: { CORS_ORIGINS: allowedOrigin } });
    ({ app, db, baseUrl } = harness);
    for (const user of ROLE_ORDER) tokens[user] = await harness.token(user);
  }, 60_000);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await harness?.stop();
  }, 60_000);

  const send = (method: string, route: string, headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}${concrete(route)}`, {
      method,
      headers: { ...headers, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
      // An empty body: a write that passes the guard stops at validation (400) or at a missing id (404), writing nothing.
      body: method === 'GET' ? undefined : '{}',
    });

  describe('OpenAPI document', () => {
    it('served at /api/docs-json is the one the dashboard client types are generated from, with 401 and 403 where the census says', async () => {
      const served = (await (await fetch(`${baseUrl}/api/docs-json`)).json()) as { paths: object };
      // The running app's document equals the one built without services (npm run api:generate, test/static/openapi.spec.ts).
      expect(served).toEqual(JSON.parse(JSON.stringify(await fusionOpenApiDocument())));
      const operations = operationsOf(served);
      expect(operations.length).toBeGreaterThan(30);
      for (const { method, path, operation } of operations) {
        const key = `${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
        const access = ROUTE_ACCESS[key];
        const responses = (operation as { responses: Record<string, unknown> }).responses;
        expect({ key, access: access ?? 'unclassified' }).toEqual({ key, access: expect.stringMatching(/^(public|viewer|operator|admin)$/) });
        if (access !== 'public') expect({ key, documents401: '401' in responses }).toEqual({ key, documents401: true });
        expect({ key, documents403: '403' in responses }).toEqual({ key, documents403: access === 'operator' || access === 'admin' });
      }
    }, 60_000);
  });

  describe('route census', () => {
    it('knows every registered route: a new route must be classified here before it ships', () => {
      expect(registeredRoutes(app).sort()).toEqual(Object.keys(ROUTE_ACCESS).sort());
    });

    it.each(Object.entries(ROUTE_ACCESS))('%s needs %s', async (key, access) => {
      const [method, route] = key.split(' ');
      if (access === 'public') {
        expect([401, 403]).not.toContain((await send(method, route)).status);
        return;
      }
      // No token, a malformed header, a token signed with another secret: 401.
      expect((await send(method, route)).status).toBe(401);
      expect((await send(method, route, { authorization: 'Basic YWRtaW46eA==' })).status).toBe(401);
      const forged = new JwtService({ secret: 'some-other-secret-of-at-least-32-chars!' }).sign({ sub: '1', name: 'admin', role: 'admin' });
      expect((await send(method, route, bearer(forged))).status).toBe(401);
      // Every role below the one needed: 403; the role needed and above: through the guard.
      const needed = ROLE_ORDER.indexOf(access);
      for (const [rank, user] of ROLE_ORDER.entries()) {
        const status = (await send(method, route, bearer(tokens[user]))).status;
        if (SIGNS_OUT.has(key) && rank >= needed) tokens[user] = await loginAs(baseUrl, user);
        if (rank < needed) expect({ user, status }).toEqual({ user, status: 403 });
        else expect({ user, status: [401, 403].includes(status) }).toEqual({ user, status: false });
      }
    });

    it('wrote nothing while probing the write routes', async () => {
      expect((await db.query(`SELECT count(*)::int AS n FROM recommendation_decisions`))[0].n).toBe(0);
      expect((await db.query(`SELECT count(*)::int AS n FROM alert_acknowledgements`))[0].n).toBe(0);
      expect((await db.query(`SELECT username FROM users ORDER BY username`)).map((r: { username: string }) => r.username)).toEqual(['admin', 'operator', 'viewer']);
      expect((await db.query(`SELECT count(*)::int AS n FROM crossings WHERE settings_updated_at IS NOT NULL`))[0].n).toBe(0);
      expect((await db.query(`SELECT count(*)::int AS n FROM crossings WHERE automatic_updated_at IS NOT NULL`))[0].n).toBe(0);
    });
  });

  describe('tokens', () => {
    it('refuses an expired token with a reason, and says who a valid one belongs to', async () => {
      const expired = app.get(JwtService).sign({ sub: '1', name: 'admin', role: 'admin' }, { expiresIn: -60 });
      const refused = await fetch(`${baseUrl}/api/auth/me`, { headers: bearer(expired) });
      expect(refused.status).toBe(401);
      expect((await refused.json()).message).toMatch(/expired/);
      const me = await (await fetch(`${baseUrl}/api/auth/me`, { headers: bearer(tokens.operator) })).json();
      expect(me).toMatchObject({ username: 'operator', role: 'operator' });
    });

    it('answers a wrong password and an unknown user the same way, without a token', async () => {
      const attempt = async (username: string, password: string) => {
        const response = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
        return { status: response.status, body: await response.json() };
      };
      const wrong = await attempt('viewer', 'not-the-password');
      const unknown = await attempt('nobody-here', 'whatever');
      expect(wrong.status).toBe(401);
      expect(unknown).toEqual(wrong);
      expect(JSON.stringify(wrong.body)).not.toMatch(/token/);
      expect((await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'viewer' }) })).status).toBe(400);
    });
  });

  describe('socket.io', () => {
    const connect = (auth: Record<string, unknown> | undefined) =>
      new Promise<{ socket: Socket; error: Error | null; snapshot: boolean }>((resolve) => {
        const socket = io(baseUrl, { transports: ['websocket'], auth, reconnection: false });
        sockets.push(socket);
        socket.on('snapshot', () => resolve({ socket, error: null, snapshot: true }));
        socket.on('connect_error', (error) => resolve({ socket, error, snapshot: false }));
      });

    it('refuses a connection without a token, with a bad token or with an expired one, saying why', async () => {
      const none = await connect(undefined);
      expect(none.error?.message).toMatch(/^unauthorized: a bearer token is required/);
      const bad = await connect({ token: 'not.a.jwt' });
      expect(bad.error?.message).toMatch(/^unauthorized: the token is not valid/);
      const expired = await connect({ token: app.get(JwtService).sign({ sub: '1', name: 'admin', role: 'admin' }, { expiresIn: -60 }) });
      expect(expired.error?.message).toMatch(/^unauthorized: the token has expired/);
      for (const refused of [none, bad, expired]) expect(refused.socket.connected).toBe(false);
    });

    it('accepts a viewer token and sends the snapshot', async () => {
      const viewer = await connect({ token: tokens.viewer });
      expect(viewer).toMatchObject({ error: null, snapshot: true });
    });

    it('census: every client-to-server event handler declares a role (today: joining and leaving the room of a crossing)', async () => {
      const gateway = app.get(LiveGateway);
      const prototype = Object.getPrototypeOf(gateway);
      const handlers = new MetadataScanner().getAllMethodNames(prototype).filter((name) => Reflect.getMetadata('message', prototype[name]) !== undefined);
      for (const name of handlers) expect({ name, role: Reflect.getMetadata(ROLES_KEY, prototype[name]) }).toEqual({ name, role: expect.any(String) });
      // And what a connected server-side socket really listens to: only socket.io's own events.
      expect((await connect({ token: tokens.viewer })).snapshot).toBe(true);
      await eventually(async () => gateway.server.sockets.sockets.size > 0, 'a connected socket');
      const listened = new Set<string>();
      for (const socket of gateway.server.sockets.sockets.values()) for (const event of socket.eventNames()) listened.add(String(event));
      const handlerEvents = handlers.map((name) => Reflect.getMetadata('message', prototype[name]) as string);
      expect([...listened].filter((event) => !['disconnect', 'disconnecting', 'error'].includes(event) && !handlerEvents.includes(event))).toEqual([]);
      expect(handlerEvents.sort()).toEqual(['subscribe-crossing', 'unsubscribe-crossing']);
    });
  });

  describe('browser protections', () => {
    it('sends CORS headers to a configured origin only', async () => {
      const foreign = await fetch(`${baseUrl}/api/crossings`, { headers: { origin: 'http://evil.example', ...bearer(tokens.viewer) } });
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      const allowed = await fetch(`${baseUrl}/api/crossings`, { headers: { origin: allowedOrigin, ...bearer(tokens.viewer) } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
      const preflight = await fetch(`${baseUrl}/api/recommendations/1/accept`, {
        method: 'OPTIONS',
        headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('sends security headers with a CSP that allows only the page itself', async () => {
      for (const path of ['/', '/api/crossings', '/health']) {
        const response = await fetch(`${baseUrl}${path}`, { headers: bearer(tokens.viewer) });
        const csp = response.headers.get('content-security-policy') ?? '';
        expect({ path, csp }).toEqual({ path, csp: expect.stringContaining("script-src 'self'") });
        expect(csp).toContain("default-src 'self'");
        expect(csp).not.toContain('upgrade-insecure-requests');
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('x-frame-options')).toBeTruthy();
        expect(response.headers.get('x-powered-by')).toBeNull();
      }
    });
  });

  describe('admin', () => {
    const admin = () => authedFetch(baseUrl, tokens.admin);

    it('creates, lists, changes and disables users, never showing a hash; a change ends existing tokens at once', async () => {
      const created = await admin()('/api/admin/users', { method: 'POST', body: JSON.stringify({ username: 'dana', password: 'a-long-enough-password', role: 'viewer', displayName: 'Dana' }) });
      expect(created.status).toBe(201);
      const dana = await created.json();
      expect(Object.keys(dana).sort()).toEqual(['createdAt', 'disabled', 'displayName', 'id', 'role', 'updatedAt', 'username']);
      expect((await admin()('/api/admin/users', { method: 'POST', body: JSON.stringify({ username: 'dana', password: 'another-long-password', role: 'viewer' }) })).status).toBe(409);
      expect((await admin()('/api/admin/users', { method: 'POST', body: JSON.stringify({ username: 'eve', password: 'short', role: 'viewer' }) })).status).toBe(400);
      expect((await admin()('/api/admin/users', { method: 'POST', body: JSON.stringify({ username: 'eve', password: 'a-long-enough-password', role: 'root' }) })).status).toBe(400);

      const listText = await (await admin()('/api/admin/users')).text();
      expect(listText).toContain('"dana"');
      expect(listText).not.toMatch(/scrypt|hash|password/i);

      let danaToken = await loginAs(baseUrl, 'dana' as DevUser, 'a-long-enough-password');
      const danaAccept = () => fetch(`${baseUrl}/api/recommendations/999999/accept`, { method: 'POST', headers: { ...bearer(danaToken), 'content-type': 'application/json' }, body: '{}' });
      expect((await danaAccept()).status).toBe(403);
      expect((await admin()(`/api/admin/users/${dana.id}`, { method: 'PATCH', body: JSON.stringify({ role: 'operator' }) })).status).toBe(200);
      expect((await danaAccept()).status).toBe(401); // the role change revoked the token
      danaToken = await loginAs(baseUrl, 'dana' as DevUser, 'a-long-enough-password');
      expect((await danaAccept()).status).toBe(404); // through the guard now: the recommendation does not exist

      expect((await admin()(`/api/admin/users/${dana.id}`, { method: 'PATCH', body: JSON.stringify({ disabled: true }) })).status).toBe(200);
      expect((await fetch(`${baseUrl}/api/crossings`, { headers: bearer(danaToken) })).status).toBe(401);
      await expect(loginAs(baseUrl, 'dana' as DevUser, 'a-long-enough-password')).rejects.toThrow(/HTTP 401/);
    });

    it('will not disable or demote the last enabled admin', async () => {
      const [me] = (await (await admin()('/api/admin/users')).json()).filter((u: { username: string }) => u.username === 'admin');
      const demote = await admin()(`/api/admin/users/${me.id}`, { method: 'PATCH', body: JSON.stringify({ role: 'viewer' }) });
      expect(demote.status).toBe(409);
      expect((await demote.json()).message).toMatch(/last enabled admin/);
      expect((await admin()(`/api/admin/users/${me.id}`, { method: 'PATCH', body: JSON.stringify({ disabled: true }) })).status).toBe(409);
      expect((await admin()('/api/auth/me')).status).toBe(200);
    });

    it("lists the workers' key fingerprints, never the keys", async () => {
      const text = await (await admin()('/api/admin/keys')).text();
      const { source, keys } = JSON.parse(text);
      expect(source).toMatch(/WORKER_KEY_SEED/);
      expect(keys).toHaveLength(40);
      for (const key of keys) expect(key.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      const real = deriveWorkerKey(DEV_WORKER_KEY_SEED, '0970');
      expect(text).not.toContain(real.toString('base64'));
      expect(text).not.toContain(real.toString('hex'));
    });
  });

  describe('rate limits', () => {
    it('answers 429 with Retry-After after 5 logins a minute for one user from one address, even with the right password', async () => {
      await authedFetch(baseUrl, tokens.admin)('/api/admin/users', { method: 'POST', body: JSON.stringify({ username: 'guessed', password: 'the-right-password', role: 'viewer' }) });
      // Without TRUST_PROXY a forged X-Forwarded-For buys no fresh address.
      const attempt = (password: string, forwardedFor = '10.9.9.9') =>
        fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor }, body: JSON.stringify({ username: 'guessed', password }) });
      for (let i = 0; i < 5; i++) expect((await attempt(`guess-${i}`, `10.9.9.${i}`)).status).toBe(401);
      const limited = await attempt('the-right-password');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another user from the same address is not locked out by it.
      expect((await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'viewer', password: 'crosscast-viewer' }) })).status).toBe(200);
    });
  });
});
