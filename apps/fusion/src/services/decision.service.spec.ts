import { ConflictException, NotFoundException } from '@nestjs/common';
import { DecisionKind, DecisionView, PlanSummaryView, RecommendationStatus, TimingPlanMessage, TimingPlanMessageSchema } from '@crosscast/contracts';
import type { LiveGateway } from '../gateways/live.gateway';
import type { EntityManager } from 'typeorm';
import type { ClockRepository } from '../repositories/clock.repository';
import { DecideOutcome, Decider, DecisionsRepository } from '../repositories/decisions.repository';
import { FencedError } from '../repositories/leadership.repository';
import type { TimingPlanPublisher } from '../repositories/timing-plan-publisher.repository';
import { DecisionService } from './decision.service';
import type { LeadershipService } from './leadership.service';

/**
 * The decision workflow's rules with in-memory repositories (the SQL and its locking are
 * covered by test/integration/operator-workflow.int-spec.ts): what each outcome becomes
 * for the operator, publishing after the decision is kept, and plans that could not be
 * published sent again later.
 */
const PLAN: PlanSummaryView = { planId: null, recommendationId: '7', cycleSeconds: 90, phases: [{ name: 'NS', approaches: ['0970:N', '0970:S'], greenSeconds: 40 }, { name: 'EW', approaches: ['0970:E', '0970:W'], greenSeconds: 38 }] };

/** Recommendations and decisions in memory, deciding as the SQL does: the fence first, then once, only pending ones, only where plans are taken. */
class MemoryDecisions {
  readonly recommendations = new Map<string, { crossingId: string; status: RecommendationStatus; plansEnabled: boolean }>();
  readonly decided = new Map<string, DecisionView>();
  readonly published = new Map<string, Date>();
  /** How many decisions ran a fence. */
  fenced = 0;

  async decide(
    recommendationId: string,
    decision: DecisionKind,
    reason: string | null,
    decider: Decider,
    at: Date,
    plan?: Pick<PlanSummaryView, 'cycleSeconds' | 'phases'>,
    fence?: (manager: EntityManager) => Promise<void>,
  ): Promise<DecideOutcome> {
    if (fence) {
      this.fenced++;
      await fence({} as EntityManager);
    }
    const rec = this.recommendations.get(recommendationId);
    if (!rec) return { status: 'unknown-recommendation' };
    const existing = this.decided.get(recommendationId);
    if (existing) return { status: 'already-decided', decision: { ...existing, publishedAt: this.published.get(existing.id)?.toISOString() ?? null } };
    if (rec.status !== 'pending') return { status: 'not-pending', recommendationStatus: rec.status, crossingId: rec.crossingId };
    if (decision === 'accepted' && !rec.plansEnabled) return { status: 'plans-disabled', crossingId: rec.crossingId };
    rec.status = decision;
    const view: DecisionView = {
      id: String(this.decided.size + 1),
      recommendationId,
      crossingId: rec.crossingId,
      decision,
      reason,
      decidedBy: decider.username,
      decidedByRole: decider.role,
      decidedAt: at.toISOString(),
      plan: { ...PLAN, recommendationId, ...(plan ?? {}) },
      previousPlan: null,
      publishedAt: null,
    };
    this.decided.set(recommendationId, view);
    return { status: 'decided', decision: view };
  }

  async markPublished(decisionId: string, at: Date): Promise<void> {
    if (!this.published.has(decisionId)) this.published.set(decisionId, at);
  }

  async unpublished(): Promise<DecisionView[]> {
    return [...this.decided.values()].filter((d) => d.decision === 'accepted' && !this.published.has(d.id));
  }
}

describe('DecisionService', () => {
  const AT = new Date('2026-01-01T08:00:00Z');
  const operator = { id: '2', username: 'operator', displayName: 'Operator', role: 'operator' as const };
  let stopped: DecisionService[] = [];

  const setup = () => {
    const repo = new MemoryDecisions();
    const sent: TimingPlanMessage[] = [];
    const queue = { down: false };
    const publisher = {
      publish: async (message: TimingPlanMessage) => {
        if (queue.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        sent.push(message);
      },
    } as unknown as TimingPlanPublisher;
    const emitted: Array<[string, unknown]> = [];
    const live = { emit: (event: string, payload: unknown) => emitted.push([event, payload]) } as unknown as LiveGateway;
    const clock = { now: () => AT } as unknown as ClockRepository;
    /** The leader's fence: passes while `leading.epoch` is the city's (`leading.cityEpoch`). */
    const leading = { epoch: 3, cityEpoch: 3 };
    const leadership = {
      assertLeading: async () => {
        if (leading.epoch !== leading.cityEpoch) throw new FencedError(leading.epoch, leading.cityEpoch);
      },
    } as unknown as LeadershipService;
    const service = new DecisionService(repo as unknown as DecisionsRepository, publisher, live, clock, leadership);
    stopped.push(service);
    for (const [id, crossingId] of [['7', '0970'], ['8', '2000']]) repo.recommendations.set(id, { crossingId, status: 'pending', plansEnabled: true });
    return { repo, sent, queue, emitted, service, leading };
  };

  afterEach(() => {
    for (const s of stopped) s.onModuleDestroy();
    stopped = [];
    jest.useRealTimers();
  });

  it('accepting keeps the decision, sends the plan for the next cycle boundary, then tells every dashboard', async () => {
    const { service, sent, emitted, repo } = setup();
    const decision = await service.decide('7', 'accepted', '  peak coming  ', operator);
    expect(decision).toMatchObject({ recommendationId: '7', crossingId: '0970', decision: 'accepted', reason: 'peak coming', decidedBy: 'operator', publishedAt: AT.toISOString() });
    expect(sent).toHaveLength(1);
    expect(TimingPlanMessageSchema.parse(sent[0])).toMatchObject({ crossingId: '0970', planId: 'rec-7', recommendationId: '7', cycleSeconds: 90, acceptedBy: 'operator', effectiveFrom: 'next-cycle-boundary' });
    expect(sent[0].phases.map((p) => p.greenSeconds)).toEqual([40, 38]);
    expect(repo.published.get(decision.id)).toEqual(AT);
    expect(emitted).toEqual([['recommendation-decided', decision]]);
  });

  it('rejecting sends no plan; an empty reason is kept as none', async () => {
    const { service, sent, emitted } = setup();
    const decision = await service.decide('8', 'rejected', '   ', operator);
    expect(decision).toMatchObject({ decision: 'rejected', reason: null, publishedAt: null });
    expect(sent).toEqual([]);
    expect(emitted).toEqual([['recommendation-decided', decision]]);
  });

  it('answers 404 for an unknown recommendation and 409 naming the first decision, a superseded or expired one, or a crossing without plans', async () => {
    const { service, repo, emitted } = setup();
    await expect(service.decide('99', 'accepted', undefined, operator)).rejects.toBeInstanceOf(NotFoundException);

    const first = await service.decide('7', 'accepted', undefined, operator);
    const again = service.decide('7', 'rejected', undefined, { ...operator, username: 'admin', role: 'admin' as const });
    await expect(again).rejects.toBeInstanceOf(ConflictException);
    await again.catch((e: ConflictException) => expect(e.getResponse()).toMatchObject({ message: expect.stringMatching(/already accepted by operator/), decision: first }));

    repo.recommendations.set('9', { crossingId: '0970', status: 'superseded', plansEnabled: true });
    await expect(service.decide('9', 'accepted', undefined, operator)).rejects.toThrow(/superseded by a newer recommendation for crossing 0970/);
    repo.recommendations.set('10', { crossingId: '0970', status: 'expired', plansEnabled: true });
    await expect(service.decide('10', 'accepted', undefined, operator)).rejects.toThrow(/is expired: only a pending recommendation can be decided/);
    repo.recommendations.set('11', { crossingId: '2000', status: 'pending', plansEnabled: false });
    await expect(service.decide('11', 'accepted', undefined, operator)).rejects.toThrow(/crossing 2000 does not take plans/);
    // Only the one decision that was made reached the dashboards.
    expect(emitted).toHaveLength(1);
  });

  it('keeps an accepted decision when the queue is down, and sends the plan once it is back', async () => {
    jest.useFakeTimers();
    const { service, sent, queue, repo, emitted } = setup();
    service.onModuleInit();
    queue.down = true;
    const decision = await service.decide('7', 'accepted', undefined, operator);
    expect(decision.publishedAt).toBeNull();
    expect(emitted).toEqual([['recommendation-decided', decision]]);
    expect(sent).toEqual([]);
    // Still down at the next round: nothing sent, nothing lost.
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sent).toEqual([]);
    queue.down = false;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sent.map((m) => m.planId)).toEqual(['rec-7']);
    expect(repo.published.get(decision.id)).toEqual(AT);
    // Sent once: later rounds find nothing unpublished.
    await jest.advanceTimersByTimeAsync(30_000);
    expect(sent).toHaveLength(1);
  });

  it('applies automatically through the same path, with the plan the guard rails allow, under the name "automatic"', async () => {
    const { service, sent } = setup();
    const clipped = { cycleSeconds: 80, phases: [{ name: 'NS', approaches: ['0970:N', '0970:S'], greenSeconds: 35 }, { name: 'EW', approaches: ['0970:E', '0970:W'], greenSeconds: 33 }] };
    const outcome = await service.applyAutomatically('7', clipped, 'applied automatically (clipped)');
    expect(outcome).toMatchObject({ status: 'decided', decision: { decidedBy: 'automatic', decidedByRole: 'automatic', reason: 'applied automatically (clipped)' } });
    expect(sent[0]).toMatchObject({ cycleSeconds: 80, acceptedBy: 'automatic' });
    // An outcome that is not a decision is handed back (the caller records why), not thrown.
    expect(await service.applyAutomatically('7', clipped, 'again')).toMatchObject({ status: 'already-decided' });
  });

  it("fences automatic applications by the leader's epoch: a deposed leader's decides, publishes and tells nothing; an operator's decision is not fenced", async () => {
    const { service, repo, sent, emitted, leading } = setup();
    const clipped = { cycleSeconds: 80, phases: [{ name: 'NS', approaches: ['0970:N', '0970:S'], greenSeconds: 35 }, { name: 'EW', approaches: ['0970:E', '0970:W'], greenSeconds: 33 }] };
    leading.cityEpoch = 4;
    await expect(service.applyAutomatically('7', clipped, 'applied automatically')).rejects.toBeInstanceOf(FencedError);
    expect(repo.decided.size).toBe(0);
    expect(repo.recommendations.get('7')!.status).toBe('pending');
    expect(sent).toEqual([]);
    expect(emitted).toEqual([]);
    // Operators decide through any instance, leader or not.
    await service.decide('8', 'accepted', undefined, operator);
    expect(repo.fenced).toBe(1);
    expect(sent.map((m) => m.planId)).toEqual(['rec-8']);
  });
});
