import { Inject, Injectable, Logger } from '@nestjs/common';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { ForecastMessage, HeartbeatMessage } from '@crosscast/contracts';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { ForecastStoreRepository, StoreOutcome, isDataException } from '../repositories/forecast-store.repository';
import { unparsableJobData } from '../repositories/queue.repository';
import { IngestEvents } from './ingest-events';
import { SEQ_JUMP_WINDOW, admissionProblem } from './forecast-admission';
import { CheckedKind, MessageVerdict, signingKeyOf, verdictOf } from '../queue/message-checks';

/**
 * Replay window: a forecast not stored before whose seq is more than this many behind the
 * highest seq accepted from its crossing is refused as replayed (or hopelessly old). Wide
 * enough for BullMQ's concurrent, out-of-order delivery and for a worker's buffer replayed
 * after a long outage (a worker sends about one forecast per interval: 2,000 is three weeks
 * of 15-minute intervals), narrow enough that a captured old message cannot be slipped in.
 * A worker's seq never goes back (it is journalled before use), so honest workers never hit it.
 */
export const SEQ_REPLAY_WINDOW = 2000;

export type IngestOutcome = { status: 'stored'; forecastId: string } | { status: 'duplicate' } | { status: 'rejected'; reason: string };
/** An outcome, or an error its job must fail with so that BullMQ retries it. */
export type IngestResult = IngestOutcome | { status: 'retry'; error: Error };
export interface IngestJob {
  queue: string;
  jobId: string;
  data: unknown;
  /** The message's schema and signature verdict when it was checked already (MessageCheckPool); else it is checked here. */
  verdict?: MessageVerdict;
}
/** A forecast job whose message passed every check before storage. */
export interface CheckedForecast {
  job: IngestJob;
  message: ForecastMessage;
}

function settled(result: IngestResult): IngestOutcome {
  if (result.status === 'retry') throw result.error;
  return result;
}


/** Thrown for messages that must never be retried; the job is kept as failed. */
export class RejectedMessageError extends Error {}

/**
 * Takes messages off the queues: validates each against the shared schema and the city's
 * crossings, stores it once, and tells the dashboards. A bad message becomes a dead-letter
 * row with the reason; it never stops the consumer. Each newly stored forecast feeds the
 * city fusion model, and through it planning (PlanningService, on the leader, after the
 * city step that holds the forecast): a job is done once its message is stored, it never
 * waits for planning.
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
    private readonly events: IngestEvents,
  ) {}

  /**
   * Worker identity: the signature must match the key of the crossing the message names
   * (so one crossing's key cannot write another's data), and the message must not claim
   * to come from the future.
   */
  private checkIdentity(message: { crossingId: string; sentAt: string }, signature: 'valid' | 'invalid' | 'no-key'): string | null {
    if (signature === 'no-key') return `no signing key is provisioned for crossing ${message.crossingId}`;
    if (signature === 'invalid') return `signature does not match crossing ${message.crossingId}'s key`;
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
   * order), then each newly stored one feeds the city fusion (and so planning) and its
   * crossing's room. Returns one result per job, in order; a `retry` result is an error its
   * job must fail with (BullMQ retries it).
   */
  async ingestForecasts(jobs: IngestJob[]): Promise<IngestResult[]> {
    const results: Array<IngestResult | null> = [];
    const valid: CheckedForecast[] = [];
    for (const job of jobs) {
      const checked = await this.checkForecastJob(job);
      if ('result' in checked) results.push(checked.result);
      else {
        results.push(null);
        valid.push(checked);
      }
    }
    const stored = await this.storeCheckedForecasts(valid);
    let k = 0;
    return results.map((r) => r ?? stored[k++]);
  }

  /**
   * One forecast job's checks (JSON, schema, city, signature): a refusal is dead-lettered
   * and is its result; a message that passes goes on to `storeCheckedForecasts`. The queue
   * consumer runs this as each job arrives, so checking never waits behind a batch being
   * written.
   */
  async checkForecastJob(job: IngestJob): Promise<CheckedForecast | { result: IngestResult }> {
    const raw = unparsableJobData(job.data);
    if (raw !== null) return { result: await this.refuse(job.queue, job.jobId, 'job data is not valid JSON', raw) };
    const verdict = job.verdict ?? this.verdictHere('forecast', job.data);
    if (verdict.schema !== null) return { result: await this.refuse(job.queue, job.jobId, `schema: ${verdict.schema}`, job.data) };
    // The message as received: it passed the strict schema, which changes nothing in a
    // message it accepts, so this is the value zod would return, without zod's copy.
    const message = job.data as ForecastMessage;
    const reason = this.checkAgainstCity(message) ?? this.checkIdentity(message, verdict.signature);
    if (reason) return { result: await this.refuse(job.queue, job.jobId, reason, job.data) };
    return { job, message };
  }

  /** Schema and signature, on this thread (a job the checker threads did not see). */
  private verdictHere(kind: CheckedKind, data: unknown): MessageVerdict {
    return verdictOf(kind, data, signingKeyOf(data, this.keys));
  }

  /**
   * Stores checked forecasts in one transaction (ForecastStoreRepository.storeForecasts:
   * each once, seq rules in batch order), then each newly stored one feeds the city fusion
   * (and so planning) and its crossing's room. One result per message, in order.
   */
  async storeCheckedForecasts(checked: CheckedForecast[]): Promise<IngestResult[]> {
    const results: IngestResult[] = [];
    const valid = checked.map((c, index) => ({ ...c, index }));
    if (valid.length === 0) return results;
    const receivedAt = this.clock.now();
    const outcomes = await this.storeWithFallback(valid, receivedAt);
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
        // A redelivery: stored before, so fed and planned from before (a crash before planning
        // is caught by the new leader's sweep, PlanningService).
        results[index] = { status: 'duplicate' };
      } else {
        // Only after the commit, and only for a message stored now: a redelivery never feeds twice.
        this.events.forecastStored(message, receivedAt);
        results[index] = { status: 'stored', forecastId: outcome.forecastId };
      }
    }
    if (outcomes.some((o) => 'stored' in o && o.stored)) this.events.batchWritten();
    return results;
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
      const verdict = job.verdict ?? this.verdictHere('heartbeat', job.data);
      const heartbeat = job.data as HeartbeatMessage;
      const reason =
        verdict.schema !== null
          ? `schema: ${verdict.schema}`
          : !this.city.get(heartbeat.crossingId)
            ? `unknown crossing ${heartbeat.crossingId}`
            : this.checkIdentity(heartbeat, verdict.signature);
      if (reason) {
        await this.store.recordDeadLetter(job.queue, job.jobId, reason, job.data, this.clock.now());
        results.push({ status: 'rejected', reason });
        continue;
      }
      // A heartbeat says "alive at sentAt", never later than it arrived. One that waited in the
      // queue (fusion fell behind, or was down) is kept as what it is, alive *then*: the store
      // keeps the newest per crossing, and StatusService judges offline at the time fusion
      // has heard up to, so an old heartbeat never makes a crossing look alive now. (Until
      // 2026-12-06 such heartbeats were dropped as outdated: a backlog longer than the
      // offline limit then turned every crossing offline.)
      const aliveAt = new Date(Math.min(Date.parse(heartbeat.sentAt), this.clock.now().getTime()));
      results.push(null);
      valid.push({ index, job, heartbeat, aliveAt });
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
    this.events.batchWritten();
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
