import { z } from 'zod';
import { envInt, envNumber, envUrl, readEnvConfig } from '@crosscast/runtime';

/** The simulator's configuration: environment variables with working local defaults. */
export function readSimulatorConfig(env: NodeJS.ProcessEnv = process.env) {
  return readEnvConfig(
    'simulator',
    {
      REDIS_URL: envUrl('redis://127.0.0.1:6379', ['redis:']),
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
    },
    env,
  );
}

export type SimulatorConfig = ReturnType<typeof readSimulatorConfig>;
export const SIMULATOR_CONFIG = Symbol('SIMULATOR_CONFIG');
