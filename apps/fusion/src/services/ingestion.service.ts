import { Inject, Injectable, Logger } from '@nestjs/common';
import { FUSION_CONFIG, FusionConfig } from '../config';
import {
  ForecastMessage,
  ForecastMessageSchema,
  ForecastView,
  HeartbeatMessage,
  HeartbeatMessageSchema,
  ObservationView,
  hasValidSignature,
  parseMessage,
} from '@crosscast/contracts';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { ForecastStoreRepository, StoreOutcome, isDataException } from '../repositories/forecast-store.repository';
import { unparsableJobData } from '../repositories/queue.repository';
import { LiveGateway } from '../gateways/live.gateway';
import { CityFusionService } from './city-fusion.service';
import { PlanningLanes } from '../queue/planning-lanes';
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
/** An outcome, or an error its job must fail with so that BullMQ retries it. */
export type IngestResult = IngestOutcome | { status: 'retry'; error: Error };
export interface IngestJob {
  queue: string;
  jobId: string;
  data: unknown;
}

/**
 * Crossings planned side by side (PlanningLanes). One evaluation runs up to five queries at
 * once and the database pool has 10 connections: more lanes starve the store (measured).
 */
const PLANNING_PARALLELISM = 1;

/** A stored job's result once its planning is done; a planning error makes the job retry. */
export async function settlePlanning(result: IngestResult, planned: Promise<void> | null): Promise<IngestResult> {
  if (!planned) return result;
  try {
    await planned;
    return result;
  } catch (error) {
    return { status: 'retry', error: error as Error };
  }
}

function settled(result: IngestResult): IngestOutcome {
  if (result.status === 'retry') throw result.error;
  return result;
}


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
  private readonly planning: PlanningLanes;

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
  ) {
    this.planning = new PlanningLanes((message) => this.recommendations.evaluateForecast(message), PLANNING_PARALLELISM);
  }

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

  /** One forecast job; throws what would make BullMQ retry it. */
  async ingestForecast(queue: string, jobId: string, data: unknown): Promise<IngestOutcome> {
    return settled((await this.ingestForecasts([{ queue, jobId, data }]))[0]);
  }

  /**
   * A micro-batch of forecast jobs (QueueConsumers): each message is checked on its own
   * (schema, city, signature; a bad one is dead-lettered), the good ones are stored in one
   * transaction (ForecastStoreRepository.storeForecasts: each once, seq rules in batch
   * order), then each newly stored one feeds the city fusion and its crossing's room, and
   * each stored or duplicate one is handed to planning. Returns one result per job, in
   * order, with the promise of its planning (a job is done only when that settles); a
   * `retry` result is an error its job must fail with (BullMQ retries it).
   */
  async ingestForecastBatch(jobs: IngestJob[]): Promise<Array<{ result: IngestResult; planned: Promise<void> | null }>> {
    const results: Array<IngestResult | null> = [];
    const valid: Array<{ index: number; job: IngestJob; message: ForecastMessage }> = [];
    for (const [index, job] of jobs.entries()) {
      const raw = unparsableJobData(job.data);
      if (raw !== null) {
        results.push(await this.refuse(job.queue, job.jobId, 'job data is not valid JSON', raw));
        continue;
      }
      const parsed = parseMessage(ForecastMessageSchema, job.data);
      const reason = parsed.ok ? (this.checkAgainstCity(parsed.value) ?? this.checkIdentity(parsed.value)) : `schema: ${parsed.reason}`;
      if (!parsed.ok || reason) {
        results.push(await this.refuse(job.queue, job.jobId, reason as string, job.data));
        continue;
      }
      results.push(null);
      valid.push({ index, job, message: parsed.value });
    }
    if (valid.length === 0) return (results as IngestResult[]).map((result) => ({ result, planned: null }));

    const receivedAt = this.clock.now();
    const outcomes = await this.storeWithFallback(valid, receivedAt);
    const toPlan: Array<{ index: number; message: ForecastMessage; duplicate: boolean }> = [];
    for (const [k, { index, job, message }] of valid.entries()) {
      const outcome = outcomes[k];
      if ('refused' in outcome) {
        results[index] = await this.refuse(job.queue, job.jobId, outcome.refused, job.data);
      } else if (!outcome.stored && outcome.reason === 'replayed') {
        const replayed = `seq ${message.seq} is replayed or too old: more than ${SEQ_REPLAY_WINDOW} behind crossing ${message.crossingId}'s highest accepted seq ${outcome.highestSeq}`;
        results[index] = await this.refuse(job.queue, job.jobId, replayed, job.data);
      } else if (!outcome.stored && outcome.reason === 'seq-jump') {
        const jump = `seq-jump: seq ${message.seq} is more than ${SEQ_JUMP_WINDOW} ahead of crossing ${message.crossingId}'s highest accepted seq ${outcome.highestSeq}; an honest worker never jumps so far (if it really did, an admin can reset the crossing's sequence)`;
        results[index] = await this.refuse(job.queue, job.jobId, jump, job.data);
      } else if (!outcome.stored) {
        // Planning is idempotent per crossing and period: a redelivery after a crash between
        // storing and planning still gets its period planned, otherwise this is a no-op.
        results[index] = { status: 'duplicate' };
        toPlan.push({ index, message, duplicate: true });
      } else {
        // Only after the commit, and only for a message stored now: a redelivery never feeds twice.
        this.fusion.record(message, receivedAt);
        this.live.emitToCrossing(message.crossingId, 'forecast', toForecastView(message, receivedAt));
        for (const earlier of message.earlierObserved ?? []) this.live.emitToCrossing(message.crossingId, 'observation', toObservationView(message.crossingId, earlier));
        this.live.emitToCrossing(message.crossingId, 'observation', toObservationView(message.crossingId, message.observed));
        results[index] = { status: 'stored', forecastId: outcome.forecastId };
        toPlan.push({ index, message, duplicate: false });
      }
    }
    if (outcomes.some((o) => 'stored' in o && o.stored)) this.updates.markDirty();

    // Planning (PlanningLanes) runs after this returns, so the next batch is stored meanwhile.
    const planned = new Map<number, Promise<void>>(toPlan.map(({ index, message, duplicate }) => [index, this.planning.plan(message, duplicate)]));
    return (results as IngestResult[]).map((result, index) => ({ result, planned: planned.get(index) ?? null }));
  }

  /**
   * `ingestForecastBatch`, then each stored or duplicate job waits until it was planned from
   * (a planning error becomes a `retry` result).
   */
  async ingestForecasts(jobs: IngestJob[]): Promise<IngestResult[]> {
    const stored = await this.ingestForecastBatch(jobs);
    return Promise.all(stored.map(({ result, planned }) => settlePlanning(result, planned)));
  }

  /**
   * Stores the batch; if PostgreSQL refuses some value (a data exception rolls the whole
   * transaction back), stores the messages one at a time so only the bad one is refused.
   */
  private async storeWithFallback(valid: Array<{ message: ForecastMessage }>, receivedAt: Date): Promise<Array<StoreOutcome | { refused: string }>> {
    try {
      return await this.store.storeForecasts(valid.map((v) => v.message), receivedAt, SEQ_REPLAY_WINDOW, SEQ_JUMP_WINDOW);
    } catch (error) {
      // Schema-valid but unstorable values (a seq beyond bigint, a NUL in a text) would fail
      // every retry: refuse the message instead. The transaction rolled back: nothing written.
      if (!isDataException(error)) throw error;
      if (valid.length === 1) return [{ refused: `database refused the values: ${(error as Error).message}` }];
    }
    const outcomes: Array<StoreOutcome | { refused: string }> = [];
    for (const v of valid) outcomes.push(...(await this.storeWithFallback([v], receivedAt)));
    return outcomes;
  }

  /** One heartbeat job; throws what would make BullMQ retry it. */
  async ingestHeartbeat(queue: string, jobId: string, data: unknown): Promise<IngestOutcome> {
    return settled((await this.ingestHeartbeats([{ queue, jobId, data }]))[0]);
  }

  /**
   * A micro-batch of heartbeat jobs: each checked on its own (bad ones dead-lettered), the
   * good ones written in one newest-wins upsert, so they may arrive in any order.
   */
  async ingestHeartbeats(jobs: IngestJob[]): Promise<IngestResult[]> {
    const results: Array<IngestResult | null> = [];
    const valid: Array<{ index: number; job: IngestJob; heartbeat: HeartbeatMessage; aliveAt: Date }> = [];
    for (const [index, job] of jobs.entries()) {
      const raw = unparsableJobData(job.data);
      if (raw !== null) {
        results.push(await this.refuse(job.queue, job.jobId, 'job data is not valid JSON', raw));
        continue;
      }
      const parsed = parseMessage(HeartbeatMessageSchema, job.data);
      const reason = !parsed.ok
        ? `schema: ${parsed.reason}`
        : !this.city.get(parsed.value.crossingId)
          ? `unknown crossing ${parsed.value.crossingId}`
          : this.checkIdentity(parsed.value);
      if (!parsed.ok || reason) {
        await this.store.recordDeadLetter(job.queue, job.jobId, reason as string, job.data, this.clock.now());
        results.push({ status: 'rejected', reason: reason as string });
        continue;
      }
      // A heartbeat says "alive at sentAt": never later than it arrived, and one that waited in
      // the queue longer than the offline limit (fusion was down) says nothing about now.
      const receivedAt = this.clock.now();
      const aliveAt = new Date(Math.min(Date.parse(parsed.value.sentAt), receivedAt.getTime()));
      if (receivedAt.getTime() - aliveAt.getTime() > this.config.OFFLINE_AFTER_SECONDS * 1000) {
        results.push({ status: 'outdated' });
        continue;
      }
      results.push(null);
      valid.push({ index, job, heartbeat: parsed.value, aliveAt });
    }
    if (valid.length === 0) return results as IngestResult[];
    try {
      await this.store.recordHeartbeats(valid);
      for (const { index } of valid) results[index] = { status: 'stored', forecastId: '' };
    } catch (error) {
      if (!isDataException(error)) throw error;
      for (const v of valid) {
        try {
          await this.store.recordHeartbeats([v]);
          results[v.index] = { status: 'stored', forecastId: '' };
        } catch (single) {
          if (!isDataException(single)) throw single;
          results[v.index] = await this.refuse(v.job.queue, v.job.jobId, `database refused the values: ${(single as Error).message}`, v.job.data);
        }
      }
    }
    this.updates.markDirty();
    return results as IngestResult[];
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
