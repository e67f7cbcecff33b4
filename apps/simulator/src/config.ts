import { z } from 'zod/v4';
import { DEV_WORKER_KEY_SEED } from '@crosscast/contracts';
import { envInt, envNodeEnv, envNumber, envUrl, listenHost, readEnvConfig, redisCredentialEnv, requireSimulatorKeyInProduction, resolveRedisUrl } from '@crosscast/runtime';

/** The simulator's environment variables (zod, with their defaults); apps/simulator/README.md lists them (test/static/app-readmes.spec.ts). */
export const SIMULATOR_ENV = {
  REDIS_URL: envUrl('redis://127.0.0.1:6379', ['redis:']),
  ...redisCredentialEnv,
  CITY_DIR: z.string().min(1).default('seed-data/boroondara-2006'),
  /** Counts file in the long CSV format; default `<CITY_DIR>/counts.csv.gz`. */
  COUNTS_FILE: z.string().optional(),
  STREAM_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('crosscast'),
  /** Simulated seconds per wall second. 450 = one 15-minute interval every 2 s, a day in 3.2 min. */
  REPLAY_SPEED: envNumber(450, 1, 1_000_000),
  /** Days of recorded history delivered at once before the live replay (the controller's log). */
  REPLAY_BACKFILL_DAYS: envNumber(7, 0, 60),
  /** First live interval (ISO 8601); default: the first recorded interval plus the backfill. */
  REPLAY_START: z.string().datetime({ offset: true }).optional(),
  /** Delete the detector streams first, so a new replay does not mix with an old one. */
  REPLAY_RESET: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  CROSSING_IDS: z.string().default('all'),
  /** Entries kept per detector stream (a bounded cable). */
  STREAM_MAXLEN: envInt(20_000, 100, 10_000_000),
  HEALTH_PORT: envInt(0, 0, 65535),
  /** replay: recorded counts (the default); simulate: the simulation engine plays the street. */
  SIMULATOR_MODE: z.enum(['replay', 'simulate']).default('replay'),
  /** simulate mode: "boroondara" (CITY_DIR with its sim-demand.json), "imported" (CITY_DIR written by `npm run sim:import`) or a generated grid "grid:RxC". */
  SIM_NETWORK: z
    .string()
    .regex(/^(boroondara|imported|grid:\d{1,2}x\d{1,2})$/, 'must be "boroondara", "imported" or "grid:<rows>x<cols>", e.g. grid:4x4')
    .default('boroondara'),
  /** Simulated seconds per wall second. */
  SIM_SPEED: envNumber(450, 1, 1_000_000),
  SIM_SEED: envInt(1, 0, 2_147_483_647),
  /** First live interval in data time; a weekday at local midnight, so workers' calendars make sense. */
  SIM_START: z.string().datetime({ offset: true }).default('2006-10-09T00:00:00+10:00'),
  /** Days simulated as fast as possible before the live run, so workers can train. */
  SIM_BACKFILL_DAYS: envNumber(7, 0, 60),
  /** Write the simulated city's crossings.json here at start (for fusion and workers: CITY_DIR). */
  SIM_CITY_OUT: z.string().optional(),
  /** BullMQ prefix of the timing-plan and simulation-report queues (as fusion's). */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('crosscast'),
  /** simulate mode: publish every signal's controller event log per interval (for fusion's performance measures). */
  SIM_EVENT_LOGS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Log the one-line city summary every this many simulated intervals. */
  SIM_LOG_EVERY_INTERVALS: envInt(4, 1, 10_000),
  /** The health endpoint's address; unset = 127.0.0.1, or 0.0.0.0 in production. */
  HOST: z.string().optional(),
  NODE_ENV: envNodeEnv(),
  /** The key shared with fusion ({"key": "<base64>"}): plans are verified and reports signed with it; unset = derived from WORKER_KEY_SEED. */
  SIMULATOR_KEY_FILE: z.string().min(1).optional(),
  /** Development only: the seed the link key is derived from when SIMULATOR_KEY_FILE is unset (as fusion's). */
  WORKER_KEY_SEED: z.string().min(8).default(DEV_WORKER_KEY_SEED),
};

/** The simulator's configuration: environment variables with working local defaults. */
export function readSimulatorConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = readEnvConfig('simulator', SIMULATOR_ENV, env);
  requireSimulatorKeyInProduction('simulator', env, config.SIMULATOR_KEY_FILE);
  return { ...config, REDIS_URL: resolveRedisUrl('simulator', config, config.NODE_ENV === 'production'), LISTEN_HOST: listenHost(config.HOST, config.NODE_ENV) };
}

export type SimulatorConfig = ReturnType<typeof readSimulatorConfig>;
export const SIMULATOR_CONFIG = Symbol('SIMULATOR_CONFIG');
