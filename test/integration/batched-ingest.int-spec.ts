import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { NestExpressApplication } from '@nestjs/platform-express';
import { FORECAST_QUEUE, ForecastMessage, HEARTBEAT_QUEUE } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { IngestionService, SEQ_REPLAY_WINDOW } from '../../apps/fusion/src/services/ingestion.service';
import { SEQ_JUMP_WINDOW } from '../../apps/fusion/src/services/forecast-admission';
import { forecastMessage, heartbeatMessage, signedAsWorker } from '../support/forecast-factory';
import { io, Socket } from 'socket.io-client';
import { loginAs } from '../support/auth';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { eventually } from '../support/infrastructure';

/**
 * Batched ingestion against real PostgreSQL and Redis: many forecasts written in one
 * batch (duplicates, replays and jumps among them) are each stored once and the right
 * ones refused; heartbeats written in parallel and out of order keep the newest.
 */
describe('batched ingestion (real PostgreSQL + Redis)', () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const [a, b] = city.crossings;
  const approachesOf = (id: string) => city.crossings.find((c) => c.id === id)!.approaches.map((x) => x.id);
  let harness: FusionHarness;
  let prefix: string;
  let app: NestExpressApplication;
  let db: DataSource;
  let ingestion: IngestionService;
  let redis: IORedis;
  let baseUrl: string;

  beforeAll(async () => {
    // Batches of up to 64 jobs, gathered for up to 50 ms: the queue tests below really batch.
    harness = await startFusionHarness({ name: 'batch', env: { INGEST_BATCH_SIZE: '64', INGEST_BATCH_WAIT_MS: '50' } });
    ({ app, db, baseUrl, prefix } = harness);
    ingestion = app.get(IngestionService);
    redis = harness.redis();
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  }, 60_000);

  const count = async (sql: string, params: unknown[] = []) => Number((await db.query(sql, params))[0].count);
  const interval = (base: string, k: number) => new Date(Date.parse(base) + k * 15 * 60_000).toISOString();

  it('stores each forecast of a batch once and refuses the replayed and jumping ones, each job with its own outcome', async () => {
    const base = '2006-10-10T08:00:00+11:00';
    // Crossing a: six forecasts, the next observing again (with other counts) the interval
    // the one before observed; crossing b: three.
    const forA = Array.from({ length: 6 }, (_, k) =>
      forecastMessage(a.id, approachesOf(a.id), interval(base, k), {
        seq: 5000 + k,
        earlierObserved: k === 0 ? undefined : [{ intervalStart: interval(base, k - 1), total: k * approachesOf(a.id).length, approaches: Object.fromEntries(approachesOf(a.id).map((id) => [id, k])), filledShare: 0 }],
      }),
    );
    const forB = Array.from({ length: 3 }, (_, k) => forecastMessage(b.id, approachesOf(b.id), interval(base, k), { seq: 10 + k }));
    const replayed = forecastMessage(a.id, approachesOf(a.id), interval(base, 20), { seq: 5000 - SEQ_REPLAY_WINDOW - 1 });
    const jumping = forecastMessage(b.id, approachesOf(b.id), interval(base, 21), { seq: 12 + SEQ_JUMP_WINDOW + 1 });
    const forged: ForecastMessage = { ...forA[4], seq: 9999 }; // signed for seq 5004

    const batch: Array<{ jobId: string; data: unknown; expected: string }> = [
      ...forA.slice(0, 3).map((m, k) => ({ jobId: `a-${k}`, data: m, expected: 'stored' })),
      { jobId: 'a-1-again', data: forA[1], expected: 'duplicate' },
      ...forB.map((m, k) => ({ jobId: `b-${k}`, data: m, expected: 'stored' })),
      { jobId: 'a-replayed', data: replayed, expected: 'rejected' },
      { jobId: 'b-jumping', data: jumping, expected: 'rejected' },
      { jobId: 'a-forged', data: forged, expected: 'rejected' },
      ...forA.slice(3).map((m, k) => ({ jobId: `a-${k + 3}`, data: m, expected: 'stored' })),
      { jobId: 'b-0-again', data: forB[0], expected: 'duplicate' },
    ];
    const results = await ingestion.ingestForecasts(batch.map(({ jobId, data }) => ({ queue: FORECAST_QUEUE, jobId, data })));
    expect(results.map((r) => r.status)).toEqual(batch.map((x) => x.expected));

    expect(await count(`SELECT count(*) FROM forecasts WHERE crossing_id = $1`, [a.id])).toBe(6);
    expect(await count(`SELECT count(*) FROM forecasts WHERE crossing_id = $1`, [b.id])).toBe(3);
    const points = (id: string) => 4 * (approachesOf(id).length + 1);
    expect(await count(`SELECT count(*) FROM forecast_points`)).toBe(6 * points(a.id) + 3 * points(b.id));
    const reasons = new Map<string, string>((await db.query(`SELECT job_id, reason FROM dead_letters`)).map((r: { job_id: string; reason: string }) => [r.job_id, r.reason]));
    expect([...reasons.keys()].sort()).toEqual(['a-forged', 'a-replayed', 'b-jumping']);
    expect(reasons.get('a-replayed')).toMatch(/replayed or too old/);
    expect(reasons.get('b-jumping')).toMatch(/^seq-jump/);
    expect(reasons.get('a-forged')).toMatch(/signature/);

    // The interval observed by forecast 0 and again by forecast 1: the later one in the batch wins.
    const [observed] = await db.query(`SELECT count FROM observations WHERE crossing_id = $1 AND interval_start = $2 AND approach_id = '*'`, [a.id, interval(base, 0)]);
    expect(observed.count).toBe(approachesOf(a.id).length);
    const [status] = await db.query(`SELECT last_forecast_seq, last_forecast_interval_start FROM crossing_status WHERE crossing_id = $1`, [a.id]);
    expect(Number(status.last_forecast_seq)).toBe(5005);
    expect((status.last_forecast_interval_start as Date).toISOString()).toBe(interval(base, 5));

    // The whole batch again (a redelivery): nothing more is stored.
    const again = await ingestion.ingestForecasts(batch.map(({ jobId, data }) => ({ queue: FORECAST_QUEUE, jobId: `${jobId}-redelivered`, data })));
    expect(again.map((r) => r.status)).toEqual(batch.map((x) => (x.expected === 'stored' ? 'duplicate' : x.expected)));
    expect(await count(`SELECT count(*) FROM forecasts`)).toBe(9);
  });

  it('through the queue: many jobs at once, each forecast stored once, every job finished with its own result', async () => {
    const forecasts = new Queue(FORECAST_QUEUE, { connection: redis, prefix });
    const eventsConnection = redis.duplicate();
    const events = new QueueEvents(FORECAST_QUEUE, { connection: eventsConnection, prefix });
    try {
      await events.waitUntilReady();
      const base = '2006-10-11T08:00:00+11:00';
      const crossings = city.crossings.slice(0, 20);
      const messages = crossings.flatMap((c) => [0, 1, 2].map((k) => forecastMessage(c.id, approachesOf(c.id), interval(base, k), { seq: 20_000 + k })));
      // Each message twice under two job ids (a worker resending), plus one with a bad signature.
      const jobs = [
        ...messages.map((m, i) => ({ name: 'forecast', data: m, opts: { jobId: `q-${i}` } })),
        ...messages.map((m, i) => ({ name: 'forecast', data: m, opts: { jobId: `q-${i}-resent` } })),
        { name: 'forecast', data: { ...messages[0], sig: signedAsWorker(messages[1]).sig }, opts: { jobId: 'q-bad-sig' } },
      ];
      const added = await forecasts.addBulk(jobs);
      const finished = await Promise.all(added.map((job) => job.waitUntilFinished(events, 60_000).then((r: { status: string }) => r.status, () => 'failed')));
      expect(finished.filter((s) => s === 'failed')).toHaveLength(1);
      expect(finished[finished.length - 1]).toBe('failed');
      // Of each message's two jobs one stored it and the other found it stored.
      for (let i = 0; i < messages.length; i++) expect([finished[i], finished[i + messages.length]].sort()).toEqual(['duplicate', 'stored']);
      expect(await count(`SELECT count(*) FROM forecasts WHERE based_on_interval_start >= $1`, [base])).toBe(messages.length);
    } finally {
      await events.close();
      eventsConnection.disconnect();
      await forecasts.close();
    }
  }, 90_000);

  it('keeps the newest heartbeat of each crossing, whatever order a batch or the queue delivers them in', async () => {
    const now = Date.now();
    const beat = (seq: number, secondsAgo: number, status: 'ok' | 'degraded') => heartbeatMessage(a.id, { seq, sentAt: new Date(now - secondsAgo * 1000).toISOString(), status });
    // Newest first: the older ones after it in the same batch must not overwrite it.
    const results = await ingestion.ingestHeartbeats([beat(12, 1, 'degraded'), beat(11, 6, 'ok'), beat(10, 11, 'ok')].map((data, i) => ({ queue: HEARTBEAT_QUEUE, jobId: `hb-${i}`, data })));
    expect(results.map((r) => r.status)).toEqual(['stored', 'stored', 'stored']);
    const statusOf = async (id: string) => (await db.query(`SELECT worker_status, last_heartbeat_seq FROM crossing_status WHERE crossing_id = $1`, [id]))[0];
    expect(await statusOf(a.id)).toEqual({ worker_status: 'degraded', last_heartbeat_seq: '12' });
    // A later batch holding only older heartbeats changes nothing.
    await ingestion.ingestHeartbeats([{ queue: HEARTBEAT_QUEUE, jobId: 'hb-old', data: beat(9, 16, 'ok') }]);
    expect(await statusOf(a.id)).toEqual({ worker_status: 'degraded', last_heartbeat_seq: '12' });

    // Through the queue, newest added first, for crossing b.
    const heartbeats = new Queue(HEARTBEAT_QUEUE, { connection: redis, prefix });
    try {
      const beatsB = [5, 4, 3, 2, 1].map((seq) => heartbeatMessage(b.id, { seq, sentAt: new Date(now - (6 - seq) * 1000).toISOString(), status: seq === 5 ? 'degraded' : 'ok' }));
      await heartbeats.addBulk(beatsB.map((data, i) => ({ name: 'heartbeat', data, opts: { jobId: `hbq-${i}` } })));
      await eventually(async () => (await heartbeats.getJobCounts('completed')).completed >= 5, 'the five heartbeats consumed');
      expect(await statusOf(b.id)).toEqual({ worker_status: 'degraded', last_heartbeat_seq: '5' });
    } finally {
      await heartbeats.close();
    }
  });

  it('sends a crossing\'s forecasts and observations only to the sockets that joined its room, the summaries to everyone', async () => {
    const token = await loginAs(baseUrl, 'viewer');
    const connect = async () => {
      const socket = io(baseUrl, { transports: ['websocket'], auth: { token }, reconnection: false });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      return socket;
    };
    const sockets: Socket[] = [];
    try {
      const [followsA, followsB, followsNone] = [await connect(), await connect(), await connect()];
      sockets.push(followsA, followsB, followsNone);
      expect(await followsA.emitWithAck('subscribe-crossing', { crossingId: a.id })).toMatchObject({ ok: true, rooms: [`crossing:${a.id}`] });
      expect(await followsB.emitWithAck('subscribe-crossing', { crossingId: b.id })).toMatchObject({ ok: true });
      expect(await followsNone.emitWithAck('subscribe-crossing', { crossingId: 'no-such-crossing' })).toMatchObject({ ok: false });
      const seen = new Map<Socket, string[]>(sockets.map((s) => [s, []]));
      for (const socket of sockets) {
        socket.on('forecast', (f: { crossingId: string }) => seen.get(socket)!.push(`forecast ${f.crossingId}`));
        socket.on('observation', (o: { crossingId: string }) => seen.get(socket)!.push(`observation ${o.crossingId}`));
        socket.on('crossing-summaries', () => seen.get(socket)!.push('summaries'));
      }
      const base = '2006-10-12T08:00:00+11:00';
      const results = await ingestion.ingestForecasts([
        { queue: FORECAST_QUEUE, jobId: 'room-a', data: forecastMessage(a.id, approachesOf(a.id), base, { seq: 30_000 }) },
        { queue: FORECAST_QUEUE, jobId: 'room-b', data: forecastMessage(b.id, approachesOf(b.id), base, { seq: 30_000 }) },
      ]);
      expect(results.map((r) => r.status)).toEqual(['stored', 'stored']);
      await eventually(async () => seen.get(followsA)!.length >= 2 && seen.get(followsB)!.length >= 2, 'the forecasts in their rooms', 10_000, 50);
      // A crossing's worker status changes: its summary goes to every socket, after what was sent before.
      await ingestion.ingestHeartbeats([{ queue: HEARTBEAT_QUEUE, jobId: 'room-hb', data: heartbeatMessage(a.id, { seq: 100, status: 'warming-up' }) }]);
      await eventually(async () => [...seen.values()].every((events) => events.includes('summaries')), 'summaries on every socket', 10_000, 50);
      expect(seen.get(followsA)!.filter((e) => e !== 'summaries')).toEqual([`forecast ${a.id}`, `observation ${a.id}`]);
      expect(seen.get(followsB)!.filter((e) => e !== 'summaries')).toEqual([`forecast ${b.id}`, `observation ${b.id}`]);
      expect(seen.get(followsNone)!.filter((e) => e !== 'summaries')).toEqual([]);

      // Left the room: nothing more of that crossing.
      expect(await followsA.emitWithAck('unsubscribe-crossing', { crossingId: a.id })).toMatchObject({ ok: true, rooms: [] });
      seen.get(followsA)!.length = 0;
      await ingestion.ingestForecasts([{ queue: FORECAST_QUEUE, jobId: 'room-a-2', data: forecastMessage(a.id, approachesOf(a.id), interval(base, 1), { seq: 30_001 }) }]);
      await ingestion.ingestForecasts([{ queue: FORECAST_QUEUE, jobId: 'room-b-2', data: forecastMessage(b.id, approachesOf(b.id), interval(base, 1), { seq: 30_001 }) }]);
      await eventually(async () => seen.get(followsB)!.filter((e) => e.startsWith('forecast')).length === 2, 'the second forecast of b', 10_000, 50);
      expect(seen.get(followsA)!.filter((e) => e !== 'summaries')).toEqual([]);
    } finally {
      for (const socket of sockets) socket.disconnect();
    }
  }, 60_000);
});
