/**
 * Plans for the controller the street really runs: coordinated-actuated (NEMA-style), from
 * forecast demand with its upper bound.
 *
 * A coordinated-actuated controller runs a cycle counted from a reference point (offset),
 * where the coordinated phase's green starts; every other phase owns a split (green +
 * amber + all-red) and is forced off where its split ends, gaps out earlier when its
 * traffic has gone (passage time), and is skipped when nobody calls it; the time it does
 * not use returns to the coordinated phase. So the plan's numbers are ceilings, not fixed
 * greens, and sizing them for the upper forecast costs little when demand turns out lower:
 *
 * 1. Cycle: Webster's cycle on the mean flows (bounded; or on the upper-bound flows,
 *    `cycleBasis`), or a given common cycle.
 * 2. Non-coordinated splits: each phase gets the effective green that serves its critical
 *    lane group's upper-bound flow at the target degree of saturation (default 0.7),
 *    g = y_upper × C / X_target, at least the minimum green, plus its clearance.
 * 3. The coordinated phase gets the rest of the cycle (it also gets back whatever the
 *    others leave). When the rest is below its own need at the mean flow, every split is
 *    re-shared by the upper flow ratios (Webster's split of the cycle).
 * 4. Maximum green of a non-coordinated phase = its split − clearance (the force-off binds
 *    first anyway); minimum green and passage time as given.
 * 5. Offset 0 for one crossing; along a corridor, the common cycle is the longest of the
 *    crossings' own cycles and the reference points come from `coordinateCorridor`
 *    (two-way by default): the coordinated phase's green start of its compromise wave.
 */
import { CorridorLink, CoordinationMode, coordinateCorridor } from './coordination';
import { DEFAULT_WEBSTER, PhaseDemand, WebsterOptions, planForCycle, websterPlan } from './webster';

export interface ActuatedLaneGroupDemand {
  id: string;
  /** Forecast (or design) mean flow, veh/h. */
  meanVehPerHour: number;
  /** Upper bound of the forecast (e.g. its 80 % quantile), veh/h; at least the mean. */
  upperVehPerHour: number;
  saturationFlowVehPerHour: number;
}

export interface ActuatedPhaseDemand {
  name: string;
  laneGroups: ActuatedLaneGroupDemand[];
}

export interface ActuatedPlanOptions {
  /** Minimum displayed green of every phase, seconds (default 7). */
  minGreenSeconds: number;
  /** Passage (gap) time, seconds (default 2.5). */
  passageSeconds: number;
  /**
   * Passage time when the crossing runs free (the actuated controller: no cycle, no
   * force-offs), seconds (default 2). There nothing but the passage time ends a green while
   * its rivals wait, so it is the shortest that still holds a green for a saturated stream:
   * at least one lane's saturation headway (3600 / 1,900 veh/h = 1.9 s), on a 0.5 s step. A
   * coordinated phase is bounded by its force-off and keeps `passageSeconds`. On the tuning
   * days (Boroondara 2006-10-17 / 10-21, quick; only the free crossings' passage changed)
   * 2.0 s instead of 2.5 s gave 14.55 / 13.32 s/veh against 15.15 / 13.74 (1.5 s: 14.41 /
   * 13.22, below the headway), the 4×4 grid's tuning day 37.20 against 37.22 (its crossings
   * run coordinated by day).
   */
  freePassageSeconds: number;
  amberSeconds: number;
  allRedSeconds: number;
  /** Target degree of saturation of a non-coordinated phase at its upper-bound flow (default 0.7: force-offs are ceilings, unused time returns to the main road). */
  targetDegreeOfSaturation: number;
  minCycleSeconds: number;
  maxCycleSeconds: number;
  /** Run this cycle instead of the crossing's own (a corridor's common cycle). */
  cycleSeconds?: number;
  /** The flows Webster's cycle is computed on (default 'mean': a longer cycle costs the side streets more than the upper bound saves). */
  cycleBasis: 'mean' | 'upper';
}

export const DEFAULT_ACTUATED_PLAN: ActuatedPlanOptions = {
  minGreenSeconds: 7,
  passageSeconds: 2.5,
  freePassageSeconds: 2,
  amberSeconds: DEFAULT_WEBSTER.amberSeconds,
  allRedSeconds: DEFAULT_WEBSTER.allRedSeconds,
  targetDegreeOfSaturation: 0.7,
  minCycleSeconds: DEFAULT_WEBSTER.minCycleSeconds,
  maxCycleSeconds: DEFAULT_WEBSTER.maxCycleSeconds,
  cycleBasis: 'mean',
};

export interface ActuatedPhaseTiming {
  name: string;
  /** Green + amber + all-red this phase may use, seconds. */
  splitSeconds: number;
  minGreenSeconds: number;
  /** Longest green (non-coordinated phases; the coordinated phase has none). */
  maxGreenSeconds: number;
  /** Where the phase is forced off, seconds after the reference point (green end). */
  forceOffSeconds: number;
  /** Flow of the critical lane group the split was sized for (upper bound), veh/h. */
  designFlowVehPerHour: number;
}

export interface CoordinatedActuatedPlan {
  method: 'coordinated-actuated';
  cycleSeconds: number;
  /** Reference point: the coordinated phase's green starts at offset + k × cycle (at the latest). */
  offsetSeconds: number;
  coordinatedPhase: string;
  coordinatedPhaseIndex: number;
  passageSeconds: number;
  /** Passage time when the crossing runs free instead (ActuatedPlanOptions.freePassageSeconds), seconds. */
  freePassageSeconds: number;
  amberSeconds: number;
  allRedSeconds: number;
  /** In the crossing's phase order. */
  phases: ActuatedPhaseTiming[];
  notes: string[];
}

/** A count at or above this share of what the running plan lets the lane group discharge marks it saturated. */
export const SATURATED_COUNT_SHARE = 0.95;
/** A saturated lane group's demand is planned this much above its count (the count is its capacity, not its demand), one step per planning period. */
export const SATURATED_DEMAND_STEP = 0.15;

/**
 * A lane group's planning flows from its forecast and the last measured interval: the
 * forecast mean (the cycle is sized on it) and an upper bound for the splits, at least the
 * measurement. A stop-line count cannot exceed what the running plan discharges: when it
 * reaches SATURATED_COUNT_SHARE of that capacity (`runningCapacityVehPerHour`, a
 * non-coordinated phase's force-off), the demand is taken SATURATED_DEMAND_STEP above the
 * count, so the lane group's split grows period by period until its count falls below its
 * capacity; splits shared by counts alone would keep the allocation that starves it (a
 * surge on a side street). The measurement does not move the mean (the cycle): cycles
 * nowcast from 15-minute counts grew at every early peak on the tuning days and cost the
 * grids 10-20 % (also when only saturated counts moved it: 5-10 %).
 */
export function planningFlows(
  forecastMeanVehPerHour: number,
  forecastUpperVehPerHour: number,
  observedVehPerHour?: number,
  runningCapacityVehPerHour?: number,
): { meanVehPerHour: number; upperVehPerHour: number; saturated: boolean } {
  const mean = Math.max(0, forecastMeanVehPerHour);
  const upper = Math.max(mean, forecastUpperVehPerHour);
  if (observedVehPerHour === undefined || !Number.isFinite(observedVehPerHour)) return { meanVehPerHour: mean, upperVehPerHour: upper, saturated: false };
  const saturated = runningCapacityVehPerHour !== undefined && runningCapacityVehPerHour > 0 && observedVehPerHour >= SATURATED_COUNT_SHARE * runningCapacityVehPerHour;
  const measured = saturated ? observedVehPerHour * (1 + SATURATED_DEMAND_STEP) : observedVehPerHour;
  return { meanVehPerHour: mean, upperVehPerHour: Math.max(upper, measured), saturated };
}

/**
 * What a coordinated-actuated plan lets the lane groups of its non-coordinated phases
 * discharge at most, veh/h: saturation flow × (split − clearance) / cycle (their force-off
 * binds). The coordinated phase has no such bound (it takes back whatever the others leave),
 * so its count says nothing about saturation and it has no entry.
 */
export function laneGroupCapacities(plan: CoordinatedActuatedPlan, phases: ActuatedPhaseDemand[]): Map<string, number> {
  const clearance = plan.amberSeconds + plan.allRedSeconds;
  const out = new Map<string, number>();
  for (const phase of phases) {
    if (phase.name === plan.coordinatedPhase) continue;
    const timed = plan.phases.find((p) => p.name === phase.name);
    if (!timed) throw new Error(`the plan has no phase named ${phase.name}`);
    const green = Math.max(0, Math.min(timed.splitSeconds - clearance, timed.maxGreenSeconds));
    for (const g of phase.laneGroups) out.set(g.id, (g.saturationFlowVehPerHour * green) / plan.cycleSeconds);
  }
  return out;
}

function webster(options: ActuatedPlanOptions, cycle?: number): Partial<WebsterOptions> {
  return {
    amberSeconds: options.amberSeconds,
    allRedSeconds: options.allRedSeconds,
    minGreenSeconds: options.minGreenSeconds,
    minCycleSeconds: cycle ?? options.minCycleSeconds,
    maxCycleSeconds: cycle ?? options.maxCycleSeconds,
  };
}

/** The phases as Webster's input, at the mean or the upper-bound flows. */
export function actuatedPhaseDemand(phases: ActuatedPhaseDemand[], basis: 'mean' | 'upper'): PhaseDemand[] {
  return phases.map((p) => ({
    name: p.name,
    approaches: p.laneGroups.map((g) => ({
      id: g.id,
      flowVehPerHour: Math.max(0, basis === 'mean' ? g.meanVehPerHour : Math.max(g.meanVehPerHour, g.upperVehPerHour)),
      saturationFlowVehPerHour: g.saturationFlowVehPerHour,
    })),
  }));
}

/** The phase with the highest mean flow ratio (the main road) when none is named. */
export function busiestPhase(phases: ActuatedPhaseDemand[]): string {
  let best = phases[0].name;
  let bestRatio = -1;
  for (const p of phases) {
    const ratio = Math.max(0, ...p.laneGroups.map((g) => g.meanVehPerHour / g.saturationFlowVehPerHour));
    if (ratio > bestRatio) {
      best = p.name;
      bestRatio = ratio;
    }
  }
  return best;
}

/** The crossing's own cycle for coordinated-actuated control: Webster on the upper-bound (or mean) flows, bounded. */
export function actuatedCycle(phases: ActuatedPhaseDemand[], partial: Partial<ActuatedPlanOptions> = {}): number {
  const options = { ...DEFAULT_ACTUATED_PLAN, ...partial };
  return websterPlan(actuatedPhaseDemand(phases, options.cycleBasis), webster(options)).cycleSeconds;
}

/** A coordinated-actuated plan for one crossing (offset 0 unless `offsetSeconds` is given). */
export function coordinatedActuatedPlan(
  phases: ActuatedPhaseDemand[],
  coordinatedPhase: string = busiestPhase(phases),
  partial: Partial<ActuatedPlanOptions> = {},
  offsetSeconds = 0,
): CoordinatedActuatedPlan {
  const options = { ...DEFAULT_ACTUATED_PLAN, ...partial };
  const coordinatedIndex = phases.findIndex((p) => p.name === coordinatedPhase);
  if (coordinatedIndex < 0) throw new Error(`no phase named ${coordinatedPhase}`);
  if (!(options.targetDegreeOfSaturation > 0 && options.targetDegreeOfSaturation <= 1)) throw new Error('target degree of saturation must be in (0, 1]');
  const upper = actuatedPhaseDemand(phases, 'upper');
  const mean = actuatedPhaseDemand(phases, 'mean');
  const cycle = options.cycleSeconds ?? actuatedCycle(phases, options);
  const clearance = options.amberSeconds + options.allRedSeconds;
  const ratio = (p: PhaseDemand) => Math.max(0, ...p.approaches.map((a) => a.flowVehPerHour / a.saturationFlowVehPerHour));
  const notes: string[] = [];
  // With the Webster defaults (lost time per phase = clearance) displayed green = effective green.
  const splits = phases.map((_, i) => (i === coordinatedIndex ? 0 : clearance + Math.max(options.minGreenSeconds, Math.ceil((ratio(upper[i]) * cycle) / options.targetDegreeOfSaturation))));
  const rest = cycle - splits.reduce((s, x) => s + x, 0);
  const coordinatedNeed = clearance + Math.max(options.minGreenSeconds, Math.ceil((ratio(mean[coordinatedIndex]) * cycle) / options.targetDegreeOfSaturation));
  if (rest >= coordinatedNeed) {
    splits[coordinatedIndex] = rest;
  } else {
    // Not enough for everybody at the upper flows: share the cycle as Webster would on them.
    const plan = planForCycle(upper, cycle, webster(options, cycle));
    plan.phases.forEach((p, i) => (splits[i] = p.displayedGreenSeconds + p.amberSeconds + p.allRedSeconds));
    notes.push(`the upper-bound flows do not fit a ${cycle} s cycle at X = ${options.targetDegreeOfSaturation}: splits shared by Webster on them`);
  }
  let end = 0;
  const forceOff = new Array<number>(phases.length);
  for (let j = 0; j < phases.length; j++) {
    const i = (coordinatedIndex + j) % phases.length;
    end += splits[i];
    forceOff[i] = end - clearance;
  }
  return {
    method: 'coordinated-actuated',
    cycleSeconds: cycle,
    offsetSeconds: ((offsetSeconds % cycle) + cycle) % cycle,
    coordinatedPhase,
    coordinatedPhaseIndex: coordinatedIndex,
    passageSeconds: options.passageSeconds,
    freePassageSeconds: options.freePassageSeconds,
    amberSeconds: options.amberSeconds,
    allRedSeconds: options.allRedSeconds,
    phases: phases.map((p, i) => ({
      name: p.name,
      splitSeconds: splits[i],
      minGreenSeconds: options.minGreenSeconds,
      maxGreenSeconds: splits[i] - clearance,
      forceOffSeconds: forceOff[i],
      designFlowVehPerHour: Math.max(0, ...upper[i].approaches.map((a) => a.flowVehPerHour)),
    })),
    notes,
  };
}

export interface ActuatedCorridorCrossing {
  id: string;
  phases: ActuatedPhaseDemand[];
  /** The phase that carries the corridor's road here. */
  coordinatedPhase: string;
}

export interface ActuatedCorridorPlan {
  cycleSeconds: number;
  crossings: Array<{ id: string; plan: CoordinatedActuatedPlan }>;
  bandwidthSeconds: { outbound: number; inbound: number };
}

/**
 * Coordinated-actuated plans along a corridor: a common cycle (the longest of the
 * crossings' own, or `options.cycleSeconds`), each crossing's splits for it, and reference
 * points (the coordinated green starts) from `coordinateCorridor` on the mean flows, so
 * platoons in both directions (or one, `mode`) meet the coordinated greens.
 */
export function coordinatedActuatedCorridor(
  crossings: ActuatedCorridorCrossing[],
  links: CorridorLink[],
  partial: Partial<ActuatedPlanOptions> & { mode?: CoordinationMode } = {},
): ActuatedCorridorPlan {
  const options = { ...DEFAULT_ACTUATED_PLAN, ...partial };
  if (crossings.length === 0) throw new Error('a corridor needs at least one crossing');
  const cycle = options.cycleSeconds ?? Math.min(options.maxCycleSeconds, Math.max(...crossings.map((c) => actuatedCycle(c.phases, options))));
  const corridor = coordinateCorridor(
    crossings.map((c) => ({ id: c.id, demand: actuatedPhaseDemand(c.phases, 'mean'), coordinatedPhase: c.coordinatedPhase, webster: webster(options, cycle) })),
    links,
    { mode: partial.mode ?? 'two-way', maxCycleSeconds: cycle },
  );
  return {
    cycleSeconds: cycle,
    crossings: corridor.crossings.map((c, i) => ({ id: c.id, plan: coordinatedActuatedPlan(crossings[i].phases, crossings[i].coordinatedPhase, { ...options, cycleSeconds: cycle }, c.coordinatedGreenStartSeconds) })),
    bandwidthSeconds: corridor.bandwidthSeconds,
  };
}

export interface PlanChangeOptions {
  /** A split that moves by at least this much is worth sending, seconds ... */
  minSplitChangeSeconds: number;
  /** ... and so is one whose green (split − clearance) changes by at least this share: a short green's capacity moves a lot with a few seconds. */
  minGreenChangeShare: number;
}

export const DEFAULT_PLAN_CHANGE: PlanChangeOptions = { minSplitChangeSeconds: 5, minGreenChangeShare: 0.2 };

/**
 * Whether `next` differs enough from the running plan to be sent: another cycle, another
 * coordinated phase, or a split that moves by `minSplitChangeSeconds`, or by
 * `minGreenChangeShare` of the running green (7 → 10 s is +43 % of a side street's capacity).
 */
export function actuatedPlanChanged(running: CoordinatedActuatedPlan, next: CoordinatedActuatedPlan, partial: Partial<PlanChangeOptions> = {}): boolean {
  const o = { ...DEFAULT_PLAN_CHANGE, ...partial };
  if (running.cycleSeconds !== next.cycleSeconds || running.coordinatedPhase !== next.coordinatedPhase || running.phases.length !== next.phases.length) return true;
  const clearance = running.amberSeconds + running.allRedSeconds;
  return next.phases.some((p, i) => {
    const change = Math.abs(p.splitSeconds - running.phases[i].splitSeconds);
    return change >= o.minSplitChangeSeconds || (change > 0 && change >= o.minGreenChangeShare * Math.max(1, running.phases[i].splitSeconds - clearance));
  });
}
