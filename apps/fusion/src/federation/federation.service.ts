import { Inject, Injectable, Logger, NotFoundException, UnauthorizedException } from '@nestjs/common';
import {
  ModelSnapshotMessageSchema,
  MODEL_SNAPSHOT_QUEUE,
  WarmStartRequest,
  WarmStartResponse,
  hasValidSignature,
  warmStartRequestPayload,
} from '@crosscast/contracts';
import { FEDERATED_FORMAT, FederatedSnapshot, averageSnapshots, federatedArchitecture, snapshotProblems } from '@crosscast/forecasting';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { unparsableJobData } from '../repositories/queue.repository';
import { FederationRepository } from './federation.repository';

export type SnapshotOutcome = { status: 'stored' | 'unchanged'; crossingId: string } | { status: 'rejected'; reason: string };

/**
 * Federated warm start, city side: keeps each crossing's newest model snapshot (checked:
 * schema, known crossing, the crossing's own signature, shapes and finite numbers; a bad
 * one is dead-lettered, never stored or averaged) and answers a new worker's signed
 * request with the FedAvg of the other crossings' snapshots of its architecture. The
 * averaging is the forecasting lib's; this service only wires it.
 */
@Injectable()
export class FederationService {
  private readonly logger = new Logger(FederationService.name);

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    @Inject(WORKER_KEYS) private readonly keys: WorkerKeys,
    private readonly store: FederationRepository,
    private readonly city: CityRepository,
    private readonly clock: ClockRepository,
  ) {}

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
    return { status: stored ? 'stored' : 'unchanged', crossingId: message.crossingId };
  }

  /**
   * The warm start for a new crossing: the average of every other crossing's newest
   * snapshot of the requested architecture, sent within FEDERATION_MAX_SNAPSHOT_AGE_DAYS.
   * 401 unless signed by the crossing's key within MAX_CLOCK_SKEW_SECONDS; 404 while fewer
   * than FEDERATION_MIN_CONTRIBUTORS crossings have shared one.
   */
  async warmStart(request: WarmStartRequest): Promise<WarmStartResponse> {
    const key = this.city.get(request.crossingId) ? this.keys.keyFor(request.crossingId) : null;
    if (!key || !hasValidSignature({ ...warmStartRequestPayload(request), sig: request.sig }, key)) {
      throw new UnauthorizedException(`warm start refused: not signed with crossing ${request.crossingId}'s key`);
    }
    const now = this.clock.now().getTime();
    const skewMs = Math.abs(Date.parse(request.requestedAt) - now);
    if (skewMs > this.config.MAX_CLOCK_SKEW_SECONDS * 1000) {
      throw new UnauthorizedException(`warm start refused: requestedAt ${request.requestedAt} is ${Math.round(skewMs / 1000)} s from this service's clock (at most ${this.config.MAX_CLOCK_SKEW_SECONDS} s)`);
    }
    const architecture = federatedArchitecture(request.intervalMinutes, { horizons: request.horizons, lags: request.lags });
    const since = new Date(now - this.config.FEDERATION_MAX_SNAPSHOT_AGE_DAYS * 24 * 3600 * 1000);
    const usable: Array<{ snapshot: FederatedSnapshot; sentAt: Date }> = [];
    for (const row of await this.store.latestExcept(request.crossingId, FEDERATED_FORMAT, since)) {
      const snapshot = JSON.parse(row.snapshot) as FederatedSnapshot;
      // Stored snapshots were checked on arrival; another architecture (horizons, lags, interval) is simply not this worker's.
      if (snapshotProblems(snapshot, architecture).length === 0) usable.push({ snapshot, sentAt: row.sentAt });
    }
    if (usable.length < this.config.FEDERATION_MIN_CONTRIBUTORS) {
      throw new NotFoundException(
        `no warm start yet: ${usable.length} other crossing(s) have shared a model snapshot of this architecture in the last ${this.config.FEDERATION_MAX_SNAPSHOT_AGE_DAYS} days, at least ${this.config.FEDERATION_MIN_CONTRIBUTORS} are needed (FEDERATION_MIN_CONTRIBUTORS)`,
      );
    }
    const snapshot = averageSnapshots(usable.map((u) => u.snapshot));
    const newest = Math.max(...usable.map((u) => u.sentAt.getTime()));
    this.logger.log(`warm start for ${request.crossingId}: average of ${usable.length} crossings' snapshots`);
    return { snapshot, contributors: usable.length, newestSnapshotAt: new Date(newest).toISOString() };
  }

  private async refuse(jobId: string, reason: string, data: unknown): Promise<SnapshotOutcome> {
    await this.store.recordDeadLetter(MODEL_SNAPSHOT_QUEUE, jobId, reason, data, this.clock.now());
    this.logger.warn(`${MODEL_SNAPSHOT_QUEUE} job ${jobId} rejected: ${reason}`);
    return { status: 'rejected', reason };
  }
}
