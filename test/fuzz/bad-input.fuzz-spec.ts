import * as fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { NestExpressApplication } from '@nestjs/platform-express';
import { FORECAST_QUEUE, HEARTBEAT_QUEUE, ForecastMessage } from '@crosscast/contracts';
import { loadCityDefinition, parseCountsCsvText } from '@crosscast/seed';
import { readFusionConfig } from '../../apps/fusion/src/config';
import { createFusionApp, migrate } from '../../apps/fusion/src/fusion-app';
import { IngestionService, SEQ_REPLAY_WINDOW } from '../../apps/fusion/src/services/ingestion.service';
import { decodeDetectorEntry } from '../../apps/edge-worker/src/repositories/detector-feed.repository';
import { CrossingWorker } from '../../apps/edge-worker/src/crossing-worker';
import { forecastMessage, heartbeatMessage, signedAsWorker } from '../support/forecast-factory';
import { TEST_REDIS_URL, clearRedisPrefix, dropDatabase, openDatabase, testDatabaseUrl, uniqueName } from '../support/infrastructure';
import { restGet } from '../support/fusion-rest';
import { bearer, loginAs } from '../support/auth';

/**
 * Bad input everywhere gets a clear answer and changes nothing: property-based inputs
 * (malformed, oversized, out of range, NaN, injection-shaped) for every door into the
 * system. Each must give a 4xx or a dead-letter row with a reason, never a crash, never a
 * partial write (the rows of every table are counted before and after).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const city = loadCityDefinition(path.join(ROOT, 'seed-data/boroondara-2006'));
const crossing = city.crossings.find((c) => c.id === '0970')!;
const approachIds = crossing.approaches.map((a) => a.id);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

/** Values a hostile or broken sender might put anywhere. */
const nasty = fc.oneof(
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(-1),
  fc.constant(1e308),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(''),
  fc.constant("'; DROP TABLE forecasts; --"),
  fc.constant('0970\u0000'),
  fc.constant('x'.repeat(100_000)),
  fc.constant({ $gt: '' }),
  fc.constant([]),
  fc.constant('2006-13-45T99:99:99Z'),
  fc.constant('<script>alert(1)</script>'),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
);

/** A path into a message (field names and array indexes) and a value to put there. */
function mutate(message: Record<string, unknown>, pathSeed: number[], value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(message)) as Record<string, unknown>;
  let node: Record<string, unknown> | unknown[] = copy;
  for (let depth = 0; depth < pathSeed.length; depth++) {
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[pathSeed[depth] % keys.length] as never;
    const child = (node as Record<string, unknown>)[key];
    if (depth === pathSeed.length - 1 || child === null || typeof child !== 'object') {
      if (value === undefined) delete (node as Record<string, unknown>)[key];
      else (node as Record<string, unknown>)[key] = value;
      return copy;
    }
    node = child as Record<string, unknown>;
  }
  return copy;
}

describe('bad input: forecasts, heartbeats and REST against the real fusion service', () => {
  const dbName = uniqueName('crosscast_fuzz');
  const prefix = uniqueName('ccfuzz');
  let app: NestExpressApplication;
  let db: DataSource;
  let ingestion: IngestionService;
  let baseUrl: string;

  const counts = async () => {
    const rows: Array<{ t: string; n: number }> = await db.query(
      `SELECT 'forecasts' AS t, count(*)::int AS n FROM forecasts UNION ALL SELECT 'points', count(*)::int FROM forecast_points
       UNION ALL SELECT 'observations', count(*)::int FROM observations UNION ALL SELECT 'recommendations', count(*)::int FROM recommendations
       UNION ALL SELECT 'dead_letters', count(*)::int FROM dead_letters UNION ALL SELECT 'status', count(*)::int FROM crossing_status WHERE last_heartbeat_at IS NOT NULL`,
    );
    return Object.fromEntries(rows.map((r) => [r.t, r.n])) as Record<string, number>;
  };

  beforeAll(async () => {
    // Writes are rate limited (tested in access-control.int-spec.ts); lifted here so every
    // generated body reaches validation instead of stopping at 429.
    const config = readFusionConfig({ DATABASE_URL: testDatabaseUrl(dbName), REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, PORT: '0', WRITE_RATE_LIMIT: '100000' });
    await migrate(config.DATABASE_URL);
    app = await createFusionApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    db = await openDatabase(config.DATABASE_URL);
    ingestion = app.get(IngestionService);
    // One good forecast, so REST queries have something to read.
    await ingestion.ingestForecast(FORECAST_QUEUE, 'seed', forecastMessage('0970', approachIds, '2006-10-10T08:00:00+11:00', { seq: 10_000 }));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    await dropDatabase(dbName);
    await clearRedisPrefix(prefix);
  }, 60_000);

  it('a mutated forecast (not re-signed) is a dead letter with a reason, and nothing else changes', async () => {
    const valid = forecastMessage('0970', approachIds, '2006-10-11T08:00:00+11:00', { seq: 10_001 }) as unknown as Record<string, unknown>;
    let job = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), nasty, async (pathSeed, value) => {
        const input = mutate(valid, pathSeed, value);
        if (JSON.stringify(input) === JSON.stringify(valid)) return;
        const before = await counts();
        const outcome = await ingestion.ingestForecast(FORECAST_QUEUE, `fuzz-f-${job++}`, input);
        const after = await counts();
        expect(outcome.status).toBe('rejected');
        expect(outcome.status === 'rejected' && outcome.reason.length).toBeGreaterThan(5);
        expect(after).toEqual({ ...before, dead_letters: before.dead_letters + 1 });
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it('a mutated forecast that is re-signed is either refused (dead letter) or stored whole and literally', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), nasty.filter((v) => typeof v !== 'number' || Number.isFinite(v)), async (pathSeed, value) => {
        const basedOn = new Date(Date.parse('2006-10-12T00:00:00Z') + n * 15 * 60_000).toISOString();
        const valid = forecastMessage('0970', approachIds, basedOn, { seq: 10_002 + n }) as unknown as Record<string, unknown>;
        n++;
        const input = signedAsWorker(mutate(valid, pathSeed, value) as { crossingId: string });
        const before = await counts();
        const outcome = await ingestion.ingestForecast(FORECAST_QUEUE, `fuzz-s-${n}`, input);
        const after = await counts();
        if (outcome.status === 'rejected') {
          expect(after).toEqual({ ...before, dead_letters: before.dead_letters + 1 });
        } else if (outcome.status === 'stored') {
          expect(after.forecasts).toBe(before.forecasts + 1);
          expect(after.points).toBeGreaterThan(before.points);
          expect(after.dead_letters).toBe(before.dead_letters);
          const stored = await db.query(`SELECT model_name FROM forecasts WHERE id = $1`, [outcome.forecastId]);
          expect(stored[0].model_name).toBe((input as unknown as ForecastMessage).model.name);
        } else {
          expect(after).toEqual(before);
        }
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it('a mutated heartbeat is a dead letter with a reason; anything at all as a job is refused', async () => {
    const valid = heartbeatMessage('0970') as unknown as Record<string, unknown>;
    let job = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), nasty).map(([p, v]) => mutate(valid, p, v)), fc.anything()), async (input) => {
        if (JSON.stringify(input) === JSON.stringify(valid)) return;
        const before = await counts();
        const outcome = await ingestion.ingestHeartbeat(HEARTBEAT_QUEUE, `fuzz-h-${job++}`, input);
        expect(outcome.status).toBe('rejected');
        expect(await counts()).toEqual({ ...before, dead_letters: before.dead_letters + 1 });
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it('replays: the same message again is a no-op; a new message far behind the highest seq is a dead letter', async () => {
    // Crossing 2000: the properties above may legitimately raise 0970's highest seq.
    const otherApproachIds = city.crossings.find((c) => c.id === '2000')!.approaches.map((a) => a.id);
    const stored = forecastMessage('2000', otherApproachIds, '2006-10-20T08:00:00Z', { seq: 50_000 });
    expect((await ingestion.ingestForecast(FORECAST_QUEUE, 'replay-1', stored)).status).toBe('stored');
    const before = await counts();
    expect((await ingestion.ingestForecast(FORECAST_QUEUE, 'replay-2', stored)).status).toBe('duplicate');
    // Same instant, other spelling of the timestamp: still the same crossing and interval.
    const respelled = forecastMessage('2000', otherApproachIds, '2006-10-20T19:00:00+11:00', { seq: 50_001 });
    const respelledSigned = signedAsWorker({ ...respelled, messageId: '2000:2006-10-20T19:00:00+11:00', basedOnIntervalStart: '2006-10-20T19:00:00+11:00', observed: { ...respelled.observed, intervalStart: '2006-10-20T19:00:00+11:00' } });
    expect((await ingestion.ingestForecast(FORECAST_QUEUE, 'replay-3', respelledSigned)).status).toBe('duplicate');
    expect(await counts()).toEqual(before);
    const old = forecastMessage('2000', otherApproachIds, '2006-10-21T08:00:00Z', { seq: 50_000 - SEQ_REPLAY_WINDOW - 1 });
    const outcome = await ingestion.ingestForecast(FORECAST_QUEUE, 'replay-4', old);
    expect(outcome).toEqual({ status: 'rejected', reason: expect.stringMatching(/replayed or too old/) });
    expect(await counts()).toEqual({ ...before, dead_letters: before.dead_letters + 1 });
    // Within the window (BullMQ's out-of-order delivery) it is accepted.
    const late = forecastMessage('2000', otherApproachIds, '2006-10-21T09:00:00Z', { seq: 50_000 - 5 });
    expect((await ingestion.ingestForecast(FORECAST_QUEUE, 'replay-5', late)).status).toBe('stored');
  });

  it('REST parameters: hostile values get 4xx (or 200), never a 5xx, and change nothing', async () => {
    const param = fc.oneof(nasty.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))), fc.string({ maxLength: 50 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
    const requests = fc.oneof(
      fc.tuple(param).map(([id]) => `/api/crossings/${encodeURIComponent(id)}`),
      fc.tuple(param, param, param).map(([from, to, limit]) => `/api/crossings/0970/forecasts?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=${encodeURIComponent(limit)}`),
      fc.tuple(param, param).map(([c, limit]) => `/api/recommendations?crossing=${encodeURIComponent(c)}&limit=${encodeURIComponent(limit)}`),
      fc.tuple(param, param).map(([q, limit]) => `/api/dead-letters?queue=${encodeURIComponent(q)}&limit=${encodeURIComponent(limit)}`),
      fc.tuple(param, param).map(([k, v]) => `/api/city/forecast?${encodeURIComponent(k || 'x')}=${encodeURIComponent(v)}`),
    );
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(requests, async (url) => {
        const { status } = await restGet(baseUrl, url);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
    expect(await counts()).toEqual(before);
  }, 300_000);

  it('REST bodies of every write: hostile bodies and ids get 4xx, never a 5xx, and write nothing', async () => {
    const operator = await loginAs(baseUrl, 'operator');
    const admin = await loginAs(baseUrl, 'admin');
    const writeCounts = async () => {
      const rows: Array<{ t: string; n: number; h: string }> = await db.query(
        `SELECT 'users' AS t, count(*)::int AS n, md5(coalesce(string_agg(username || role || disabled::text || coalesce(display_name, ''), ',' ORDER BY id), '')) AS h FROM users
         UNION ALL SELECT 'decisions', count(*)::int, '' FROM recommendation_decisions
         UNION ALL SELECT 'running_plans', count(*)::int, '' FROM running_plans
         UNION ALL SELECT 'crossings', count(*)::int, md5(coalesce(string_agg(id || plans_enabled::text || coalesce(admin_note, ''), ',' ORDER BY id), '')) FROM crossings`,
      );
      return Object.fromEntries(rows.map((r) => [r.t, `${r.n}:${r.h}`]));
    };
    const hostileValue = fc.oneof(nasty, fc.object({ maxDepth: 2 }));
    // Bodies that are wrong in at least one field: a known field with a hostile value, or an unknown field.
    const badBody = (fields: string[]) =>
      fc.oneof(
        fc.tuple(fc.constantFrom(...fields), hostileValue).map(([k, v]) => ({ [k]: v })),
        fc.tuple(fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !fields.includes(k)), hostileValue).map(([k, v]) => ({ [k]: v })),
        fc.constantFrom('[]', 'null', '"text"', '{"a":', 'x'.repeat(300_000)),
      );
    const writes = fc.oneof(
      // Ids: malformed, or well-formed but of no recommendation (a real one with an acceptable body would rightly be decided).
      fc.tuple(fc.oneof(fc.string({ maxLength: 30 }).filter((id) => !/^\d+$/.test(id)), fc.constantFrom('0', '-1', '1e3', '99999999999999999999', '900000000000000001', '1;DROP TABLE users')), badBody(['reason']), fc.constantFrom('accept', 'reject')).map(
        ([id, body, verb]) => ({ method: 'POST', path: `/api/recommendations/${encodeURIComponent(id || 'x')}/${verb}`, body, token: operator }),
      ),
      badBody(['username', 'password', 'role', 'displayName']).map((body) => ({ method: 'POST', path: '/api/admin/users', body, token: admin })),
      fc.tuple(fc.string({ maxLength: 30 }), badBody(['role', 'disabled', 'displayName'])).map(([id, body]) => ({ method: 'PATCH', path: `/api/admin/users/${encodeURIComponent(id || 'x')}`, body, token: admin })),
      fc.tuple(fc.string({ maxLength: 30 }), badBody(['plansEnabled', 'note'])).map(([id, body]) => ({ method: 'PATCH', path: `/api/admin/crossings/${encodeURIComponent(id || 'x')}`, body, token: admin })),
      badBody(['username', 'password']).map((body) => ({ method: 'POST', path: '/api/auth/login', body, token: '' })),
    );
    const before = await writeCounts();
    await fc.assert(
      fc.asyncProperty(writes, async (request) => {
        const response = await fetch(`${baseUrl}${request.path}`, {
          method: request.method,
          headers: { 'content-type': 'application/json', ...(request.token ? bearer(request.token) : {}) },
          body: typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
        });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
      }),
      // Always tried: an array for an object body once passed validation as an empty change (200, audited).
      { numRuns: RUNS, examples: [[{ method: 'PATCH', path: '/api/admin/users/1', body: '[]', token: admin }], [{ method: 'POST', path: '/api/admin/users', body: '[{"username":"x"}]', token: admin }]] },
    );
    expect(await writeCounts()).toEqual(before);
  }, 300_000);
});

describe('bad input: detector readings arriving at a worker', () => {
  it('any stream entry is either a reading for this crossing or ignored with a reason; the worker never throws', () => {
    const sink: unknown[] = [];
    const worker = new CrossingWorker(crossing, 15, city.timeZone, 'cpu', { horizons: 4, minTrainIntervals: 100_000, retrainEveryIntervals: 96, historyLimitIntervals: 3360, trainEpochs: 1 }, { publishForecast: (m) => sink.push(m) }, { run: (job) => job() }, { now: () => new Date('2006-10-10T00:00:00Z') }, { log: () => undefined, warn: () => undefined });
    const reading = fc.record({
      v: fc.oneof(fc.constant(1), nasty),
      crossingId: fc.oneof(fc.constant('0970'), fc.constant('2000'), nasty),
      intervalStart: fc.oneof(fc.date({ min: new Date('2006-10-01T00:00:00Z'), max: new Date('2006-10-31T00:00:00Z'), noInvalidDate: true }).map((d) => new Date(Math.floor(d.getTime() / 900_000) * 900_000).toISOString()), nasty),
      intervalMinutes: fc.oneof(fc.constant(15), nasty),
      counts: fc.oneof(fc.dictionary(fc.constantFrom(...approachIds, '9999:1', "'; --"), nasty), nasty),
    });
    const entry = fc.oneof(
      reading.map((r) => ['reading', JSON.stringify(r)]),
      fc.array(fc.string(), { maxLength: 6 }),
      fc.tuple(fc.constant('reading'), fc.string()).map((t) => [...t]),
      fc.anything(),
    );
    fc.assert(
      fc.property(entry, (fields) => {
        const decoded = decodeDetectorEntry('0970', fields);
        if ('reason' in decoded) {
          expect(decoded.reason.length).toBeGreaterThan(3);
          return;
        }
        expect(decoded.reading.crossingId).toBe('0970');
        expect(() => worker.accept(decoded.reading)).not.toThrow();
        expect(() => worker.forecastLatest()).not.toThrow();
      }),
      { numRuns: RUNS * 5 },
    );
  });
});

describe('bad input: imported counts CSV files', () => {
  const header = 'timestamp,crossing,approach,count';
  const goodLine = '2006-10-01T00:00:00+10:00,0970,0970:1,12';
  const line = fc.oneof(
    fc.constant(goodLine),
    fc.tuple(fc.string(), fc.string(), fc.string(), fc.string()).map((cells) => cells.join(',')),
    nasty.map((v) => `2006-10-01T00:15:00+10:00,0970,0970:1,${String(v)}`),
    nasty.map((v) => `${String(v)},0970,0970:1,5`),
    fc.string({ maxLength: 200 }),
  );

  it('the reader returns a table or throws one clear error naming the file (and line), nothing else', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(line, { maxLength: 12 }), (withHeader, lines) => {
        const text = [...(withHeader ? [header] : []), ...lines].join('\n');
        try {
          const table = parseCountsCsvText(text, 'fuzz.csv');
          expect(table).toBeTruthy();
        } catch (error) {
          expect((error as Error).name).toBe('CountsCsvError');
          expect((error as Error).message).toMatch(/^fuzz\.csv/);
        }
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('the backtest CLI refuses a malformed file with a clear message and writes no results', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-fuzz-csv-'));
    try {
      const cases: Array<[string, string, RegExp]> = [
        ['nan.csv', `${header}\n${goodLine}\n2006-10-01T00:15:00+10:00,0970,0970:1,NaN\n`, /nan\.csv line 3/],
        ['injection.csv', `${header}\n'; DROP TABLE x; --,0970,0970:1,1\n`, /injection\.csv line 2/],
        ['noheader.csv', `${goodLine}\n`, /noheader\.csv/],
      ];
      for (const [name, text, expected] of cases) {
        const file = path.join(dir, name);
        const out = path.join(dir, `${name}.json`);
        fs.writeFileSync(file, text);
        let status = 0;
        let output = '';
        try {
          execFileSync(process.execPath, ['-r', path.join(ROOT, 'tools/register-aliases.js'), path.join(ROOT, 'dist/tools/backtest.js'), '--file', file, '--out', out, '--time-zone', 'UTC'], { cwd: ROOT, stdio: 'pipe', timeout: 60_000 });
        } catch (error) {
          const e = error as { status: number; stderr: Buffer; stdout: Buffer };
          status = e.status;
          output = `${e.stdout}${e.stderr}`;
        }
        expect(status).not.toBe(0);
        expect(output).toMatch(expected);
        expect(output).not.toMatch(/\n\s+at /); // a message, not a stack trace
        expect(fs.existsSync(out)).toBe(false);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
