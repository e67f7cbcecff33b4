/**
 * `npm run demo`: the whole platform on this machine. Checks PostgreSQL and Redis,
 * applies migrations, starts the fusion service, one process hosting every crossing's
 * edge worker, and the simulator replaying the Boroondara counts; prints the dashboard
 * URL and progress; stops everything cleanly on Ctrl-C.
 *
 * `npm run demo -- --simulate boroondara` or `-- --simulate grid:4x4`: the simulator runs
 * the simulation engine instead of replaying the recording (SIMULATOR_MODE=simulate); for
 * a grid, the grid's city folder is written first and passed to everything as CITY_DIR.
 * `-- --simulate <city dir>`: an imported city folder (`npm run sim:import`) is CITY_DIR
 * for everything and the simulator runs its network (SIM_NETWORK=imported).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { FUSION_NODE_ARGS } from '../apps/fusion/src/node-options';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { FORECAST_QUEUE, HEARTBEAT_QUEUE, MODEL_SNAPSHOT_QUEUE, SIGNAL_EVENT_LOG_QUEUE, SIMULATION_REPORT_QUEUE, TIMING_PLAN_QUEUE } from '@crosscast/contracts';
import { parseGridName } from '@crosscast/simulation';
import { writeGridCity } from './sim-grid-city';
import { loadCityDefinition } from '@crosscast/seed';
import { DEFAULT_DATABASE_URL, dataSourceOptions, ensureDatabaseExists, runMigrationsLocked } from '@crosscast/persistence';
import { deleteKeysMatching, redisConnectionOptions } from '@crosscast/runtime';

const ROOT = path.resolve(__dirname, '..', '..');
const env = {
  DATABASE_URL: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  PORT: process.env.PORT ?? '3000',
  CITY_DIR: process.env.CITY_DIR ?? 'seed-data/boroondara-2006',
  DATA_DIR: process.env.DEMO_DATA_DIR ?? '.data/demo',
  /** The apps' BullMQ prefix (they read QUEUE_PREFIX too): a fresh demo empties only its own queues. */
  QUEUE_PREFIX: process.env.QUEUE_PREFIX ?? 'crosscast',
};
const keepData = process.env.DEMO_KEEP_DATA === 'true';
const simulateAt = process.argv.indexOf('--simulate');
/** null: replay the recorded counts; else the simulated network ("boroondara", "grid:4x4"). */
const simulate = simulateAt >= 0 ? (process.argv[simulateAt + 1] ?? '') : null;
const SIM_SEED = '1';
const children: Array<{ name: string; process: ChildProcess }> = [];
let stopping = false;

function say(message: string): void {
  console.log(`[demo ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function describeTarget(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol.startsWith('redis') ? 6379 : 5432)}`;
}

async function checkPostgres(): Promise<void> {
  try {
    await ensureDatabaseExists(env.DATABASE_URL);
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${describeTarget(env.DATABASE_URL)} (${(error as Error).message}).\n` +
        `  Start it, for example:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n` +
        `  or:                      docker compose up -d postgres   (then DATABASE_URL=postgres://crosscast:crosscast@127.0.0.1:5433/crosscast)\n` +
        `  or point DATABASE_URL at your server.`,
    );
  }
}

async function checkRedis(): Promise<void> {
  const client = new IORedis({ ...redisConnectionOptions(env.REDIS_URL), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  let lastError: Error | null = null;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${describeTarget(env.REDIS_URL)} (${(lastError ?? (error as Error)).message}).\n` +
        `  Start it, for example:  redis-server --daemonize yes --bind 127.0.0.1 --port 6379\n` +
        `  or:                      docker compose up -d redis   (then REDIS_URL=redis://127.0.0.1:6380)\n` +
        `  or point REDIS_URL at your server.`,
    );
  } finally {
    client.disconnect();
  }
}

async function checkPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', () => reject(new Error(`port ${port} is already in use: stop what runs there, or run with PORT=<another port> npm run demo`)));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve()));
  });
}

async function clearQueues(): Promise<void> {
  const client = new IORedis({ ...redisConnectionOptions(env.REDIS_URL), maxRetriesPerRequest: 1 });
  try {
    // Every queue the platform uses: a demo starts from nothing left by an earlier run.
    for (const queue of [FORECAST_QUEUE, HEARTBEAT_QUEUE, TIMING_PLAN_QUEUE, SIMULATION_REPORT_QUEUE, SIGNAL_EVENT_LOG_QUEUE, MODEL_SNAPSHOT_QUEUE]) {
      await deleteKeysMatching(client, `${env.QUEUE_PREFIX}:${queue}:*`);
    }
  } finally {
    client.disconnect();
  }
}

async function prepareDatabase(cityCrossingIds: string[]): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(env.DATABASE_URL));
  await dataSource.initialize();
  const applied = await runMigrationsLocked(dataSource);
  say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');
  if (!keepData) {
    // A demo is a fresh replay of October 2006: start from empty tables (DEMO_KEEP_DATA=true keeps them).
    // Operators' decisions go with the recommendations they refer to; users are kept. The
    // simulated street's reports and event logs go too: the measures and the simulation panel
    // would otherwise show the last run's intervals until this run's data time passed them.
    await dataSource.query(
      `TRUNCATE forecast_points, forecasts, observations, running_plans, recommendation_decisions, planning_evaluations, recommendations,
         corridor_decisions, corridor_recommendations, crossing_congestion, alert_acknowledgements, dead_letters, crossing_status,
         fusion_state_records, fusion_state, model_snapshots, simulation_measurements, simulation_reports, signal_event_logs`,
    );
    // Crossings of another city (an earlier demo on another folder) would come back as
    // crossings without a worker; this city's crossings keep their admin settings.
    await dataSource.query('DELETE FROM crossings WHERE NOT (id = ANY($1::text[]))', [cityCrossingIds]);
    // The queues too: a job kept from the last run would make the same message id look
    // already delivered, and a waiting one would land in the fresh tables.
    await clearQueues();
    fs.rmSync(path.resolve(ROOT, env.DATA_DIR), { recursive: true, force: true });
    say('cleared the previous demo run (set DEMO_KEEP_DATA=true to keep it)');
  }
  return dataSource;
}

function start(name: string, entry: string, extraEnv: Record<string, string>): ChildProcess {
  const logDir = path.resolve(ROOT, env.DATA_DIR, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const log = fs.createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  const nodeArgs = name === 'fusion' ? [...FUSION_NODE_ARGS] : [];
  const child = spawn(process.execPath, [...nodeArgs, '-r', path.join(ROOT, 'tools/register-aliases.js'), path.join(ROOT, 'dist', entry)], {
    cwd: ROOT,
    env: { ...process.env, ...extraEnv, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const relay = (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      if (/\b(WARN|ERROR)\b|failed|unreachable|invalid configuration/i.test(line)) console.log(`[${name}] ${line.trim()}`);
    }
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  child.on('exit', (code, signal) => {
    log.end();
    if (!stopping) {
      say(`${name} exited (${signal ?? `code ${code}`}); see ${path.relative(ROOT, path.join(logDir, `${name}.log`))}. Stopping the demo.`);
      void shutdown(1);
    }
  });
  children.push({ name, process: child });
  return child;
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`${url} did not become healthy within ${timeoutMs / 1000} s`);
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (children.length === 0) process.exit(code);
  say('stopping: simulator, workers, fusion…');
  for (const name of ['simulator', 'edge-workers', 'fusion']) {
    const child = children.find((c) => c.name === name)?.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    const exited = await Promise.race([
      new Promise<boolean>((resolve) => child.once('exit', () => resolve(true))),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
    ]);
    if (!exited) child.kill('SIGKILL');
  }
  say('stopped.');
  process.exit(code);
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  let simulatorEnv: Record<string, string> = {};
  if (simulate !== null) {
    const grid = parseGridName(simulate);
    const imported = !grid && simulate !== 'boroondara' && fs.existsSync(path.resolve(ROOT, simulate, 'sim-network.json'));
    if (simulate !== 'boroondara' && !grid && !imported) throw new Error(`--simulate takes "boroondara", "grid:<rows>x<cols>" (e.g. grid:4x4) or a city folder written by npm run sim:import, got "${simulate}"`);
    if (grid) {
      // fusion, workers and simulator all read the generated grid's city folder
      // (beside DATA_DIR, which a fresh demo empties)
      env.CITY_DIR = path.join(path.dirname(env.DATA_DIR), `demo-city-grid-${grid.rows}x${grid.cols}`);
      say(`wrote ${path.relative(ROOT, writeGridCity(simulate, path.resolve(ROOT, env.CITY_DIR), Number(SIM_SEED)))}`);
    }
    if (imported) env.CITY_DIR = simulate;
    simulatorEnv = { SIMULATOR_MODE: 'simulate', SIM_NETWORK: imported ? 'imported' : simulate, SIM_SEED };
    say(`simulate mode: the simulation engine plays the street on ${simulate}`);
  }
  const city = loadCityDefinition(path.resolve(ROOT, env.CITY_DIR));
  await checkPostgres();
  await checkRedis();
  await checkPortFree(Number(env.PORT));
  const db = await prepareDatabase(city.crossings.map((c) => c.id));

  const common = { DATABASE_URL: env.DATABASE_URL, REDIS_URL: env.REDIS_URL, CITY_DIR: env.CITY_DIR };
  start('fusion', 'apps/fusion/src/main.js', { ...common, PORT: env.PORT, MIGRATE_ON_START: 'false' });
  await waitForHealth(`http://127.0.0.1:${env.PORT}/health`, 60_000);
  // The simulator first: it resets the detector streams, and the workers then read them
  // from the start (nothing is lost: a stream keeps what the workers have not read yet).
  const simulatorHealthPort = String(Number(env.PORT) + 1);
  await checkPortFree(Number(simulatorHealthPort));
  start('simulator', 'apps/simulator/src/main.js', { ...common, ...simulatorEnv, HEALTH_PORT: simulatorHealthPort });
  await waitForHealth(`http://127.0.0.1:${simulatorHealthPort}/health`, 60_000);
  start('edge-workers', 'apps/edge-worker/src/main.js', { ...common, CROSSING_IDS: 'all', DATA_DIR: path.join(env.DATA_DIR, 'edge') });

  say(`${city.crossings.length} crossings of ${city.city}`);
  say(`dashboard:  http://127.0.0.1:${env.PORT}/`);
  say(`API docs:   http://127.0.0.1:${env.PORT}/api/docs`);
  say('sign in:    operator / crosscast-operator (accept or reject plans), viewer / crosscast-viewer, admin / crosscast-admin (development users)');
  if (simulate !== null) say(`simulation: http://127.0.0.1:${simulatorHealthPort}/metrics (latest report: delay, stops, queues, throughput per crossing)`);
  say(`logs:       ${path.join(env.DATA_DIR, 'logs')}/   — Ctrl-C stops everything`);

  let allForecastingReported = false;
  let previousCount = 0;
  let previousAt = Date.now();
  const progress = setInterval(async () => {
    try {
      const [row] = await db.query('SELECT count(*)::int AS forecasts, count(DISTINCT crossing_id)::int AS crossings, max(based_on_interval_start) AS latest FROM forecasts');
      const now = Date.now();
      const perMinute = ((row.forecasts - previousCount) * 60_000) / Math.max(1, now - previousAt);
      previousCount = row.forecasts;
      previousAt = now;
      say(`forecasts stored: ${row.forecasts} (${Math.round(perMinute)}/min), crossings forecasting: ${row.crossings}/${city.crossings.length}, data time: ${row.latest ? new Date(row.latest).toLocaleString('en-AU', { timeZone: city.timeZone }) : '-'}`);
      if (!allForecastingReported && row.crossings >= city.crossings.length) {
        allForecastingReported = true;
        say(`every crossing has a stored forecast, ${((now - startedAt) / 1000).toFixed(1)} s after start`);
      }
    } catch (error) {
      say(`progress query failed: ${(error as Error).message}`);
    }
  }, 10_000);
  progress.unref();
}

main().catch((error) => {
  console.error(`\ndemo could not start:\n${(error as Error).message}\n`);
  void shutdown(1);
});
