/**
 * bench:pipeline's real-time phase (`--realtime <minutes>`): a grid city run at the pace of
 * the street, for as long as asked. Data time is wall-clock time: every crossing sends a
 * heartbeat every 5 s (each at its own offset in the 5 s, as independent workers do) and,
 * just after each 15-minute interval ends, its forecast of the interval that ended (spread
 * over the first 60 s, as workers finish at different moments). Before the clock starts,
 * every crossing sends the interval that ended last, so all start with a forecast.
 *
 * Every 10 s it asks fusion how many crossings are offline, stale or unknown (all of them
 * heartbeat and forecast on time: any is false), and reads the heartbeat queue's backlog
 * and fusion's RSS and CPU. At the end it checks that the leader saved the city fusion state
 * during the run (`fusion_state.saved_at`, records per crossing), stops fusion (SIGTERM:
 * it saves again), starts it again on the same database and reads whether the saved state
 * was restored (its log) and how long the restart took.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { CrossingDefinition, FORECAST_BACKOFF, FORECAST_QUEUE, ForecastMessage, HEARTBEAT_QUEUE } from '@crosscast/contracts';
import { writeGridCity } from '../tools/sim-grid-city';
import { FusionProcess, POSTGRES_URL, fusionNodeArgs, REDIS_URL, dropDatabase, dropQueues, sleep, startFusion, stopFusion, unique } from './fusion-process';
import { Socket } from 'socket.io-client';
import { cpuSeconds, followSample, forecastFor, gridOf, heartbeatFor, quantile, round1, rssMb, spreadSample } from './pipeline-support';

const HEARTBEAT_EVERY_MS = 5000;
/** Heartbeats go out in this many slices per 5 s, so each crossing keeps its own offset. */
const HEARTBEAT_SLICES = 10;
const FORECAST_SPREAD_MS = 60_000;
const CHECK_EVERY_MS = 10_000;

export interface RealtimeResult {
  crossings: number;
  minutes: number;
  heartbeats_sent: number;
  forecasts_sent: number;
  forecasts_stored: number;
  intervals: number;
  /**
   * Enqueue → socket.io `forecast` event, for 128 crossings spread over the city (their
   * rooms followed by socket clients), over every interval of the run after the first.
   */
  latency_ms?: { p50: number; p95: number; p99: number };
  latency_samples?: number;
  /** The fusion process's Node options (the deployed heap cap, and any BENCH_FUSION_NODE_ARGS). */
  fusion_node_args?: string[];
  /** The most crossings fusion called offline / stale / unknown at any check (all are false). */
  false_offline_max: number;
  false_stale_max: number;
  unknown_max: number;
  checks: number;
  heartbeat_queue_waiting_max: number;
  fusion_rss_mb_max: number;
  /** Mean CPU use of the fusion process over the run (1 = one core). */
  fusion_cpu_cores_mean: number;
  state: {
    saved_during_run: boolean;
    saves_seen: number;
    crossing_records: number;
    restored_after_restart: boolean;
    restart_to_healthy_s: number | null;
    restore_log: string | null;
  };
  /**
   * The heartbeat queue's backlog, fusion's own lag behind it (/health heartbeats.behindSeconds)
   * and the false offline count: a minute apart, plus every check that saw a false status.
   */
  timeline: Array<{ at_s: number; offline: number; stale: number; unknown: number; heartbeats_waiting: number; heartbeats_behind_s?: number | null; rss_mb: number }>;
}

async function totalCount(baseUrl: string, token: string, status: string): Promise<number> {
  const res = await getWithRetry(`${baseUrl}/api/crossings?status=${status}&limit=1`, { authorization: `Bearer ${token}` });
  if (!res.ok) throw new Error(`GET /api/crossings?status=${status}: ${res.status}`);
  return Number(res.headers.get('x-total-count') ?? NaN);
}

/** /health's heartbeats.behindSeconds (null when it does not answer). */
async function heartbeatsBehind(baseUrl: string): Promise<number | null> {
  try {
    const health = (await (await getWithRetry(`${baseUrl}/health`, {})).json()) as { heartbeats?: { behindSeconds: number } };
    return health.heartbeats?.behindSeconds ?? null;
  } catch {
    return null;
  }
}

/**
 * A GET, tried again (twice, a second apart) when the connection fails: a keep-alive socket
 * the server closed just as the request went out gives ECONNRESET (a known client race, more
 * likely on a loaded machine), which is not fusion failing; a run once ended on it after 4 min.
 */
async function getWithRetry(url: string, headers: Record<string, string>): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, { headers });
    } catch (error) {
      if (attempt >= 2) throw error;
      await sleep(1000);
    }
  }
}

export async function runRealtime(n: number, minutes: number): Promise<RealtimeResult> {
  const grid = gridOf(n);
  if (!grid) throw new Error(`${n} crossings is not a square or 1:2 grid`);
  const cityDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-bench-city-'));
  writeGridCity(grid, cityDir, 1);
  const city = JSON.parse(fs.readFileSync(path.join(cityDir, 'crossings.json'), 'utf8')) as { intervalMinutes: number; crossings: CrossingDefinition[] };
  const crossings = city.crossings;
  const step = city.intervalMinutes * 60_000;
  const dbName = unique('crosscast_realtime');
  const prefix = unique('ccrt');
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
  const forecasts = new Queue(FORECAST_QUEUE, { connection: redis, prefix });
  const heartbeats = new Queue(HEARTBEAT_QUEUE, { connection: redis, prefix });
  const db = new Client({ connectionString: `${POSTGRES_URL}/${dbName}` });
  let fusion: FusionProcess | null = null;
  let sockets: Socket[] = [];
  const fusionEnv = { DATABASE_URL: `${POSTGRES_URL}/${dbName}`, REDIS_URL, QUEUE_PREFIX: prefix, CITY_DIR: cityDir, MIGRATE_ON_START: 'true', NODE_ENV: 'development' };
  try {
    fusion = await startFusion(fusionEnv);
    await db.connect();
    const login = await fetch(`${fusion.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'viewer', password: 'crosscast-viewer' }) });
    const { token } = (await login.json()) as { token: string };

    // Latency: socket clients follow a sample of crossings' rooms.
    const sample = spreadSample(crossings, 128);
    const sampled = new Set(sample.map((c) => c.id));
    const enqueuedAt = new Map<string, number>();
    const latencies: number[] = [];
    sockets = await followSample([fusion.baseUrl], token, sample, (messageId) => {
      const at = enqueuedAt.get(messageId);
      if (at !== undefined) latencies.push(Date.now() - at);
    });

    let forecastSeq = 0;
    let forecastsSent = 0;
    let timeLatency = false;
    const sendForecasts = async (basedOnMs: number, batch: CrossingDefinition[]) => {
      const messages: ForecastMessage[] = batch.map((c) => forecastFor(c, basedOnMs, forecastSeq, city.intervalMinutes));
      if (timeLatency) for (const m of messages) if (sampled.has(m.crossingId)) enqueuedAt.set(m.messageId, Date.now());
      for (let i = 0; i < messages.length; i += 500) {
        await forecasts.addBulk(
          messages.slice(i, i + 500).map((m) => ({ name: 'forecast', data: m, opts: { jobId: m.messageId.replace(/:/g, '_'), attempts: 10_000, backoff: { type: FORECAST_BACKOFF }, removeOnComplete: { count: 1000 } } })),
        );
      }
      forecastsSent += messages.length;
    };
    let heartbeatSeq = 0;
    let heartbeatsSent = 0;
    const sendHeartbeats = async (batch: CrossingDefinition[]) => {
      const beats = batch.map((c) => heartbeatFor(c, heartbeatSeq));
      await heartbeats.addBulk(beats.map((h) => ({ name: 'heartbeat', data: h, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } })));
      heartbeatsSent += beats.length;
    };

    // Everyone starts with the interval that ended last, and a first heartbeat.
    const firstBoundary = Math.floor(Date.now() / step) * step;
    forecastSeq = 1;
    heartbeatSeq = 1;
    await sendHeartbeats(crossings);
    await sendForecasts(firstBoundary - step, crossings);
    // Workers heartbeat while the first forecasts settle too (until 2026-12-06 the bench sent
    // none for that minute or more, and the first checks then saw a city its own silence had
    // turned offline).
    const settleUntil = Date.now() + 300_000;
    let settleBeatAt = Date.now() + HEARTBEAT_EVERY_MS;
    while (Number((await db.query('SELECT count(*) FROM forecasts')).rows[0].count) < crossings.length && Date.now() < settleUntil) {
      if (Date.now() >= settleBeatAt) {
        heartbeatSeq++;
        await sendHeartbeats(crossings);
        settleBeatAt += HEARTBEAT_EVERY_MS;
      }
      await sleep(500);
    }

    timeLatency = true;
    const started = Date.now();
    const endAt = started + minutes * 60_000;
    const cpuStart = cpuSeconds(fusion.child.pid!);
    const sliceSize = Math.ceil(crossings.length / HEARTBEAT_SLICES);
    let nextSlice = started;
    let slice = 0;
    let nextBoundary = firstBoundary + step;
    let forecastSlices: { basedOnMs: number; sent: number } | null = null;
    let nextCheck = started + CHECK_EVERY_MS;
    let intervals = 1;
    const result = { offline: 0, stale: 0, unknown: 0, waiting: 0, rss: rssMb(fusion.child.pid!), checks: 0 };
    const timeline: RealtimeResult['timeline'] = [];
    let lastSavedAt: string | null = null;
    let saves = 0;

    while (Date.now() < endAt) {
      const now = Date.now();
      if (now >= nextSlice) {
        if (slice === 0) heartbeatSeq++;
        await sendHeartbeats(crossings.slice(slice * sliceSize, (slice + 1) * sliceSize));
        slice = (slice + 1) % HEARTBEAT_SLICES;
        nextSlice += HEARTBEAT_EVERY_MS / HEARTBEAT_SLICES;
      }
      if (now >= nextBoundary && !forecastSlices) {
        forecastSeq++;
        intervals++;
        forecastSlices = { basedOnMs: nextBoundary - step, sent: 0 };
        nextBoundary += step;
      }
      if (forecastSlices) {
        // Spread over FORECAST_SPREAD_MS after the interval ended.
        const due = Math.min(crossings.length, Math.ceil(((now - (forecastSlices.basedOnMs + step)) / FORECAST_SPREAD_MS) * crossings.length));
        if (due > forecastSlices.sent) {
          await sendForecasts(forecastSlices.basedOnMs, crossings.slice(forecastSlices.sent, due));
          forecastSlices.sent = due;
        }
        if (forecastSlices.sent >= crossings.length) forecastSlices = null;
      }
      if (now >= nextCheck) {
        nextCheck += CHECK_EVERY_MS;
        const [offline, stale, unknown, waiting, behind] = await Promise.all([
          totalCount(fusion.baseUrl, token, 'offline'),
          totalCount(fusion.baseUrl, token, 'stale'),
          totalCount(fusion.baseUrl, token, 'unknown'),
          heartbeats.getWaitingCount(),
          heartbeatsBehind(fusion.baseUrl),
        ]);
        const rss = rssMb(fusion.child.pid!);
        result.offline = Math.max(result.offline, offline);
        result.stale = Math.max(result.stale, stale);
        result.unknown = Math.max(result.unknown, unknown);
        result.waiting = Math.max(result.waiting, waiting);
        result.rss = Math.max(result.rss, rss);
        result.checks++;
        timeline.push({ at_s: Math.round((now - started) / 1000), offline, stale, unknown, heartbeats_waiting: waiting, heartbeats_behind_s: behind, rss_mb: Math.round(rss) });
        const [saved] = (await db.query(`SELECT saved_at FROM fusion_state WHERE name = 'city'`)).rows as Array<{ saved_at: Date }>;
        const savedAt = saved ? new Date(saved.saved_at).toISOString() : null;
        if (savedAt && savedAt !== lastSavedAt && Date.parse(savedAt) >= started) saves++;
        lastSavedAt = savedAt;
        if (result.checks % 6 === 0) {
          console.error(
            `realtime ${n}: ${Math.round((now - started) / 60_000)} of ${minutes} min, offline ${offline}, stale ${stale}, unknown ${unknown}, heartbeats waiting ${waiting}, RSS ${Math.round(rss)} MB, state saves ${saves}`,
          );
        }
      }
      await sleep(Math.max(0, Math.min(nextSlice, nextCheck) - Date.now()));
    }
    const cpuCores = (cpuSeconds(fusion.child.pid!) - cpuStart) / ((Date.now() - started) / 1000);
    const forecastsStored = Number((await db.query('SELECT count(*) FROM forecasts')).rows[0].count);
    const crossingRecords = Number((await db.query(`SELECT count(*) FROM fusion_state_records WHERE name = 'city' AND key LIKE 'crossing:%'`)).rows[0].count);

    // Stop (it saves on the way out), start again on the same database, and see it restore.
    await stopFusion(fusion, 60_000);
    const restartAt = Date.now();
    fusion = await startFusion(fusionEnv);
    const restartSeconds = (Date.now() - restartAt) / 1000;
    const restoreLine = fusion.log().split('\n').find((l) => /fusion (state restored|rebuilt)|saved fusion state not used/.test(l)) ?? null;

    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      crossings: n,
      minutes,
      latency_ms: { p50: round1(quantile(sorted, 0.5)), p95: round1(quantile(sorted, 0.95)), p99: round1(quantile(sorted, 0.99)) },
      latency_samples: sorted.length,
      fusion_node_args: fusionNodeArgs(),
      heartbeats_sent: heartbeatsSent,
      forecasts_sent: forecastsSent,
      forecasts_stored: forecastsStored,
      intervals,
      false_offline_max: result.offline,
      false_stale_max: result.stale,
      unknown_max: result.unknown,
      checks: result.checks,
      heartbeat_queue_waiting_max: result.waiting,
      fusion_rss_mb_max: Math.round(result.rss),
      fusion_cpu_cores_mean: Math.round(cpuCores * 100) / 100,
      state: {
        saved_during_run: saves > 0,
        saves_seen: saves,
        crossing_records: crossingRecords,
        restored_after_restart: restoreLine !== null && restoreLine.includes('state restored'),
        restart_to_healthy_s: round1(restartSeconds),
        restore_log: restoreLine ? restoreLine.replace(/^.*?(LOG|WARN) \[\w+\] /, '') : null,
      },
      // A minute apart, and every check that saw a false offline, stale or unknown crossing.
      timeline: timeline.filter((t, i) => i % 6 === 5 || t.offline > 0 || t.stale > 0 || t.unknown > 0),
    };
  } catch (error) {
    // What fusion said last is the first thing to read when a long run breaks.
    if (fusion) console.error(`fusion's last log lines:\n${fusion.log().split('\n').slice(-40).join('\n')}\nfusion exit code: ${fusion.child.exitCode}`);
    throw error;
  } finally {
    for (const socket of sockets) socket.disconnect();
    if (fusion) await stopFusion(fusion, 30_000);
    await db.end().catch(() => undefined);
    await dropQueues(redis, prefix, [forecasts, heartbeats]);
    await dropDatabase(dbName).catch(() => undefined);
    fs.rmSync(cityDir, { recursive: true, force: true });
  }
}
