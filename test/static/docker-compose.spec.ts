/**
 * Static checks of docker-compose.yml and the Dockerfiles (no Docker engine needed):
 * the file is what the generator produces for the seed city, every service is wired to
 * things that exist, and every container can tell when it is healthy.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { recordSecurityCheck } from '../support/security-results';
import { DEFAULT_CITY_DIR, PROXY_CITY_ADDRESS, renderCompose, workerServiceName } from '../../tools/generate-compose';
import { EDGE_WORKER_ENV } from '../../apps/edge-worker/src/config';
import { FUSION_ENV } from '../../apps/fusion/src/config';

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const CROSSINGS_FILE = path.join(ROOT, DEFAULT_CITY_DIR, 'crossings.json');

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | { target?: number; published?: number | string }>;
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
  secrets?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
}
interface Compose {
  services: Record<string, Service>;
  networks?: Record<string, { internal?: boolean; ipam?: { config?: Array<{ subnet?: string }> } } | null>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string }>;
}

const composeText = fs.readFileSync(COMPOSE_FILE, 'utf8');
const compose = yaml.load(composeText) as Compose;
const city = JSON.parse(fs.readFileSync(CROSSINGS_FILE, 'utf8')) as { city: string; crossings: Array<{ id: string }> };
const crossingIds = city.crossings.map((c) => c.id);
const services = compose.services;
const workerNames = Object.keys(services).filter((name) => name.startsWith('worker-'));

function env(service: Service): Record<string, string> {
  const raw = service.environment ?? {};
  const entries = Array.isArray(raw)
    ? raw.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const)
    : Object.entries(raw).map(([key, value]) => [key, value === null ? '' : String(value)] as const);
  return Object.fromEntries(entries);
}

function healthcheckText(service: Service): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

function dependsOnHealthy(service: Service, dependency: string): boolean {
  const deps = service.depends_on;
  if (!deps || Array.isArray(deps)) return false;
  return deps[dependency]?.condition === 'service_healthy';
}

/** Named volumes (not bind mounts) a service mounts. */
function namedVolumes(service: Service): Array<{ name: string; target: string }> {
  return (service.volumes ?? []).flatMap((volume) => {
    if (typeof volume === 'string') {
      const [source, target] = volume.split(':');
      if (target === undefined || /^[./~]/.test(source)) return [];
      return [{ name: source, target }];
    }
    return volume.type === 'volume' && volume.source ? [{ name: volume.source, target: volume.target ?? '' }] : [];
  });
}

function containerPorts(service: Service): number[] {
  return (service.ports ?? []).map((port) =>
    typeof port === 'string' ? Number(port.split(':').pop()!.split('/')[0]) : Number(port.target),
  );
}

function networksOf(service: Service): string[] {
  const networks = service.networks ?? [];
  return Array.isArray(networks) ? networks : Object.keys(networks);
}

/** The host address a published port listens on ('' = every interface). */
function publishedHostAddresses(service: Service): string[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port !== 'string') return '';
    const parts = port.split(':');
    return parts.length === 3 ? parts[0] : '';
  });
}

function dockerfileOf(service: Service): string {
  return path.join(ROOT, service.build?.context ?? '.', service.build?.dockerfile ?? 'Dockerfile');
}

describe('docker-compose.yml', () => {
  it('is exactly what tools/generate-compose.ts renders for the seed city (run npm run compose:generate)', () => {
    expect(composeText).toBe(renderCompose(city));
    expect(composeText).toMatch(/^# GENERATED FILE/);
  });

  it('runs PostgreSQL 16 and Redis 7 with append-only persistence on declared volumes', () => {
    expect(services.postgres?.image).toBe('postgres:16-alpine');
    expect(env(services.postgres)).toMatchObject({
      POSTGRES_USER: 'crosscast',
      POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password',
      POSTGRES_DB: 'crosscast',
    });
    // No password is written in the compose file: PostgreSQL and fusion read the same secret.
    expect(env(services.postgres).POSTGRES_PASSWORD).toBeUndefined();
    expect(env(services.fusion).DATABASE_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    expect(namedVolumes(services.postgres).map((v) => v.target)).toContain('/var/lib/postgresql/data');

    expect(services.redis?.image).toBe('redis:7-alpine');
    const command = [services.redis.command ?? ''].flat().join(' ');
    expect(command).toMatch(/--appendonly yes/);
    // Redis asks everyone for a password: the ACL turns the default user off.
    expect(command).toMatch(/--aclfile \/run\/secrets\/redis_acl/);
    expect(services.redis.secrets).toContain('redis_acl');
    expect(namedVolumes(services.redis).map((v) => v.target)).toContain('/data');
  });

  it('builds fusion, simulator and the workers from Dockerfiles that exist', () => {
    expect(services.fusion?.build?.dockerfile).toBe('apps/fusion/Dockerfile');
    expect(services.simulator?.build?.dockerfile).toBe('apps/simulator/Dockerfile');
    expect(workerNames.length).toBeGreaterThan(0);
    for (const name of ['fusion', 'simulator', ...workerNames]) {
      expect({ name, context: services[name].build?.context }).toEqual({ name, context: '.' });
      expect({ name, exists: fs.existsSync(dockerfileOf(services[name])) }).toEqual({ name, exists: true });
    }
    for (const name of workerNames) {
      expect({ name, dockerfile: services[name].build?.dockerfile }).toEqual({ name, dockerfile: 'apps/edge-worker/Dockerfile' });
    }
  });

  it('has exactly one worker per crossing in crossings.json, with that CROSSING_ID', () => {
    expect(crossingIds.length).toBeGreaterThan(0);
    expect([...workerNames].sort()).toEqual(crossingIds.map(workerServiceName).sort());
    for (const id of crossingIds) {
      expect(env(services[workerServiceName(id)]).CROSSING_ID).toBe(id);
    }
    const known = new Set(crossingIds);
    const unknown = workerNames.filter((name) => !known.has(env(services[name]).CROSSING_ID));
    expect(unknown).toEqual([]);
  });

  it('gives every service a health check, and the Node services check their own health port', () => {
    for (const [name, service] of Object.entries(services)) {
      expect({ name, healthcheck: healthcheckText(service).length > 0 && !service.healthcheck?.disable }).toEqual({
        name,
        healthcheck: true,
      });
    }
    expect(healthcheckText(services.fusion)).toContain(`127.0.0.1:${env(services.fusion).PORT}/health`);
    for (const name of ['simulator', ...workerNames]) {
      expect({ name, test: healthcheckText(services[name]) }).toEqual({
        name,
        test: expect.stringContaining(`127.0.0.1:${env(services[name]).HEALTH_PORT}/health`),
      });
    }
  });

  it('starts fusion after healthy PostgreSQL and Redis, and the simulator and workers after healthy Redis', () => {
    expect(dependsOnHealthy(services.fusion, 'postgres')).toBe(true);
    expect(dependsOnHealthy(services.fusion, 'redis')).toBe(true);
    for (const name of ['simulator', ...workerNames]) {
      expect({ name, redisHealthy: dependsOnHealthy(services[name], 'redis') }).toEqual({ name, redisHealthy: true });
    }
  });

  it('gives each app the environment it needs, pointing at services and a city that exist', () => {
    const required: Record<string, string[]> = {
      fusion: ['PORT', 'DATABASE_URL', 'REDIS_URL', 'CITY_DIR', 'QUEUE_PREFIX'],
      simulator: ['REDIS_URL', 'CITY_DIR', 'HEALTH_PORT', 'REPLAY_SPEED', 'QUEUE_PREFIX'],
      ...Object.fromEntries(
        workerNames.map((name) => [name, ['CROSSING_ID', 'REDIS_URL', 'CITY_DIR', 'DATA_DIR', 'HEALTH_PORT', 'QUEUE_PREFIX']]),
      ),
    };
    const prefixes = new Set<string>();
    for (const [name, keys] of Object.entries(required)) {
      const vars = env(services[name]);
      const missing = keys.filter((key) => !vars[key]);
      expect({ name, missing }).toEqual({ name, missing: [] });

      const redis = new URL(vars.REDIS_URL);
      expect({ name, redisHost: redis.hostname in services }).toEqual({ name, redisHost: true });
      // The images put the repository at /app, so CITY_DIR must name a seed city that ships in them.
      expect(vars.CITY_DIR).toMatch(/^\/app\/seed-data\//);
      expect(fs.existsSync(path.join(ROOT, vars.CITY_DIR.replace(/^\/app\//, ''), 'crossings.json'))).toBe(true);
      prefixes.add(vars.QUEUE_PREFIX);
    }
    // Workers and fusion only meet on the queue if they agree on its prefix.
    expect([...prefixes]).toHaveLength(1);

    const database = new URL(env(services.fusion).DATABASE_URL);
    expect(database.protocol).toBe('postgres:');
    expect(database.hostname).toBe('postgres');
    const pg = env(services.postgres);
    expect([database.username, database.password, database.pathname.slice(1)]).toEqual([pg.POSTGRES_USER, '', pg.POSTGRES_DB]);
  });

  it('publishes nothing on all interfaces but the TLS proxy; fusion only behind it', () => {
    const open = Object.entries(services)
      .filter(([name]) => name !== 'proxy')
      .flatMap(([name, service]) => publishedHostAddresses(service).filter((host) => host !== '127.0.0.1').map(() => name));
    expect(open).toEqual([]);
    expect(services.fusion.ports ?? []).toEqual([]);
    expect(containerPorts(services.proxy).sort()).toEqual([443, 80]);
    expect(env(services.fusion).PORT).toBe('3000');
  });

  it('splits the street from the city: workers reach only Redis, PostgreSQL and fusion only the city', () => {
    const declared = compose.networks ?? {};
    expect(Object.keys(declared).sort()).toEqual(['city', 'operator', 'street']);
    expect(declared.street?.internal).toBe(true);
    for (const name of workerNames) expect({ name, networks: networksOf(services[name]) }).toEqual({ name, networks: ['street'] });
    expect(networksOf(services.simulator)).toEqual(['street']);
    expect(networksOf(services.fusion)).toEqual(['city']);
    expect(networksOf(services.postgres)).toEqual(['city']);
    expect(networksOf(services.redis).sort()).toEqual(['city', 'street']);
    expect(networksOf(services.proxy).sort()).toEqual(['city', 'operator']);
    // Every service uses declared networks only, and nothing else shares the street with workers.
    for (const [name, service] of Object.entries(services)) {
      for (const network of networksOf(service)) expect({ name, network, declared: network in declared }).toEqual({ name, network, declared: true });
    }
    const onStreet = Object.entries(services).filter(([, service]) => networksOf(service).includes('street')).map(([name]) => name);
    expect(onStreet.filter((name) => !name.startsWith('worker-')).sort()).toEqual(['redis', 'simulator']);
  });

  it("gets the workers their warm start over Redis, the one link they have: no fusion address, and only variables the worker reads", () => {
    for (const name of workerNames) {
      const vars = env(services[name]);
      // Every variable is one EDGE_WORKER_ENV declares (a stale FUSION_URL would be silently useless).
      expect({ name, unknown: Object.keys(vars).filter((key) => !(key in EDGE_WORKER_ENV)) }).toEqual({ name, unknown: [] });
      expect({ name, warmStart: vars.WARM_START ?? 'true', fusionUrl: vars.FUSION_URL }).toEqual({ name, warmStart: 'true', fusionUrl: undefined });
      // The warm start is read where fusion writes it: the same Redis and key prefix.
      expect(new URL(vars.REDIS_URL).host).toBe(new URL(env(services.fusion).REDIS_URL).host);
      expect(vars.QUEUE_PREFIX).toBe(env(services.fusion).QUEUE_PREFIX);
    }
    expect(Object.keys(env(services.fusion)).filter((key) => !(key in FUSION_ENV))).toEqual([]);
  });

  it('terminates TLS in a Caddy proxy that fusion trusts, and only it', () => {
    const proxy = services.proxy;
    expect(proxy.image).toBe('caddy:2-alpine');
    const proxyNetworks = proxy.networks as Record<string, { ipv4_address?: string } | null>;
    expect(proxyNetworks.city?.ipv4_address).toBe(PROXY_CITY_ADDRESS);
    const subnet = compose.networks?.city?.ipam?.config?.[0]?.subnet ?? '';
    expect(PROXY_CITY_ADDRESS.startsWith(subnet.split('.').slice(0, 3).join('.') + '.')).toBe(true);
    expect(env(services.fusion).TRUST_PROXY).toBe(PROXY_CITY_ADDRESS);
    expect(dependsOnHealthy(proxy, 'fusion')).toBe(true);

    const mount = (proxy.volumes ?? []).find((v): v is string => typeof v === 'string' && v.includes('/etc/caddy/Caddyfile'));
    expect(mount).toBeDefined();
    const caddyfile = fs.readFileSync(path.join(ROOT, mount!.split(':')[0]), 'utf8');
    const directives = caddyfile.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean);
    expect(directives).toContain(`reverse_proxy fusion:${env(services.fusion).PORT}`);
    expect(directives.some((line) => /^tls\s+\S/.test(line))).toBe(true);
    // The admin API stays inside the container (the health check uses it).
    expect(directives).toContain('admin 127.0.0.1:2019');
    expect(healthcheckText(proxy)).toContain('127.0.0.1:2019');    recordSecurityCheck({
      finding: 4,
      attack: 'docker-compose.yml: open ports, a flat network shared with street boxes, passwords in the file, plain HTTP',
      expected: 'only the TLS proxy publishes on all interfaces; workers only on the street network; Redis ACL with passwords from secrets',
      observed: `published on all interfaces: proxy (${containerPorts(proxy).join(', ')}); workers on ${networksOf(services[workerNames[0]]).join(', ')}; fusion trusts ${env(services.fusion).TRUST_PROXY}; no password in the file`,
      test: 'test/static/docker-compose.spec.ts',
    });
  });

  it('declares every named volume, and gives each worker its own /data volume holding DATA_DIR', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const used = Object.values(services).flatMap((service) => namedVolumes(service).map((v) => v.name));
    expect(used.filter((name) => !declared.includes(name))).toEqual([]);

    const workerVolumes = workerNames.map((name) => {
      const data = namedVolumes(services[name]).find((v) => v.target === '/data');
      expect({ name, data: data !== undefined }).toEqual({ name, data: true });
      expect(env(services[name]).DATA_DIR.startsWith('/data/')).toBe(true);
      return data!.name;
    });
    expect(new Set(workerVolumes).size).toBe(workerNames.length);
  });

  it("runs in production mode on provisioned signing keys: fusion holds all, each worker only its own crossing's", () => {
    const declared = compose.secrets ?? {};
    const fusion = services.fusion;
    expect(env(fusion).NODE_ENV).toBe('production');
    expect(fusion.secrets).toEqual(['worker_keys', 'simulator_key', 'jwt_secret', 'admin_password', 'postgres_password', 'redis_fusion_password']);
    // The street link key: fusion signs plans, the simulator verifies them and signs reports.
    expect(env(fusion).SIMULATOR_KEY_FILE).toBe('/run/secrets/simulator_key');
    expect(env(services.simulator).SIMULATOR_KEY_FILE).toBe('/run/secrets/simulator_key');
    expect(services.simulator.secrets).toEqual(expect.arrayContaining(['simulator_key', 'redis_simulator_password']));
    // Each role signs in to Redis as its own ACL user.
    expect([env(fusion).REDIS_USERNAME, env(services.simulator).REDIS_USERNAME]).toEqual(['fusion', 'simulator']);
    for (const [name, service] of Object.entries(services).filter(([n]) => n.startsWith('worker-'))) {
      expect([name, env(service).REDIS_USERNAME, env(service).REDIS_PASSWORD_FILE]).toEqual([name, 'worker', '/run/secrets/redis_worker_password']);
      expect(service.secrets).toContain('redis_worker_password');
    }
    for (const secret of ['simulator_key', 'postgres_password', 'redis_acl', 'redis_fusion_password', 'redis_worker_password', 'redis_simulator_password']) {
      expect(declared[secret]?.file).toMatch(/^\.\/secrets\//);
    }
    expect(env(fusion).WORKER_KEYS_FILE).toBe('/run/secrets/worker_keys');
    expect(declared.worker_keys?.file).toBe('./secrets/worker-keys.json');
    // Operator access: in production fusion refuses to start without a JWT secret and an admin password.
    expect(env(fusion)).toMatchObject({ JWT_SECRET_FILE: '/run/secrets/jwt_secret', ADMIN_PASSWORD_FILE: '/run/secrets/admin_password', ADMIN_USERNAME: 'admin' });
    expect(env(fusion).JWT_SECRET).toBeUndefined();
    expect(env(fusion).ADMIN_PASSWORD).toBeUndefined();
    expect(declared.jwt_secret?.file).toBe('./secrets/jwt-secret');
    expect(declared.admin_password?.file).toBe('./secrets/admin-password');
    for (const name of workerNames) {
      const id = env(services[name]).CROSSING_ID;
      const secret = `worker_key_${id.toLowerCase()}`;
      expect({ name, secrets: services[name].secrets, file: env(services[name]).WORKER_KEYS_FILE, production: env(services[name]).NODE_ENV }).toEqual({
        name,
        // Its own crossing's key only (and its Redis password), never another's.
        secrets: [secret, 'redis_worker_password'],
        file: `/run/secrets/${secret}`,
        production: 'production',
      });
      expect(declared[secret]?.file).toBe(`./secrets/worker-${id}.json`);
    }
    // The key files are made by npm run keys:generate -- --split secrets, never committed.
    expect(fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8')).toMatch(/^secrets\/$/m);
  });
});

describe('Dockerfiles', () => {
  const apps = ['fusion', 'simulator', 'edge-worker'];
  const dockerignore = fs
    .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it.each(apps)('%s: CMD starts a compiled entry point whose TypeScript source exists', (app) => {
    const text = fs.readFileSync(path.join(ROOT, 'apps', app, 'Dockerfile'), 'utf8');
    const cmdLines = text.split('\n').filter((line) => /^CMD\s/.test(line));
    expect(cmdLines.length).toBeGreaterThan(0);
    const cmd = JSON.parse(cmdLines[cmdLines.length - 1].replace(/^CMD\s+/, '')) as string[];
    expect(cmd[0]).toBe('node');

    const preload = cmd[cmd.indexOf('-r') + 1];
    expect(fs.existsSync(path.join(ROOT, preload))).toBe(true);

    const entry = cmd.find((arg) => /^dist\/.+\.js$/.test(arg));
    expect(entry).toBe(`dist/apps/${app}/src/main.js`);
    const source = entry!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect({ source, exists: fs.existsSync(path.join(ROOT, source)) }).toEqual({ source, exists: true });
  });

  it.each(apps)('%s: builds on node:20-bookworm-slim, copies only files in the build context, runs as node', (app) => {
    const text = fs.readFileSync(path.join(ROOT, 'apps', app, 'Dockerfile'), 'utf8');
    const froms = text.split('\n').filter((line) => /^FROM\s/.test(line));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:20-bookworm-slim\b/);
    expect(text).toMatch(/^RUN npm ci\b/m);
    expect(text).toMatch(/npm prune --omit=dev/);

    const sources = text
      .split('\n')
      .filter((line) => /^COPY\s/.test(line) && !/--from=/.test(line))
      .flatMap((line) => line.replace(/^COPY\s+/, '').split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const matches = source.includes('*')
        ? fs.readdirSync(ROOT).filter((f) => new RegExp(`^${source.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`).test(f))
        : [source.replace(/\/$/, '')];
      expect({ source, inContext: matches.length > 0 && matches.every((m) => fs.existsSync(path.join(ROOT, m))) }).toEqual({
        source,
        inContext: true,
      });
      for (const match of matches) expect({ source: match, ignored: dockerignore.includes(match) }).toEqual({ source: match, ignored: false });
    }

    const users = text.split('\n').filter((line) => /^USER\s/.test(line));
    expect(users[users.length - 1]).toBe('USER node');
  });

  it('keeps dependencies, build output and local data out of the build context', () => {
    for (const entry of ['node_modules', 'dist', '.data', '.git', 'bench/results', '*.log']) {
      expect(dockerignore).toContain(entry);
    }
  });
});

describe('renderCompose', () => {
  const base = { city: 'Test City', crossings: [{ id: '0970' }, { id: 'A12' }] };

  it('names workers by the crossing id as written, lowercased', () => {
    const parsed = yaml.load(renderCompose(base)) as Compose;
    expect(Object.keys(parsed.services).filter((s) => s.startsWith('worker-'))).toEqual(['worker-0970', 'worker-a12']);
    expect(env(parsed.services['worker-0970']).CROSSING_ID).toBe('0970');
    expect(env(parsed.services['worker-a12']).CROSSING_ID).toBe('A12');
  });

  it('points CITY_DIR at the chosen city', () => {
    const parsed = yaml.load(renderCompose(base, { cityDir: 'seed-data/grid-4x4' })) as Compose;
    expect(env(parsed.services.fusion).CITY_DIR).toBe('/app/seed-data/grid-4x4');
    expect(env(parsed.services['worker-a12']).CITY_DIR).toBe('/app/seed-data/grid-4x4');
  });

  it('rejects crossings that would make invalid or clashing services, and cities outside seed-data', () => {
    expect(() => renderCompose({ city: 'x', crossings: [] })).toThrow(/non-empty/);
    expect(() => renderCompose({ city: 'x', crossings: [{ id: 'a b' }] })).toThrow(/crossings\[0\]\.id/);
    expect(() => renderCompose({ city: 'x', crossings: [{ id: 'A1' }, { id: 'a1' }] })).toThrow(/both map to service worker-a1/);
    expect(() => renderCompose(base, { cityDir: '/etc' })).toThrow(/under seed-data/);
    expect(() => renderCompose(base, { cityDir: 'seed-data/../etc' })).toThrow(/under seed-data/);
  });
});
