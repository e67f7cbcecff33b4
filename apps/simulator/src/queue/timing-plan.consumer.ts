import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import { SignedTimingPlanMessageSchema, TIMING_PLAN_QUEUE, TimingPlanMessage, hasValidSignature, parseMessage, timingPlanJobId } from '@crosscast/contracts';
import { redisConnectionOptions } from '@crosscast/runtime';
import { PlanOutcome } from '../services/simulated-street';

/**
 * Consumes the timing plans fusion sends (accepted recommendations). A plan that does not
 * validate, is not signed with the link key fusion and the simulator share, arrives under
 * another job id than its own (a job placed to pre-empt the real plan), or does not fit the crossing, fails its job without retry (kept, with the
 * reason) and the simulation carries on with the plan it runs.
 */
export class TimingPlanConsumer {
  private readonly logger = new Logger('timing-plans');
  private worker: Worker | null = null;
  applied = 0;
  rejected = 0;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly apply: (plan: TimingPlanMessage) => PlanOutcome,
    private readonly linkKey: Buffer,
  ) {}

  start(): void {
    this.worker = new Worker(TIMING_PLAN_QUEUE, (job) => this.handle(job), {
      connection: { ...redisConnectionOptions(this.redisUrl), maxRetriesPerRequest: null },
      prefix: this.prefix,
      concurrency: 1,
      removeOnComplete: { count: 1000 },
    });
    this.worker.on('error', (error) => this.logger.warn(`queue error: ${error.message}`));
    this.logger.log(`consuming ${TIMING_PLAN_QUEUE} (prefix ${this.prefix}): plans apply at each crossing's next cycle boundary`);
  }

  private async handle(job: Job): Promise<{ planId: string; greenSeconds: number[] }> {
    const parsed = parseMessage(SignedTimingPlanMessageSchema, job.data);
    if (!parsed.ok) return this.reject(job, `invalid timing plan: ${parsed.reason}`);
    if (!hasValidSignature(parsed.value, this.linkKey)) return this.reject(job, `timing plan ${parsed.value.planId}: signature does not match the simulator link key`);
    if (job.id !== timingPlanJobId(parsed.value.planId, this.linkKey)) return this.reject(job, `timing plan ${parsed.value.planId}: job id ${job.id} is not the plan's own`);
    const { sig: _sig, ...plan } = parsed.value;
    const outcome = this.apply(plan);
    if (!outcome.ok) return this.reject(job, `timing plan ${plan.planId} for ${plan.crossingId} refused: ${outcome.reason}`);
    this.applied++;
    const who = plan.acceptedBy ? `, accepted by ${plan.acceptedBy}${plan.recommendationId ? ` (recommendation ${plan.recommendationId})` : ''}` : '';
    if ('coordinated' in outcome) {
      const c = outcome.coordinated;
      this.logger.log(`plan ${plan.planId} for ${plan.crossingId}${who}: coordinated-actuated, cycle ${c.cycleSeconds} s, offset ${c.offsetSeconds} s, splits ${c.splitSeconds.join('/')} s, from the next common cycle boundary`);
      return { planId: plan.planId, greenSeconds: c.splitSeconds.map((split) => split - c.amberSeconds - c.allRedSeconds) };
    }
    if ('actuated' in outcome) {
      const a = outcome.actuated;
      this.logger.log(`plan ${plan.planId} for ${plan.crossingId}${who}: free (actuated), min green ${a.minGreenSeconds} s, max green ${a.maxGreenSeconds} s, passage ${a.gapSeconds} s, from the next boundary`);
      return { planId: plan.planId, greenSeconds: [] };
    }
    this.logger.log(`plan ${plan.planId} for ${plan.crossingId}${who}: cycle ${plan.cycleSeconds} s, greens ${outcome.plan.greenSeconds.join('/')} s, from the next cycle boundary`);
    return { planId: plan.planId, greenSeconds: outcome.plan.greenSeconds };
  }

  private reject(job: Job, reason: string): never {
    this.rejected++;
    this.logger.warn(`job ${job.id}: ${reason}`);
    throw new UnrecoverableError(reason);
  }

  async close(): Promise<void> {
    await this.worker?.close();
  }
}
