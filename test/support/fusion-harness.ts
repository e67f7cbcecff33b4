import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import { io, Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { NestExpressApplication } from '@nestjs/platform-express';
import { FusionServerEvents } from '@crosscast/contracts';
import { FusionConfig, readFusionConfig } from '../../apps/fusion/src/config';
import { createFusionApp, migrate } from '../../apps/fusion/src/fusion-app';
import { DevUser, authedFetch, loginAs } from './auth';
import { TEST_REDIS_URL, clearRedisPrefix, dropDatabase, eventually, openDatabase, testDatabaseUrl, uniqueName } from './infrastructure';

/** fetch with a signed-in development user's token (see `authedFetch`). */
export type RoleFetch = ReturnType<typeof authedFetch>;

export interface FusionHarnessOptions {
  /** Names the run: database `crosscast_<name>_…`, queue prefix `cc<name>_…`. */
  name: string;
  /** Extra fusion environment (FUSION_STEP_SETTLE_MS, INGEST_BATCH_SIZE, …). */
  env?: Record<string, string>;
}

export interface FusionHarness {
  /** Fusion as `createFusionApp()` builds it, listening on 127.0.0.1 (a free port); `app.get(Service)` reaches its services. */
  app: NestExpressApplication;
  baseUrl: string;
  config: FusionConfig;
  /** The run's own database (migrated), open for the spec's own queries. */
  db: DataSource;
  /** The run's BullMQ / stream key prefix. */
  prefix: string;
  /** REST as each development user; each signs in once, on its first call. */
  api: Record<DevUser, RoleFetch>;
  /** A development user's bearer token (one login per user per run). */
  token(user: DevUser): Promise<string>;
  /** The shared Redis connection the queues use (for a spec's own commands under `prefix`). */
  redis(): IORedis;
  /** The BullMQ queue `name` under the run's prefix (one per name, on a shared connection). */
  queue(name: string): Queue;
  /** QueueEvents for `name` on its own connection, ready to use (one per name). */
  queueEvents(name: string): Promise<QueueEvents>;
  /** A connected socket.io client signed in as `user`; `listen` adds handlers before it connects. */
  socket(user: DevUser, listen?: (socket: Socket<FusionServerEvents>) => void): Promise<Socket<FusionServerEvents>>;
  /**
   * Starts fusion again on the same database and prefix, after the spec closed `app` (a
   * restart); `app` and `baseUrl` then name the new instance and the users sign in again.
   */
  restartApp(): Promise<{ app: NestExpressApplication; baseUrl: string }>;
  /** Another fusion instance on the same database and Redis, listening on its own port; stop() closes it. */
  startInstance(): Promise<{ app: NestExpressApplication; baseUrl: string }>;
  /** Closes sockets, queues and the apps, drops the database and deletes the prefix's Redis keys. */
  stop(): Promise<void>;
}

/**
 * The fusion start-up every integration spec shares: its own database (migrated) and key
 * prefix on the real PostgreSQL and Redis, the app listening, and — only when a spec asks —
 * signed-in REST clients per role, queues, queue events and sockets, all closed by stop().
 * Call stop() in afterAll even if start-up failed half-way (`await harness?.stop()`).
 */
export async function startFusionHarness(options: FusionHarnessOptions): Promise<FusionHarness> {
  const dbName = uniqueName(`crosscast_${options.name}`);
  const prefix = uniqueName(`cc${options.name}`);
  const config = readFusionConfig({ DATABASE_URL: testDatabaseUrl(dbName), REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, PORT: '0', ...options.env });
  let app: NestExpressApplication | undefined;
  let db: DataSource | undefined;
  let redis: IORedis | undefined;
  const queues = new Map<string, Queue>();
  const events = new Map<string, Promise<QueueEvents>>();
  const eventConnections: IORedis[] = [];
  const sockets: Socket[] = [];
  const tokens = new Map<DevUser, Promise<string>>();
  const instances: NestExpressApplication[] = [];

  const stop = async () => {
    for (const socket of sockets) socket.close();
    for (const pending of events.values()) await (await pending.catch(() => undefined))?.close();
    for (const connection of eventConnections) connection.disconnect();
    for (const queue of queues.values()) await queue.close();
    redis?.disconnect();
    // A spec may have closed an app itself (a leader going away): closing it again is harmless.
    for (const instance of [...instances, app]) await instance?.close().catch(() => undefined);
    await db?.destroy();
    await dropDatabase(dbName);
    await clearRedisPrefix(prefix);
  };

  try {
    await migrate(config.DATABASE_URL);
    app = await createFusionApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
    db = await openDatabase(config.DATABASE_URL);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }

  const token = (user: DevUser) => {
    let pending = tokens.get(user);
    if (!pending) {
      pending = loginAs(harness.baseUrl, user);
      tokens.set(user, pending);
    }
    return pending;
  };
  const asUser =
    (user: DevUser): RoleFetch =>
    async (pathAndQuery, init) =>
      authedFetch(harness.baseUrl, await token(user))(pathAndQuery, init);
  const connection = () => (redis ??= new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null }));

  const harness: FusionHarness = {
    app,
    baseUrl: await app.getUrl(),
    config,
    db,
    prefix,
    api: { viewer: asUser('viewer'), operator: asUser('operator'), admin: asUser('admin') },
    token,
    redis: connection,
    queue(name) {
      let queue = queues.get(name);
      if (!queue) {
        queue = new Queue(name, { connection: connection(), prefix });
        queues.set(name, queue);
      }
      return queue;
    },
    queueEvents(name) {
      let pending = events.get(name);
      if (!pending) {
        // BullMQ does not close a connection it was given: stop() disconnects it.
        const own = connection().duplicate();
        eventConnections.push(own);
        const queueEvents = new QueueEvents(name, { connection: own, prefix });
        pending = queueEvents.waitUntilReady().then(() => queueEvents);
        events.set(name, pending);
      }
      return pending;
    },
    async socket(user, listen) {
      const socket: Socket<FusionServerEvents> = io(harness.baseUrl, { transports: ['websocket'], auth: { token: await token(user) } });
      sockets.push(socket);
      listen?.(socket);
      await eventually(async () => socket.connected, 'socket.io connection');
      return socket;
    },
    async startInstance() {
      const instance = await createFusionApp(config, { logger: false });
      instances.push(instance);
      await instance.listen(0, '127.0.0.1');
      return { app: instance, baseUrl: await instance.getUrl() };
    },
    async restartApp() {
      app = await createFusionApp(config, { logger: false });
      await app.listen(0, '127.0.0.1');
      harness.app = app;
      harness.baseUrl = await app.getUrl();
      tokens.clear();
      return { app, baseUrl: harness.baseUrl };
    },
    stop,
  };
  return harness;
}
