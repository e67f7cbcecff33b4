/**
 * The pure glue between fusion and `adviseActuatedGroups` (libs/signal-timing): the city's
 * roads become corridors with road distances and the phase that carries the road at each
 * crossing; a crossing's planned input becomes lane groups with per-horizon forecasts and
 * the last count; a running plan becomes the operation it runs; the advice becomes the
 * views a corridor recommendation stores. No Nest, no I/O, no clock.
 */
import { CorridorCrossingView, CorridorFreeCrossingView, CrossingDefinition, PlanActuatedView, PlanCoordinationView, PlanSummaryView, PlanningInputSource } from '@crosscast/contracts';
import { distanceM, normaliseRoad } from '@crosscast/network';
import { AdviceChange, AdviceCorridor, AdviceCrossing, CoordinatedActuatedPlan, CrossingOperation, DEFAULT_ACTUATED_DELAY, DEFAULT_ACTUATED_PLAN, SignalPlan } from '@crosscast/signal-timing';
import { PlanningForecast, laneGroupsFromForecast, phasing } from './planning-inputs';

/** Assumed free-flow speed along every road (no measured travel times), km/h. */
export const ROAD_SPEED_KMH = 50;

/**
 * Per road of the city (crossings in road order), the corridor `adviseActuatedGroups` cuts
 * and groups: road distance between consecutive crossings (along the road's crossings, as
 * the fusion graph measures its segments) and, per crossing, the phase of its approach on
 * that road. A crossing with no approach on the road splits the corridor there (as in
 * bench:timing).
 */
export function roadCorridors(roads: Array<{ road: string; crossings: string[] }>, crossingOf: (id: string) => CrossingDefinition | undefined, speedKmh = ROAD_SPEED_KMH): AdviceCorridor[] {
  const corridors: AdviceCorridor[] = [];
  for (const road of roads) {
    const roadName = normaliseRoad(road.road.replace(/ \(\d+\)$/, ''));
    let piece: AdviceCorridor | null = null;
    let previous: CrossingDefinition | null = null;
    for (const id of road.crossings) {
      const crossing = crossingOf(id);
      const approach = crossing?.approaches.find((a) => normaliseRoad(a.road) === roadName);
      const phase = crossing && approach ? phasing(crossing).phaseOf.get(approach.id) : undefined;
      if (!crossing || !phase) {
        piece = null;
        previous = null;
        continue;
      }
      if (!piece || !previous) {
        piece = { name: road.road, crossings: [], distancesM: [], coordinatedPhases: [], speedKmh };
        corridors.push(piece);
      } else {
        piece.distancesM.push(Math.round(distanceM(previous, crossing)));
      }
      piece.crossings.push(id);
      piece.coordinatedPhases.push(phase);
      previous = crossing;
    }
  }
  return corridors.filter((c) => c.crossings.length >= 2);
}

/** A crossing as the advice reads it: per approach (one lane group each) the forecasts inside the planning horizon and the last count. */
export function adviceCrossing(crossing: CrossingDefinition, forecast: PlanningForecast, horizonMinutes: number, runningFixedPlan?: SignalPlan): AdviceCrossing {
  return {
    id: crossing.id,
    phases: phasing(crossing).phases.map((p) => p.name),
    laneGroups: laneGroupsFromForecast(crossing, forecast, horizonMinutes).map((g) => ({
      id: g.id,
      phase: g.phase,
      saturationFlowVehPerHour: g.saturationFlowVehPerHour,
      forecast: g.forecast.map((f) => ({ meanVehPerHour: f.meanVehPerHour, upper80VehPerHour: f.upper80VehPerHour })),
      observedVehPerHour: g.currentVehPerHour,
    })),
    ...(runningFixedPlan ? { runningFixedPlan } : {}),
  };
}

/**
 * The operation a running plan is: a group's coordinated-actuated plan (its coordination
 * settings), free operation (`actuated`), or neither (a fixed-time plan, or nothing accepted):
 * null.
 */
export function runningOperation(plan: PlanSummaryView | null | undefined): CrossingOperation | null {
  if (!plan) return null;
  const c = plan.coordination;
  if (c) {
    const clearance = c.amberSeconds + c.allRedSeconds;
    const index = plan.phases.findIndex((p) => p.name === c.coordinatedPhase);
    if (index < 0 || c.splitSeconds.length !== plan.phases.length) return null;
    return { plan: coordinatedPlan(plan.cycleSeconds, c.offsetSeconds, index, plan.phases.map((p) => p.name), c.splitSeconds, c.minGreenSeconds, c.passageSeconds, DEFAULT_ACTUATED_PLAN.freePassageSeconds, c.amberSeconds, c.allRedSeconds, clearance), coordinated: true };
  }
  const a = plan.actuated;
  if (a) {
    const clearance = a.amberSeconds + a.allRedSeconds;
    return { plan: coordinatedPlan(plan.cycleSeconds, 0, 0, plan.phases.map((p) => p.name), plan.phases.map((p) => p.greenSeconds + clearance), a.minGreenSeconds, a.passageSeconds, a.passageSeconds, a.amberSeconds, a.allRedSeconds, clearance), coordinated: false };
  }
  return null;
}

function coordinatedPlan(cycle: number, offset: number, coordinatedIndex: number, names: string[], splits: number[], minGreen: number, passage: number, freePassage: number, amber: number, allRed: number, clearance: number): CoordinatedActuatedPlan {
  const forceOff = new Array<number>(names.length);
  let end = 0;
  for (let j = 0; j < names.length; j++) {
    const i = (coordinatedIndex + j) % names.length;
    end += splits[i];
    forceOff[i] = end - clearance;
  }
  return {
    method: 'coordinated-actuated',
    cycleSeconds: cycle,
    offsetSeconds: offset,
    coordinatedPhase: names[coordinatedIndex],
    coordinatedPhaseIndex: coordinatedIndex,
    passageSeconds: passage,
    freePassageSeconds: freePassage,
    amberSeconds: amber,
    allRedSeconds: allRed,
    phases: names.map((name, i) => ({ name, splitSeconds: splits[i], minGreenSeconds: minGreen, maxGreenSeconds: splits[i] - clearance, forceOffSeconds: forceOff[i], designFlowVehPerHour: 0 })),
    notes: [],
  };
}

/** The plan's phases as a plan summary shows them: approaches per phase, green = split − clearance. */
function summary(crossing: CrossingDefinition, plan: CoordinatedActuatedPlan): Pick<PlanSummaryView, 'planId' | 'recommendationId' | 'cycleSeconds' | 'phases'> {
  const { phaseOf } = phasing(crossing);
  const clearance = plan.amberSeconds + plan.allRedSeconds;
  return {
    planId: null,
    recommendationId: '',
    cycleSeconds: plan.cycleSeconds,
    phases: plan.phases.map((p) => ({ name: p.name, approaches: crossing.approaches.filter((a) => phaseOf.get(a.id) === p.name).map((a) => a.id), greenSeconds: p.splitSeconds - clearance })),
  };
}

export function coordinationView(plan: CoordinatedActuatedPlan, corridor: string): PlanCoordinationView {
  return {
    corridorRecommendationId: '',
    corridor,
    offsetSeconds: plan.offsetSeconds,
    coordinatedPhase: plan.coordinatedPhase,
    splitSeconds: plan.phases.map((p) => p.splitSeconds),
    minGreenSeconds: Math.min(...plan.phases.map((p) => p.minGreenSeconds)),
    passageSeconds: plan.passageSeconds,
    amberSeconds: plan.amberSeconds,
    allRedSeconds: plan.allRedSeconds,
  };
}

/** Free operation as a plan carries it: the plan's minimum green and free passage time, the free controller's maximum green. */
export function actuatedView(plan: CoordinatedActuatedPlan, corridor: string, maxGreenSeconds = DEFAULT_ACTUATED_DELAY.maxGreenSeconds): PlanActuatedView {
  return {
    corridorRecommendationId: '',
    corridor,
    minGreenSeconds: Math.min(...plan.phases.map((p) => p.minGreenSeconds)),
    maxGreenSeconds,
    passageSeconds: plan.freePassageSeconds,
    amberSeconds: plan.amberSeconds,
    allRedSeconds: plan.allRedSeconds,
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** A change of a group's advice as a corridor recommendation shows it: coordinated, or free. */
export function changeView(
  crossing: CrossingDefinition,
  change: AdviceChange,
  corridor: string,
  linkToNextMetres: number | null,
  inputSource: PlanningInputSource,
): { coordinated: CorridorCrossingView } | { free: CorridorFreeCrossingView } {
  const plan = change.operation.plan;
  const running = change.expectedDelayRunningSeconds === null ? change.expectedDelayPlanSeconds : change.expectedDelayRunningSeconds;
  const delays = { expectedDelayRunningSeconds: round2(running), expectedDelayPlanSeconds: round2(change.expectedDelayPlanSeconds) };
  if (change.operation.coordinated) {
    return { coordinated: { crossingId: crossing.id, plan: { ...summary(crossing, plan), coordination: coordinationView(plan, corridor) }, linkToNextMetres, ...delays, inputSource } };
  }
  return { free: { crossingId: crossing.id, plan: { ...summary(crossing, plan), actuated: actuatedView(plan, corridor) }, ...delays, inputSource } };
}
