import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { migrate } from '../../apps/fusion/src/fusion-app';
import { TEST_REDIS_URL, clearRedisPrefix, dropDatabase, eventually, freePort, testDatabaseUrl, uniqueName } from './infrastructure';

const ROOT = path.resolve(__dirname, '..', '..');

export interface RunningPlatform {
  baseUrl: string;
  databaseUrl: string;
  /** The BullMQ / stream key prefix of this run's processes. */
  queuePrefix: string;
  crossingIds: string[];
  logs(): string;
  /** Stops the edge-worker process with SIGTERM and starts it again on the same local disk. */
  restartWorkers(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the real, compiled apps as separate processes (fusion, simulator, one process
 * hosting a few crossing workers) against real PostgreSQL and Redis, with their own
 * database and key prefixes. `npm test` builds dist/ first.
 */
export async function startPlatform(crossingIds: string[], overrides: { simulator?: Record<string, string>; worker?: Record<string, string> } = {}): Promise<RunningPlatform> {
  for (const entry of ['apps/fusion/src/main.js', 'apps/simulator/src/main.js', 'apps/edge-worker/src/main.js']) {
    if (!fs.existsSync(path.join(ROOT, 'dist', entry))) throw new Error(`dist/${entry} is missing: run \`npm run build\` first (npm test does)`);
  }
  const dbName = uniqueName('crosscast_e2e');
  const prefix = uniqueName('cce2e');
  const databaseUrl = testDatabaseUrl(dbName);
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-e2e-'));
  const output: string[] = [];
  const children: ChildProcess[] = [];
  await migrate(databaseUrl);

  const common = { REDIS_URL: TEST_REDIS_URL, CITY_DIR: 'seed-data/boroondara-2006', QUEUE_PREFIX: prefix, STREAM_PREFIX: prefix, NO_COLOR: '1' };
  const named = new Map<string, ChildProcess>();
  const start = (name: string, entry: string, env: Record<string, string>) => {
    const child = spawn(process.execPath, ['-r', path.join(ROOT, 'tools/register-aliases.js'), path.join(ROOT, 'dist', entry)], {
      cwd: ROOT,
      env: { ...process.env, ...common, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      output.push(...chunk.toString().split('\n').filter(Boolean).map((line) => `[${name}] ${line}`));
      if (output.length > 5000) output.splice(0, output.length - 5000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.push(child);
    named.set(name, child);
  };
  const stopChild = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await Promise.race([new Promise((resolve) => child.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };

  start('fusion', 'apps/fusion/src/main.js', { DATABASE_URL: databaseUrl, PORT: String(port), MIGRATE_ON_START: 'false', OFFLINE_AFTER_SECONDS: '60' });
  const baseUrl = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${baseUrl}/health`)).ok, 'fusion /health', 60_000, 300).catch((error) => {
    throw new Error(`${error.message}\n${output.join('\n')}`);
  });
  start('simulator', 'apps/simulator/src/main.js', {
    CROSSING_IDS: crossingIds.join(','),
    // 0.1 s per 15-minute interval, after three days of history delivered at once.
    REPLAY_SPEED: '9000',
    REPLAY_BACKFILL_DAYS: '3',
    ...overrides.simulator,
  });
  const workerEnv = {
    CROSSING_IDS: crossingIds.join(','),
    DATA_DIR: dataDir,
    TFJS_BACKEND: 'auto',
    MIN_TRAIN_INTERVALS: '250',
    TRAIN_EPOCHS: '4',
    HEARTBEAT_SECONDS: '1',
    ...overrides.worker,
  };
  start('edge-workers', 'apps/edge-worker/src/main.js', workerEnv);

  return {
    baseUrl,
    databaseUrl,
    queuePrefix: prefix,
    crossingIds,
    logs: () => output.join('\n'),
    async restartWorkers() {
      await stopChild(named.get('edge-workers')!);
      start('edge-workers', 'apps/edge-worker/src/main.js', workerEnv);
    },
    async stop() {
      for (const child of [...children].reverse()) await stopChild(child);
      await dropDatabase(dbName);
      await clearRedisPrefix(prefix);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
