import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { NestExpressApplication } from '@nestjs/platform-express';
import {
  DEV_WORKER_KEY_SEED,
  FORECAST_QUEUE,
  MODEL_SNAPSHOT_QUEUE,
  SIMULATION_REPORT_QUEUE,
  TIMING_PLAN_QUEUE,
  TimingPlanMessage,
  WARM_START_FIELDS,
  detectorStreamKey,
  signMessage,
  warmStartKey,
} from '@crosscast/contracts';
import { FEDERATED_FORMAT } from '@crosscast/forecasting';
import { loadWorkerKeys } from '@crosscast/runtime';
import { loadCityDefinition } from '@crosscast/seed';
import { readEdgeWorkerConfig } from '../../apps/edge-worker/src/config';
import { WarmStartClientRepository } from '../../apps/edge-worker/src/repositories/warm-start-client.repository';
import { readFusionConfig } from '../../apps/fusion/src/config';
import { createFusionApp, migrate } from '../../apps/fusion/src/fusion-app';
import { TimingPlanConsumer } from '../../apps/simulator/src/queue/timing-plan.consumer';
import { REDIS_ROLES, RedisRole, renderRedisAcl } from '../../tools/redis-acl';
import { DEFAULT_ARCHITECTURE, syntheticSnapshot } from '../support/federation';
import { DEV_SIMULATOR_LINK_KEY, devPlanJobId, forecastMessage, signedAsWorker } from '../support/forecast-factory';
import { dropDatabase, eventually, openDatabase, testDatabaseUrl, uniqueName } from '../support/infrastructure';
import { OwnRedis, startOwnRedis } from '../support/own-servers';
import { recordSecurityCheck } from '../support/security-results';

/**
 * The deployment's Redis ACL (tools/redis-acl.ts, as `npm run secrets:generate` writes it)
 * loaded by a real redis-server: no one gets in without a password, and each role reaches
 * only its own links, while the real fusion service, a worker's queue and the simulator's
 * plan consumer still work end to end through it.
 */
describe('Redis ACL per role (own redis-server with the generated ACL)', () => {
  const prefix = 'crosscast';
  const passwords: Record<RedisRole, string> = { fusion: 'fusion-pw-4b1e9d', worker: 'worker-pw-7c2a55', simulator: 'simulator-pw-93d0f1' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-acl-'));
  const aclFile = path.join(dir, 'users.acl');
  const passwordFile = (role: RedisRole) => path.join(dir, `redis-${role}-password`);
  const dbName = uniqueName('crosscast_acl');
  let server: OwnRedis;
  const clients: IORedis[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  const warmStartEntry = warmStartKey(prefix, FEDERATED_FORMAT, DEFAULT_ARCHITECTURE);

  const urlAs = (role: RedisRole) => `redis://${role}:${passwords[role]}@127.0.0.1:${server.port}`;
  const clientAs = (role?: RedisRole) => {
    const client = new IORedis(role ? urlAs(role) : server.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  const queueAs = (role: RedisRole, name: string) => {
    const queue = new Queue(name, { connection: clientAs(role), prefix });
    queue.on('error', () => undefined);
    closers.push(() => queue.close());
    return queue;
  };

  beforeAll(async () => {
    fs.writeFileSync(aclFile, renderRedisAcl(passwords, prefix));
    for (const role of REDIS_ROLES) fs.writeFileSync(passwordFile(role), `${passwords[role]}\n`);
    server = await startOwnRedis({ extraArgs: ['--aclfile', aclFile], readyAs: `fusion:${passwords.fusion}` });
  }, 30_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    for (const client of clients) client.disconnect();
    await server?.destroy();
    await dropDatabase(dbName).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('keeps the password hashes, not the passwords, in the ACL file, and turns the default user off', () => {
    const acl = fs.readFileSync(aclFile, 'utf8');
    expect(acl).toMatch(/^user default off$/m);
    for (const role of REDIS_ROLES) expect(acl).not.toContain(passwords[role]);
  });

  it('refuses anyone without a password, and a wrong one', async () => {
    await expect(clientAs().ping()).rejects.toThrow(/NOAUTH/);
    const anonymous = new IORedis(server.url, { enableReadyCheck: false, maxRetriesPerRequest: 0 });
    anonymous.on('error', () => undefined);
    clients.push(anonymous);
    await expect(anonymous.call('AUTH', 'worker', 'guess')).rejects.toThrow(/WRONGPASS/);
    await expect(anonymous.call('AUTH', 'default', 'anything')).rejects.toThrow(/WRONGPASS/);
    await expect(anonymous.get('crosscast:anything')).rejects.toThrow(/NOAUTH/);
  });

  it('lets a worker publish forecasts and model snapshots, read detector streams and the warm start, and nothing else', async () => {
    await expect(queueAs('worker', FORECAST_QUEUE).add('forecast', { probe: true })).resolves.toBeDefined();
    await expect(queueAs('worker', MODEL_SNAPSHOT_QUEUE).add('snapshot', { probe: true })).resolves.toBeDefined();
    await expect(queueAs('worker', TIMING_PLAN_QUEUE).add('timing-plan', { forged: true })).rejects.toThrow(/NOPERM/);
    await expect(queueAs('worker', SIMULATION_REPORT_QUEUE).add('report', { forged: true })).rejects.toThrow(/NOPERM/);
    const worker = clientAs('worker');
    await expect(worker.xadd(detectorStreamKey('0970', prefix), '*', 'reading', '{}')).rejects.toThrow(/NOPERM/);
    await expect(worker.xread('COUNT', 1, 'STREAMS', detectorStreamKey('0970', prefix), '0')).resolves.toBeNull();
    await expect(worker.set(`${prefix}:throttle:login:x`, '0')).rejects.toThrow(/NOPERM/);
    await expect(worker.flushall()).rejects.toThrow(/NOPERM/);
    await expect(worker.keys('*')).rejects.toThrow(/NOPERM/);
    // The city's warm start: readable, never writable, by a street worker.
    await expect(worker.hmget(warmStartEntry, WARM_START_FIELDS.payload, WARM_START_FIELDS.signature('0970'))).resolves.toEqual([null, null]);
    await expect(worker.hset(warmStartEntry, WARM_START_FIELDS.payload, '{}')).rejects.toThrow(/NOPERM/);
    await expect(worker.del(warmStartEntry)).rejects.toThrow(/NOPERM/);
    recordSecurityCheck({
      finding: 4,
      attack: "Redis without a password; a worker writing timing plans, reports, detector streams, throttle keys, the city's warm start; FLUSHALL",
      expected: 'NOAUTH/WRONGPASS without the role password; NOPERM outside the role',
      observed: 'no password → NOAUTH; default user → WRONGPASS; worker → NOPERM on plans, reports, streams, throttle, warm start (HSET, DEL; HMGET allowed), FLUSHALL, KEYS',
      test: 'test/integration/redis-acl.int-spec.ts',
    });
  });

  it('lets the simulator write detector streams and publish reports, but not forecasts', async () => {
    const simulator = clientAs('simulator');
    await expect(simulator.xadd(detectorStreamKey('0970', prefix), '*', 'reading', '{}')).resolves.toEqual(expect.any(String));
    await expect(queueAs('simulator', SIMULATION_REPORT_QUEUE).add('report', { probe: true })).resolves.toBeDefined();
    await expect(queueAs('simulator', FORECAST_QUEUE).add('forecast', { forged: true })).rejects.toThrow(/NOPERM/);
    await expect(simulator.get(`${prefix}:throttle:anything`)).rejects.toThrow(/NOPERM/);
  });

  let app: NestExpressApplication;

  it('still carries the real links: a worker forecast reaches fusion and PostgreSQL, a fusion plan reaches the street', async () => {
    const crossing = loadCityDefinition('seed-data/boroondara-2006').crossings.find((c) => c.id === '0970')!;
    const config = readFusionConfig({
      DATABASE_URL: testDatabaseUrl(dbName),
      REDIS_URL: `redis://127.0.0.1:${server.port}`,
      REDIS_USERNAME: 'fusion',
      REDIS_PASSWORD_FILE: passwordFile('fusion'),
      QUEUE_PREFIX: prefix,
      PORT: '0',
    });
    await migrate(config.DATABASE_URL);
    app = await createFusionApp(config, { logger: false });
    closers.push(() => app.close());
    await app.listen(0, '127.0.0.1');
    const db: DataSource = await openDatabase(config.DATABASE_URL);
    closers.push(() => db.destroy());

    // The latest finished 15-minute interval: admission refuses intervals that have not ended.
    const basedOn = new Date(Math.floor(Date.now() / 900_000) * 900_000 - 900_000).toISOString();
    const message = forecastMessage('0970', crossing.approaches.map((a) => a.id), basedOn);
    await queueAs('worker', FORECAST_QUEUE).add('forecast', message, { jobId: message.messageId.replace(/:/g, '_') });
    await eventually(
      async () => Number((await db.query(`SELECT count(*) FROM forecasts WHERE crossing_id = '0970'`))[0].count) > 0,
      'the forecast stored by fusion',
      30_000,
    );

    const applied: string[] = [];
    const consumer = new TimingPlanConsumer(urlAs('simulator'), prefix, (plan: TimingPlanMessage) => {
      applied.push(plan.planId);
      return { ok: true, plan: { greenSeconds: plan.phases.map((p) => p.greenSeconds) } } as never;
    }, DEV_SIMULATOR_LINK_KEY);
    closers.push(() => consumer.close());
    consumer.start();
    const plan: TimingPlanMessage = {
      v: 1,
      crossingId: '0970',
      planId: 'rec-1',
      recommendationId: '1',
      cycleSeconds: 90,
      phases: [
        { name: 'north-south', approaches: ['0970:1'], greenSeconds: 40 },
        { name: 'east-west', approaches: ['0970:3'], greenSeconds: 38 },
      ],
      acceptedBy: 'operator',
      acceptedAt: new Date().toISOString(),
      effectiveFrom: 'next-cycle-boundary',
    };
    await queueAs('fusion', TIMING_PLAN_QUEUE).add('timing-plan', signMessage(plan, DEV_SIMULATOR_LINK_KEY), { jobId: devPlanJobId('rec-1') });
    await eventually(async () => applied.includes('rec-1'), 'the plan applied by the simulator consumer', 20_000);
  }, 90_000);

  it("carries the federated warm start: workers' snapshots reach fusion, fusion's signed average reaches a worker signed in as worker", async () => {
    expect(app).toBeDefined();
    for (const [k, crossingId] of ['0970', '2000', '2200'].entries()) {
      const message = signedAsWorker({ v: 1 as const, crossingId, sentAt: new Date(Date.now() - 60_000 + k).toISOString(), modelVersion: 1, snapshot: syntheticSnapshot(17 + k) });
      await queueAs('worker', MODEL_SNAPSHOT_QUEUE).add('snapshot', message, { jobId: `acl-${crossingId}` });
    }
    const dataDir = fs.mkdtempSync(path.join(dir, 'edge-'));
    const client = new WarmStartClientRepository(
      readEdgeWorkerConfig({ REDIS_URL: urlAs('worker'), QUEUE_PREFIX: prefix, DATA_DIR: dataDir }),
      loadWorkerKeys(undefined, DEV_WORKER_KEY_SEED),
    );
    closers.push(async () => client.onApplicationShutdown());
    const fetched = await eventually(async () => {
      const result = await client.fetch('2827', DEFAULT_ARCHITECTURE);
      return result.status === 'received' ? result : null;
    }, 'the warm start fusion published, read and verified as the worker user', 30_000);
    expect(fetched.contributors).toBe(3);
    await expect(clientAs('worker').hset(warmStartEntry, WARM_START_FIELDS.payload, '{}')).rejects.toThrow(/NOPERM/);
  }, 60_000);
});
