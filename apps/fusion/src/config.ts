import { z } from 'zod/v4';
import { DEV_WORKER_KEY_SEED } from '@crosscast/contracts';
import * as fs from 'node:fs';
import { ConfigError, envInt, envNodeEnv, envNumber, envUrl, listenHost, readEnvConfig, redisCredentialEnv, requirePasswordOffLoopback, requireRealKeysInProduction, requireSimulatorKeyInProduction, resolveRedisUrl, withSecretCredentials } from '@crosscast/runtime';
import { DEFAULT_DATABASE_URL } from '@crosscast/persistence';
import { DEV_ADMIN_PASSWORD, DEV_JWT_SECRET, parseDuration, parseOrigins, resolveAccessSecrets } from './auth/access-config';

/** The fusion service's environment variables (zod, with their defaults); apps/fusion/README.md lists them (test/static/app-readmes.spec.ts). */
export const FUSION_ENV = {
  PORT: envInt(3000, 0, 65535),
  /** The address to bind; unset = 127.0.0.1 (development, test) or 0.0.0.0 (production, behind the TLS proxy). */
  HOST: z.string().optional(),
  DATABASE_URL: envUrl(DEFAULT_DATABASE_URL, ['postgres:', 'postgresql:']),
  /** A file whose first line is the database user's password (a compose secret); overrides the URL's. */
  DATABASE_PASSWORD_FILE: z.string().min(1).optional(),
  REDIS_URL: envUrl('redis://127.0.0.1:6379', ['redis:']),
  ...redisCredentialEnv,
  CITY_DIR: z.string().min(1).default('seed-data/boroondara-2006'),
  /** BullMQ key prefix; tests use their own so they never see another run's jobs. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('crosscast'),
  /** A crossing whose newest forecast is this many intervals behind the city's newest is stale. */
  STALE_AFTER_INTERVALS: envInt(2, 1, 96),
  /**
   * The city fusion steps to a new interval once 90 % of the crossings reporting have sent
   * it, or this long (ms, wall time) after it first became the city's newest interval.
   */
  FUSION_STEP_SETTLE_MS: envInt(5000, 0, 600_000),
  /** A crossing with no heartbeat for this many wall-clock seconds is offline. */
  OFFLINE_AFTER_SECONDS: envInt(30, 2, 86400),
  /** Forecast jobs in flight at once; they are written in micro-batches (INGEST_BATCH_*). */
  FORECAST_CONCURRENCY: envInt(4096, 1, 16384),
  /**
   * BullMQ workers sharing FORECAST_CONCURRENCY (at most one per job in flight). One worker
   * fetches its jobs one round trip at a time and starts none before it has fetched all it
   * may hold: with 4,096 in one worker, a burst of 1,024 forecasts waited for the last one
   * to be fetched before the first was checked. Several fetch side by side and hand their
   * jobs over sooner: each worker has one fetch on the way at a time, so a burst is taken
   * only as fast as the workers together fetch (at 1,024 crossings, 8 workers left the
   * last of a round 1.3 s in the queue, 64 about 0.25 s). Each worker holds one blocking
   * Redis connection of its own; more of them fetch at once, so a Redis restart more often
   * leaves a job behind (JOB_LOCK_SECONDS).
   */
  FORECAST_WORKERS: envInt(64, 1, 256),
  /**
   * How long a fetched job stays locked to this process without a renewal (BullMQ's
   * lockDuration; renewed every half of it, and the stalled-job check runs every half too).
   * A job whose holder is gone goes back to the queue within about twice this: a killed
   * fusion process's, or one Redis moved to active just before it stopped (a job's
   * completion also fetches the worker's next job; when its reply is lost, ioredis sends it
   * again after the restart, which fails with "Missing lock", and the next job it had
   * fetched stays locked to nobody). With BullMQ's 30 s default such jobs waited 30-60 s:
   * after a Redis restart mid-burst the fault suite took 43-49 s to store everything in
   * three runs of nine (1.7-4.2 s in the others); with 10 s, 6.1 s in one run of seven. A job
   * whose lock lapses while its process lives (the event loop blocked longer than this) is
   * fetched again and stored once (the store is idempotent).
   */
  JOB_LOCK_SECONDS: envInt(10, 2, 300),
  /**
   * Worker threads that check received messages (schema, signature) beside the event loop
   * (MessageCheckPool); 0 checks them on the event loop. Unset: one fewer than the cores
   * this process may use, at most 4 (none on one core; defaultCheckThreads).
   */
  CHECK_THREADS: z.coerce.number().int().min(0).max(16).optional(),
  /** Heartbeat jobs in flight at once (newest-wins upsert, micro-batched). */
  HEARTBEAT_CONCURRENCY: envInt(256, 1, 4096),
  /** A micro-batch is written when it holds this many messages... */
  INGEST_BATCH_SIZE: envInt(256, 1, 5000),
  /** ...or this many milliseconds after its first message arrived. */
  INGEST_BATCH_WAIT_MS: envInt(10, 0, 1000),
  /**
   * Forecast batches written at once, each in its own transaction and connection: while one
   * is in PostgreSQL the next is checked and sent. Batches of the same crossings queue on
   * that crossing's row lock (taken in id order, so they never deadlock).
   */
  INGEST_BATCH_CONCURRENCY: envInt(2, 1, 8),
  /** How often each fusion instance checks (leader) or tries to take (follower) the city leadership. */
  LEADER_CHECK_SECONDS: envInt(2, 1, 60),
  /** socket.io across fusion instances: 'redis' (events reach every instance's clients) or 'local' (one instance only). */
  SOCKET_ADAPTER: z.enum(['redis', 'local']).default('redis'),
  /** How often the leader checks the monthly partitions (create ahead, move from DEFAULT, retention); 0 = never. */
  PARTITION_MAINTENANCE_SECONDS: envInt(300, 0, 86400),
  /** Retention per partitioned table in days of data time, counted back from the table's newest row; 0 = keep forever. */
  RETENTION_FORECASTS_DAYS: envInt(0, 0, 36500),
  RETENTION_FORECAST_POINTS_DAYS: envInt(0, 0, 36500),
  RETENTION_OBSERVATIONS_DAYS: envInt(0, 0, 36500),
  RETENTION_PLANNING_EVALUATIONS_DAYS: envInt(0, 0, 36500),
  /** Controller event logs (simulate mode's per-signal logs, the source of the performance measures), by interval_start. */
  RETENTION_SIGNAL_EVENT_LOGS_DAYS: envInt(0, 0, 36500),
  /** Every crossing's signing key ({"keys": {...}}, see `npm run keys:generate`); unset = derived from WORKER_KEY_SEED. */
  WORKER_KEYS_FILE: z.string().min(1).optional(),
  /** The key shared with the simulator ({"key": "<base64>"}): timing plans and simulation reports are signed with it; unset = derived from WORKER_KEY_SEED. */
  SIMULATOR_KEY_FILE: z.string().min(1).optional(),
  /** Development only: the seed local keys are derived from (must match the workers'). */
  WORKER_KEY_SEED: z.string().min(8).default(DEV_WORKER_KEY_SEED),
  /** A message whose sentAt is further ahead of this service's clock than this is refused. */
  MAX_CLOCK_SKEW_SECONDS: envInt(300, 1, 86400),
  /**
   * Federated warm start: an architecture's average is published only when at least this
   * many crossings shared a snapshot of it... Every worker can read it, and a contributor
   * can subtract its own snapshot: it then sees the average of one crossing fewer. So at
   * least 2, and 3 by default (no contributor can recover another single crossing's weights).
   */
  FEDERATION_MIN_CONTRIBUTORS: envInt(3, 2, 100_000),
  /** ...sent within this many days (older snapshots are not averaged). */
  FEDERATION_MAX_SNAPSHOT_AGE_DAYS: envInt(30, 1, 3650),
  /** The published warm starts are recomputed from the stored snapshots this often (also at start-up and after each new snapshot). */
  FEDERATION_REFRESH_MINUTES: envInt(60, 1, 1440),
  /** Create the database if missing and apply migrations at start-up (under an advisory lock). */
  MIGRATE_ON_START: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** development | test | production, exactly; `production` refuses development secrets and accounts. */
  NODE_ENV: envNodeEnv(),
  /** Signs operator tokens (HS256). JWT_SECRET_FILE reads it from a file (compose secret) instead. */
  JWT_SECRET: z.string().optional(),
  JWT_SECRET_FILE: z.string().min(1).optional(),
  /** How often open sockets are re-checked against the users table (disable, logout). */
  SESSION_RECHECK_SECONDS: z.coerce.number().int().min(1).max(300).default(5),
  /**
   * How long what the users table said of a token's user (role, disabled, token version) is
   * reused for further requests and socket sign-ins; a change made through this instance is
   * seen at once, one made through another instance within this many seconds. 0 = read every time.
   */
  AUTH_USER_CACHE_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  /** How long a login token is valid: seconds, or a number with s, m, h or d. */
  TOKEN_TTL: z.string().default('8h').transform((v, ctx) => parseDuration(v, ctx)),
  /** The admin created at start when no user of that name exists. */
  ADMIN_USERNAME: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, ".", "-" or "_"').default('admin'),
  ADMIN_PASSWORD: z.string().optional(),
  ADMIN_PASSWORD_FILE: z.string().min(1).optional(),
  /** Browser origins allowed to call the API and socket.io, comma-separated; empty = same origin only. */
  CORS_ORIGINS: z.string().default('').transform((v, ctx) => parseOrigins(v, ctx)),
  /** Login attempts per minute per client address and username. */
  LOGIN_RATE_LIMIT: envInt(5, 1, 10000),
  /** Login attempts per minute from one client address, whatever the usernames (credential stuffing). */
  LOGIN_ADDRESS_RATE_LIMIT: envInt(60, 1, 100000),
  /** Login attempts per minute for one username, from all addresses together (password spraying). */
  LOGIN_USERNAME_RATE_LIMIT: envInt(30, 1, 100000),
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (Express "trust
   * proxy": addresses or subnets, comma-separated, or loopback/uniquelocal). Empty: none,
   * the address is the TCP peer's. Set it to the TLS proxy's address only.
   */
  TRUST_PROXY: z.string().default(''),
  /** Write requests (POST, PATCH…) per minute per user. */
  WRITE_RATE_LIMIT: envInt(60, 1, 100000),
  /** Recommendations: at most one per crossing and planning period (data-time minutes, aligned to the epoch in UTC). */
  PLANNING_PERIOD_MINUTES: envInt(15, 1, 1440),
  /** Forecast horizons up to this far ahead are planned for. */
  PLANNING_HORIZON_MINUTES: envInt(60, 1, 1440),
  /** Batches of crossings (up to 256 each) the leader plans side by side (each batch runs a few queries; the pool has 10 connections). */
  PLANNING_CONCURRENCY: envInt(1, 1, 8),
  /** Hysteresis: a recommendation only when the expected gain is at least this many s/veh… */
  MIN_GAIN_SECONDS: envNumber(2, 0, 600),
  /** …and at least this share of the running plan's expected delay. */
  MIN_GAIN_SHARE: envNumber(0.05, 0, 1),
  /**
   * What a crossing is advised with: 'actuated' (the group advice, coordinated or free, is
   * every crossing's one advice; no per-crossing fixed-time plans) or 'fixed-time' (controllers
   * that cannot run actuated: per-crossing Webster plans only, no group advice).
   */
  SIGNAL_ADVICE: z.enum(['actuated', 'fixed-time']).default('actuated'),
  /** Automatic mode's guard rails: the cycle it may set… */
  AUTOMATIC_MIN_CYCLE_SECONDS: envInt(30, 20, 300),
  AUTOMATIC_MAX_CYCLE_SECONDS: envInt(120, 20, 300),
  /** …how much the cycle and any phase's green may change in one step (share of the running value)… */
  AUTOMATIC_MAX_CYCLE_CHANGE_SHARE: envNumber(0.2, 0.01, 1),
  AUTOMATIC_MAX_GREEN_CHANGE_SHARE: envNumber(0.25, 0.01, 1),
  /** …and the least data time between two automatic changes at a crossing, minutes. */
  AUTOMATIC_MIN_MINUTES_BETWEEN_CHANGES: envInt(30, 0, 1440),
};

/** The fusion service's configuration: environment variables with working local defaults. */
export function readFusionConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = readEnvConfig('fusion', FUSION_ENV, env);
  if (config.AUTOMATIC_MIN_CYCLE_SECONDS > config.AUTOMATIC_MAX_CYCLE_SECONDS) {
    throw new ConfigError(`fusion: invalid configuration\n  AUTOMATIC_MIN_CYCLE_SECONDS: must not exceed AUTOMATIC_MAX_CYCLE_SECONDS (${config.AUTOMATIC_MAX_CYCLE_SECONDS})`);
  }
  requireRealKeysInProduction('fusion', env, config.WORKER_KEYS_FILE);
  requireSimulatorKeyInProduction('fusion', env, config.SIMULATOR_KEY_FILE);
  const production = config.NODE_ENV === 'production';
  const secrets = resolveAccessSecrets('fusion', production, config);
  const databaseUrl = withSecretCredentials(config.DATABASE_URL, 'DATABASE_PASSWORD_FILE', { passwordFile: config.DATABASE_PASSWORD_FILE }, (file) => fs.readFileSync(file, 'utf8'));
  requirePasswordOffLoopback('fusion', 'DATABASE_URL', databaseUrl, production, 'set DATABASE_PASSWORD_FILE (npm run secrets:generate writes it)');
  const redisUrl = resolveRedisUrl('fusion', config, production);
  return { ...config, ...secrets, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, production, LISTEN_HOST: listenHost(config.HOST, config.NODE_ENV) };
}

export { DEV_ADMIN_PASSWORD, DEV_JWT_SECRET };

export type FusionConfig = ReturnType<typeof readFusionConfig>;
export const FUSION_CONFIG = Symbol('FUSION_CONFIG');
