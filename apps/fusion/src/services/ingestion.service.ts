import { Inject, Injectable, Logger } from '@nestjs/common';
import { FUSION_CONFIG, FusionConfig } from '../config';
import {
  ForecastMessage,
  ForecastMessageSchema,
  ForecastView,
  HeartbeatMessageSchema,
  ObservationView,
  hasValidSignature,
  parseMessage,
} from '@crosscast/contracts';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { ForecastStoreRepository, isDataException } from '../repositories/forecast-store.repository';
import { unparsableJobData } from '../repositories/queue.repository';
import { LiveGateway } from '../gateways/live.gateway';
import { CityFusionService } from './city-fusion.service';
import { SEQ_JUMP_WINDOW, admissionProblem } from './forecast-admission';
import { LiveUpdatesService } from './live-updates.service';
import { RecommendationService } from './recommendation.service';

/**
 * Replay window: a forecast not stored before whose seq is more than this many behind the
 * highest seq accepted from its crossing is refused as replayed (or hopelessly old). Wide
 * enough for BullMQ's concurrent, out-of-order delivery and for a worker's buffer replayed
 * after a long outage (a worker sends about one forecast per interval: 2,000 is three weeks
 * of 15-minute intervals), narrow enough that a captured old message cannot be slipped in.
 * A worker's seq never goes back (it is journalled before use), so honest workers never hit it.
 */
export const SEQ_REPLAY_WINDOW = 2000;

export type IngestOutcome = { status: 'stored'; forecastId: string } | { status: 'duplicate' } | { status: 'outdated' } | { status: 'rejected'; reason: string };

/** Thrown for messages that must never be retried; the job is kept as failed. */
export class RejectedMessageError extends Error {}

/**
 * Takes one message off a queue: validates it against the shared schema and the city's
 * crossings, stores it once, has it planned from (RecommendationService: at most one
 * recommendation per crossing and planning period), and tells the dashboards. A bad
 * message becomes a dead-letter row with the reason; it never stops the consumer. Each
 * newly stored forecast also feeds the city fusion model.
 */
@Injectable()
export class IngestionService {
  private readonly logger = new Logger(IngestionService.name);

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    @Inject(WORKER_KEYS) private readonly keys: WorkerKeys,
    private readonly store: ForecastStoreRepository,
    private readonly city: CityRepository,
    private readonly clock: ClockRepository,
    private readonly recommendations: RecommendationService,
    private readonly live: LiveGateway,
    private readonly updates: LiveUpdatesService,
    private readonly fusion: CityFusionService,
  ) {}

  /**
   * Worker identity: the signature must match the key of the crossing the message names
   * (so one crossing's key cannot write another's data), and the message must not claim
   * to come from the future.
   */
  private checkIdentity(message: { crossingId: string; sentAt: string; sig: string }): string | null {
    const key = this.keys.keyFor(message.crossingId);
    if (!key) return `no signing key is provisioned for crossing ${message.crossingId}`;
    if (!hasValidSignature(message, key)) return `signature does not match crossing ${message.crossingId}'s key`;
    const aheadMs = Date.parse(message.sentAt) - this.clock.now().getTime();
    if (aheadMs > this.config.MAX_CLOCK_SKEW_SECONDS * 1000) return `sentAt ${message.sentAt} is ${Math.round(aheadMs / 1000)} s in the future`;
    return null;
  }

  async ingestForecast(queue: string, jobId: string, data: unknown): Promise<IngestOutcome> {
    const raw = unparsableJobData(data);
    if (raw !== null) return this.refuse(queue, jobId, 'job data is not valid JSON', raw);
    const parsed = parseMessage(ForecastMessageSchema, data);
    const reason = parsed.ok ? (this.checkAgainstCity(parsed.value) ?? this.checkIdentity(parsed.value)) : `schema: ${parsed.reason}`;
    if (!parsed.ok || reason) {
      await this.store.recordDeadLetter(queue, jobId, reason as string, data, this.clock.now());
      this.logger.warn(`forecast job ${jobId} rejected: ${reason}`);
      return { status: 'rejected', reason: reason as string };
    }
    const message = parsed.value;
    const receivedAt = this.clock.now();
    let outcome: Awaited<ReturnType<ForecastStoreRepository['storeForecast']>>;
    try {
      outcome = await this.store.storeForecast(message, receivedAt, SEQ_REPLAY_WINDOW, SEQ_JUMP_WINDOW);
    } catch (error) {
      // Schema-valid but unstorable values (a seq beyond bigint, a NUL in a text) would fail
      // every retry: refuse the message instead. The transaction rolled back: nothing written.
      if (!isDataException(error)) throw error;
      return this.refuse(queue, jobId, `database refused the values: ${(error as Error).message}`, data);
    }
    if (!outcome.stored && outcome.reason === 'replayed') {
      const replayed = `seq ${message.seq} is replayed or too old: more than ${SEQ_REPLAY_WINDOW} behind crossing ${message.crossingId}'s highest accepted seq ${outcome.highestSeq}`;
      await this.store.recordDeadLetter(queue, jobId, replayed, data, receivedAt);
      this.logger.warn(`forecast job ${jobId} rejected: ${replayed}`);
      return { status: 'rejected', reason: replayed };
    }
    if (!outcome.stored && outcome.reason === 'seq-jump') {
      const jump = `seq-jump: seq ${message.seq} is more than ${SEQ_JUMP_WINDOW} ahead of crossing ${message.crossingId}'s highest accepted seq ${outcome.highestSeq}; an honest worker never jumps so far (if it really did, an admin can reset the crossing's sequence)`;
      return this.refuse(queue, jobId, jump, data);
    }
    if (!outcome.stored) {
      // Planning is idempotent per crossing and period: a redelivery after a crash between
      // storing and planning still gets its period planned, otherwise this is a no-op.
      await this.recommendations.evaluateForecast(message);
      return { status: 'duplicate' };
    }
    // Only after the commit, and only for a message stored now: a redelivery never feeds twice.
    this.fusion.record(message, receivedAt);

    this.live.emit('forecast', toForecastView(message, receivedAt));
    for (const earlier of message.earlierObserved ?? []) this.live.emit('observation', toObservationView(message.crossingId, earlier));
    this.live.emit('observation', toObservationView(message.crossingId, message.observed));
    await this.recommendations.evaluateForecast(message);
    this.updates.markDirty();
    return { status: 'stored', forecastId: outcome.forecastId };
  }

  async ingestHeartbeat(queue: string, jobId: string, data: unknown): Promise<IngestOutcome> {
    const raw = unparsableJobData(data);
    if (raw !== null) return this.refuse(queue, jobId, 'job data is not valid JSON', raw);
    const parsed = parseMessage(HeartbeatMessageSchema, data);
    const reason = !parsed.ok
      ? `schema: ${parsed.reason}`
      : !this.city.get(parsed.value.crossingId)
        ? `unknown crossing ${parsed.value.crossingId}`
        : this.checkIdentity(parsed.value);
    if (!parsed.ok || reason) {
      await this.store.recordDeadLetter(queue, jobId, reason as string, data, this.clock.now());
      return { status: 'rejected', reason: reason as string };
    }
    // A heartbeat says "alive at sentAt": never later than it arrived, and one that waited in
    // the queue longer than the offline limit (fusion was down) says nothing about now.
    const receivedAt = this.clock.now();
    const aliveAt = new Date(Math.min(Date.parse(parsed.value.sentAt), receivedAt.getTime()));
    if (receivedAt.getTime() - aliveAt.getTime() > this.config.OFFLINE_AFTER_SECONDS * 1000) return { status: 'outdated' };
    try {
      await this.store.recordHeartbeat(parsed.value, aliveAt);
    } catch (error) {
      if (!isDataException(error)) throw error;
      return this.refuse(queue, jobId, `database refused the values: ${(error as Error).message}`, data);
    }
    this.updates.markDirty();
    return { status: 'stored', forecastId: '' };
  }

  private async refuse(queue: string, jobId: string, reason: string, data: unknown): Promise<IngestOutcome> {
    await this.store.recordDeadLetter(queue, jobId, reason, data, this.clock.now());
    this.logger.warn(`${queue} job ${jobId} rejected: ${reason}`);
    return { status: 'rejected', reason };
  }

  /**
   * Checks a schema-valid forecast against the city: known crossing, its own approaches,
   * horizons in step, and what a signed message may claim (forecast-admission.ts: a
   * finished interval, a possible seq, counts and bands under the physical ceiling).
   */
  private checkAgainstCity(message: ForecastMessage): string | null {
    const crossing = this.city.get(message.crossingId);
    if (!crossing) return `unknown crossing ${message.crossingId}`;
    const known = new Set(crossing.approaches.map((a) => a.id));
    const named = [...Object.keys(message.observed.approaches), ...message.horizons.flatMap((h) => Object.keys(h.approaches))];
    const foreign = [...new Set(named.filter((id) => !known.has(id)))];
    if (foreign.length) return `approach ${foreign.slice(0, 3).join(', ')} does not belong to crossing ${message.crossingId}`;
    const basedOn = Date.parse(message.basedOnIntervalStart);
    for (const h of message.horizons) {
      if (Date.parse(h.intervalStart) !== basedOn + h.stepsAhead * message.intervalMinutes * 60_000) {
        return `horizons.${h.stepsAhead}: intervalStart must be basedOnIntervalStart + stepsAhead intervals`;
      }
    }
    return admissionProblem(message, { nowMs: this.clock.now().getTime(), maxClockSkewMs: this.config.MAX_CLOCK_SKEW_SECONDS * 1000, approachCount: crossing.approaches.length });
  }
}

function toForecastView(message: ForecastMessage, receivedAt: Date): ForecastView {
  return {
    messageId: message.messageId,
    crossingId: message.crossingId,
    basedOnIntervalStart: new Date(message.basedOnIntervalStart).toISOString(),
    intervalMinutes: message.intervalMinutes,
    receivedAt: receivedAt.toISOString(),
    model: message.model,
    realInputShare: message.quality.realInputShare,
    qualityFlags: message.quality.flags,
    horizons: message.horizons.map((h) => ({ ...h, intervalStart: new Date(h.intervalStart).toISOString() })),
  };
}

function toObservationView(crossingId: string, observed: ForecastMessage['observed']): ObservationView {
  return {
    crossingId,
    intervalStart: new Date(observed.intervalStart).toISOString(),
    total: observed.total,
    approaches: observed.approaches,
    filledShare: observed.filledShare,
  };
}
