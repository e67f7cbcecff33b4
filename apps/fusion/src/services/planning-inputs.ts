/**
 * The pure glue between what fusion stores and the planner of libs/signal-timing: a
 * crossing's forecast becomes lane groups with per-horizon flows and 80 % upper bounds,
 * the running plan (or, when none was accepted, a base plan) becomes the plan to beat.
 * No Nest, no I/O, no clock: data in, data out. The traffic maths stays in the lib.
 */
import { BasePlan, ComparedPlanView, CompassDirection, CrossingDefinition, ForecastBand, ForecastMessage, ForecastView, ObservationView, PhaseTimingView, PlanningInputSource, RunningPlanView } from '@crosscast/contracts';
import type { FusedPoint } from '@crosscast/fusion';
import type { EvaluationToStore } from '../repositories/recommendations.repository';
import { DEFAULT_PHASING, DEFAULT_WEBSTER, LaneGroupForecast, PlanningInput, PlanningResult, PhaseSpec, SignalPlan, TimingPlan, twoPhaseDemand, websterPlan } from '@crosscast/signal-timing';

/**
 * What a plan is made from: a worker's forecast (as it arrived, or as stored), per approach
 * and horizon, possibly with the city fusion's values in place of the worker's own.
 */
export type PlanningForecast = Pick<ForecastMessage, 'messageId' | 'crossingId' | 'basedOnIntervalStart' | 'intervalMinutes' | 'horizons'> & {
  observed: Pick<ForecastMessage['observed'], 'approaches'>;
  quality: Pick<ForecastMessage['quality'], 'flags'>;
};

/** A stored forecast as planning reads it (the sweep after a restart or a change of leader). */
export function planningForecastFromStored(forecast: ForecastView, observedApproaches: Record<string, number | null>): PlanningForecast {
  return {
    messageId: forecast.messageId,
    crossingId: forecast.crossingId,
    basedOnIntervalStart: forecast.basedOnIntervalStart,
    intervalMinutes: forecast.intervalMinutes,
    horizons: forecast.horizons,
    observed: { approaches: observedApproaches },
    quality: { flags: forecast.qualityFlags },
  };
}

/** Below this many vehicles per interval a total is too small to scale approaches by. */
const MIN_TOTAL_TO_SCALE = 0.5;

/**
 * The worker's forecast with the city fusion's values put in: per horizon, the fused (or
 * estimated) total and its bands replace the worker's total, and each approach is scaled
 * by the same ratio (the worker's split between approaches is kept: fusion works on
 * totals). Horizons the fusion has no point for keep the worker's values. The source says
 * what the plan is made from: `fused` when any horizon was fused, `estimate` when the
 * fusion estimated the crossing (its worker's forecast was flagged degraded), else
 * `worker-forecast` (the fusion passed the worker's values through).
 */
export function withFusedValues(forecast: PlanningForecast, fused: readonly FusedPoint[] | undefined): { forecast: PlanningForecast; source: PlanningInputSource } {
  if (!fused || fused.length === 0) return { forecast, source: 'worker-forecast' };
  const byTarget = new Map(fused.map((p) => [p.targetIntervalMs, p]));
  let anyFused = false;
  let anyEstimated = false;
  const horizons = forecast.horizons.map((h) => {
    const point = byTarget.get(Date.parse(h.intervalStart));
    if (!point || point.source === 'own') return h;
    if (point.source === 'fused') anyFused = true;
    else anyEstimated = true;
    const total: ForecastBand = { mean: point.mean, lower80: point.lo80, upper80: point.hi80, lower95: point.lo95, upper95: point.hi95 };
    const ids = Object.keys(h.approaches);
    const approaches: Record<string, ForecastBand> = {};
    const ownTotal = h.total.mean;
    for (const id of ids) {
      const band = h.approaches[id];
      // The worker's share of this approach (equal shares when its total is about nothing).
      const share = ownTotal >= MIN_TOTAL_TO_SCALE ? Math.max(0, band.mean) / ownTotal : 1 / ids.length;
      const ratio = (fusedValue: number, ownValue: number) => (ownValue >= MIN_TOTAL_TO_SCALE ? fusedValue / ownValue : null);
      const scaled = (fusedValue: number, ownTotalValue: number, ownApproachValue: number) => {
        const r = ratio(fusedValue, ownTotalValue);
        return Math.max(0, r === null ? fusedValue * share : ownApproachValue * r);
      };
      const mean = share * point.mean;
      approaches[id] = {
        mean,
        lower80: Math.min(mean, scaled(point.lo80, h.total.lower80, band.lower80)),
        upper80: Math.max(mean, scaled(point.hi80, h.total.upper80, band.upper80)),
        lower95: Math.min(mean, scaled(point.lo95, h.total.lower95, band.lower95)),
        upper95: Math.max(mean, scaled(point.hi95, h.total.upper95, band.upper95)),
      };
    }
    return { ...h, total, approaches };
  });
  const source: PlanningInputSource = anyFused ? 'fused' : anyEstimated ? 'estimate' : 'worker-forecast';
  return { forecast: source === 'worker-forecast' ? forecast : { ...forecast, horizons }, source };
}

/** The last city fusion step as planning reads it (CityFusionService.lastStep). */
export interface FusedStep {
  nowIntervalMs: number;
  crossings: Record<string, FusedPoint[]>;
  /** Per crossing, the based-on interval of the worker forecast the step held. */
  included: ReadonlyMap<string, number>;
}

export type PlanningChoice =
  /** Not yet: the city has not stepped to the forecast's interval (it waits for the interval to settle). */
  | { action: 'wait' }
  | { action: 'plan'; forecast: PlanningForecast; source: PlanningInputSource };

/**
 * What to plan a crossing's newest forecast from. When the last city step held this very
 * forecast, from the step's values for the crossing (withFusedValues). When the step ran
 * without it (the forecast reached fusion after the city stepped past its interval), or
 * the city has not stepped to its interval `maxWaitMs` after the forecast was noted (a
 * worker far ahead of the others), from the worker's forecast as sent. Otherwise wait for
 * the step.
 */
export function planningChoice(forecast: PlanningForecast, step: FusedStep | null, waitedMs: number, maxWaitMs: number): PlanningChoice {
  const basedOnMs = Date.parse(forecast.basedOnIntervalStart);
  if (step && step.included.get(forecast.crossingId) === basedOnMs && step.nowIntervalMs >= basedOnMs) {
    return { action: 'plan', ...withFusedValues(forecast, step.crossings[forecast.crossingId]) };
  }
  if ((step && step.nowIntervalMs >= basedOnMs) || waitedMs >= maxWaitMs) return { action: 'plan', forecast, source: 'worker-forecast' };
  return { action: 'wait' };
}

export interface PlanningSettings {
  /** At most one recommendation per crossing and period (data-time minutes). */
  periodMinutes: number;
  /** Forecast horizons up to this far ahead are planned for. */
  horizonMinutes: number;
}

/**
 * The base plan when no plan was ever accepted at a crossing and nothing was observed:
 * a 60 s cycle with the effective green shared equally. A stated default, not a measured
 * plan: the real controller's plan is not known to fusion until an operator accepts one.
 */
export const DEFAULT_BASE_CYCLE_SECONDS = 60;

const DIRECTION_NAMES: Record<CompassDirection, string> = {
  N: 'north',
  NE: 'north-east',
  E: 'east',
  SE: 'south-east',
  S: 'south',
  SW: 'south-west',
  W: 'west',
  NW: 'north-west',
};

/** The start of the planning period holding an instant: periods are aligned to the epoch (UTC). */
export function planningPeriodStartMs(instantMs: number, periodMinutes: number): number {
  const periodMs = periodMinutes * 60_000;
  return Math.floor(instantMs / periodMs) * periodMs;
}

/** "north" for an approach arriving from the north: what an operator calls it. */
export function approachName(direction: CompassDirection): string {
  return DIRECTION_NAMES[direction];
}

/** The two phases fusion plans with (north-south and east-west, see twoPhaseDemand) and which phase each approach moves in. */
export function phasing(crossing: CrossingDefinition): { phases: PhaseSpec[]; phaseOf: Map<string, string> } {
  const demand = twoPhaseDemand(crossing.approaches.map((a) => ({ id: a.id, direction: a.direction, flowVehPerHour: 0 })));
  const phaseOf = new Map<string, string>();
  for (const phase of demand) for (const approach of phase.approaches) phaseOf.set(approach.id, phase.name);
  return { phases: demand.map((p) => ({ name: p.name })), phaseOf };
}

/** Saturation flow of one approach under the stated assumptions (1,800 veh/h/lane, 2 lanes). */
export const APPROACH_SATURATION_VEH_PER_HOUR = DEFAULT_PHASING.saturationFlowPerLane * DEFAULT_PHASING.lanesPerApproach;

/** The forecast horizons inside the planning horizon (at least the first one), nearest first. */
export function horizonsToPlan(forecast: Pick<ForecastMessage, 'horizons'>, horizonMinutes: number): ForecastMessage['horizons'] {
  const sorted = [...forecast.horizons].sort((a, b) => a.stepsAhead - b.stepsAhead);
  const inside = sorted.filter((h) => h.horizonMinutes <= horizonMinutes);
  return inside.length > 0 ? inside : sorted.slice(0, 1);
}

/**
 * One lane group per approach: per horizon the forecast mean and 80 % upper bound in
 * veh/h, and the flow just observed (the start of the trend in the reason text). An
 * approach the forecast does not name (a detector that reported nothing) counts as 0.
 */
export function laneGroupsFromForecast(crossing: CrossingDefinition, forecast: PlanningForecast, horizonMinutes: number): LaneGroupForecast[] {
  const perHour = 60 / forecast.intervalMinutes;
  const { phaseOf } = phasing(crossing);
  const horizons = horizonsToPlan(forecast, horizonMinutes);
  return crossing.approaches.map((approach) => {
    const observed = forecast.observed.approaches[approach.id];
    return {
      id: approach.id,
      approach: approachName(approach.direction),
      phase: phaseOf.get(approach.id)!,
      saturationFlowVehPerHour: APPROACH_SATURATION_VEH_PER_HOUR,
      forecast: horizons.map((h) => {
        const band = h.approaches[approach.id];
        const mean = Math.max(0, band?.mean ?? 0) * perHour;
        return { minutesAhead: h.horizonMinutes, meanVehPerHour: mean, upper80VehPerHour: Math.max(mean, (band?.upper80 ?? 0) * perHour) };
      }),
      currentVehPerHour: observed === null || observed === undefined ? undefined : observed * perHour,
    };
  });
}

/** The end of the window a plan was made for: the end of the furthest horizon planned. */
export function planningWindowEndMs(forecast: PlanningForecast, horizonMinutes: number): number {
  const horizons = horizonsToPlan(forecast, horizonMinutes);
  const last = horizons[horizons.length - 1];
  return Date.parse(last.intervalStart) + forecast.intervalMinutes * 60_000;
}

/** Local hour (0-23) of an instant in the city's zone, to name morning and evening peaks. */
export function localHour(instantMs: number, timeZone: string): number {
  return Number(hourFormat(timeZone).format(new Date(instantMs))) % 24;
}

/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than formatting with it (it showed in planning's profile). */
const hourFormats = new Map<string, Intl.DateTimeFormat>();
function hourFormat(timeZone: string): Intl.DateTimeFormat {
  let format = hourFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', hourCycle: 'h23' });
    hourFormats.set(timeZone, format);
  }
  return format;
}

/**
 * The plan a recommendation must beat. The running plan (last accepted) when its phases
 * are the ones planned with; otherwise the plan the city folder says the controller runs
 * (`basePlans` in crossings.json, e.g. an imported program) when it has those phases;
 * otherwise an assumed base plan: Webster on the mean flow of each approach over the
 * observed intervals given (the last planning horizon), or, with no observation at all,
 * the documented default (60 s, equal greens).
 */
export function comparedPlan(crossing: CrossingDefinition, running: RunningPlanView | null, observations: ObservationView[], intervalMinutes: number, basePlan?: BasePlan): ComparedPlanView {
  const { phases } = phasing(crossing);
  const names = phases.map((p) => p.name);
  if (running && names.every((name) => running.phases.some((p) => p.name === name))) {
    return { source: 'running-plan', planId: running.planId, cycleSeconds: running.cycleSeconds, phases: running.phases.map((p) => ({ name: p.name, greenSeconds: p.greenSeconds })) };
  }
  if (basePlan && names.every((name) => basePlan.phases.some((p) => p.name === name))) {
    return { source: 'base-plan', planId: basePlan.planId, cycleSeconds: basePlan.cycleSeconds, phases: basePlan.phases.map((p) => ({ name: p.name, greenSeconds: p.greenSeconds })) };
  }
  const perHour = 60 / intervalMinutes;
  const flows = crossing.approaches.map((approach) => {
    const counts = observations.map((o) => o.approaches[approach.id]).filter((c): c is number => typeof c === 'number' && Number.isFinite(c) && c >= 0);
    return { approach, counts };
  });
  if (flows.some((f) => f.counts.length > 0)) {
    const plan = websterPlan(
      twoPhaseDemand(flows.map(({ approach, counts }) => ({ id: approach.id, direction: approach.direction, flowVehPerHour: counts.length ? (counts.reduce((s, c) => s + c, 0) / counts.length) * perHour : 0 }))),
    );
    return { source: 'observed-webster', planId: null, cycleSeconds: plan.cycleSeconds, phases: plan.phases.map((p) => ({ name: p.name, greenSeconds: p.greenSeconds })) };
  }
  const lostPerPhase = DEFAULT_WEBSTER.startUpLostSeconds + DEFAULT_WEBSTER.amberSeconds + DEFAULT_WEBSTER.allRedSeconds - DEFAULT_WEBSTER.amberUsedAsGreenSeconds;
  const green = (DEFAULT_BASE_CYCLE_SECONDS - lostPerPhase * names.length) / names.length;
  return { source: 'default', planId: null, cycleSeconds: DEFAULT_BASE_CYCLE_SECONDS, phases: names.map((name) => ({ name, greenSeconds: green })) };
}

export function toSignalPlan(plan: Pick<ComparedPlanView, 'cycleSeconds' | 'phases'>): SignalPlan {
  return { cycleSeconds: plan.cycleSeconds, phases: plan.phases.map((p) => ({ name: p.name, greenSeconds: p.greenSeconds })) };
}

/** Everything planForForecast needs for one crossing, forecast and plan to beat. */
export function planningInputFor(crossing: CrossingDefinition, forecast: PlanningForecast, compared: ComparedPlanView, settings: PlanningSettings, timeZone: string): PlanningInput {
  const windowStartMs = Date.parse(horizonsToPlan(forecast, settings.horizonMinutes)[0].intervalStart);
  return {
    laneGroups: laneGroupsFromForecast(crossing, forecast, settings.horizonMinutes),
    phases: phasing(crossing).phases,
    runningPlan: toSignalPlan(compared),
    localHour: localHour(windowStartMs, timeZone),
  };
}

/** A plan's phases as REST and socket.io show them (flows rounded for people). */
export function toPhaseTimingViews(plan: TimingPlan): PhaseTimingView[] {
  return plan.phases.map((p) => ({
    name: p.name,
    approaches: p.approaches,
    flowVehPerHour: Math.round(p.flowVehPerHour),
    saturationFlowVehPerHour: p.saturationFlowVehPerHour,
    flowRatio: Math.round(p.flowRatio * 1000) / 1000,
    greenSeconds: p.greenSeconds,
  }));
}

/** What the per-crossing evaluation stores besides its keys: the verdict and the reason. */
export type EvaluationVerdict = Pick<
  EvaluationToStore,
  'gainSeconds' | 'gainShare' | 'expectedDelayRunningSeconds' | 'expectedDelayRecommendedSeconds' | 'basis' | 'congested' | 'reason'
>;

/** The planner's verdict on a crossing it may recommend a fixed-time plan for. */
export function plannerVerdict(result: PlanningResult): EvaluationVerdict {
  return {
    gainSeconds: result.gainSeconds,
    gainShare: result.gainShare,
    expectedDelayRunningSeconds: result.expectedDelayRunning,
    expectedDelayRecommendedSeconds: result.expectedDelayRecommended,
    basis: result.chosenBasis,
    congested: result.congested,
    reason: result.reason,
  };
}

/**
 * The verdict on a crossing the group advice covers (SIGNAL_ADVICE=actuated: every crossing
 * the actuated advice plans). One advice per crossing: no fixed-time plan is recommended
 * there, so nothing changes through this evaluation (no gain; the expected delay stays the
 * running plan's) and its reason says where the advice is (`groupAdvice`: the corridor, or
 * free operation), then the demand trend, where automatic mode acts (with it on), and the
 * congestion verdict, which keeps its place at the end ("congested: <why>": the congestion
 * alert reads it).
 */
export function groupAdvisedVerdict(result: PlanningResult, groupAdvice: string, automaticEnabled: boolean): EvaluationVerdict {
  const parts = [
    `advised with its group: ${groupAdvice} (no per-crossing fixed-time plan; the corridor recommendations carry its advice)`,
    result.demandTrend,
    automaticEnabled ? 'automatic mode judges the group\'s corridor recommendation (applied when automatic mode is on at every crossing it changes)' : null,
    result.congestionReason ? `congested: ${result.congestionReason}` : null,
  ];
  return {
    gainSeconds: 0,
    gainShare: 0,
    expectedDelayRunningSeconds: result.expectedDelayRunning,
    expectedDelayRecommendedSeconds: result.expectedDelayRunning,
    basis: result.chosenBasis,
    congested: result.congested,
    reason: parts.filter((p): p is string => p !== null).join('; '),
  };
}
