import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  ModelSnapshotMessageSchema,
  MODEL_SNAPSHOT_QUEUE,
  PublishedWarmStart,
  hasValidSignature,
  warmStartKey,
  warmStartSignature,
} from '@crosscast/contracts';
import { FEDERATED_FORMAT, FederatedSnapshot, averageSnapshots, snapshotProblems } from '@crosscast/forecasting';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { unparsableJobData } from '../repositories/queue.repository';
import { FederationRepository } from './federation.repository';
import { WarmStartPublisherRepository } from './warm-start-publisher.repository';

export type SnapshotOutcome = { status: 'stored' | 'unchanged'; crossingId: string } | { status: 'rejected'; reason: string };

/** One architecture's outcome in a refresh of the published warm starts. */
export interface WarmStartPublication {
  key: string;
  /** Crossings whose snapshots are averaged (0 when removed for having too few). */
  contributors: number;
  /** Crossings it is signed for. */
  signedFor: number;
  /** published / removed, or kept: Redis already held one computed from newer snapshots. */
  outcome: 'published' | 'removed' | 'kept-newer';
}

/**
 * Federated warm start, city side: keeps each crossing's newest model snapshot (checked:
 * schema, known crossing, the crossing's own signature, shapes and finite numbers; a bad
 * one is dead-lettered, never stored or averaged), and publishes into Redis, per
 * architecture, the FedAvg of the crossings' newest snapshots, signed for every crossing
 * with that crossing's key (libs/contracts `warmStartKey`): after each stored snapshot, at
 * start-up and every FEDERATION_REFRESH_MINUTES (which also drops snapshots grown older
 * than FEDERATION_MAX_SNAPSHOT_AGE_DAYS and restores what a Redis lost). The averaging is
 * the forecasting lib's; this service only wires it.
 */
@Injectable()
export class FederationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FederationService.name);
  private refreshTimer: NodeJS.Timeout | null = null;
  /** The refresh running now, and at most one waiting behind it (it will see every snapshot stored meanwhile). */
  private running: Promise<WarmStartPublication[]> | null = null;
  private queued: Promise<WarmStartPublication[]> | null = null;
  private closed = false;

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    @Inject(WORKER_KEYS) private readonly keys: WorkerKeys,
    private readonly store: FederationRepository,
    private readonly warmStarts: WarmStartPublisherRepository,
    private readonly city: CityRepository,
    private readonly clock: ClockRepository,
  ) {}

  onApplicationBootstrap(): void {
    void this.refreshWarmStarts();
    this.refreshTimer = setInterval(() => void this.refreshWarmStarts(), this.config.FEDERATION_REFRESH_MINUTES * 60_000);
    this.refreshTimer.unref();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
  }

  async ingest(jobId: string, data: unknown): Promise<SnapshotOutcome> {
    const raw = unparsableJobData(data);
    if (raw !== null) return this.refuse(jobId, 'job data is not valid JSON', raw);
    const parsed = ModelSnapshotMessageSchema.safeParse(data);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);
      return this.refuse(jobId, `invalid model snapshot: ${issues.join('; ')}`, data);
    }
    const message = parsed.data;
    if (!this.city.get(message.crossingId)) return this.refuse(jobId, `unknown crossing ${message.crossingId}`, data);
    const key = this.keys.keyFor(message.crossingId);
    if (!key) return this.refuse(jobId, `no signing key is provisioned for crossing ${message.crossingId}`, data);
    if (!hasValidSignature(message, key)) return this.refuse(jobId, `signature does not match crossing ${message.crossingId}'s key`, data);
    const aheadMs = Date.parse(message.sentAt) - this.clock.now().getTime();
    if (aheadMs > this.config.MAX_CLOCK_SKEW_SECONDS * 1000) return this.refuse(jobId, `sentAt ${message.sentAt} is ${Math.round(aheadMs / 1000)} s in the future`, data);
    const snapshot = message.snapshot as FederatedSnapshot;
    const problems = snapshotProblems(snapshot);
    if (problems.length) return this.refuse(jobId, `unusable model snapshot: ${problems.slice(0, 5).join('; ')}`, data);
    const stored = await this.store.upsertLatest({
      crossingId: message.crossingId,
      modelVersion: message.modelVersion,
      format: snapshot.format,
      samples: snapshot.samples,
      snapshot: JSON.stringify(snapshot),
      sentAt: new Date(message.sentAt),
      receivedAt: this.clock.now(),
    });
    // A new snapshot changes its architecture's average: publish it (failures are logged; the next refresh retries).
    if (stored) void this.refreshWarmStarts();
    return { status: stored ? 'stored' : 'unchanged', crossingId: message.crossingId };
  }

  /**
   * Recomputes and publishes every architecture's warm start from the stored snapshots.
   * One refresh at a time: a call while one runs waits for the next, which starts after it
   * and sees everything stored meanwhile. Never rejects (a failure is logged and returns []).
   */
  refreshWarmStarts(): Promise<WarmStartPublication[]> {
    if (!this.running) {
      this.running = this.publishWarmStarts()
        .catch((error) => {
          if (!this.closed) this.logger.warn(`warm starts not published: ${(error as Error).message}`);
          return [];
        })
        .finally(() => {
          this.running = null;
        });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = null;
      return this.refreshWarmStarts();
    });
    return this.queued;
  }

  private async publishWarmStarts(): Promise<WarmStartPublication[]> {
    const now = this.clock.now();
    const rows = await this.store.latestAll(FEDERATED_FORMAT);
    // The newest receipt this read saw: Redis keeps an entry computed from newer snapshots (another instance).
    const revision = rows.reduce((newest, row) => Math.max(newest, row.receivedAt.getTime()), 0);
    const since = now.getTime() - this.config.FEDERATION_MAX_SNAPSHOT_AGE_DAYS * 24 * 3600 * 1000;
    const groups = new Map<string, Array<{ snapshot: FederatedSnapshot; sentAt: Date }>>();
    for (const row of rows) {
      if (row.sentAt.getTime() < since) continue;
      let snapshot: FederatedSnapshot;
      try {
        snapshot = JSON.parse(row.snapshot) as FederatedSnapshot;
      } catch {
        continue;
      }
      // Checked on arrival; one this code version cannot read (another architecture) is left out.
      if (snapshotProblems(snapshot).length) continue;
      const key = warmStartKey(this.config.QUEUE_PREFIX, snapshot.format, snapshot.architecture);
      groups.set(key, [...(groups.get(key) ?? []), { snapshot, sentAt: row.sentAt }]);
    }
    const crossingKeys = this.city.all().flatMap((c) => {
      const key = this.keys.keyFor(c.id);
      return key ? [[c.id, key] as const] : [];
    });
    const publications: WarmStartPublication[] = [];
    for (const [key, group] of groups) {
      if (group.length < this.config.FEDERATION_MIN_CONTRIBUTORS) continue;
      const published: PublishedWarmStart = {
        v: 1,
        kind: 'crosscast-warm-start',
        publishedAt: now.toISOString(),
        contributors: group.length,
        newestSnapshotAt: new Date(Math.max(...group.map((g) => g.sentAt.getTime()))).toISOString(),
        snapshot: averageSnapshots(group.map((g) => g.snapshot)),
      };
      const payload = JSON.stringify(published);
      const signatures = crossingKeys.map(([crossingId, crossingKey]): [string, string] => [crossingId, warmStartSignature(payload, crossingKey)]);
      const written = await this.warmStarts.publish(key, { payload, revision, signatures });
      publications.push({ key, contributors: group.length, signedFor: signatures.length, outcome: written ? 'published' : 'kept-newer' });
    }
    // Entries whose architecture has too few recent snapshots now (or none): workers then train from scratch.
    const current = new Set(publications.map((p) => p.key));
    for (const key of await this.warmStarts.publishedKeys()) {
      if (current.has(key)) continue;
      const removed = await this.warmStarts.remove(key, revision);
      publications.push({ key, contributors: 0, signedFor: 0, outcome: removed ? 'removed' : 'kept-newer' });
    }
    for (const p of publications) {
      if (p.outcome === 'published') this.logger.log(`warm start ${p.key} published: the average of ${p.contributors} crossings' snapshots, signed for ${p.signedFor} crossings`);
      else if (p.outcome === 'removed') this.logger.log(`warm start ${p.key} removed: fewer than ${this.config.FEDERATION_MIN_CONTRIBUTORS} crossings have shared a snapshot of it in the last ${this.config.FEDERATION_MAX_SNAPSHOT_AGE_DAYS} days`);
    }
    return publications;
  }

  private async refuse(jobId: string, reason: string, data: unknown): Promise<SnapshotOutcome> {
    await this.store.recordDeadLetter(MODEL_SNAPSHOT_QUEUE, jobId, reason, data, this.clock.now());
    this.logger.warn(`${MODEL_SNAPSHOT_QUEUE} job ${jobId} rejected: ${reason}`);
    return { status: 'rejected', reason };
  }
}
