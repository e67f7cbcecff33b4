import { ConflictException, NotFoundException } from '@nestjs/common';
import { CorridorDecisionView, CorridorRecommendationStatus, DecisionKind, PlanSummaryView, TimingPlanMessage, TimingPlanMessageSchema } from '@crosscast/contracts';
import type { EntityManager } from 'typeorm';
import type { LiveGateway } from '../gateways/live.gateway';
import type { ClockRepository } from '../repositories/clock.repository';
import type { CorridorDecideOutcome, CorridorRecommendationsRepository } from '../repositories/corridor-recommendations.repository';
import type { Decider } from '../repositories/decisions.repository';
import { FencedError } from '../repositories/leadership.repository';
import type { TimingPlanPublisher } from '../repositories/timing-plan-publisher.repository';
import { CorridorDecisionService } from './corridor-decision.service';
import type { LeadershipService } from './leadership.service';

/**
 * One decision for a whole corridor, with in-memory repositories (the SQL, its lock order and
 * the supersede rules are covered by test/integration/corridor-recommendations.int-spec.ts):
 * an accepted corridor plan becomes one TimingPlanMessage per crossing (coordinated, or free), marked
 * published only when every one reached the queue, and sent again while some did not.
 */
const plan = (crossingId: string, offsetSeconds: number): PlanSummaryView => ({
  planId: null,
  recommendationId: '5',
  cycleSeconds: 100,
  phases: [
    { name: 'NS', approaches: [`${crossingId}:N`, `${crossingId}:S`], greenSeconds: 50 },
    { name: 'EW', approaches: [`${crossingId}:E`, `${crossingId}:W`], greenSeconds: 40 },
  ],
  coordination: { corridorRecommendationId: '5', corridor: 'WARRIGAL RD: 0970 → 2000', offsetSeconds, coordinatedPhase: 'NS', splitSeconds: [55, 45], minGreenSeconds: 7, passageSeconds: 2, amberSeconds: 3, allRedSeconds: 2 },
});

class MemoryCorridors {
  readonly status = new Map<string, CorridorRecommendationStatus>([['5', 'pending']]);
  readonly crossings = ['0970', '2000', '2200'];
  readonly plansDisabled = new Set<string>();
  readonly decisions = new Map<string, CorridorDecisionView>();
  readonly published = new Map<string, Date>();
  readonly automatic = new Map<string, { action: string; note: string }>();
  /** How many writes ran a fence. */
  fenced = 0;

  async decide(id: string, decision: DecisionKind, reason: string | null, decider: Decider, at: Date, fence?: (manager: EntityManager) => Promise<void>): Promise<CorridorDecideOutcome> {
    if (fence) {
      this.fenced++;
      await fence({} as EntityManager);
    }
    const status = this.status.get(id);
    if (!status) return { status: 'unknown-recommendation' };
    const earlier = [...this.decisions.values()].find((d) => d.corridorRecommendationId === id);
    if (earlier) return { status: 'already-decided', decision: earlier };
    if (status !== 'pending') return { status: 'not-pending', recommendationStatus: status };
    const off = this.crossings.find((c) => this.plansDisabled.has(c));
    if (decision === 'accepted' && off) return { status: 'plans-disabled', crossingId: off };
    this.status.set(id, decision);
    const view: CorridorDecisionView = { id: String(this.decisions.size + 1), corridorRecommendationId: id, corridor: 'WARRIGAL RD: 0970 → 2000', crossingIds: this.crossings, decision, reason, decidedBy: decider.username, decidedByRole: decider.role, decidedAt: at.toISOString(), previousPlans: {}, publishedAt: null };
    this.decisions.set(view.id, view);
    return { status: 'decided', decision: view, recommendation: {} as never };
  }

  async decisionPlans(): Promise<Record<string, PlanSummaryView>> {
    return Object.fromEntries(this.crossings.map((c, i) => [c, plan(c, i * 12)]));
  }

  async markPublished(id: string, at: Date): Promise<void> {
    if (!this.published.has(id)) this.published.set(id, at);
  }

  async unpublished(): Promise<CorridorDecisionView[]> {
    return [...this.decisions.values()].filter((d) => d.decision === 'accepted' && !this.published.has(d.id));
  }

  async byId(): Promise<null> {
    return null;
  }

  async recordAutomaticOutcome(id: string, outcome: { action: string; note: string }, fence?: (manager: EntityManager) => Promise<void>): Promise<void> {
    if (fence) {
      this.fenced++;
      await fence({} as EntityManager);
    }
    this.automatic.set(id, outcome);
  }
}

describe('CorridorDecisionService', () => {
  const AT = new Date('2026-01-01T08:00:00Z');
  const operator = { id: '2', username: 'operator', displayName: 'Operator', role: 'operator' as const };
  let services: CorridorDecisionService[] = [];

  const setup = () => {
    const repo = new MemoryCorridors();
    const sent: TimingPlanMessage[] = [];
    /** The queue refuses the plans of these crossings (Redis going down half-way through). */
    const refuse = new Set<string>();
    const publisher = {
      publish: async (m: TimingPlanMessage) => {
        if (refuse.has(m.crossingId)) throw new Error('Connection is closed.');
        sent.push(m);
      },
    } as unknown as TimingPlanPublisher;
    const emitted: Array<[string, unknown]> = [];
    const live = { emit: (event: string, payload: unknown) => emitted.push([event, payload]) } as unknown as LiveGateway;
    /** The leader's fence: passes while `leading.epoch` is the city's (`leading.cityEpoch`). */
    const leading = { epoch: 3, cityEpoch: 3 };
    const leadership = {
      assertLeading: async () => {
        if (leading.epoch !== leading.cityEpoch) throw new FencedError(leading.epoch, leading.cityEpoch);
      },
    } as unknown as LeadershipService;
    const service = new CorridorDecisionService(repo as unknown as CorridorRecommendationsRepository, publisher, live, { now: () => AT } as unknown as ClockRepository, leadership);
    services.push(service);
    return { repo, sent, refuse, emitted, service, leading };
  };

  afterEach(() => {
    for (const s of services) s.onModuleDestroy();
    services = [];
    jest.useRealTimers();
  });

  it('accepting sends every crossing its coordinated plan for the common cycle boundary, then marks it published and tells every dashboard once', async () => {
    const { service, sent, repo, emitted } = setup();
    const decision = await service.decide('5', 'accepted', ' green wave ', operator);
    expect(decision).toMatchObject({ corridorRecommendationId: '5', decision: 'accepted', reason: 'green wave', publishedAt: AT.toISOString() });
    expect(sent.map((m) => [m.crossingId, m.planId, m.coordination?.offsetSeconds]).sort()).toEqual([['0970', 'cor-5-0970', 0], ['2000', 'cor-5-2000', 12], ['2200', 'cor-5-2200', 24]]);
    for (const m of sent) expect(TimingPlanMessageSchema.parse(m)).toMatchObject({ effectiveFrom: 'common-cycle-boundary', cycleSeconds: 100, acceptedBy: 'operator', recommendationId: '5', coordination: { corridorRecommendationId: '5', coordinatedPhase: 'NS', splitSeconds: [55, 45] } });
    expect(repo.published.get(decision.id)).toEqual(AT);
    expect(emitted).toEqual([['corridor-decided', decision]]);
  });

  it("a group's free crossing gets the actuated settings from its next boundary, and no coordination", async () => {
    const { service, sent, repo } = setup();
    const coordinated = repo.decisionPlans.bind(repo);
    repo.decisionPlans = async () => {
      const plans = await coordinated();
      const { coordination: _c, ...rest } = plans['2200'];
      plans['2200'] = { ...rest, actuated: { corridorRecommendationId: '5', corridor: 'WARRIGAL RD: 0970 → 2000', minGreenSeconds: 7, maxGreenSeconds: 45, passageSeconds: 2.5, amberSeconds: 3, allRedSeconds: 2 } };
      return plans;
    };
    await service.decide('5', 'accepted', undefined, operator);
    const free = TimingPlanMessageSchema.parse(sent.find((m) => m.crossingId === '2200'));
    expect(free).toMatchObject({ effectiveFrom: 'next-cycle-boundary', planId: 'cor-5-2200', actuated: { corridorRecommendationId: '5', minGreenSeconds: 7, maxGreenSeconds: 45, passageSeconds: 2.5 } });
    expect(free.coordination).toBeUndefined();
    expect(sent.filter((m) => m.coordination).map((m) => m.crossingId).sort()).toEqual(['0970', '2000']);
  });

  it('refuses as the operator would need to hear it: unknown (404), decided before, no longer pending, a crossing without plans (409)', async () => {
    const { service, repo, sent } = setup();
    await expect(service.decide('6', 'accepted', undefined, operator)).rejects.toBeInstanceOf(NotFoundException);
    await expect(service.byId('6')).rejects.toBeInstanceOf(NotFoundException);
    repo.plansDisabled.add('2000');
    await expect(service.decide('5', 'accepted', undefined, operator)).rejects.toThrow(/crossing 2000 of the corridor does not take plans/);
    // Rejecting needs no plans.
    const rejected = await service.decide('5', 'rejected', undefined, operator);
    const again = service.decide('5', 'accepted', undefined, operator);
    await expect(again).rejects.toBeInstanceOf(ConflictException);
    await again.catch((e: ConflictException) => expect(e.getResponse()).toMatchObject({ message: expect.stringMatching(/already rejected by operator/), decision: rejected }));
    repo.status.set('7', 'superseded');
    await expect(service.decide('7', 'accepted', undefined, operator)).rejects.toThrow(/is superseded: only a pending one can be decided/);
    expect(sent).toEqual([]);
  });

  it('a queue that fails half-way leaves the decision unpublished, and the plans are sent again until every crossing has its own', async () => {
    jest.useFakeTimers();
    const { service, sent, refuse, repo, emitted } = setup();
    service.onModuleInit();
    // (Plans go out in the order of the stored record's keys: 2000, 2200, then 0970.)
    refuse.add('2200');
    const decision = await service.decide('5', 'accepted', undefined, operator);
    expect(decision.publishedAt).toBeNull();
    expect(sent.map((m) => m.crossingId)).toEqual(['2000']);
    expect(emitted).toHaveLength(1);
    refuse.clear();
    await jest.advanceTimersByTimeAsync(10_000);
    // Every crossing's plan sent (2000's twice: its job id makes the queue keep one), then marked.
    expect(sent.map((m) => m.crossingId)).toEqual(['2000', '2000', '2200', '0970']);
    expect(new Set(sent.map((m) => m.planId)).size).toBe(3);
    expect(repo.published.get(decision.id)).toEqual(AT);
    await jest.advanceTimersByTimeAsync(20_000);
    expect(sent).toHaveLength(4);
  });

  it("fences automatic applications by the leader's epoch: a deposed leader's decides, publishes and records nothing; an operator's decision is not fenced", async () => {
    const { service, repo, sent, emitted, leading } = setup();
    const verdict = { action: 'apply' as const, note: 'applied automatically: 3 crossings within the guard rails' };
    expect(await service.applyAutomatically('5', verdict)).toMatchObject({ status: 'decided', decision: { decidedBy: 'automatic' } });
    expect(sent).toHaveLength(3);
    repo.status.set('6', 'pending');
    leading.cityEpoch = 4;
    await expect(service.applyAutomatically('6', verdict)).rejects.toBeInstanceOf(FencedError);
    expect(repo.status.get('6')).toBe('pending');
    expect([...repo.decisions.values()].map((d) => d.corridorRecommendationId)).toEqual(['5']);
    expect(sent).toHaveLength(3);
    expect(emitted).toHaveLength(1);
    // The hold note of an application refused at the last moment is the leader's write too: deposed in between, it is not written.
    leading.cityEpoch = 3;
    repo.status.set('7', 'superseded');
    const decide = repo.decide.bind(repo);
    repo.decide = async (...args) => {
      const outcome = await decide(...args);
      leading.cityEpoch = 5;
      return outcome;
    };
    await expect(service.applyAutomatically('7', verdict)).rejects.toBeInstanceOf(FencedError);
    expect(repo.automatic.size).toBe(0);
    repo.decide = decide;
    // Operators decide through any instance, leader or not.
    const fencedBefore = repo.fenced;
    await service.decide('6', 'rejected', undefined, operator);
    expect(repo.fenced).toBe(fencedBefore);
    expect(repo.status.get('6')).toBe('rejected');
  });
});
