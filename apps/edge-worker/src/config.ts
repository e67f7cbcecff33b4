import { z } from 'zod/v4';
import { DEV_WORKER_KEY_SEED } from '@crosscast/contracts';
import { envInt, envNodeEnv, envUrl, listenHost, readEnvConfig, redisCredentialEnv, requireRealKeysInProduction, resolveRedisUrl } from '@crosscast/runtime';

/** The edge worker's environment variables (zod, with their defaults); apps/edge-worker/README.md lists them (test/static/app-readmes.spec.ts). */
export const EDGE_WORKER_ENV = {
  /** The city link: BullMQ, where forecasts and heartbeats go, and where the city's warm start is read. */
  REDIS_URL: envUrl('redis://127.0.0.1:6379', ['redis:']),
  ...redisCredentialEnv,
  /** The street-side detector feed (the crossing's own streams); unset = REDIS_URL. */
  DETECTOR_REDIS_URL: z.string().regex(/^redis:\/\/\S+$/, 'must be a URL starting with redis://').optional(),
  CITY_DIR: z.string().min(1).default('seed-data/boroondara-2006'),
  /** One crossing per process (one container per crossing)... */
  CROSSING_ID: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).optional(),
  /** ...or several independent workers in one process: a comma list, or "all". */
  CROSSING_IDS: z.string().default('all'),
  /** Local disk for each crossing's history, sequence numbers and models. */
  DATA_DIR: z.string().min(1).default('.data/edge'),
  TFJS_BACKEND: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('crosscast'),
  STREAM_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('crosscast'),
  HEARTBEAT_SECONDS: envInt(5, 1, 3600),
  HORIZONS: envInt(4, 1, 16),
  /** The first model trains once this much history exists (default three days of 15 min). */
  MIN_TRAIN_INTERVALS: envInt(288, 40, 100_000),
  /** Retrain in the background after this many new intervals (default a day). */
  RETRAIN_EVERY_INTERVALS: envInt(96, 1, 100_000),
  /** History kept per crossing (default five weeks of 15 min). */
  HISTORY_LIMIT_INTERVALS: envInt(3360, 200, 1_000_000),
  TRAIN_EPOCHS: envInt(12, 1, 1000),
  /** Fewest gradient steps per network: epochs are raised to reach it on a small history (0 = TRAIN_EPOCHS as given). */
  TRAIN_MIN_STEPS: envInt(600, 0, 100_000),
  /**
   * Federated warm start: a worker with WARM_START_MIN_INTERVALS of history but less than
   * MIN_TRAIN_INTERVALS reads the city's average of the crossings' models from Redis
   * (REDIS_URL, where fusion publishes it signed for each crossing), checks fusion's
   * signature with its own crossing key and fine-tunes it locally; false = never (the
   * seasonal-naive baseline until its own model).
   */
  WARM_START: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Warm start from this much history (default one day of 15 min). */
  WARM_START_MIN_INTERVALS: envInt(96, 40, 100_000),
  /** Epochs of local fine-tuning of the averaged networks. */
  WARM_START_FINE_TUNE_EPOCHS: envInt(4, 0, 1000),
  /** Share each fully trained model's snapshot (weights, error statistics, a unit-free week shape; never counts) with the city. */
  SHARE_MODEL_SNAPSHOTS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /**
   * Cleaning limits (see CleaningOptions in libs/forecasting): a count is dropped when it
   * exceeds lanes x saturation flow x interval hours, or CLEAN_HISTORY_FACTOR x the
   * detector's own 99.5th percentile. CLEAN_LANES 0 = unknown (CLEAN_DEFAULT_LANES is
   * assumed, generously); CLEAN_MAX_COUNT > 0 replaces both with one fixed ceiling.
   */
  CLEAN_SATURATION_FLOW: envInt(2400, 600, 4000),
  CLEAN_LANES: envInt(0, 0, 12),
  CLEAN_DEFAULT_LANES: envInt(6, 1, 12),
  CLEAN_HISTORY_FACTOR: envInt(4, 2, 100),
  CLEAN_MAX_COUNT: envInt(0, 0, 1_000_000),
  /** Messages kept in order while Redis is unreachable; beyond it the oldest are dropped and counted. */
  BUFFER_LIMIT: envInt(10_000, 10, 10_000_000),
  /** The same bound in bytes of unsent forecasts on the local disk (default 64 MiB). */
  BUFFER_LIMIT_BYTES: envInt(64 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
  /** Signing keys file ({"keys": {"<crossingId>": "<base64>"}}); unset = keys derived from WORKER_KEY_SEED. */
  WORKER_KEYS_FILE: z.string().min(1).optional(),
  /** Development only: the seed local keys are derived from (must match the fusion service's). */
  WORKER_KEY_SEED: z.string().min(8).default(DEV_WORKER_KEY_SEED),
  /** 0 = no health endpoint (one process hosting many workers for a demo); set in containers. */
  HEALTH_PORT: envInt(0, 0, 65535),
  /** The health endpoint's address; unset = 127.0.0.1, or 0.0.0.0 in production. */
  HOST: z.string().optional(),
  NODE_ENV: envNodeEnv(),
};

/** The edge worker's configuration: environment variables with working local defaults. */
export function readEdgeWorkerConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = readEnvConfig('edge-worker', EDGE_WORKER_ENV, env);
  requireRealKeysInProduction('edge-worker', env, config.WORKER_KEYS_FILE);
  const crossingSelection: 'all' | string[] = config.CROSSING_ID
    ? [config.CROSSING_ID]
    : config.CROSSING_IDS === 'all'
      ? 'all'
      : config.CROSSING_IDS.split(',').map((s) => s.trim()).filter(Boolean);
  const redisUrl = resolveRedisUrl('edge-worker', config, config.NODE_ENV === 'production');
  const cleaning = {
    saturationFlowPerLane: config.CLEAN_SATURATION_FLOW,
    lanes: config.CLEAN_LANES > 0 ? config.CLEAN_LANES : null,
    defaultLanes: config.CLEAN_DEFAULT_LANES,
    historyFactor: config.CLEAN_HISTORY_FACTOR,
    maxCountPerInterval: config.CLEAN_MAX_COUNT > 0 ? config.CLEAN_MAX_COUNT : null,
  };
  // Variables this version no longer reads: said at start-up rather than silently ignored.
  const ignored = env.FUSION_URL ? ['FUSION_URL is no longer used: the warm start is read from Redis (REDIS_URL), where fusion publishes it'] : [];
  return { ...config, cleaning, REDIS_URL: redisUrl, LISTEN_HOST: listenHost(config.HOST, config.NODE_ENV), crossingSelection, detectorRedisUrl: config.DETECTOR_REDIS_URL ?? redisUrl, ignored };
}

export type EdgeWorkerConfig = ReturnType<typeof readEdgeWorkerConfig>;
export const EDGE_CONFIG = Symbol('EDGE_CONFIG');
