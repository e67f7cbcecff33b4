import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import { TIMING_PLAN_QUEUE, TimingPlanMessage, signMessage } from '@crosscast/contracts';
import { TimingPlanConsumer } from '../../apps/simulator/src/queue/timing-plan.consumer';
import { DEV_SIMULATOR_LINK_KEY, devPlanJobId } from '../support/forecast-factory';
import { TEST_REDIS_URL, clearRedisPrefix, uniqueName } from '../support/infrastructure';
import { recordSecurityCheck } from '../support/security-results';

/**
 * The street end of the timing-plan link against real Redis: the simulator's consumer runs
 * only plans fusion signed, delivered under the plan's own job id. Someone with access to
 * Redis but not the link key can neither forge a plan nor pre-empt the accepted one by
 * placing a job under a predictable id first.
 */
describe('timing plans fusion → street (real Redis)', () => {
  const prefix = uniqueName('ccplan');
  let redis: IORedis;
  let eventsRedis: IORedis;
  let queue: Queue;
  let events: QueueEvents;
  let consumer: TimingPlanConsumer;
  const applied: TimingPlanMessage[] = [];

  beforeAll(async () => {
    redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(TIMING_PLAN_QUEUE, { connection: redis, prefix });
    // BullMQ does not close a connection it was given, so the test keeps and closes it.
    eventsRedis = redis.duplicate();
    events = new QueueEvents(TIMING_PLAN_QUEUE, { connection: eventsRedis, prefix });
    await events.waitUntilReady();
    // The street accepts every plan that reaches it; what is tested is what reaches it.
    consumer = new TimingPlanConsumer(TEST_REDIS_URL, prefix, (plan) => {
      applied.push(plan);
      return { ok: true, plan: { greenSeconds: plan.phases.map((p) => p.greenSeconds) } } as never;
    }, DEV_SIMULATOR_LINK_KEY);
    consumer.start();
  }, 30_000);

  afterAll(async () => {
    await consumer?.close();
    await events?.close();
    await queue?.close();
    eventsRedis?.disconnect();
    redis?.disconnect();
    await clearRedisPrefix(prefix);
  }, 30_000);

  const plan = (recommendationId: string, cycleSeconds = 90): TimingPlanMessage => ({
    v: 1,
    crossingId: '0970',
    planId: `rec-${recommendationId}`,
    recommendationId,
    cycleSeconds,
    phases: [
      { name: 'north-south', approaches: ['0970:1'], greenSeconds: 40 },
      { name: 'east-west', approaches: ['0970:3'], greenSeconds: 38 },
    ],
    acceptedBy: 'operator',
    acceptedAt: '2026-12-04T08:00:00.000Z',
    effectiveFrom: 'next-cycle-boundary',
  });
  const send = async (data: unknown, jobId: string) => {
    const job = await queue.add('timing-plan', data, { jobId });
    return job.waitUntilFinished(events, 15_000).then(
      () => 'completed',
      (error: Error) => `failed: ${error.message}`,
    );
  };

  it('runs a plan fusion signed, under its own job id', async () => {
    expect(await send(signMessage(plan('41'), DEV_SIMULATOR_LINK_KEY), devPlanJobId('rec-41'))).toBe('completed');
    expect(applied.map((p) => p.planId)).toEqual(['rec-41']);
    expect(applied[0]).not.toHaveProperty('sig');
  });

  it('refuses unsigned, forged and tampered plans, and a signed plan under a pre-placed job id', async () => {
    expect(await send(plan('42'), devPlanJobId('rec-42'))).toMatch(/^failed: invalid timing plan: sig: Invalid input: expected string, received undefined/);
    expect(await send(signMessage(plan('45'), Buffer.alloc(32, 9)), devPlanJobId('rec-45'))).toMatch(/signature does not match the simulator link key/);
    const tampered = { ...signMessage(plan('43'), DEV_SIMULATOR_LINK_KEY), cycleSeconds: 200 };
    expect(await send(tampered, devPlanJobId('rec-43'))).toMatch(/signature does not match/);
    // The old, predictable id: a captured signed plan replayed under it is not the plan's own job.
    expect(await send(signMessage(plan('44'), DEV_SIMULATOR_LINK_KEY), 'rec-44')).toMatch(/job id rec-44 is not the plan's own/);
    expect(applied.map((p) => p.planId)).toEqual(['rec-41']);
    expect(devPlanJobId('rec-44')).toMatch(/^plan-[0-9a-f]{32}$/);
    recordSecurityCheck({
      finding: 4,
      attack: 'unsigned, forged and tampered timing plans; a signed plan under the old predictable job id rec-<id>',
      expected: 'the street refuses all of them; only the signed plan under its HMAC job id runs',
      observed: `4 refused with reasons; plans applied: ${applied.map((p) => p.planId).join(', ')}`,
      test: 'test/integration/timing-plan-link.int-spec.ts',
    });
  });
});
