import { Queue, QueueEvents } from 'bullmq';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DEV_WORKER_KEY_SEED, FEDERATION_PATHS, MODEL_SNAPSHOT_QUEUE, WarmStartResponse, deriveWorkerKey, messageSignature, warmStartRequestPayload } from '@crosscast/contracts';
import {
  FederatedSnapshot,
  LocalCalendar,
  ResidualEnsembleForecaster,
  averageSnapshots,
  exportSnapshot,
  federatedArchitecture,
  warmStart,
} from '@crosscast/forecasting';
import { loadWorkerKeys, selectTfBackend } from '@crosscast/runtime';
import { readEdgeWorkerConfig } from '../../apps/edge-worker/src/config';
import { MessagePublisherRepository } from '../../apps/edge-worker/src/repositories/message-publisher.repository';
import { WarmStartClientRepository } from '../../apps/edge-worker/src/repositories/warm-start-client.repository';
import { signedAsWorker } from '../support/forecast-factory';
import { OpenApiDocumentLike, answerProblems } from '../support/openapi-conformance';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { TEST_REDIS_URL } from '../support/infrastructure';

const START = Date.parse('2006-10-02T00:00:00+10:00'); // a Monday
const DAY = 96;
const calendar = new LocalCalendar('Australia/Melbourne');

/** Days of a daily pattern with quieter weekends, scaled by `size`, deterministic noise. */
function series(days: number, approaches: number, size: number, seed: number): number[][] {
  const noise = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 6;
  return Array.from({ length: days * DAY }, (_, t) => {
    const weekday = Math.floor(t / DAY) % 7 < 5 ? 1 : 0.4;
    const level = size * weekday * (60 + 50 * Math.sin((2 * Math.PI * (t % DAY)) / DAY - Math.PI / 2));
    return Array.from({ length: approaches }, (_, a) => Math.max(0, Math.round(level / (a + 1) + noise())));
  });
}

/**
 * Federated warm start through the real services: workers' publishers put signed model
 * snapshots on the queue, the fusion service stores the newest per crossing and refuses
 * bad ones (unsigned, wrong shapes, not finite, another crossing's key), and a new
 * crossing's worker gets the average of the others over its signed REST request and
 * warm-starts a model from it.
 */
describe('federated warm start (real PostgreSQL + Redis)', () => {
  let harness: FusionHarness;
  let prefix: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-fed-'));
  const donors = ['0970', '2000', '2200'];
  const newcomer = '2827';
  let app: NestExpressApplication;
  let db: DataSource;
  let snapshotsQueue: Queue;
  let events: QueueEvents;
  let publisher: MessagePublisherRepository;
  let client: WarmStartClientRepository;
  let baseUrl: string;
  const sent = new Map<string, FederatedSnapshot>();

  beforeAll(async () => {
    await selectTfBackend('wasm');
    harness = await startFusionHarness({ name: 'fed' });
    ({ app, db, baseUrl, prefix } = harness);
    snapshotsQueue = harness.queue(MODEL_SNAPSHOT_QUEUE);
    events = await harness.queueEvents(MODEL_SNAPSHOT_QUEUE);
    // The worker side, as the edge-worker app builds it.
    const edgeConfig = readEdgeWorkerConfig({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir, FUSION_URL: baseUrl });
    const keys = loadWorkerKeys(undefined, DEV_WORKER_KEY_SEED);
    publisher = new MessagePublisherRepository(edgeConfig, keys);
    client = new WarmStartClientRepository(edgeConfig, keys);
    // Three crossings' own models (small and quick: a fortnight, two epochs).
    for (const [k, id] of donors.entries()) {
      const approaches = Array.from({ length: 2 + k }, (_, a) => `${id}:${a + 1}`);
      const model = await ResidualEnsembleForecaster.train(
        { intervalMinutes: 15, approaches, firstIntervalStartMs: START, values: series(14, approaches.length, 1 + k, 11 + k), isReal: () => true, calendar },
        { epochs: 2 },
      );
      sent.set(id, exportSnapshot(model, 15));
      model.dispose();
    }
  }, 180_000);

  afterAll(async () => {
    await publisher?.onApplicationShutdown();
    await harness?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  async function settle(jobId: string): Promise<'completed' | 'failed'> {
    const job = await snapshotsQueue.getJob(jobId);
    if (!job) throw new Error(`job ${jobId} is not on the queue`);
    return job.waitUntilFinished(events, 30_000).then(
      () => 'completed' as const,
      () => 'failed' as const,
    );
  }

  async function deliver(data: unknown, jobId: string): Promise<'completed' | 'failed'> {
    await snapshotsQueue.add('snapshot', data, { jobId });
    return settle(jobId);
  }

  const storedIds = async () => (await db.query(`SELECT crossing_id FROM model_snapshots ORDER BY crossing_id`)).map((r: { crossing_id: string }) => r.crossing_id);
  const deadLetter = async (jobId: string) => (await db.query(`SELECT reason FROM dead_letters WHERE queue = $1 AND job_id = $2`, [MODEL_SNAPSHOT_QUEUE, jobId]))[0]?.reason as string | undefined;

  it('stores the snapshots workers publish, the newest per crossing', async () => {
    const sentAt = Date.now() - 60_000;
    for (const [k, id] of donors.entries()) {
      const message = { v: 1 as const, crossingId: id, sentAt: new Date(sentAt + k).toISOString(), modelVersion: 3, snapshot: sent.get(id)! };
      // The publisher sends only once its Redis connection is up (a snapshot is not journalled).
      let accepted = await publisher.publishSnapshot(message);
      for (let i = 0; i < 50 && !accepted; i++) {
        await new Promise((r) => setTimeout(r, 100));
        accepted = await publisher.publishSnapshot(message);
      }
      expect(accepted).toBe(true);
      expect(await settle(`${id}_v3_${sentAt + k}`)).toBe('completed');
    }
    expect(await storedIds()).toEqual([...donors].sort());
    // An older snapshot arriving late does not replace the newer one.
    const older = signedAsWorker({ v: 1 as const, crossingId: donors[0], sentAt: new Date(sentAt - 86_400_000).toISOString(), modelVersion: 2, snapshot: sent.get(donors[1])! });
    expect(await deliver(older, 'older-0970')).toBe('completed');
    const row = (await db.query(`SELECT model_version, samples FROM model_snapshots WHERE crossing_id = $1`, [donors[0]]))[0];
    expect(row).toEqual({ model_version: 3, samples: sent.get(donors[0])!.samples });
  }, 60_000);

  it('refuses a bad snapshot with a reason and never stores or averages it', async () => {
    const base = { v: 1 as const, crossingId: '2820', sentAt: new Date().toISOString(), modelVersion: 1, snapshot: sent.get(donors[0])! };
    const { sig: _sig, ...unsigned } = signedAsWorker(base);
    const forged = signedAsWorker(base, 'some-other-seed-entirely');
    const wrongShape = JSON.parse(JSON.stringify(base)) as typeof base;
    wrongShape.snapshot.members[1].tensors[0].values.pop();
    const huge = JSON.parse(JSON.stringify(base)) as typeof base;
    huge.snapshot.members[0].tensors[0].values[0] = 1e9;
    const counts = JSON.parse(JSON.stringify(base)) as typeof base;
    counts.snapshot.weekShape = counts.snapshot.weekShape.map((x) => x * 250);
    const cases: Array<[string, unknown, RegExp]> = [
      ['unsigned', unsigned, /sig: Required/],
      ['forged', forged, /signature does not match crossing 2820's key/],
      ['wrong-shape', signedAsWorker(wrongShape), /member mlp-a tensor 0 has \d+ values, expected \d+/],
      ['huge', signedAsWorker(huge), /member linear tensor 0 has a value that is not finite or beyond/],
      ['counts', signedAsWorker(counts), /weekShape values must be finite, between 0 and 100/],
      ['unknown-crossing', signedAsWorker({ ...base, crossingId: 'nowhere' }), /unknown crossing nowhere/],
    ];
    for (const [jobId, data, reason] of cases) {
      expect(await deliver(data, jobId)).toBe('failed');
      expect(await deadLetter(jobId)).toMatch(reason);
    }
    expect(await storedIds()).toEqual([...donors].sort());
  }, 60_000);

  it("gives a new crossing the FedAvg of the others' snapshots over its signed request, and a model warm-starts from it", async () => {
    // A snapshot older than FEDERATION_MAX_SNAPSHOT_AGE_DAYS (30) is kept but not averaged.
    const old = signedAsWorker({ v: 1 as const, crossingId: '2820', sentAt: new Date(Date.now() - 40 * 86_400_000).toISOString(), modelVersion: 1, snapshot: sent.get(donors[0])! });
    expect(await deliver(old, 'old-2820')).toBe('completed');
    expect(await storedIds()).toContain('2820');
    const architecture = federatedArchitecture(15, { horizons: 4, lags: 8 });
    const snapshot = await client.fetch(newcomer, architecture);
    expect(snapshot).not.toBeNull();
    const expected = averageSnapshots(donors.map((id) => sent.get(id)!));
    expect(snapshot!.contributors).toBe(3);
    expect(snapshot!.samples).toBe(expected.samples);
    snapshot!.members.forEach((m, i) => m.tensors.forEach((t, j) => t.values.forEach((v, k) => expect(v).toBeCloseTo(expected.members[i].tensors[j].values[k], 5))));
    expect(snapshot!.weekShape).toEqual(expected.weekShape);

    // A donor asking gets the average of the two others only (never its own, nor the stale one).
    const forDonor = await client.fetch(donors[0], architecture);
    expect(forDonor!.contributors).toBe(2);
    expect(forDonor!.samples).toBe(sent.get(donors[1])!.samples + sent.get(donors[2])!.samples);

    // The new crossing's worker builds its model from one day of its own counts and the average.
    const approaches = [`${newcomer}:1`, `${newcomer}:2`];
    const model = await warmStart({ intervalMinutes: 15, approaches, firstIntervalStartMs: START, values: series(1, 2, 2, 99), isReal: () => true, calendar }, snapshot!);
    expect(model.start).toBe('federated-warm');
    const steps = model.forecast(series(2, 2, 2, 99), DAY + 10, START, calendar);
    expect(steps.map((s) => s.stepsAhead)).toEqual([1, 2, 3, 4]);
    model.dispose();
  }, 60_000);

  it('refuses unsigned, forged and stale warm-start requests, and says when no average exists for an architecture', async () => {
    const url = (query: Record<string, string>) => `${baseUrl}${FEDERATION_PATHS.warmStart}?${new URLSearchParams(query)}`;
    const query = { crossingId: newcomer, requestedAt: new Date().toISOString(), intervalMinutes: '15', horizons: '4', lags: '8' };
    expect((await fetch(url(query))).status).toBe(400);
    const forged = await fetch(url({ ...query, sig: 'a'.repeat(64) }));
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { message: string }).message).toMatch(/not signed with crossing 2827's key/);
    // A signed request from an hour ago is refused (a captured URL does not work for long).
    const stale = client.fetch(newcomer, federatedArchitecture(15, { horizons: 4, lags: 8 }), new Date(Date.now() - 3600_000));
    await expect(stale).rejects.toThrow(/answered 401.*requestedAt/);
    // Nobody shared a 2-horizon model: no average, a clear 404 (the client reads it as "not yet").
    expect(await client.fetch(newcomer, federatedArchitecture(15, { horizons: 2, lags: 8 }))).toBeNull();
    const body = (await (await fetch(url({ ...query, horizons: '2', sig: 'b'.repeat(64) }))).json()) as WarmStartResponse & { statusCode: number };
    expect(body.statusCode).toBe(401);
  }, 60_000);

  it('answers as the OpenAPI document says (200 with the averaged snapshot, 401, 404)', async () => {
    const document = (await (await fetch(`${baseUrl}/api/docs-json`)).json()) as OpenApiDocumentLike;
    const signed = (horizons: number) => {
      const request = { crossingId: newcomer, requestedAt: new Date().toISOString(), intervalMinutes: 15, horizons, lags: 8 };
      const sig = messageSignature(warmStartRequestPayload(request), deriveWorkerKey(DEV_WORKER_KEY_SEED, newcomer));
      return `${FEDERATION_PATHS.warmStart}?${new URLSearchParams({ ...Object.fromEntries(Object.entries(request).map(([k, v]) => [k, String(v)])), sig })}`;
    };
    const forged = signed(4).replace(/sig=[0-9a-f]+/, `sig=${'c'.repeat(64)}`);
    const problems: string[] = [];
    const statuses: number[] = [];
    for (const path of [signed(4), forged, signed(2)]) {
      const response = await fetch(`${baseUrl}${path}`);
      statuses.push(response.status);
      problems.push(...answerProblems(document, 'GET', path, response.status, await response.json()));
    }
    expect(statuses).toEqual([200, 401, 404]);
    expect(problems).toEqual([]);
  }, 60_000);
});
