import { Inject, Injectable, Logger } from '@nestjs/common';
import { CorridorCrossingView, CorridorRecommendationView, CrossingDefinition, PlanningInputSource } from '@crosscast/contracts';
import { ActuatedPhaseDemand, CorridorMember, DEFAULT_CORRIDOR_ADVICE, corridorAdvice, platoonRuns, shouldRecommend } from '@crosscast/signal-timing';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { LiveGateway } from '../gateways/live.gateway';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { CorridorRecommendationsRepository } from '../repositories/corridor-recommendations.repository';
import { RecommendationsRepository } from '../repositories/recommendations.repository';
import { CityFusionService } from './city-fusion.service';
import { LeadershipService } from './leadership.service';
import { RecommendationService } from './recommendation.service';
import { PlanningForecast, comparedPlan, laneGroupsFromForecast, phasing, planningPeriodStartMs, planningWindowEndMs, toSignalPlan } from './planning-inputs';

/** A road run of crossings close enough for platoons (road order). */
export interface Corridor {
  /** "HIGH STREET RD: 0970 → 2000". */
  name: string;
  road: string;
  crossings: CrossingDefinition[];
  /** The phase carrying the road: by the run's overall bearing. */
  coordinatedPhase: 'north-south' | 'east-west';
}

/** What a crossing was last planned from (PlanningService keeps the newest per crossing). */
export interface PlannedInput {
  forecast: PlanningForecast;
  source: PlanningInputSource;
}

/**
 * Corridor advice in the product: the city fusion's roads (crossings in road order) cut
 * into runs close enough for platoons (platoonRuns); once per planning period, when every
 * crossing of a run was planned from a forecast of that period, a coordinated-actuated
 * corridor plan (corridorAdvice in libs/signal-timing: common cycle, two-way offsets,
 * splits) is compared with the plans running there and, when its expected gain passes the
 * same hysteresis as single crossings, recommended for the whole corridor. The leader
 * runs it (PlanningService); the write is fenced by its epoch.
 */
@Injectable()
export class CorridorPlanningService {
  private readonly logger = new Logger(CorridorPlanningService.name);
  private cached: Corridor[] | null = null;
  /** Per corridor, the planning period it was last planned for. */
  private readonly plannedPeriod = new Map<string, number>();

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
  ) {}

  /** The city's corridors: every run of two or more crossings along a fusion road within platoon distance. */
  list(): Corridor[] {
    if (this.cached) return this.cached;
    const corridors: Corridor[] = [];
    for (const road of this.fusion.roads()) {
      const crossings = road.crossings.map((id) => this.city.get(id)).filter((c): c is CrossingDefinition => !!c && Number.isFinite(c.lat) && Number.isFinite(c.lon));
      for (const run of platoonRuns(crossings, DEFAULT_CORRIDOR_ADVICE.maxLinkMetres)) {
        const first = run[0];
        const last = run[run.length - 1];
        const northing = Math.abs(last.lat - first.lat);
        const easting = Math.abs(last.lon - first.lon) * Math.cos((first.lat * Math.PI) / 180);
        corridors.push({ name: `${road.road}: ${first.id} → ${last.id}`, road: road.road, crossings: run, coordinatedPhase: northing >= easting ? 'north-south' : 'east-west' });
      }
    }
    this.cached = corridors;
    return corridors;
  }

  /**
   * Plans each corridor not planned yet in the period of `nowIntervalMs` whose crossings
   * were all planned from forecasts of that period. Returns the recommendations made.
   */
  async planDue(latest: ReadonlyMap<string, PlannedInput>, nowIntervalMs: number): Promise<CorridorRecommendationView[]> {
    const periodMs = planningPeriodStartMs(nowIntervalMs, this.config.PLANNING_PERIOD_MINUTES);
    const made: CorridorRecommendationView[] = [];
    for (const corridor of this.list()) {
      if ((this.plannedPeriod.get(corridor.name) ?? -Infinity) >= periodMs) continue;
      const inputs = corridor.crossings.map((c) => latest.get(c.id));
      const inPeriod = (input: PlannedInput | undefined): input is PlannedInput =>
        !!input && planningPeriodStartMs(Date.parse(input.forecast.basedOnIntervalStart), this.config.PLANNING_PERIOD_MINUTES) === periodMs;
      if (!inputs.every(inPeriod)) continue;
      this.plannedPeriod.set(corridor.name, periodMs);
      try {
        const stored = await this.planCorridor(corridor, inputs as PlannedInput[], periodMs);
        if (stored) made.push(stored);
      } catch (error) {
        // Deterministic for these inputs: not retried in this period.
        this.logger.warn(`corridor ${corridor.name}: no plan for the period from ${new Date(periodMs).toISOString()}: ${(error as Error).message}`);
      }
    }
    return made;
  }

  private async planCorridor(corridor: Corridor, inputs: PlannedInput[], periodMs: number): Promise<CorridorRecommendationView | null> {
    const intervalMinutes = this.city.city.intervalMinutes;
    const members: CorridorMember[] = [];
    for (const [i, crossing] of corridor.crossings.entries()) {
      const { forecast } = inputs[i];
      const groups = laneGroupsFromForecast(crossing, forecast, this.config.PLANNING_HORIZON_MINUTES);
      const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
      const phases: ActuatedPhaseDemand[] = phasing(crossing).phases.map((p) => ({
        name: p.name,
        laneGroups: groups
          .filter((g) => g.phase === p.name)
          .map((g) => ({
            id: g.id,
            meanVehPerHour: mean(g.forecast.map((f) => f.meanVehPerHour)),
            upperVehPerHour: mean(g.forecast.map((f) => f.upper80VehPerHour)),
            saturationFlowVehPerHour: g.saturationFlowVehPerHour,
          })),
      }));
      const context = await this.recommendations.planningContext(crossing.id, new Date(periodMs));
      const observations = await this.planner.observationsForBasePlan(crossing.id, context.runningPlan, intervalMinutes);
      const compared = comparedPlan(crossing, context.runningPlan, observations, intervalMinutes, this.city.basePlan(crossing.id));
      members.push({ id: crossing.id, lat: crossing.lat, lon: crossing.lon, phases, coordinatedPhase: corridor.coordinatedPhase, runningPlan: toSignalPlan(compared) });
    }
    const advice = corridorAdvice(members);
    const hysteresis = { minGainSeconds: this.config.MIN_GAIN_SECONDS, minGainShare: this.config.MIN_GAIN_SHARE };
    if (!shouldRecommend(advice, hysteresis)) return null;

    const crossings: CorridorCrossingView[] = advice.crossings.map((part, i) => {
      const crossing = corridor.crossings[i];
      const { phaseOf } = phasing(crossing);
      const clearance = part.plan.amberSeconds + part.plan.allRedSeconds;
      return {
        crossingId: part.id,
        plan: {
          planId: null,
          recommendationId: '',
          cycleSeconds: part.plan.cycleSeconds,
          phases: part.plan.phases.map((p) => ({ name: p.name, approaches: crossing.approaches.filter((a) => phaseOf.get(a.id) === p.name).map((a) => a.id), greenSeconds: p.splitSeconds - clearance })),
          coordination: {
            corridorRecommendationId: '',
            corridor: corridor.name,
            offsetSeconds: part.plan.offsetSeconds,
            coordinatedPhase: part.plan.coordinatedPhase,
            splitSeconds: part.plan.phases.map((p) => p.splitSeconds),
            minGreenSeconds: part.plan.phases[0].minGreenSeconds,
            passageSeconds: part.plan.passageSeconds,
            amberSeconds: part.plan.amberSeconds,
            allRedSeconds: part.plan.allRedSeconds,
          },
        },
        linkToNextMetres: part.linkToNextMetres,
        expectedDelayRunningSeconds: round2(part.expectedDelayRunningSeconds),
        expectedDelayPlanSeconds: round2(part.expectedDelayPlanSeconds),
        inputSource: inputs[i].source,
      };
    });
    const basedOn = Math.max(...inputs.map((x) => Date.parse(x.forecast.basedOnIntervalStart)));
    const validUntil = Math.min(...inputs.map((x) => planningWindowEndMs(x.forecast, this.config.PLANNING_HORIZON_MINUTES)));
    const lengthMetres = crossings.reduce((s, c) => s + (c.linkToNextMetres ?? 0), 0);
    const reason =
      `Coordinating ${crossings.length} crossings of ${corridor.road} over ${lengthMetres} m at a common ${advice.cycleSeconds} s cycle ` +
      `(${corridor.coordinatedPhase} coordinated): through bands of ${Math.round(advice.bandwidthSeconds.outbound)} s outbound and ` +
      `${Math.round(advice.bandwidthSeconds.inbound)} s inbound; expected delay ${advice.expectedDelayRunningSeconds.toFixed(1)} → ` +
      `${advice.expectedDelayPlanSeconds.toFixed(1)} s/veh (${Math.round(advice.gainShare * 100)} % less).`;
    const stored = await this.corridors.store(
      {
        corridor: corridor.name,
        road: corridor.road,
        crossingIds: corridor.crossings.map((c) => c.id),
        planningPeriodStart: new Date(periodMs),
        basedOnIntervalStart: new Date(basedOn),
        validUntil: new Date(validUntil),
        cycleSeconds: advice.cycleSeconds,
        bandwidthSeconds: advice.bandwidthSeconds,
        crossings,
        expectedDelayRunningSeconds: round2(advice.expectedDelayRunningSeconds),
        expectedDelayPlanSeconds: round2(advice.expectedDelayPlanSeconds),
        gainSeconds: round2(advice.gainSeconds),
        gainShare: Math.round(advice.gainShare * 1000) / 1000,
        reason,
        createdAt: this.clock.now(),
      },
      (manager) => this.leadership.assertLeading(manager),
    );
    if (stored) this.live.emit('corridor-recommendation', stored);
    return stored;
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
