import { Queue, QueueEvents } from 'bullmq';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { NestExpressApplication } from '@nestjs/platform-express';
import {
  DEV_WORKER_KEY_SEED,
  MODEL_SNAPSHOT_QUEUE,
  PublishedWarmStart,
  WARM_START_FIELDS,
  deriveWorkerKey,
  warmStartKey,
  warmStartSignature,
} from '@crosscast/contracts';
import {
  FEDERATED_FORMAT,
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
import { FederationService } from '../../apps/fusion/src/federation/federation.service';
import { signedAsWorker } from '../support/forecast-factory';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { TEST_REDIS_URL, eventually } from '../support/infrastructure';
import { recordSecurityCheck } from '../support/security-results';

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
 * Federated warm start through the real services and the one link a street worker has,
 * Redis: workers' publishers put signed model snapshots on the queue, the fusion service
 * stores the newest per crossing and refuses bad ones (unsigned, wrong shapes, not
 * finite, another crossing's key), and publishes the average into Redis signed for each
 * crossing; a new crossing's worker-side client (no fusion URL: it has none) reads it,
 * verifies fusion's signature with its own key and warm-starts a model from it, and
 * refuses what a street box wrote there.
 */
describe('federated warm start over Redis (real PostgreSQL + Redis)', () => {
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
  const sent = new Map<string, FederatedSnapshot>();
  const architecture = federatedArchitecture(15, { horizons: 4, lags: 8 });
  let entryKey: string;

  beforeAll(async () => {
    await selectTfBackend('wasm');
    harness = await startFusionHarness({ name: 'fed' });
    ({ app, db, prefix } = harness);
    entryKey = warmStartKey(prefix, FEDERATED_FORMAT, architecture);
    snapshotsQueue = harness.queue(MODEL_SNAPSHOT_QUEUE);
    events = await harness.queueEvents(MODEL_SNAPSHOT_QUEUE);
    // The worker side, as the edge-worker app builds it: Redis only, no way to fusion.
    const edgeConfig = readEdgeWorkerConfig({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir });
    expect(edgeConfig.WARM_START).toBe(true);
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
    client?.onApplicationShutdown();
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
      if (k === 1) {
        // Two crossings are fewer than FEDERATION_MIN_CONTRIBUTORS (3): each could subtract its own
        // snapshot from their average and read the other's, so nothing is published yet.
        expect(await app.get(FederationService).refreshWarmStarts()).toEqual([]);
        expect(await harness.redis().exists(entryKey)).toBe(0);
      }
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
      ['unsigned', unsigned, /sig: Invalid input: expected string, received undefined/],
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

  /** What the newcomer's worker gets once fusion has published an average of `contributors` crossings. */
  async function verifiedFor(crossingId: string, contributors: number) {
    return eventually(async () => {
      const fetched = await client.fetch(crossingId, architecture);
      return fetched.status === 'received' && fetched.contributors === contributors ? fetched : null;
    }, `a verified warm start of ${contributors} crossings for ${crossingId}`);
  }

  it('publishes the FedAvg into Redis, signed for every crossing; a worker with Redis only obtains and verifies it and warm-starts a model', async () => {
    // A snapshot older than FEDERATION_MAX_SNAPSHOT_AGE_DAYS (30) is kept but not averaged.
    const old = signedAsWorker({ v: 1 as const, crossingId: '2820', sentAt: new Date(Date.now() - 40 * 86_400_000).toISOString(), modelVersion: 1, snapshot: sent.get(donors[0])! });
    expect(await deliver(old, 'old-2820')).toBe('completed');
    expect(await storedIds()).toContain('2820');
    const fetched = await verifiedFor(newcomer, 3);
    const expected = averageSnapshots(donors.map((id) => sent.get(id)!));
    expect(fetched.snapshot.contributors).toBe(3);
    expect(fetched.snapshot.samples).toBe(expected.samples);
    fetched.snapshot.members.forEach((m, i) => m.tensors.forEach((t, j) => t.values.forEach((v, k) => expect(v).toBeCloseTo(expected.members[i].tensors[j].values[k], 5))));
    expect(fetched.snapshot.weekShape).toEqual(expected.weekShape);

    // What is in Redis: the payload (weights, widths, a week shape: no counts), a revision, one signature per crossing.
    const entry = await harness.redis().hgetall(entryKey);
    const crossings = loadWorkerKeys(undefined, DEV_WORKER_KEY_SEED);
    const payload = JSON.parse(entry[WARM_START_FIELDS.payload]) as PublishedWarmStart;
    expect(Object.keys(payload).sort()).toEqual(['contributors', 'kind', 'newestSnapshotAt', 'publishedAt', 'snapshot', 'v']);
    expect(Object.keys(payload.snapshot).sort()).toEqual(['architecture', 'calibration', 'combination', 'contributors', 'format', 'members', 'samples', 'weekShape']);
    const signatureFields = Object.keys(entry).filter((f) => f.startsWith('sig:'));
    expect(signatureFields).toHaveLength(40);
    expect(entry[WARM_START_FIELDS.signature(newcomer)]).toBe(warmStartSignature(entry[WARM_START_FIELDS.payload], crossings.keyFor(newcomer)!));
    expect(Number(entry[WARM_START_FIELDS.revision])).toBeGreaterThan(0);
    // A donor restarting without its disk gets the same city average (its own snapshot is one of the three).
    expect((await client.fetch(donors[0], architecture)).status).toBe('received');

    // The new crossing's worker builds its model from one day of its own counts and the average.
    const approaches = [`${newcomer}:1`, `${newcomer}:2`];
    const model = await warmStart({ intervalMinutes: 15, approaches, firstIntervalStartMs: START, values: series(1, 2, 2, 99), isReal: () => true, calendar }, fetched.snapshot);
    expect(model.start).toBe('federated-warm');
    const steps = model.forecast(series(2, 2, 2, 99), DAY + 10, START, calendar);
    expect(steps.map((s) => s.stepsAhead)).toEqual([1, 2, 3, 4]);
    model.dispose();
  }, 60_000);

  it("refuses a tampered payload, one re-signed by a street box with its own or a guessed key, and a missing signature; fusion's next refresh restores it", async () => {
    const redis = harness.redis();
    const genuine = await redis.hgetall(entryKey);
    const sigField = WARM_START_FIELDS.signature(newcomer);
    // A street box with write access to Redis (no ACL loaded) nudges one weight: the signature no longer matches.
    const tampered = genuine[WARM_START_FIELDS.payload].replace(/"values":\[(-?[0-9.e-]+)/, (_, first: string) => `"values":[${Number(first) + 0.5}`);
    expect(tampered).not.toBe(genuine[WARM_START_FIELDS.payload]);
    await redis.hset(entryKey, WARM_START_FIELDS.payload, tampered);
    const outcomes: string[] = [];
    const refusedWith = async (attack: string, pattern: RegExp) => {
      const fetched = await client.fetch(newcomer, architecture);
      expect(fetched).toEqual({ status: 'refused', reason: expect.stringMatching(pattern) });
      const reason = fetched.status === 'received' ? 'received' : fetched.reason;
      outcomes.push(`${attack} → ${/signature does not match/.test(reason) ? 'bad signature' : /not signed for/.test(reason) ? 'unsigned' : /does not match this model's/.test(reason) ? 'wrong architecture' : reason}`);
    };
    await refusedWith('weight changed', /signature does not match crossing 2827's key/);
    // It re-signs with the key it holds (crossing 2000's): 2827 still refuses; only 2000 itself would be fooled.
    const streetKey = deriveWorkerKey(DEV_WORKER_KEY_SEED, '2000');
    await redis.hset(entryKey, sigField, warmStartSignature(tampered, streetKey), WARM_START_FIELDS.signature('2000'), warmStartSignature(tampered, streetKey));
    await refusedWith("re-signed with 2000's key", /signature does not match crossing 2827's key/);
    expect((await client.fetch('2000', architecture)).status).toBe('received');
    // …or with a key it guessed (another seed): refused.
    await redis.hset(entryKey, sigField, warmStartSignature(tampered, deriveWorkerKey('some-other-seed-entirely', newcomer)));
    await refusedWith('re-signed with a guessed key', /signature does not match crossing 2827's key/);
    // No signature for this crossing at all: refused, not used unchecked.
    await redis.hdel(entryKey, sigField);
    await refusedWith('signature removed', /not signed for crossing 2827/);
    // A signed payload for another architecture (copied under this key): refused by the shape check.
    const other = JSON.parse(genuine[WARM_START_FIELDS.payload]) as PublishedWarmStart;
    other.snapshot.architecture = federatedArchitecture(15, { horizons: 2, lags: 8 });
    const otherText = JSON.stringify(other);
    await redis.hset(entryKey, WARM_START_FIELDS.payload, otherText, sigField, warmStartSignature(otherText, deriveWorkerKey(DEV_WORKER_KEY_SEED, newcomer)));
    await refusedWith("another architecture's payload, signed", /unusable snapshot: architecture .* does not match this model's/);

    // Fusion's next refresh (after a snapshot, hourly, at start-up) puts its own back.
    const publications = await app.get(FederationService).refreshWarmStarts();
    expect(publications).toEqual([{ key: entryKey, contributors: 3, signedFor: 40, outcome: 'published' }]);
    expect((await client.fetch(newcomer, architecture)).status).toBe('received');
    expect(await redis.hget(entryKey, WARM_START_FIELDS.payload)).not.toBe(tampered);
    recordSecurityCheck({
      finding: 4,
      attack: "a street box writing the city's warm start in Redis: a weight changed, re-signed with its own crossing key or a guessed one, the signature removed, another architecture's payload",
      expected: "a worker builds a model only from what fusion signed with that worker's own key; fusion's next refresh restores it",
      observed: `crossing 2827 refused all ${outcomes.length}: ${outcomes.join('; ')}; the box's own crossing (2000) accepts what the box signed; after fusion's refresh 2827 verified fusion's entry again`,
      test: 'test/integration/federated-warm-start.int-spec.ts',
    });
  }, 60_000);

  it('keeps an entry computed from newer snapshots (another fusion instance), removes one no stored snapshots back, and says when nothing is published', async () => {
    const redis = harness.redis();
    const service = app.get(FederationService);
    // Another instance published from a newer read: an older read does not overwrite it.
    const revision = Number(await redis.hget(entryKey, WARM_START_FIELDS.revision));
    await redis.hset(entryKey, WARM_START_FIELDS.revision, String(revision + 60_000));
    expect(await service.refreshWarmStarts()).toEqual([{ key: entryKey, contributors: 3, signedFor: 40, outcome: 'kept-newer' }]);
    await redis.hset(entryKey, WARM_START_FIELDS.revision, String(revision));
    // An entry of an architecture nobody shares any more (or aged out): removed, so workers see "nothing yet".
    const stale = warmStartKey(prefix, FEDERATED_FORMAT, federatedArchitecture(5, { horizons: 4, lags: 8 }));
    await redis.hset(stale, WARM_START_FIELDS.payload, '{}', WARM_START_FIELDS.revision, '1');
    const publications = await service.refreshWarmStarts();
    expect(publications).toEqual([
      { key: entryKey, contributors: 3, signedFor: 40, outcome: 'published' },
      { key: stale, contributors: 0, signedFor: 0, outcome: 'removed' },
    ]);
    expect(await redis.exists(stale)).toBe(0);
    // Nobody shared a 2-horizon model: nothing published, the worker is told so (it stays on its baseline).
    const none = await client.fetch(newcomer, federatedArchitecture(15, { horizons: 2, lags: 8 }));
    expect(none).toEqual({ status: 'unavailable', reason: expect.stringMatching(/^fusion has published no warm start for this architecture yet at .*:warm-start:15m-2h-8l-/) });
  }, 60_000);

  it('publishes again at start-up from what is stored (a Redis that lost the entry)', async () => {
    await harness.redis().del(entryKey);
    expect((await client.fetch(newcomer, architecture)).status).toBe('unavailable');
    await harness.app.close();
    ({ app } = await harness.restartApp());
    const fetched = await verifiedFor(newcomer, 3);
    expect(fetched.snapshot.samples).toBe(donors.reduce((sum, id) => sum + sent.get(id)!.samples, 0));
  }, 60_000);
});
