import { Inject, Injectable, Logger } from '@nestjs/common';
import { CorridorAutomaticOutcomeView, CorridorCrossingView, CorridorFreeCrossingView, CorridorRecommendationView, CrossingDefinition, PlanningInputSource } from '@crosscast/contracts';
import {
  ActuatedAdviceGroup, AdviceChange, AdviceCorridor, AdviceCrossing, CrossingOperation, DEFAULT_ACTUATED_ADVICE, SignalPlan, actuatedGroups, adviseActuatedGroups, corridorBandSeconds, cutCorridors, shouldRecommend,
} from '@crosscast/signal-timing';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { LiveGateway } from '../gateways/live.gateway';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { CorridorRecommendationsRepository } from '../repositories/corridor-recommendations.repository';
import { PlanningContext, RecommendationsRepository } from '../repositories/recommendations.repository';
import { SyncRunner, runNow } from './cost-bound';
import { CorridorAutomaticMember, corridorAutomaticOutcome } from './automatic-guard';
import { CorridorDecisionService } from './corridor-decision.service';
import { CityFusionService } from './city-fusion.service';
import { LeadershipService } from './leadership.service';
import { RecommendationService } from './recommendation.service';
import { StatusService } from './status.service';
import { adviceCrossing, changeView, roadCorridors, runningOperation } from './group-advice-inputs';
import { PlanningForecast, comparedPlan, planningPeriodStartMs, planningWindowEndMs, toSignalPlan } from './planning-inputs';

/** A road run of crossings close enough for platoons (road order): consecutive ones at most 400 m apart by road. */
export interface Corridor {
  /** "HIGH STREET RD: 0970 → 2000". */
  name: string;
  road: string;
  crossings: CrossingDefinition[];
  /** The phase carrying the road (at its first crossing; each crossing's own in `coordinatedPhases`). */
  coordinatedPhase: string;
  coordinatedPhases: string[];
}

/** What a crossing was last planned from (PlanningService keeps the newest per crossing). */
export interface PlannedInput {
  forecast: PlanningForecast;
  source: PlanningInputSource;
}

/**
 * Signal advice in the product, from the fused forecasts PlanningService planned each
 * crossing from: `adviseActuatedGroups` (libs/signal-timing), the function bench:timing
 * scores as crosscast_actuated. The city's roads are cut where consecutive crossings are
 * over 400 m apart by road; corridors that share a crossing form one group with one common
 * cycle; a crossing on none is a group of its own and runs free. Once per planning period,
 * when every crossing of a group was planned from a forecast of this period (in the
 * period's last interval: those that were, the others cut out), the group is advised: per crossing a
 * coordinated-actuated plan or free operation, against what runs there (a group's running
 * actuated operation: `groupChanges`' gates; a fixed-time plan: the advice is adopted when
 * its expected gain passes the hysteresis). The changes are stored as one recommendation
 * the operator accepts for every crossing at once, with automatic mode's verdict on it
 * (`corridorAutomaticOutcome`); an `apply` is accepted at once as user `automatic`
 * (CorridorDecisionService.applyAutomatically). The leader runs it (PlanningService);
 * the write is fenced by its epoch.
 */
@Injectable()
export class CorridorPlanningService {
  private readonly logger = new Logger(CorridorPlanningService.name);
  private cached: { corridors: AdviceCorridor[]; pieces: Corridor[] } | null = null;
  /** Per crossing, the planning period it was last advised in. */
  private readonly advisedPeriod = new Map<string, number>();
  /** Crossings whose group the advice refused the last time it was planned (the fixed-time planner advises them meanwhile). */
  private readonly refused = new Set<string>();

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly city: CityRepository,
    private readonly fusion: CityFusionService,
    private readonly planner: RecommendationService,
    private readonly recommendations: RecommendationsRepository,
    private readonly corridors: CorridorRecommendationsRepository,
    private readonly live: LiveGateway,
    private readonly clock: ClockRepository,
    private readonly leadership: LeadershipService,
    private readonly decisions: CorridorDecisionService,
    private readonly status: StatusService,
  ) {}

  /** The roads as the advice reads them (uncut), and their pieces within platoon distance. */
  private roads(): { corridors: AdviceCorridor[]; pieces: Corridor[] } {
    if (this.cached) return this.cached;
    const corridors = roadCorridors(this.fusion.roads(), (id) => this.city.get(id));
    const pieces = actuatedGroups(corridors, () => 0, DEFAULT_ACTUATED_ADVICE.maxSpacingM).flatMap((g) => g.corridors);
    this.cached = {
      corridors,
      pieces: pieces.map((p) => ({
        name: `${p.name}: ${p.crossings[0]} → ${p.crossings[p.crossings.length - 1]}`,
        road: p.name,
        crossings: p.crossings.map((id) => this.city.get(id)!),
        coordinatedPhase: p.coordinatedPhases[0],
        coordinatedPhases: p.coordinatedPhases,
      })),
    };
    return this.cached;
  }

  /** The city's corridors: every run of two or more crossings along a road within platoon distance. */
  list(): Corridor[] {
    return this.roads().pieces;
  }

  /**
   * What advises a crossing instead of a per-crossing fixed-time plan (the evaluation's
   * reason names it): the corridors it is on, or free operation for a crossing on none.
   * Null where no group advice exists: SIGNAL_ADVICE=fixed-time (controllers that cannot
   * run actuated), a crossing unknown to the city, or one whose group's advice was refused
   * the last time (the planner threw on its inputs: logged); the fixed-time planner
   * advises those.
   */
  groupAdviceFor(crossingId: string): string | null {
    if (this.config.SIGNAL_ADVICE !== 'actuated' || !this.city.get(crossingId) || this.refused.has(crossingId)) return null;
    const on = this.list().filter((c) => c.crossings.some((x) => x.id === crossingId));
    return on.length > 0 ? on.map((c) => c.name).join(' and ') : 'free operation (on no corridor)';
  }

  /**
   * Advises each group due in the period of `nowIntervalMs` (see the class comment).
   * Returns the recommendations made. Nothing with SIGNAL_ADVICE=fixed-time.
   */
  async planDue(latest: ReadonlyMap<string, PlannedInput>, nowIntervalMs: number, runMaths: SyncRunner = runNow): Promise<CorridorRecommendationView[]> {
    if (this.config.SIGNAL_ADVICE !== 'actuated') return [];
    const periodMinutes = this.config.PLANNING_PERIOD_MINUTES;
    const periodMs = planningPeriodStartMs(nowIntervalMs, periodMinutes);
    // In the period's last interval a group stops waiting for crossings not planned yet (a stopped worker): they are cut out.
    const lastCall = nowIntervalMs >= periodMs + (periodMinutes - this.city.city.intervalMinutes) * 60_000;
    const present = new Set<string>();
    for (const [id, input] of latest) {
      if (planningPeriodStartMs(Date.parse(input.forecast.basedOnIntervalStart), periodMinutes) === periodMs && this.city.get(id)) present.add(id);
    }
    if (present.size === 0) return [];
    const groups = this.groups();
    const grouped = new Set(groups.flat());
    for (const id of present) if (!grouped.has(id)) groups.push([id]);
    const made: CorridorRecommendationView[] = [];
    for (const group of groups) {
      const due = group.filter((id) => (this.advisedPeriod.get(id) ?? -Infinity) < periodMs);
      const here = due.filter((id) => present.has(id));
      if (here.length === 0 || (here.length < due.length && !lastCall)) continue;
      for (const id of here) this.advisedPeriod.set(id, periodMs);
      try {
        made.push(...(await this.adviseGroup(here, latest, periodMs, runMaths)));
        for (const id of here) this.refused.delete(id);
      } catch (error) {
        // Deterministic for these inputs: not retried in this period; the fixed-time planner advises these crossings until their group is advised again.
        for (const id of here) this.refused.add(id);
        this.logger.warn(`group ${here.join(', ')}: no advice for the period from ${new Date(periodMs).toISOString()}: ${(error as Error).message}`);
      }
    }
    return made;
  }

  /** Corridor plans automatic mode decided to apply but did not (the process stopped in between): run by a new leader before it plans. */
  resumeAutomaticApplies(): Promise<number> {
    return this.decisions.resumeAutomaticApplies();
  }

  /** The city's groups: crossings joined by corridors within platoon distance (corridors sharing a crossing are one group). */
  private groups(): string[][] {
    return actuatedGroups(this.roads().corridors, () => 0, DEFAULT_ACTUATED_ADVICE.maxSpacingM).map((g) => [...g.crossings]);
  }

  private async adviseGroup(members: string[], latest: ReadonlyMap<string, PlannedInput>, periodMs: number, runMaths: SyncRunner): Promise<CorridorRecommendationView[]> {
    const intervalMinutes = this.city.city.intervalMinutes;
    const inGroup = new Set(members);
    const crossings: AdviceCrossing[] = [];
    const running = new Map<string, CrossingOperation | null>();
    // The whole group's database reads in a few queries, not a few per crossing.
    const contexts = await this.recommendations.planningContexts(members.map((crossingId) => ({ crossingId, periodStart: new Date(periodMs) })));
    const withoutPlan = members.filter((id) => !contexts.get(id)!.runningPlan);
    const observationsOf = await this.planner.observationsForBasePlans(withoutPlan, intervalMinutes);
    for (const id of members) {
      const crossing = this.city.get(id)!;
      const context = contexts.get(id)!;
      const operation = runningOperation(context.runningPlan);
      running.set(id, operation);
      let fixed: SignalPlan | undefined;
      if (!operation) {
        const observations = observationsOf.get(id) ?? [];
        fixed = toSignalPlan(comparedPlan(crossing, context.runningPlan, observations, intervalMinutes, this.city.basePlan(id)));
      }
      crossings.push(adviceCrossing(crossing, latest.get(id)!.forecast, this.config.PLANNING_HORIZON_MINUTES, fixed));
    }
    const corridors = cutCorridors(this.roads().corridors, (id) => inGroup.has(id));
    const advice = runMaths(() => adviseActuatedGroups({ crossings, corridors, running }));
    const hysteresis = { minGainSeconds: this.config.MIN_GAIN_SECONDS, minGainShare: this.config.MIN_GAIN_SHARE };
    const made: CorridorRecommendationView[] = [];
    for (const group of advice.groups) {
      if (group.changes.length === 0) continue;
      const flow = group.changes.reduce((s, c) => s + c.flowVehPerHour, 0);
      const mean = (pick: (c: AdviceChange) => number) => (flow > 0 ? group.changes.reduce((s, c) => s + pick(c) * c.flowVehPerHour, 0) / flow : 0);
      const before = mean((c) => c.expectedDelayRunningSeconds ?? c.expectedDelayPlanSeconds);
      const after = mean((c) => c.expectedDelayPlanSeconds);
      const verdict = { gainSeconds: before - after, gainShare: before > 0 ? (before - after) / before : 0 };
      // Leaving a fixed-time plan is worth a transition only for the planner's usual gain; changes between actuated operations passed groupChanges' gates.
      if (group.changes.some((c) => c.kind === 'adopted') && !shouldRecommend(verdict, hysteresis)) continue;
      const automatic = await this.automaticVerdict(group, running, contexts, latest, periodMs);
      const stored = await this.store(group, verdict, { before, after }, latest, periodMs, automatic);
      if (!stored) continue;
      if (automatic?.action === 'apply') {
        try {
          await this.decisions.applyAutomatically(stored.id, automatic);
        } catch (error) {
          // Stored as decided to apply: the planning sweep finishes it (resumeAutomaticApplies).
          this.logger.warn(`corridor recommendation ${stored.id}: automatic application not finished (retried by the planning sweep): ${(error as Error).message}`);
        }
      }
      made.push((await this.corridors.byId(stored.id)) ?? stored);
    }
    return made;
  }

  /**
   * Automatic mode's verdict on a group's changes (corridorAutomaticOutcome): null when it is
   * off at every crossing changed; else apply or hold, from each crossing's gates (freshness,
   * worker and forecast quality, plans enabled, a plan on record, time since its last
   * automatic change) and the common cycle against the guard rails.
   */
  private async automaticVerdict(
    group: ActuatedAdviceGroup,
    running: ReadonlyMap<string, CrossingOperation | null>,
    contexts: ReadonlyMap<string, PlanningContext>,
    latest: ReadonlyMap<string, PlannedInput>,
    periodMs: number,
  ): Promise<CorridorAutomaticOutcomeView | null> {
    if (!group.changes.some((c) => contexts.get(c.crossingId)?.automatic.enabled)) return null;
    const { statuses } = await this.status.statuses();
    const members: CorridorAutomaticMember[] = group.changes.map((c) => {
      const context = contexts.get(c.crossingId)!;
      const status = statuses.find((s) => s.crossingId === c.crossingId);
      const now = running.get(c.crossingId);
      return {
        crossingId: c.crossingId,
        automaticEnabled: context.automatic.enabled,
        gate: {
          freshness: status?.freshness ?? 'unknown',
          workerStatus: status?.workerStatus ?? null,
          qualityFlags: latest.get(c.crossingId)?.forecast.quality.flags ?? [],
          hasRunningPlan: context.runningPlan !== null,
          plansEnabled: context.automatic.plansEnabled,
          periodStartMs: periodMs,
          lastAppliedPeriodStartMs: context.lastAutomaticPeriodStart?.getTime() ?? null,
        },
        kind: c.kind,
        advisedCycleSeconds: c.operation.coordinated ? c.operation.plan.cycleSeconds : null,
        runningCycleSeconds: now?.coordinated ? now.plan.cycleSeconds : null,
      };
    });
    return corridorAutomaticOutcome(members, this.planner.guardRails);
  }

  private async store(
    group: ActuatedAdviceGroup,
    verdict: { gainSeconds: number; gainShare: number },
    delays: { before: number; after: number },
    latest: ReadonlyMap<string, PlannedInput>,
    periodMs: number,
    automatic: CorridorAutomaticOutcomeView | null,
  ): Promise<CorridorRecommendationView | null> {
    const busiest = group.corridors[0];
    const first = busiest ? busiest.crossings[0] : group.crossings[0];
    const last = busiest ? busiest.crossings[busiest.crossings.length - 1] : group.crossings[0];
    const more = busiest ? group.crossings.length - busiest.crossings.length : 0;
    const name = busiest ? `${busiest.name}: ${first} → ${last}${more > 0 ? ` + ${more} more` : ''}` : `${first} (no corridor)`;
    const road = busiest ? busiest.name : (this.city.get(first)?.name ?? first);
    const linkToNext = (id: string): number | null => {
      for (const c of group.plan?.corridors ?? group.corridors) {
        const i = c.crossings.indexOf(id);
        if (i >= 0 && i < c.crossings.length - 1) return c.distancesM[i];
      }
      return null;
    };
    const coordinated: CorridorCrossingView[] = [];
    const free: CorridorFreeCrossingView[] = [];
    for (const change of group.changes) {
      const view = changeView(this.city.get(change.crossingId)!, change, name, linkToNext(change.crossingId), latest.get(change.crossingId)!.source);
      if ('coordinated' in view) coordinated.push(view.coordinated);
      else free.push(view.free);
    }
    const plans = new Map([...group.advice].filter(([, op]) => op.coordinated).map(([id, op]) => [id, op.plan]));
    const coordinatedCorridor = (group.plan?.corridors ?? [])[0];
    const band = coordinatedCorridor ? corridorBandSeconds(coordinatedCorridor, plans) : { outbound: 0, inbound: 0 };
    const cycleSeconds = group.plan?.cycleSeconds ?? group.advice.get(group.crossings[0])!.plan.cycleSeconds;
    const inputs = group.changes.map((c) => latest.get(c.crossingId)!);
    const basedOn = Math.max(...inputs.map((x) => Date.parse(x.forecast.basedOnIntervalStart)));
    const validUntil = Math.min(...inputs.map((x) => planningWindowEndMs(x.forecast, this.config.PLANNING_HORIZON_MINUTES)));
    const kinds = [...new Set(group.changes.map((c) => KIND_TEXT[c.kind]))].join(', ');
    const parts = [coordinated.length ? `${coordinated.length} coordinated on a common ${cycleSeconds} s cycle` : '', free.length ? `${free.length} free (actuated, no cycle)` : ''].filter(Boolean).join(' and ');
    const reason =
      `${busiest ? `Group of ${group.crossings.length} crossings along ${group.corridors.map((c) => c.name).join(', ')}` : `Crossing ${first}, on no corridor`}: ` +
      `${parts} (${kinds}); expected delay ${delays.before.toFixed(1)} → ${delays.after.toFixed(1)} s/veh at the ${group.changes.length} crossing${group.changes.length === 1 ? '' : 's'} changed ` +
      `(${Math.round(verdict.gainShare * 100)} % less).`;
    const stored = await this.corridors.store(
      {
        corridor: name,
        road,
        crossingIds: group.changes.map((c) => c.crossingId),
        planningPeriodStart: new Date(periodMs),
        basedOnIntervalStart: new Date(basedOn),
        validUntil: new Date(validUntil),
        cycleSeconds,
        bandwidthSeconds: { outbound: Math.round(band.outbound * 10) / 10, inbound: Math.round(band.inbound * 10) / 10 },
        crossings: coordinated,
        freeCrossings: free,
        expectedDelayRunningSeconds: round2(delays.before),
        expectedDelayPlanSeconds: round2(delays.after),
        gainSeconds: round2(verdict.gainSeconds),
        gainShare: Math.round(verdict.gainShare * 1000) / 1000,
        reason,
        createdAt: this.clock.now(),
        automatic,
      },
      (manager) => this.leadership.assertLeading(manager),
    );
    if (stored) this.live.emit('corridor-recommendation', stored);
    return stored;
  }
}

const KIND_TEXT: Record<AdviceChange['kind'], string> = {
  adopted: 'from the fixed-time plans running',
  'to-coordinated': 'joining the coordination',
  'to-free': 'leaving it to run free',
  're-timed': 're-timed',
};

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
