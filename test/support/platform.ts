import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { migrate } from '../../apps/fusion/src/fusion-app';
import { TEST_POSTGRES_URL, TEST_REDIS_URL, clearRedisPrefix, dropDatabase, eventually, freePort, uniqueName } from './infrastructure';

const ROOT = path.resolve(__dirname, '..', '..');

export interface RunningPlatform {
  baseUrl: string;
  /** Every fusion instance's base URL, in start order (baseUrl is the first). */
  fusionUrls: string[];
  databaseUrl: string;
  /** The BullMQ / stream key prefix of this run's processes. */
  queuePrefix: string;
  crossingIds: string[];
  /** The BullMQ / stream key prefix of this platform's processes. */
  prefix: string;
  /** Names of the processes: 'fusion', 'simulator', and 'edge-workers' (or 'edge-worker-<i>' with workerGroups). */
  names(): string[];
  logs(): string;
  /** Stops the edge-worker process with SIGTERM and starts it again on the same local disk. */
  restartWorkers(): Promise<void>;
  /** Sends a signal to one process (default SIGKILL) and waits until it has exited. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a process again, with its original environment (and the same local disk). */
  startAgain(name: string): void;
  /** A worker process's own /health URL. */
  workerHealthUrl(name: string): string;
  isRunning(name: string): boolean;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /** Extra simulator environment, or false for no simulator. */
  simulator?: Record<string, string> | false;
  /** Extra environment for every worker process. */
  worker?: Record<string, string>;
  /** Per worker group, extra environment (index = group). */
  workerEnv?: Array<Record<string, string>>;
  /** One worker process per group (default: one process hosting every crossing). */
  workerGroups?: string[][];
  /** Extra fusion environment. */
  fusion?: Record<string, string>;
  /** Fusion instances on one database and Redis ('fusion', 'fusion-2', …; default 1). */
  fusionInstances?: number;
  /** Redis for every app (default TEST_REDIS_URL); per-app overrides go in the env records. */
  redisUrl?: string;
  /** PostgreSQL server (default TEST_POSTGRES_URL); the platform makes its own database there. */
  postgresUrl?: string;
}

/**
 * Starts the real, compiled apps as separate processes (fusion, simulator, one or more
 * processes hosting crossing workers) against real PostgreSQL and Redis, with their own
 * database and key prefixes. `npm test` builds dist/ first.
 */
export async function startPlatform(crossingIds: string[], overrides: PlatformOptions = {}): Promise<RunningPlatform> {
  for (const entry of ['apps/fusion/src/main.js', 'apps/simulator/src/main.js', 'apps/edge-worker/src/main.js']) {
    if (!fs.existsSync(path.join(ROOT, 'dist', entry))) throw new Error(`dist/${entry} is missing: run \`npm run build\` first (npm test does)`);
  }
  const postgresUrl = overrides.postgresUrl ?? TEST_POSTGRES_URL;
  const redisUrl = overrides.redisUrl ?? TEST_REDIS_URL;
  const dbName = uniqueName('crosscast_e2e');
  const prefix = uniqueName('cce2e');
  const databaseUrl = `${postgresUrl}/${dbName}`;
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-e2e-'));
  const output: string[] = [];
  const children: ChildProcess[] = [];
  await migrate(databaseUrl);

  const common = { REDIS_URL: redisUrl, CITY_DIR: 'seed-data/boroondara-2006', QUEUE_PREFIX: prefix, STREAM_PREFIX: prefix, NO_COLOR: '1' };
  const named = new Map<string, ChildProcess>();
  const entries = new Map<string, { entry: string; env: Record<string, string> }>();
  const healthUrls = new Map<string, string>();
  const start = (name: string, entry: string, env: Record<string, string>) => {
    entries.set(name, { entry, env });
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
  const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;
  const waitForExit = (child: ChildProcess, timeoutMs: number) =>
    exited(child) ? Promise.resolve() : Promise.race([new Promise((resolve) => child.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  const stopChild = async (child: ChildProcess) => {
    if (exited(child)) return;
    child.kill('SIGTERM');
    await waitForExit(child, 10_000);
    if (!exited(child)) child.kill('SIGKILL');
    await waitForExit(child, 5_000);
  };

  const fusionUrls: string[] = [];
  for (let i = 0; i < (overrides.fusionInstances ?? 1); i++) {
    const fusionPort = i === 0 ? port : await freePort();
    start(i === 0 ? 'fusion' : `fusion-${i + 1}`, 'apps/fusion/src/main.js', { DATABASE_URL: databaseUrl, PORT: String(fusionPort), MIGRATE_ON_START: 'false', OFFLINE_AFTER_SECONDS: '60', ...overrides.fusion });
    fusionUrls.push(`http://127.0.0.1:${fusionPort}`);
  }
  const baseUrl = fusionUrls[0];
  for (const url of fusionUrls) {
    await eventually(async () => (await fetch(`${url}/health`)).ok, `fusion ${url}/health`, 60_000, 300).catch((error) => {
      throw new Error(`${error.message}\n${output.join('\n')}`);
    });
  }
  if (overrides.simulator !== false) {
    start('simulator', 'apps/simulator/src/main.js', {
      CROSSING_IDS: crossingIds.join(','),
      // 0.1 s per 15-minute interval, after three days of history delivered at once.
      REPLAY_SPEED: '9000',
      REPLAY_BACKFILL_DAYS: '3',
      ...overrides.simulator,
    });
  }
  const groups = overrides.workerGroups ?? [crossingIds];
  for (const [i, group] of groups.entries()) {
    const name = groups.length === 1 ? 'edge-workers' : `edge-worker-${i}`;
    const healthPort = await freePort();
    healthUrls.set(name, `http://127.0.0.1:${healthPort}/health`);
    start(name, 'apps/edge-worker/src/main.js', {
      CROSSING_IDS: group.join(','),
      DATA_DIR: groups.length === 1 ? dataDir : path.join(dataDir, `w${i}`),
      TFJS_BACKEND: 'auto',
      MIN_TRAIN_INTERVALS: '250',
      TRAIN_EPOCHS: '4',
      TRAIN_MIN_STEPS: '0',
      HEARTBEAT_SECONDS: '1',
      HEALTH_PORT: String(healthPort),
      ...overrides.worker,
      ...overrides.workerEnv?.[i],
    });
  }

  const startAgain = (name: string) => {
    const spec = entries.get(name);
    if (!spec) throw new Error(`no process named ${name}`);
    start(name, spec.entry, spec.env);
  };
  return {
    baseUrl,
    fusionUrls,
    databaseUrl,
    queuePrefix: prefix,
    crossingIds,
    prefix,
    names: () => [...entries.keys()],
    logs: () => output.join('\n'),
    async restartWorkers() {
      await stopChild(named.get('edge-workers')!);
      startAgain('edge-workers');
    },
    async kill(name, signal = 'SIGKILL') {
      const child = named.get(name);
      if (!child) throw new Error(`no process named ${name}`);
      if (exited(child)) return;
      child.kill(signal);
      await waitForExit(child, 15_000);
      if (!exited(child)) throw new Error(`${name} did not exit after ${signal}`);
    },
    startAgain,
    workerHealthUrl: (name) => healthUrls.get(name) ?? '',
    isRunning: (name) => {
      const child = named.get(name);
      return !!child && !exited(child);
    },
    async stop() {
      for (const child of [...children].reverse()) await stopChild(child);
      await dropDatabase(dbName, postgresUrl).catch(() => undefined);
      await clearRedisPrefix(prefix, redisUrl).catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
