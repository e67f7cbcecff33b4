/**
 * The ingest pipeline at city scale: workers → BullMQ → fusion → PostgreSQL and socket.io.
 *
 *   npm run bench:pipeline -- --quick     16 and 256 crossings
 *   npm run bench:pipeline                16, 256, 1,024 and 4,096 crossings
 *   npm run bench:pipeline -- --sizes 1024
 *   npm run bench:pipeline -- --quick --instances 2   two fusion processes on one database and Redis
 *   npm run bench:pipeline -- --sizes 4096 --realtime 60   real time for an hour (pipeline-realtime.ts)
 *
 * For each size: a grid city (as `sim:grid-city` writes it), a fresh database, and the
 * compiled fusion service started as a child process (its own RSS, its own CPU) against
 * local PostgreSQL and Redis (DATABASE_SERVER_URL, a server where the user may create
 * databases, default postgres://postgres@127.0.0.1:5432; REDIS_URL, default
 * redis://127.0.0.1:6379). Then:
 *
 * 1. Throughput. Signed forecasts (as the workers sign them, development keys) for every
 *    crossing and several intervals are queued while the queue is paused; the queue is
 *    resumed and the time until every forecast is a row in `forecasts` gives stored/s.
 *    The ceiling: the same rows (forecasts, points, observations) written by plain
 *    multi-row INSERTs, in transactions of 500 forecasts, into a second fresh database
 *    with the same schema, in the same run (`ceiling_per_s`, the issue's yardstick); and
 *    the same again with one unnest array per column, as fusion's store writes them
 *    (`ceiling_unnest_per_s`, `ratio_unnest`), in a third.
 * 2. Demo pace. Every 2 s one interval for every crossing (and every 5 s a heartbeat for
 *    every crossing). Socket clients follow a sample of crossings' rooms (128, evenly
 *    spread over the order they are enqueued in) and measure
 *    enqueue → `forecast` event latency; one plain dashboard client counts the bytes it
 *    receives. GET /api/crossings (the default page) is timed; every 2 s the number of
 *    crossings fusion calls offline is read (all of them heartbeat: any is a false offline).
 *
 * Bounded: at most ~12,300 forecasts per size in phase 1, for at most BENCH_PHASE1_LIMIT_S
 * (300 s; the rate is then what was stored, `phase1_complete: false`), and `--rounds` rounds
 * (8 quick, 18 full) in phase 2.
 * Writes bench/results/pipeline.json (sizes run now replace the same sizes there) and prints a table. BENCH_DEBUG and
 * BENCH_FUSION_NODE_ARGS: see fusion-process.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { io, Socket } from 'socket.io-client';
import { CrossingDefinition, FORECAST_BACKOFF, FORECAST_QUEUE, ForecastMessage, HEARTBEAT_QUEUE } from '@crosscast/contracts';
import { TOTAL_APPROACH } from '@crosscast/persistence';
import { writeGridCity } from '../tools/sim-grid-city';
import { cpuSeconds, cpuSecondsOfCommand, followSample, machineBusyCpuSeconds, forecastFor, gridOf, heartbeatFor, quantile, round1, rssMb, spreadSample } from './pipeline-support';
import { FusionProcess, POSTGRES_URL, REDIS_URL, ROOT, dropDatabase, dropQueues, sleep, startFusion, stopFusion, unique } from './fusion-process';
import { migrate } from '../apps/fusion/src/fusion-app';
import { ColumnSpec, insertColumns } from '../apps/fusion/src/repositories/insert-columns';
import { RealtimeResult, runRealtime } from './pipeline-realtime';

const OUT = path.join(ROOT, 'bench/results/pipeline.json');
const DEMO_ROUND_MS = 2000;
const HEARTBEAT_EVERY_MS = 5000;
/** Phase 1 forecasts per size, at most. */
const THROUGHPUT_BUDGET = 12_300;
const SOCKET_SAMPLE_CROSSINGS = 128;
const PHASE1_LIMIT_MS = Number(process.env.BENCH_PHASE1_LIMIT_S ?? 300) * 1000;

interface SizeResult {
  crossings: number;
  instances: number;
  stored_per_s: number;
  /**
   * Fusion's CPU time (all instances, user + system) per forecast stored in phase 1, ms: what
   * ingesting one costs, less sensitive to a busy machine than stored_per_s (which waits
   * for the CPU it gets).
   */
  fusion_cpu_ms_per_stored?: number;
  ceiling_per_s: number;
  /** The same rows written as fusion writes them (one unnest array per column), in the same run; `ratio_unnest` = stored_per_s / this. */
  ceiling_unnest_per_s?: number;
  ratio_unnest?: number;
  ratio: number;
  latency_ms: { p50: number; p95: number; p99: number };
  /**
   * A lower bound for `latency_ms.p99` on this machine: a demo round enqueues every
   * crossing's forecast at once (as the demo's simulator and workers do), so the last of
   * the round waits at least for the whole round to be written. This is the time the faster
   * of the two same-run database ceilings needs for one round's rows (crossings / ceiling).
   */
  latency_floor_ms?: number;
  fusion_rss_mb: number;
  /** Mean time of one live city fusion step (advanceTo) in the leading instance over the run, from its /health. */
  fuse_ms_per_interval: number | null;
  /** Planning (off the ingestion path, on the leader): evaluations made over the run, and crossings still waiting when it ended. */
  planning_evaluated?: number;
  planning_waiting_end?: number;
  fusion_steps?: number;
  /** V8 heap in use in the leading instance at the end of the run (MB; RSS also holds garbage not yet collected and native memory). */
  fusion_heap_used_mb?: number | null;
  rest_p95_ms: Record<string, number>;
  forecasts_phase1: number;
  /** False when phase 1 hit its time bound (stored_per_s is then what was stored within it). */
  phase1_complete: boolean;
  demo_rounds: number;
  demo_forecasts: number;
  demo_stored: number;
  latency_samples: number;
  rest_bytes: Record<string, number>;
  dashboard_kb_per_s: number;
  heartbeats_sent: number;
  false_offline_max: number;
  queue_waiting_max: number;
  /**
   * Where a sampled forecast's enqueue → event time went (demo phase, from the jobs' own
   * BullMQ timestamps): `queue_wait` from enqueue to a fusion worker taking the job
   * (processedOn), `in_fusion` from then to the `forecast` event reaching the bench
   * (checks, the batch's store, the emit), and `jobs` the number of sampled jobs still
   * found in Redis to read them from. `bench_loop` is the bench process's own event-loop
   * delay (p99 / max, ms): a busy bench receives events late, and that shows in the latency.
   */
  latency_breakdown_ms?: { queue_wait: Quantiles; in_fusion: Quantiles; jobs: number; bench_loop: { p99: number; max: number } };
  /**
   * CPU time per demo round (ms, from /proc; user + system, all threads), from the first
   * round until the last round was stored: fusion (all instances), PostgreSQL (server and
   * every backend), Redis, the bench process itself (enqueueing, 129 socket clients, REST
   * reads), and the whole machine's busy time with its `cores`: what one round costs the
   * machine the pipeline shares with its servers and clients. Not all of it is on a
   * forecast's way to the dashboard (planning, city steps and heartbeats run beside it).
   */
  demo_cpu_ms_per_round?: { fusion: number; postgres: number; redis: number; bench: number; machine_busy: number; cores: number };
  /**
   * Fusion's event loop in the demo phase, from /health's `eventLoop` (10-second windows)
   * read after every round: the worst window's p99 and max timer delay (how long a ready
   * request or socket event waited behind a synchronous step) and its busy share.
   */
  event_loop?: { delay_p99_ms_worst: number; delay_max_ms: number; busy_share_max: number; windows: number };
}

interface Quantiles {
  p50: number;
  p95: number;
  p99: number;
}

interface Health {
  leadership?: { role: string };
  fusion?: { steps: number; meanStepMs: number | null };
  planning?: { waiting: number; evaluated: number };
  memory?: { rss: number; heapUsed: number };
  eventLoop?: { windowEndedAt: string | null; windowSeconds: number; delayP99Ms: number; delayMaxMs: number; busyShare: number };
}

function parseArgs(argv: string[]): { sizes: number[]; rounds: number; instances: number; realtimeMinutes: number | null } {
  const quick = argv.includes('--quick');
  const at = argv.indexOf('--sizes');
  const sizes = at >= 0 ? argv[at + 1].split(',').map(Number) : quick ? [16, 256] : [16, 256, 1024, 4096];
  const roundsAt = argv.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : quick ? 8 : 18;
  for (const n of sizes) if (!gridOf(n)) throw new Error(`size ${n} is not a square or 2:1 grid`);
  const instancesAt = argv.indexOf('--instances');
  const instances = instancesAt >= 0 ? Number(argv[instancesAt + 1]) : 1;
  if (!Number.isInteger(instances) || instances < 1 || instances > 4) throw new Error('--instances must be 1 to 4');
  const realtimeAt = argv.indexOf('--realtime');
  const realtimeMinutes = realtimeAt >= 0 ? Number(argv[realtimeAt + 1]) : null;
  if (realtimeMinutes !== null && !(realtimeMinutes > 0 && realtimeMinutes <= 240)) throw new Error('--realtime takes minutes, 1 to 240');
  return { sizes, rounds, instances, realtimeMinutes };
}

/** A forecast's BullMQ job id: its message id, with ':' (BullMQ's key separator) replaced. */
const jobIdOf = (messageId: string) => messageId.replace(/:/g, '_');

async function addForecasts(queue: Queue, messages: ForecastMessage[], onChunk?: (chunk: ForecastMessage[], atMs: number) => void): Promise<void> {
  for (let i = 0; i < messages.length; i += 500) {
    const chunk = messages.slice(i, i + 500);
    onChunk?.(chunk, Date.now());
    await queue.addBulk(chunk.map((m) => ({ name: 'forecast', data: m, opts: { jobId: jobIdOf(m.messageId), attempts: 10_000, backoff: { type: FORECAST_BACKOFF }, removeOnComplete: { count: 1000 } } })));
  }
}

/**
 * The rows the fusion store writes for these forecasts, written straight into PostgreSQL
 * (500 forecasts per transaction, no queue, no checks): by plain multi-row INSERTs with a
 * parameter per value ('values', the issue's yardstick), or by one INSERT … SELECT FROM
 * unnest per table with an array parameter per column ('unnest', as fusion's store writes
 * them: insertColumns).
 */
async function ceilingPerSecond(databaseUrl: string, crossings: CrossingDefinition[], messages: ForecastMessage[], style: 'values' | 'unnest'): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const asRows = { query: async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rows };
    const insertValues = async (table: string, columns: ColumnSpec[], rows: unknown[][], suffix = '') => {
      const per = Math.floor(60_000 / columns.length);
      const out: Array<Record<string, unknown>> = [];
      for (let i = 0; i < rows.length; i += per) {
        const chunk = rows.slice(i, i + per);
        const params: unknown[] = [];
        const values = chunk.map((row) => `(${row.map((v) => `$${params.push(v)}`).join(', ')})`);
        out.push(...(await client.query(`INSERT INTO ${table} (${columns.map(([c]) => c).join(', ')}) VALUES ${values.join(', ')} ${suffix}`, params)).rows);
      }
      return out;
    };
    const insert = (table: string, columns: ColumnSpec[], rows: unknown[][], suffix = '') =>
      style === 'values' ? insertValues(table, columns, rows, suffix) : insertColumns(asRows, table, columns, rows, suffix);
    await insert('crossings', [['id', 'text'], ['name', 'text'], ['lat', 'float8'], ['lon', 'float8'], ['approaches', 'jsonb']], crossings.map((c) => [c.id, c.name, c.lat, c.lon, JSON.stringify(c.approaches)]));
    const started = process.hrtime.bigint();
    for (let i = 0; i < messages.length; i += 500) {
      const batch = messages.slice(i, i + 500);
      await client.query('BEGIN');
      const ids = await insert(
        'forecasts',
        [
          ['message_id', 'text'], ['crossing_id', 'text'], ['seq', 'bigint'], ['based_on_interval_start', 'timestamptz'], ['interval_minutes', 'integer'],
          ['model_name', 'text'], ['model_version', 'integer'], ['model_backend', 'text'], ['trained_on_intervals', 'integer'],
          ['real_input_share', 'float8'], ['quality_flags', 'jsonb'], ['sent_at', 'timestamptz'], ['received_at', 'timestamptz'],
        ],
        batch.map((m) => [m.messageId, m.crossingId, m.seq, m.basedOnIntervalStart, m.intervalMinutes, m.model.name, m.model.version, m.model.backend, m.model.trainedOnIntervals, m.quality.realInputShare, JSON.stringify(m.quality.flags), m.sentAt, new Date()]),
        'RETURNING id, message_id',
      );
      const idOf = new Map(ids.map((r) => [r.message_id as string, r.id]));
      await insert(
        'forecast_points',
        [
          ['forecast_id', 'bigint'], ['steps_ahead', 'integer'], ['approach_id', 'text'], ['crossing_id', 'text'], ['horizon_minutes', 'integer'],
          ['target_interval_start', 'timestamptz'], ['mean', 'float8'], ['lower80', 'float8'], ['upper80', 'float8'], ['lower95', 'float8'], ['upper95', 'float8'],
        ],
        batch.flatMap((m) =>
          m.horizons.flatMap((h) =>
            [[TOTAL_APPROACH, h.total] as const, ...Object.entries(h.approaches)].map(([a, b]) => [idOf.get(m.messageId), h.stepsAhead, a, m.crossingId, h.horizonMinutes, h.intervalStart, b.mean, b.lower80, b.upper80, b.lower95, b.upper95]),
          ),
        ),
      );
      await insert(
        'observations',
        [['crossing_id', 'text'], ['interval_start', 'timestamptz'], ['approach_id', 'text'], ['count', 'integer'], ['filled_share', 'float8']],
        batch.flatMap((m) => [[TOTAL_APPROACH, m.observed.total] as const, ...Object.entries(m.observed.approaches)].map(([a, n]) => [m.crossingId, m.observed.intervalStart, a, n, m.observed.filledShare])),
      );
      await client.query('COMMIT');
    }
    return messages.length / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await client.end();
  }
}

async function countForecasts(client: Client): Promise<number> {
  return Number((await client.query('SELECT count(*) FROM forecasts')).rows[0].count);
}

interface CpuSnapshot {
  fusion: number;
  postgres: number;
  redis: number;
  bench: number;
  machine: number;
}

function cpuSnapshot(fusionPids: number[]): CpuSnapshot {
  const own = process.cpuUsage();
  return {
    fusion: fusionPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
    postgres: cpuSecondsOfCommand('postgres'),
    redis: cpuSecondsOfCommand('redis-server'),
    bench: (own.user + own.system) / 1e6,
    machine: machineBusyCpuSeconds(),
  };
}

function cpuPerRound(from: CpuSnapshot, to: CpuSnapshot, rounds: number): NonNullable<SizeResult['demo_cpu_ms_per_round']> {
  const per = (key: keyof CpuSnapshot) => Math.round(((to[key] - from[key]) * 1000) / rounds);
  return { fusion: per('fusion'), postgres: per('postgres'), redis: per('redis'), bench: per('bench'), machine_busy: per('machine'), cores: os.cpus().length };
}

async function runSize(n: number, rounds: number, instances: number): Promise<SizeResult> {
  const cityDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-bench-city-'));
  writeGridCity(gridOf(n)!, cityDir, 1);
  const city = JSON.parse(fs.readFileSync(path.join(cityDir, 'crossings.json'), 'utf8')) as { intervalMinutes: number; crossings: CrossingDefinition[] };
  const crossings = city.crossings;
  const step = city.intervalMinutes * 60_000;
  const dbName = unique('crosscast_bench');
  const ceilingDb = `${dbName}_ceiling`;
  const prefix = unique('ccbench');
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
  const forecasts = new Queue(FORECAST_QUEUE, { connection: redis, prefix });
  const heartbeats = new Queue(HEARTBEAT_QUEUE, { connection: redis, prefix });
  const sockets: Socket[] = [];
  let fusion: FusionProcess | null = null;
  // With --instances N, more fusion processes share the database, Redis and the queues.
  const others: Array<FusionProcess> = [];
  const db = new Client({ connectionString: `${POSTGRES_URL}/${dbName}` });
  try {
    const fusionEnv = { DATABASE_URL: `${POSTGRES_URL}/${dbName}`, REDIS_URL, QUEUE_PREFIX: prefix, CITY_DIR: cityDir, MIGRATE_ON_START: 'true', NODE_ENV: 'development' };
    fusion = await startFusion(fusionEnv);
    for (let i = 1; i < instances; i++) others.push(await startFusion(fusionEnv));
    const all = () => [fusion!, ...others];
    const rssAll = () => all().map((f) => rssMb(f.child.pid!));
    await db.connect();
    const login = await fetch(`${fusion.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'viewer', password: 'crosscast-viewer' }) });
    const { token } = (await login.json()) as { token: string };

    // Phase 1: throughput.
    const perCrossing = Math.max(2, Math.min(50, Math.floor(THROUGHPUT_BUDGET / n)));
    const firstMs = Math.floor((Date.now() - 30 * 24 * 3600_000) / step) * step;
    const phase1: ForecastMessage[] = [];
    for (let k = 0; k < perCrossing; k++) for (const c of crossings) phase1.push(forecastFor(c, firstMs + k * step, k + 1, city.intervalMinutes));
    await forecasts.pause();
    await addForecasts(forecasts, phase1);
    const t0 = Date.now();
    const cpuAtStart = all().reduce((sum, f) => sum + cpuSeconds(f.child.pid!), 0);
    await forecasts.resume();
    // Bounded: after PHASE1_LIMIT_MS the rate is what was stored so far, and the size is marked incomplete.
    let phase1Stored = 0;
    while ((phase1Stored = await countForecasts(db)) < phase1.length && Date.now() - t0 < PHASE1_LIMIT_MS) await sleep(100);
    const storedPerS = phase1Stored / ((Date.now() - t0) / 1000);
    const cpuMsPerStored = phase1Stored > 0 ? ((all().reduce((sum, f) => sum + cpuSeconds(f.child.pid!), 0) - cpuAtStart) * 1000) / phase1Stored : 0;
    const phase1Complete = phase1Stored >= phase1.length;
    if (!phase1Complete) console.error(`phase 1 incomplete: ${phase1Stored} of ${phase1.length} stored in ${PHASE1_LIMIT_MS / 1000} s`);
    // Let the last jobs finish before the ceiling runs beside it (bounded too).
    const drainUntil = Date.now() + PHASE1_LIMIT_MS;
    while ((await forecasts.getActiveCount()) + (await forecasts.getWaitingCount()) > 0 && Date.now() < drainUntil) await sleep(100);

    await migrate(`${POSTGRES_URL}/${ceilingDb}`);
    const ceiling = await ceilingPerSecond(`${POSTGRES_URL}/${ceilingDb}`, crossings, phase1, 'values');
    await migrate(`${POSTGRES_URL}/${ceilingDb}_unnest`);
    const ceilingUnnest = await ceilingPerSecond(`${POSTGRES_URL}/${ceilingDb}_unnest`, crossings, phase1, 'unnest');

    // Phase 2: demo pace, with socket clients.
    const enqueuedAt = new Map<string, number>();
    const latencies: number[] = [];
    // Spread evenly over the city: the crossings are enqueued in this order, so the first
    // ones would only see the head of each round (up to 2026-12-06 the sample was the first
    // 128, which flattered the latency at 1,024 and 4,096 crossings).
    const sample = spreadSample(crossings, SOCKET_SAMPLE_CROSSINGS);
    // Each sampled job's BullMQ timestamps are read soon after its event (completed jobs are
    // kept only for the newest 1,000), to split the latency into queue wait and fusion time.
    const toInspect: Array<{ messageId: string; eventAt: number }> = [];
    const breakdown = { queueWait: [] as number[], inFusion: [] as number[] };
    const inspectJobs = async () => {
      const due = toInspect.splice(0);
      await Promise.all(
        due.map(async ({ messageId, eventAt }) => {
          const job = await forecasts.getJob(jobIdOf(messageId)).catch(() => undefined);
          const at = enqueuedAt.get(messageId);
          if (!job?.processedOn || at === undefined) return;
          breakdown.queueWait.push(job.processedOn - at);
          breakdown.inFusion.push(eventAt - job.processedOn);
        }),
      );
    };
    const inspector = setInterval(() => void inspectJobs(), 200);
    const benchLoop = monitorEventLoopDelay({ resolution: 10 });
    sockets.push(
      ...(await followSample(all().map((f) => f.baseUrl), token, sample, (messageId) => {
        const at = enqueuedAt.get(messageId);
        if (at === undefined) return;
        const now = Date.now();
        latencies.push(now - at);
        toInspect.push({ messageId, eventAt: now });
      })),
    );
    const dashboard = io(fusion.baseUrl, { transports: ['websocket'], auth: { token }, reconnection: false });
    sockets.push(dashboard);
    let dashboardBytes = 0;
    dashboard.onAny((_event: string, payload: unknown) => {
      dashboardBytes += JSON.stringify(payload ?? null).length;
    });
    await new Promise<void>((resolve) => dashboard.once('connect', () => resolve()));

    const sampled = new Set(sample.map((c) => c.id));
    let heartbeatSeq = 0;
    let heartbeatsSent = 0;
    const sendHeartbeats = async () => {
      heartbeatSeq++;
      const beats = crossings.map((c) => heartbeatFor(c, heartbeatSeq));
      for (let i = 0; i < beats.length; i += 1000) {
        await heartbeats.addBulk(beats.slice(i, i + 1000).map((h) => ({ name: 'heartbeat', data: h, opts: { removeOnComplete: { count: 100 } } })));
      }
      heartbeatsSent += beats.length;
    };
    const restMs: Record<string, number[]> = { crossings_page: [], crossings_offline: [] };
    const restBytes: Record<string, number> = {};
    let falseOffline = 0;
    let queueWaitingMax = 0;
    let rssMax = Math.max(...rssAll());
    const timeRest = async (key: string, url: string) => {
      const s = process.hrtime.bigint();
      const res = await fetch(`${fusion!.baseUrl}${url}`, { headers: { authorization: `Bearer ${token}` } });
      const body = await res.arrayBuffer();
      restMs[key].push(Number(process.hrtime.bigint() - s) / 1e6);
      restBytes[key] = body.byteLength;
      return res;
    };

    // The leader's event loop, window by window (a window is counted once however often it is read).
    const eventLoopWindows = new Map<string, NonNullable<Health['eventLoop']>>();
    const readEventLoop = async () => {
      const health = (await (await fetch(`${fusion!.baseUrl}/health`)).json()) as Health;
      if (health.eventLoop?.windowEndedAt) eventLoopWindows.set(health.eventLoop.windowEndedAt, health.eventLoop);
    };

    await sendHeartbeats();
    await sleep(1000); // the first heartbeats in before anything is judged
    const demoStartCount = await countForecasts(db);
    benchLoop.enable();
    const phase2Start = Date.now();
    const cpuAtPhase2 = cpuSnapshot(all().map((f) => f.child.pid!));
    let nextHeartbeat = phase2Start + HEARTBEAT_EVERY_MS;
    let demoForecasts = 0;
    const byteStart = dashboardBytes;
    for (let r = 0; r < rounds; r++) {
      const roundStart = phase2Start + r * DEMO_ROUND_MS;
      await sleep(Math.max(0, roundStart - Date.now()));
      const k = perCrossing + r;
      const round = crossings.map((c) => forecastFor(c, firstMs + k * step, k + 1, city.intervalMinutes));
      demoForecasts += round.length;
      await addForecasts(forecasts, round, (chunk, at) => chunk.forEach((m) => sampled.has(m.crossingId) && enqueuedAt.set(m.messageId, at)));
      if (Date.now() >= nextHeartbeat) {
        nextHeartbeat += HEARTBEAT_EVERY_MS;
        await sendHeartbeats();
      }
      await timeRest('crossings_page', '/api/crossings');
      const offline = await timeRest('crossings_offline', '/api/crossings?status=offline&limit=1');
      falseOffline = Math.max(falseOffline, Number(offline.headers.get('x-total-count') ?? 0));
      queueWaitingMax = Math.max(queueWaitingMax, await forecasts.getWaitingCount());
      rssMax = Math.max(rssMax, ...rssAll());
      await readEventLoop();
    }
    // Let the last round arrive (bounded).
    const settleUntil = Date.now() + 30_000;
    while ((await countForecasts(db)) < demoStartCount + demoForecasts && Date.now() < settleUntil) await sleep(200);
    await sleep(500);
    const demoCpu = cpuPerRound(cpuAtPhase2, cpuSnapshot(all().map((f) => f.child.pid!)), rounds);
    benchLoop.disable();
    clearInterval(inspector);
    await inspectJobs();
    const demoStored = (await countForecasts(db)) - demoStartCount;
    const phase2Seconds = (Date.now() - phase2Start) / 1000;
    rssMax = Math.max(rssMax, ...rssAll());
    await readEventLoop();
    const loops = [...eventLoopWindows.values()];

    // The leader's city steps and planning, as its /health reports them.
    const healths = await Promise.all(all().map(async (f) => (await (await fetch(`${f.baseUrl}/health`)).json()) as Health));
    const leaderHealth = healths.find((h) => h.leadership?.role === 'leader') ?? healths[0];
    const quantiles = (xs: number[]): Quantiles => {
      const s = [...xs].sort((a, b) => a - b);
      return { p50: round1(quantile(s, 0.5)), p95: round1(quantile(s, 0.95)), p99: round1(quantile(s, 0.99)) };
    };
    const p95 = (xs: number[]) => quantiles(xs).p95;
    return {
      crossings: n,
      instances,
      stored_per_s: Math.round(storedPerS),
      fusion_cpu_ms_per_stored: Math.round(cpuMsPerStored * 100) / 100,
      ceiling_per_s: Math.round(ceiling),
      ratio: Math.round((storedPerS / ceiling) * 100) / 100,
      ceiling_unnest_per_s: Math.round(ceilingUnnest),
      ratio_unnest: Math.round((storedPerS / ceilingUnnest) * 100) / 100,
      latency_ms: quantiles(latencies),
      latency_floor_ms: Math.round((n / Math.max(ceiling, ceilingUnnest)) * 1000),
      fusion_rss_mb: Math.round(rssMax),
      fuse_ms_per_interval: leaderHealth.fusion?.meanStepMs ?? null,
      fusion_steps: leaderHealth.fusion?.steps ?? 0,
      fusion_heap_used_mb: leaderHealth.memory?.heapUsed ?? null,
      planning_evaluated: leaderHealth.planning?.evaluated ?? 0,
      planning_waiting_end: leaderHealth.planning?.waiting ?? 0,
      rest_p95_ms: { crossings_page: p95(restMs.crossings_page), crossings_offline_count: p95(restMs.crossings_offline) },
      forecasts_phase1: phase1.length,
      phase1_complete: phase1Complete,
      demo_rounds: rounds,
      demo_forecasts: demoForecasts,
      demo_stored: demoStored,
      latency_samples: latencies.length,
      rest_bytes: { crossings_page: restBytes.crossings_page ?? 0 },
      dashboard_kb_per_s: round1((dashboardBytes - byteStart) / 1024 / phase2Seconds),
      heartbeats_sent: heartbeatsSent,
      false_offline_max: falseOffline,
      queue_waiting_max: queueWaitingMax,
      latency_breakdown_ms: {
        queue_wait: quantiles(breakdown.queueWait),
        in_fusion: quantiles(breakdown.inFusion),
        jobs: breakdown.queueWait.length,
        bench_loop: { p99: round1(benchLoop.percentile(99) / 1e6), max: round1(benchLoop.max / 1e6) },
      },
      demo_cpu_ms_per_round: demoCpu,
      event_loop: {
        delay_p99_ms_worst: Math.max(0, ...loops.map((l) => l.delayP99Ms)),
        delay_max_ms: Math.max(0, ...loops.map((l) => l.delayMaxMs)),
        busy_share_max: Math.max(0, ...loops.map((l) => l.busyShare)),
        windows: loops.length,
      },
    };
  } finally {
    for (const s of sockets) s.disconnect();
    for (const f of [...others, ...(fusion ? [fusion] : [])]) await stopFusion(f);
    await db.end().catch(() => undefined);
    await dropQueues(redis, prefix, [forecasts, heartbeats]);
    await dropDatabase(dbName).catch(() => undefined);
    await dropDatabase(ceilingDb).catch(() => undefined);
    await dropDatabase(`${ceilingDb}_unnest`).catch(() => undefined);
    fs.rmSync(cityDir, { recursive: true, force: true });
  }
}

/** The real-time runs (`--realtime`): each run replaces an earlier run of the same size, length and fusion Node options in `realtime`. */
async function mainRealtime(sizes: number[], minutes: number): Promise<void> {
  const machine = { cpus: os.cpus().length, node: process.version, at: new Date().toISOString(), args: process.argv.slice(2) };
  const results: Array<RealtimeResult & { machine: unknown }> = [];
  for (const n of sizes) {
    console.error(`pipeline, real time: ${n} crossings for ${minutes} min...`);
    const loadBefore = round1(os.loadavg()[0]);
    const r = await runRealtime(n, minutes);
    results.push({ ...r, machine: { ...machine, load_avg_1m_start: loadBefore, load_avg_15m_end: round1(os.loadavg()[2]) } });
    console.error(JSON.stringify({ ...r, timeline: undefined }));
  }
  const file = fs.existsSync(OUT) ? (JSON.parse(fs.readFileSync(OUT, 'utf8')) as { sizes: unknown[]; realtime?: RealtimeResult[] }) : { sizes: [] };
  // A run replaces an earlier one of the same size, length and fusion Node options (an uncapped hour stays beside a capped one).
  const sameRun = (a: { crossings: number; minutes: number; fusion_node_args?: string[] }, b: typeof a) =>
    a.crossings === b.crossings && a.minutes === b.minutes && (a.fusion_node_args ?? []).join(' ') === (b.fusion_node_args ?? []).join(' ');
  file.realtime = [...(file.realtime ?? []).filter((e) => !results.some((r) => sameRun(r, e))), ...results].sort((a, b) => a.crossings - b.crossings || a.minutes - b.minutes);
  fs.writeFileSync(OUT, `${JSON.stringify(file, null, 2)}\n`);
  console.table(
    results.map((r) => ({
      crossings: r.crossings,
      minutes: r.minutes,
      heartbeats: r.heartbeats_sent,
      forecasts: `${r.forecasts_stored}/${r.forecasts_sent}`,
      'false offline': r.false_offline_max,
      'false stale': r.false_stale_max,
      'latency p50/p99 ms': r.latency_ms ? `${r.latency_ms.p50}/${r.latency_ms.p99}` : null,
      'hb waiting max': r.heartbeat_queue_waiting_max,
      'rss MB': r.fusion_rss_mb_max,
      'cpu cores': r.fusion_cpu_cores_mean,
      'state saves': r.state.saves_seen,
      restored: r.state.restored_after_restart,
    })),
  );
  console.log(`wrote ${path.relative(ROOT, OUT)} (realtime)`);
}

async function main(): Promise<void> {
  const { sizes, rounds, instances, realtimeMinutes } = parseArgs(process.argv.slice(2));
  if (realtimeMinutes !== null) return mainRealtime(sizes, realtimeMinutes);
  const results: SizeResult[] = [];
  for (const n of sizes) {
    console.error(`pipeline: ${n} crossings, ${instances} fusion instance(s)...`);
    results.push(await runSize(n, rounds, instances));
    console.error(JSON.stringify(results[results.length - 1]));
  }
  const machine = { cpus: os.cpus().length, load_avg_1m: round1(os.loadavg()[0]), node: process.version, at: new Date().toISOString(), args: process.argv.slice(2) };
  // Sizes run now replace the same sizes of an earlier run (kept, with that run's machine note).
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  let earlier: Array<SizeResult & { machine?: unknown }> = [];
  try {
    earlier = (JSON.parse(fs.readFileSync(OUT, 'utf8')) as { sizes: Array<SizeResult & { machine?: unknown }> }).sizes ?? [];
  } catch {
    earlier = [];
  }
  const sameRun = (a: SizeResult, b: SizeResult) => a.crossings === b.crossings && (a.instances ?? 1) === (b.instances ?? 1);
  const merged = [...earlier.filter((e) => !results.some((r) => sameRun(r, e))), ...results.map((r) => ({ ...r, machine }))].sort((x, y) => x.crossings - y.crossings || x.instances - y.instances);
  let realtime: unknown;
  try {
    realtime = (JSON.parse(fs.readFileSync(OUT, 'utf8')) as { realtime?: unknown }).realtime;
  } catch {
    realtime = undefined;
  }
  fs.writeFileSync(OUT, `${JSON.stringify({ sizes: merged, ...(realtime ? { realtime } : {}) }, null, 2)}\n`);
  const rows = results.map((r) => ({
    crossings: r.crossings,
    instances: r.instances,
    'stored/s': r.stored_per_s,
    'cpu ms/stored': r.fusion_cpu_ms_per_stored,
    'ceiling/s': r.ceiling_per_s,
    ratio: r.ratio,
    'unnest ratio': r.ratio_unnest,
    'p50 ms': r.latency_ms.p50,
    'p95 ms': r.latency_ms.p95,
    'p99 ms': r.latency_ms.p99,
    'p99 floor ms': r.latency_floor_ms ?? null,
    'wait/fusion p99 ms': r.latency_breakdown_ms ? `${r.latency_breakdown_ms.queue_wait.p99}/${r.latency_breakdown_ms.in_fusion.p99}` : null,
    'cpu ms/round f/pg/redis/bench/all': r.demo_cpu_ms_per_round ? Object.values(r.demo_cpu_ms_per_round).slice(0, 5).join('/') : null,
    'rss MB': r.fusion_rss_mb,
    'REST p95 ms': r.rest_p95_ms.crossings_page,
    'REST KB': Math.round(r.rest_bytes.crossings_page / 1024),
    'dash KB/s': r.dashboard_kb_per_s,
    'false offline': r.false_offline_max,
    'demo stored': `${r.demo_stored}/${r.demo_forecasts}`,
    'fuse ms': r.fuse_ms_per_interval,
    planned: r.planning_evaluated,
    'loop p99/max ms': r.event_loop ? `${r.event_loop.delay_p99_ms_worst}/${r.event_loop.delay_max_ms}` : null,
  }));
  console.table(rows);
  console.log(`wrote ${path.relative(ROOT, OUT)} (machine: ${machine.cpus} cores, load ${machine.load_avg_1m})`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
