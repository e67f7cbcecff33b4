import { z } from 'zod';
import { envInt, envUrl, readEnvConfig } from '@crosscast/runtime';
import { DEFAULT_DATABASE_URL } from '@crosscast/persistence';

/** The fusion service's configuration: environment variables with working local defaults. */
export function readFusionConfig(env: NodeJS.ProcessEnv = process.env) {
  return readEnvConfig(
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
      /** Create the database if missing and apply migrations at start-up (under an advisory lock). */
      MIGRATE_ON_START: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    },
    env,
  );
}

export type FusionConfig = ReturnType<typeof readFusionConfig>;
export const FUSION_CONFIG = Symbol('FUSION_CONFIG');
