import { z } from 'zod';
import { DEV_WORKER_KEY_SEED } from '@crosscast/contracts';
import { envInt, envUrl, readEnvConfig, requireRealKeysInProduction } from '@crosscast/runtime';
import { DEFAULT_DATABASE_URL } from '@crosscast/persistence';

/** The fusion service's configuration: environment variables with working local defaults. */
export function readFusionConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = readEnvConfig(
    'fusion',
    {
      PORT: envInt(3000, 0, 65535),
      DATABASE_URL: envUrl(DEFAULT_DATABASE_URL, ['postgres:', 'postgresql:']),
      REDIS_URL: envUrl('redis://127.0.0.1:6379', ['redis:']),
      CITY_DIR: z.string().min(1).default('seed-data/boroondara-2006'),
      /** BullMQ key prefix; tests use their own so they never see another run's jobs. */
      QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('crosscast'),
      /** A crossing whose newest forecast is this many intervals behind the city's newest is stale. */
      STALE_AFTER_INTERVALS: envInt(2, 1, 96),
      /** A crossing with no heartbeat for this many wall-clock seconds is offline. */
      OFFLINE_AFTER_SECONDS: envInt(30, 2, 86400),
      FORECAST_CONCURRENCY: envInt(8, 1, 64),
      /** Every crossing's signing key ({"keys": {...}}, see `npm run keys:generate`); unset = derived from WORKER_KEY_SEED. */
      WORKER_KEYS_FILE: z.string().min(1).optional(),
      /** Development only: the seed local keys are derived from (must match the workers'). */
      WORKER_KEY_SEED: z.string().min(8).default(DEV_WORKER_KEY_SEED),
      /** A message whose sentAt is further ahead of this service's clock than this is refused. */
      MAX_CLOCK_SKEW_SECONDS: envInt(300, 1, 86400),
      /** Create the database if missing and apply migrations at start-up (under an advisory lock). */
      MIGRATE_ON_START: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    },
    env,
  );
  requireRealKeysInProduction('fusion', env, config.WORKER_KEYS_FILE);
  return config;
}

export type FusionConfig = ReturnType<typeof readFusionConfig>;
export const FUSION_CONFIG = Symbol('FUSION_CONFIG');
