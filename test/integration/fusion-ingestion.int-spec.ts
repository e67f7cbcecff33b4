import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { NestExpressApplication } from '@nestjs/platform-express';
import { FORECAST_QUEUE, HEARTBEAT_QUEUE } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { DEV_WORKER_KEY_SEED, deriveWorkerKey, signMessage } from '@crosscast/contracts';
import { forecastMessage, heartbeatMessage, signedAsWorker } from '../support/forecast-factory';
import { authedFetch, loginAs } from '../support/auth';
import { eventually } from '../support/infrastructure';
import { recordSecurityCheck } from '../support/security-results';

/**
 * The fusion service against real PostgreSQL and Redis: messages go in through BullMQ
 * exactly as workers send them; what comes out is read from the database and the API.
 */
import { PlanningService } from '../../apps/fusion/src/services/planning.service';
describe('fusion ingestion (real PostgreSQL + Redis)', () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const crossing = city.crossings.find((c) => c.id === '0970')!;
  const approachIds = crossing.approaches.map((a) => a.id);
  let harness: FusionHarness;
  let app: NestExpressApplication;
  let db: DataSource;
  let redis: IORedis;
  let forecasts: Queue;
  let heartbeats: Queue;
  let events: QueueEvents;
  let baseUrl: string;
  let prefix: string;
  /** fetch with a viewer's token: every REST read needs at least the viewer role. */
  let api: ReturnType<typeof authedFetch>;

  beforeAll(async () => {
    harness = await startFusionHarness({ name: 'it' });
    ({ app, db, baseUrl, prefix } = harness);
    api = harness.api.viewer;
    redis = harness.redis();
    forecasts = harness.queue(FORECAST_QUEUE);
    heartbeats = harness.queue(HEARTBEAT_QUEUE);
    events = await harness.queueEvents(FORECAST_QUEUE);
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  }, 60_000);

  const count = async (sql: string, params: unknown[] = []) => Number((await db.query(sql, params))[0].count);
  /** Planning follows storage on the leader (PlanningService): wait until it has caught up. */
  const planned = () => app.get(PlanningService).whenIdle();

  /** Adds a job and waits until the fusion consumer has finished it (completed or failed). */
  async function deliver(data: unknown, jobId: string): Promise<'completed' | 'failed'> {
    const job = await forecasts.add('forecast', data, { jobId });
    return job.waitUntilFinished(events, 30_000).then(
      () => 'completed' as const,
      () => 'failed' as const,
    );
  }

  it('stores a published forecast once, with its points, observation and a planning evaluation', async () => {
    const message = forecastMessage('0970', approachIds, '2006-10-10T08:00:00+11:00');
    expect(await deliver(message, 'fc-1')).toBe('completed');

    expect(await count(`SELECT count(*) FROM forecasts WHERE message_id = $1`, [message.messageId])).toBe(1);
    // 4 horizons x (4 approaches + the total)
    expect(await count(`SELECT count(*) FROM forecast_points fp JOIN forecasts f ON f.id = fp.forecast_id WHERE f.message_id = $1`, [message.messageId])).toBe(20);
    expect(await count(`SELECT count(*) FROM observations WHERE crossing_id = '0970' AND interval_start = $1`, [message.basedOnIntervalStart])).toBe(5);
    // Light morning traffic, close to what was observed: planned, but not worth a change (hysteresis).
    // The city step held this forecast, but fusion has no history for 0970 yet: it passed the worker's values through.
    await planned();
    const [evaluation] = await db.query(`SELECT outcome, reason, forecast_message_id, input_source FROM planning_evaluations WHERE crossing_id = '0970' AND based_on_interval_start = $1`, [message.basedOnIntervalStart]);
    expect(evaluation).toMatchObject({ outcome: 'not-needed', forecast_message_id: message.messageId, input_source: 'worker-forecast' });
    expect(evaluation.reason).toMatch(/north approach/);
    expect(await count(`SELECT count(*) FROM recommendations WHERE crossing_id = '0970'`)).toBe(0);
  });

  it('stores a redelivered message once: the same forecast delivered twice is one row', async () => {
    const message = forecastMessage('0970', approachIds, '2006-10-10T08:15:00+11:00');
    expect(await deliver(message, 'dup-a')).toBe('completed');
    expect(await deliver(message, 'dup-b')).toBe('completed');
    expect(await deliver(signedAsWorker({ ...message, sentAt: new Date().toISOString(), seq: 8 }), 'dup-c')).toBe('completed');
    expect(await count(`SELECT count(*) FROM forecasts WHERE message_id = $1`, [message.messageId])).toBe(1);
    await planned();
    expect(await count(`SELECT count(*) FROM planning_evaluations WHERE crossing_id = '0970' AND based_on_interval_start = $1`, [message.basedOnIntervalStart])).toBe(1);
  });

  it('puts a malformed message in the dead-letter table with the reason, stores nothing, and keeps consuming', async () => {
    const message = forecastMessage('0970', approachIds, '2006-10-10T08:30:00+11:00');
    const broken = signedAsWorker({ ...message, horizons: message.horizons.map((h, i) => (i === 1 ? { ...h, total: { ...h.total, mean: -5 } } : h)) });
    expect(await deliver(broken, 'bad-1')).toBe('failed');
    const [letter] = await db.query(`SELECT reason, payload FROM dead_letters WHERE job_id = 'bad-1'`);
    expect(letter.reason).toMatch(/horizons\.1\.total\.mean/);
    expect(JSON.parse(letter.payload).messageId).toBe(message.messageId);
    expect(await count(`SELECT count(*) FROM forecasts WHERE message_id = $1`, [message.messageId])).toBe(0);

    expect(await deliver('not even an object', 'bad-2')).toBe('failed');
    expect((await db.query(`SELECT reason FROM dead_letters WHERE job_id = 'bad-2'`))[0].reason).toMatch(/^schema:/);

    // The consumer is still alive: the corrected message is stored.
    expect(await deliver(message, 'good-after-bad')).toBe('completed');
    expect(await count(`SELECT count(*) FROM forecasts WHERE message_id = $1`, [message.messageId])).toBe(1);
  });

  it("rejects a forecast for an unknown crossing or naming another crossing's approach", async () => {
    const unknown = forecastMessage('9999', ['9999:1'], '2006-10-10T09:00:00+11:00');
    expect(await deliver(unknown, 'unknown-crossing')).toBe('failed');
    expect((await db.query(`SELECT reason FROM dead_letters WHERE job_id = 'unknown-crossing'`))[0].reason).toBe('unknown crossing 9999');

    const foreign = forecastMessage('0970', [...approachIds.slice(0, 3), '2000:1'], '2006-10-10T09:00:00+11:00');
    expect(await deliver(foreign, 'foreign-approach')).toBe('failed');
    expect((await db.query(`SELECT reason FROM dead_letters WHERE job_id = 'foreign-approach'`))[0].reason).toMatch(/2000:1 does not belong to crossing 0970/);
    expect(await count(`SELECT count(*) FROM forecasts WHERE crossing_id = '9999' OR message_id = $1`, [foreign.messageId])).toBe(0);
  });

  it('accepts only messages signed with the key of the crossing they name, and not from the future', async () => {
    const message = forecastMessage('0970', approachIds, '2006-10-10T10:00:00+11:00');
    const { sig: _sig, ...unsigned } = message;
    expect(await deliver(unsigned, 'unsigned')).toBe('failed');
    expect((await db.query(`SELECT reason FROM dead_letters WHERE job_id = 'unsigned'`))[0].reason).toMatch(/sig: /);

    // Signed with crossing 2000's key but claiming to be 0970: one crossing's key cannot write another's data.
    const forged = signMessage(unsigned, deriveWorkerKey(DEV_WORKER_KEY_SEED, '2000'));
    expect(await deliver(forged, 'forged')).toBe('failed');
    expect((await db.query(`SELECT reason FROM dead_letters WHERE job_id = 'forged'`))[0].reason).toBe("signature does not match crossing 0970's key");

    // Tampered after signing.
    expect(await deliver({ ...message, seq: message.seq + 1 }, 'tampered')).toBe('failed');
    // Keys from another seed (another city's provisioning) are not this city's keys.
    expect(await deliver(signedAsWorker(unsigned, 'some-other-seed-value'), 'other-seed')).toBe('failed');
    // Claims to be sent an hour from now.
    expect(await deliver(signedAsWorker({ ...unsigned, sentAt: new Date(Date.now() + 3600_000).toISOString() }), 'future')).toBe('failed');
    expect((await db.query(`SELECT reason FROM dead_letters WHERE job_id = 'future'`))[0].reason).toMatch(/is 3[56]\d\d s in the future/);
    expect(await count(`SELECT count(*) FROM forecasts WHERE message_id = $1`, [message.messageId])).toBe(0);

    expect(await deliver(message, 'genuine')).toBe('completed');
    expect(await count(`SELECT count(*) FROM forecasts WHERE message_id = $1`, [message.messageId])).toBe(1);
  });

  it('records heartbeats, with the worker drift, as crossing status served by the API', async () => {
    await heartbeats.add('heartbeat', heartbeatMessage('2000', { drift: { recentMae: 30, validationMae: 20, ratio: 1.5, samples: 40 } }));
    await eventually(async () => (await db.query(`SELECT worker_status FROM crossing_status WHERE crossing_id = '2000'`))[0]?.worker_status === 'ok', 'heartbeat stored');
    const crossing = await (await api(`/api/crossings/2000`)).json();
    expect(crossing.status.drift).toEqual({ recentMae: 30, validationMae: 20, ratio: 1.5, samples: 40 });

    // A heartbeat that waited in the queue longer than the offline limit says nothing about now.
    const outdated = await heartbeats.add('heartbeat', heartbeatMessage('2000', { seq: 2, sentAt: new Date(Date.now() - 10 * 60_000).toISOString(), status: 'degraded' }));
    await eventually(async () => (await outdated.getState()) === 'completed', 'the outdated heartbeat consumed');
    expect((await db.query(`SELECT worker_status FROM crossing_status WHERE crossing_id = '2000'`))[0].worker_status).toBe('ok');
  });

  it('serves stored forecasts, the city forecast and recommendations over REST, and explains bad parameters', async () => {
    const { forecasts: stored } = await (await api(`/api/crossings/0970/forecasts?from=2006-10-10T00:00:00%2B11:00&to=2006-10-11T00:00:00%2B11:00`)).json();
    expect(stored.map((f: { basedOnIntervalStart: string }) => f.basedOnIntervalStart)).toEqual([
      '2006-10-09T21:00:00.000Z',
      '2006-10-09T21:15:00.000Z',
      '2006-10-09T21:30:00.000Z',
      '2006-10-09T23:00:00.000Z',
    ]);
    expect(stored[0].horizons).toHaveLength(4);
    expect(Object.keys(stored[0].horizons[0].approaches).sort()).toEqual([...approachIds].sort());

    const cityForecast = await (await api(`/api/city/forecast`)).json();
    expect(cityForecast.crossingsTotal).toBe(city.crossings.length);
    expect(cityForecast.asOfIntervalStart).toBe('2006-10-09T23:00:00.000Z');
    // Only 0970 has forecast: every other crossing is listed as not fresh, none dropped.
    expect(cityForecast.stale).toHaveLength(city.crossings.length - 1);
    expect(cityForecast.horizons[0].crossingsIncluded).toBe(1);

    // Each forecast was planned from; none gained enough for a recommendation, and the panel says why.
    await planned();
    expect(await (await api(`/api/recommendations?crossing=0970`)).json()).toEqual([]);
    const panel = await (await api(`/api/crossings/0970/recommendation`)).json();
    expect(panel).toMatchObject({ crossingId: '0970', pending: null, lastEvaluation: { outcome: 'not-needed', basedOnIntervalStart: '2006-10-09T23:00:00.000Z' } });

    const badDate = await api(`/api/crossings/0970/forecasts?from=yesterday`);
    expect(badDate.status).toBe(400);
    expect(JSON.stringify(await badDate.json())).toMatch(/from must be an ISO 8601 date-time/);
    const reversed = await api(`/api/crossings/0970/forecasts?from=2006-10-11T00:00:00Z&to=2006-10-10T00:00:00Z`);
    expect(reversed.status).toBe(400);
    expect(JSON.stringify(await reversed.json())).toMatch(/from must not be after to/);
    expect((await api(`/api/crossings/no%20such`)).status).toBe(400);
    expect((await api(`/api/crossings/9999`)).status).toBe(404);
    expect((await api(`/api/recommendations?crossing=0970&limit=0`)).status).toBe(400);
    expect((await api(`/api/recommendations?evil=1`)).status).toBe(400);

    // Refused messages are visible to engineers, newest first, with the reason.
    const letters = await (await api(`/api/dead-letters?queue=crosscast-forecasts&limit=50`)).json();
    expect(letters.map((l: { jobId: string }) => l.jobId)).toEqual(expect.arrayContaining(['bad-1', 'forged', 'unknown-crossing']));
    expect(letters.find((l: { jobId: string }) => l.jobId === 'forged').reason).toBe("signature does not match crossing 0970's key");
    expect((await api(`/api/dead-letters?queue=other`)).status).toBe(400);

    const health = await (await fetch(`${baseUrl}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', postgres: { ok: true }, redis: { ok: true } });
    expect(health.queues[FORECAST_QUEUE].failed).toBeGreaterThanOrEqual(4);

    const docs = await api(`/api/docs-json`);
    expect(Object.keys((await docs.json()).paths)).toEqual(
      expect.arrayContaining(['/api/crossings', '/api/crossings/{id}', '/api/crossings/{id}/forecasts', '/api/city/forecast', '/api/recommendations', '/api/dead-letters', '/health']),
    );
  });

  it('dead-letters a job whose stored data is not JSON, instead of leaving it active', async () => {
    // Written to Redis by something other than BullMQ (or corrupted there): park it as a
    // delayed job, corrupt its data, and let it come due.
    const job = await forecasts.add('forecast', { placeholder: true }, { jobId: 'not-json', delay: 1500 });
    await redis.hset(`${prefix}:${FORECAST_QUEUE}:${job.id}`, 'data', '{"crossingId": "0970", "seq": ');
    await eventually(async () => (await forecasts.getJobState('not-json')) === 'failed', 'the corrupted job to fail', 20_000);
    const letter = (await db.query(`SELECT reason, payload FROM dead_letters WHERE job_id = 'not-json'`))[0];
    expect(letter.reason).toBe('job data is not valid JSON');
    expect(letter.payload).toContain('\\"seq\\": ');
    expect(await forecasts.getActiveCount()).toBe(0);
    recordSecurityCheck({
      finding: 7,
      attack: 'a BullMQ job whose stored data is not valid JSON',
      expected: 'a dead letter with the reason, not a job active forever',
      observed: `job failed; dead letter "${letter.reason}"; active jobs ${await forecasts.getActiveCount()}`,
      test: 'test/integration/fusion-ingestion.int-spec.ts',
    });
  });

  describe('one bad edge box cannot blind its crossing (signed, but not plausible)', () => {
    // Another crossing than 0970, so the REST tests below see only their own forecasts.
    const victim = city.crossings.find((c) => c.id !== '0970')!;
    const victimApproaches = victim.approaches.map((a) => a.id);
    const at = (hour: number) => `2006-10-12T${String(hour).padStart(2, '0')}:00:00+11:00`;
    const reasonOf = async (jobId: string) => (await db.query(`SELECT reason FROM dead_letters WHERE job_id = $1`, [jobId]))[0]?.reason as string;
    const highestSeq = async () => Number((await db.query(`SELECT last_forecast_seq FROM crossing_status WHERE crossing_id = $1`, [victim.id]))[0].last_forecast_seq);

    it('refuses a seq far ahead, an unfinished or far-future interval, and counts or bands beyond physics; genuine forecasts still get in', async () => {
      expect(await deliver(forecastMessage(victim.id, victimApproaches, at(6), { seq: 100 }), 'bad-box-genuine-1')).toBe('completed');

      expect(await deliver(forecastMessage(victim.id, victimApproaches, at(7), { seq: 9e15 }), 'bad-box-seq-9e15')).toBe('failed');
      expect(await reasonOf('bad-box-seq-9e15')).toMatch(/seq 9000000000000000 is impossible/);
      expect(await deliver(forecastMessage(victim.id, victimApproaches, at(7), { seq: 100 + 100_001 }), 'bad-box-seq-jump')).toBe('failed');
      expect(await reasonOf('bad-box-seq-jump')).toMatch(/^seq-jump: seq 100101 is more than 100000 ahead/);

      expect(await deliver(forecastMessage(victim.id, victimApproaches, '2099-01-01T00:00:00Z', { seq: 101 }), 'bad-box-2099')).toBe('failed');
      expect(await reasonOf('bad-box-2099')).toMatch(/has not finished by sentAt/);

      const huge = forecastMessage(victim.id, victimApproaches, at(7), { seq: 101 });
      const { sig: _sig, ...unsigned } = huge;
      unsigned.horizons[0].approaches[victimApproaches[0]] = { mean: 4e30, lower80: 4e30, upper80: 4e30, lower95: 4e30, upper95: 4e30 };
      expect(await deliver(signedAsWorker(unsigned), 'bad-box-band')).toBe('failed');
      expect(await reasonOf('bad-box-band')).toMatch(/upper95 4e\+30 is more than 2× the physical ceiling/);
      const flood = forecastMessage(victim.id, victimApproaches, at(7), { seq: 101 });
      const { sig: _sig2, ...unsignedFlood } = flood;
      unsignedFlood.observed.approaches[victimApproaches[0]] = 1_000_000;
      expect(await deliver(signedAsWorker(unsignedFlood), 'bad-box-count')).toBe('failed');
      expect(await reasonOf('bad-box-count')).toMatch(/1000000 vehicles in 15 min is above the physical ceiling/);

      // Nothing of it was stored: the crossing's seq and data time are the genuine ones.
      expect(await highestSeq()).toBe(100);
      const latest = await db.query(`SELECT max(based_on_interval_start) AS latest FROM forecasts WHERE crossing_id = $1`, [victim.id]);
      expect(new Date(latest[0].latest).toISOString()).toBe(new Date(at(6)).toISOString());
      expect(await deliver(forecastMessage(victim.id, victimApproaches, at(7), { seq: 101 }), 'bad-box-genuine-2')).toBe('completed');
      recordSecurityCheck({
        finding: 3,
        attack: 'signed forecasts with seq 9e15, seq +100,001, basedOnIntervalStart 2099, bands 4e30, 1,000,000 vehicles per interval',
        expected: 'each a dead letter naming the rule; the crossing keeps its seq and data time; the next genuine forecast is stored',
        observed: `5 dead letters; highest seq stays ${100}; next genuine forecast stored`,
        test: 'test/integration/fusion-ingestion.int-spec.ts',
      });
    });

    it('lets an admin reset a sequence pushed out of reach, with a reason, audited', async () => {
      // As after a box that stepped its seq up within the jump window, again and again.
      await db.query(`UPDATE crossing_status SET last_forecast_seq = 5000000 WHERE crossing_id = $1`, [victim.id]);
      expect(await deliver(forecastMessage(victim.id, victimApproaches, at(8), { seq: 102 }), 'blinded')).toBe('failed');
      expect(await reasonOf('blinded')).toMatch(/replayed or too old/);

      const admin = authedFetch(baseUrl, await loginAs(baseUrl, 'admin'));
      const reset = (crossingId: string, body: unknown) => admin(`/api/admin/crossings/${crossingId}/reset-sequence`, { method: 'POST', body: JSON.stringify(body) });
      expect((await reset(victim.id, {})).status).toBe(400);
      expect((await reset('9999', { reason: 'no such crossing' })).status).toBe(404);
      const done = await reset(victim.id, { reason: 'box replaced, key rotated' });
      expect(done.status).toBe(200);
      expect(await done.json()).toEqual({ crossingId: victim.id, previous: { forecastSeq: 5000000, heartbeatSeq: expect.any(Number) } }); // the heartbeat test above sent one

      expect(await deliver(forecastMessage(victim.id, victimApproaches, at(8), { seq: 102 }), 'after-reset')).toBe('completed');
      expect(await highestSeq()).toBe(102);
      const audit = await (await admin('/api/admin/audit?limit=5')).json();
      expect(audit[0]).toMatchObject({ actor: 'admin', action: 'crossing.sequence-reset', target: `crossing:${victim.id}`, details: { reason: 'box replaced, key rotated' } });
      expect((await admin('/api/admin/audit?limit=0')).status).toBe(400);
      recordSecurityCheck({
        finding: 3,
        attack: 'a crossing whose seq was pushed out of reach (genuine forecasts refused as replayed)',
        expected: 'an admin resets the sequence with a reason, audited; genuine forecasts flow again',
        observed: `reset without reason → 400; with reason → 200; audit row ${audit[0].action}; seq now ${await highestSeq()}`,
        test: 'test/integration/fusion-ingestion.int-spec.ts',
      });
    });
  });
});
