/**
 * The control strategies of `npm run bench:timing`, each a small object that gives
 * every crossing its control at midnight and, every 15 minutes, the plans to switch to:
 *
 *   fixed                  one Webster plan per crossing for the whole day, on the mean flow
 *                          of the previous days
 *   time_of_day            three Webster plans per crossing (periods below), each on that
 *                          period's mean flow of the previous days
 *   actuated               the engine's actuated reference controller
 *   crosscast              the product's path: forecasts → planForForecast → shouldRecommend
 *   crosscast_coordinated  the same, plus a common cycle and offsets along corridors
 *   max_pressure           max-pressure control (Varaiya), the engine's controller
 *   crosscast_actuated     the product's advice as coordinated-actuated plans
 *                          (coordinatedActuatedPlan / coordinatedActuatedCorridor) from the
 *                          forecasts and their upper bounds, run by the engine's
 *                          coordinated-actuated controller
 *
 * Flows for (a) and (b) and the forecasts for (d) and (e) come from the detector counts of
 * the previous simulated days only.
 */
import {
  ActuatedAdvice, ActuatedAdviceOptions, AdviceCorridor, AdviceCrossing, ActuatedGroupOptions, ActuatedPlanOptions, CrossingOperation, PlanChangeOptions, RetimingOptions, actuatedGroups, actuatedPlanChanged, adviseActuatedGroups, CoordinatedActuatedPlan, CorridorCrossing, HcmDelayOptions, HysteresisOptions, PhaseDemand, PlanningResult, SignalPlan, TimingPlan, coordinateCorridor, crossingDelay, planForCycle, planForForecast,
  shortestFeasibleCycle, shouldRecommend, websterPlan,
} from '@crosscast/signal-timing';
import { DEFAULT_ACTUATED, DEFAULT_MAX_PRESSURE, FixedTimePlan, SignalControl, cycleSeconds } from '@crosscast/simulation';
import { ProfileForecaster } from './timing-forecast';
import { CorridorSpec, SLOTS_PER_DAY, TimingScenario } from './timing-scenarios';

export type StrategyName = 'fixed' | 'time_of_day' | 'actuated' | 'max_pressure' | 'crosscast' | 'crosscast_coordinated' | 'crosscast_actuated';

/** Planner settings other than the product defaults, for the sensitivity runs only. */
export interface PlannerVariant {
  name: string;
  delay?: Partial<HcmDelayOptions>;
  hysteresis?: Partial<HysteresisOptions>;
}

export interface PlanRequest {
  crossingId: string;
  /** A fixed-time plan (setPlan) ... */
  plan?: FixedTimePlan;
  /** ... or any control (setControl). */
  control?: SignalControl;
  /** The planner's expected saving against the running plan, s/veh (Crosscast only). */
  expectedGainSeconds?: number;
}

export interface Strategy {
  name: StrategyName;
  initialControl(crossingId: string): SignalControl;
  /** Called at the start of every 15-minute slot (slot 0 = midnight) with the counts of today's finished slots. */
  decide(slot: number, countsToday: Record<string, number[]>): PlanRequest[];
}

/** Amber and all-red of every plan: with the engine's 2 s start-up loss and 2 s of amber used, 4 s lost per phase (Webster's defaults). */
const AMBER_S = 3;
const ALL_RED_S = 1;
/** The bench's own guard rail for automatic plans: the cycle moves at most this much per 15-minute decision. */
export const MAX_CYCLE_STEP_S = 30;
/** Corridor segments longer than this are not coordinated (platoons disperse; the corridor is split there). */
export const COORDINATION_MAX_SPACING_M = 1000;

export const ACTUATED_SETTINGS = { ...DEFAULT_ACTUATED, amberSeconds: AMBER_S, allRedSeconds: ALL_RED_S };
/**
 * Max-pressure: a decision every 15 s after a 20 s minimum green. With 5 s steps and 7 s minimum
 * greens (the engine's default) it changed phase so often (4 s lost per change) that the 4×4 grid
 * jammed (quick-mode grid seed 101: 480 s/veh; 10 s / 15 s: 73; 15 s / 20 s: 62; 15 s / 30 s: 68).
 */
export const MAX_PRESSURE_SETTINGS = { ...DEFAULT_MAX_PRESSURE, decisionSeconds: 15, minGreenSeconds: 20, amberSeconds: AMBER_S, allRedSeconds: ALL_RED_S };

export function toFixedPlan(plan: TimingPlan, offsetSeconds = plan.offsetSeconds): FixedTimePlan {
  return { greenSeconds: plan.phases.map((p) => p.displayedGreenSeconds), amberSeconds: AMBER_S, allRedSeconds: ALL_RED_S, offsetSeconds };
}

/** A running fixed plan as the planner reads it (effective green = displayed green here). */
export function signalPlanOf(plan: FixedTimePlan, phaseNames: string[]): SignalPlan {
  return {
    cycleSeconds: cycleSeconds(plan),
    offsetSeconds: plan.offsetSeconds,
    phases: phaseNames.map((name, i) => ({ name, greenSeconds: plan.greenSeconds[i], displayedGreenSeconds: plan.greenSeconds[i], amberSeconds: plan.amberSeconds, allRedSeconds: plan.allRedSeconds })),
  };
}

export function phaseDemand(scenario: TimingScenario, crossingId: string, flowOf: (linkId: string) => number): PhaseDemand[] {
  return scenario.phaseNames[crossingId].map((name) => ({
    name,
    approaches: scenario.laneGroups[crossingId]
      .filter((g) => g.phase === name)
      .map((g) => ({ id: g.linkId, flowVehPerHour: flowOf(g.linkId), saturationFlowVehPerHour: g.saturationFlowVehPerHour })),
  }));
}

/** Mean flow (veh/h) per link over the given slots of every previous day. */
export function meanFlows(history: Array<Record<string, number[]>>, slots: number[]): Record<string, number> {
  const flows: Record<string, number> = {};
  for (const link of Object.keys(history[0])) {
    let sum = 0;
    for (const day of history) for (const k of slots) sum += day[link][k];
    flows[link] = (4 * sum) / (history.length * slots.length);
  }
  return flows;
}

const allSlots = Array.from({ length: SLOTS_PER_DAY }, (_, k) => k);

function samePlan(a: FixedTimePlan, b: FixedTimePlan): boolean {
  return a.offsetSeconds === b.offsetSeconds && a.amberSeconds === b.amberSeconds && a.allRedSeconds === b.allRedSeconds && a.greenSeconds.every((g, i) => g === b.greenSeconds[i]);
}

// ------------------------------------------------------------------ (a) and (b)

export function fixedPlans(scenario: TimingScenario, history: Array<Record<string, number[]>>): Record<string, FixedTimePlan> {
  const flows = meanFlows(history, allSlots);
  return Object.fromEntries(scenario.crossingIds.map((id) => [id, toFixedPlan(websterPlan(phaseDemand(scenario, id, (l) => flows[l])))]));
}

export function fixedStrategy(plans: Record<string, FixedTimePlan>): Strategy {
  return { name: 'fixed', initialControl: (id) => ({ kind: 'fixed', plan: plans[id] }), decide: () => [] };
}

export interface Period {
  name: string;
  /** [from, to) in 15-minute slots; a period may wrap past midnight. */
  slots: number[];
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Two usual ways to cut a day into three plans (slot = 15 min); the bench keeps the one with less expected delay on the previous days. */
export const PERIOD_SCHEMES: Record<string, Period[]> = {
  'am-peak / day (inter-peak + pm peak) / night': [
    { name: 'night 19:00-06:30', slots: [...range(76, 96), ...range(0, 26)] },
    { name: 'am peak 06:30-09:30', slots: range(26, 38) },
    { name: 'day 09:30-19:00', slots: range(38, 76) },
  ],
  'am-peak / pm-peak / off-peak': [
    { name: 'off-peak 19:00-06:30 and 09:30-15:30', slots: [...range(76, 96), ...range(0, 26), ...range(38, 62)] },
    { name: 'am peak 06:30-09:30', slots: range(26, 38) },
    { name: 'pm peak 15:30-19:00', slots: range(62, 76) },
  ],
};

export interface TimeOfDayChoice {
  scheme: string;
  periods: Period[];
  /** Per scheme: flow-weighted HCM delay of its plans over the previous days' 15-minute flows, s/veh. */
  expectedDelayBySchemeSeconds: Record<string, number>;
  plans: Array<Record<string, FixedTimePlan>>;
}

/** Plans per period from the previous days; of the two schemes, the one an engineer's desk check (HCM on the previous days' flows) prefers. */
export function timeOfDayPlans(scenario: TimingScenario, history: Array<Record<string, number[]>>): TimeOfDayChoice {
  let best: TimeOfDayChoice | null = null;
  const expectedDelayBySchemeSeconds: Record<string, number> = {};
  for (const [scheme, periods] of Object.entries(PERIOD_SCHEMES)) {
    const timing = periods.map((p) => {
      const flows = meanFlows(history, p.slots);
      return Object.fromEntries(scenario.crossingIds.map((id) => [id, websterPlan(phaseDemand(scenario, id, (l) => flows[l]))]));
    });
    let vehicleDelay = 0;
    let vehicles = 0;
    periods.forEach((p, i) => {
      for (const day of history) {
        for (const k of p.slots) {
          for (const id of scenario.crossingIds) {
            const result = crossingDelay(timing[i][id], phaseDemand(scenario, id, (l) => 4 * day[l][k]));
            vehicleDelay += result.totalFlowVehPerHour * result.averageDelaySeconds;
            vehicles += result.totalFlowVehPerHour;
          }
        }
      }
    });
    expectedDelayBySchemeSeconds[scheme] = Math.round((100 * vehicleDelay) / Math.max(1, vehicles)) / 100;
    const choice = { scheme, periods, expectedDelayBySchemeSeconds, plans: timing.map((t) => Object.fromEntries(Object.entries(t).map(([id, plan]) => [id, toFixedPlan(plan)]))) };
    if (!best || expectedDelayBySchemeSeconds[scheme] < expectedDelayBySchemeSeconds[best.scheme]) best = choice;
  }
  return best!;
}

export function timeOfDayStrategy(scenario: TimingScenario, choice: TimeOfDayChoice): Strategy {
  const periodOfSlot = new Array<number>(SLOTS_PER_DAY);
  choice.periods.forEach((p, i) => p.slots.forEach((k) => (periodOfSlot[k] = i)));
  return {
    name: 'time_of_day',
    initialControl: (id) => ({ kind: 'fixed', plan: choice.plans[periodOfSlot[0]][id] }),
    decide: (slot) => {
      if (slot === 0 || periodOfSlot[slot] === periodOfSlot[slot - 1]) return [];
      return scenario.crossingIds.map((id) => ({ crossingId: id, plan: choice.plans[periodOfSlot[slot]][id] }));
    },
  };
}

export function actuatedStrategy(): Strategy {
  return { name: 'actuated', initialControl: () => ({ kind: 'actuated', settings: ACTUATED_SETTINGS }), decide: () => [] };
}

export function maxPressureStrategy(): Strategy {
  return { name: 'max_pressure', initialControl: () => ({ kind: 'max-pressure', settings: MAX_PRESSURE_SETTINGS }), decide: () => [] };
}

// ------------------------------------------------------------------ (d) and (e)

const HORIZONS = 4;

/**
 * Crosscast's automatic mode as the bench runs it. Every 15 minutes, per crossing: the
 * forecast of each approach link for the next hour (four 15-minute horizons, mean and
 * upper 80 % bound), `planForForecast` against the running plan, and `shouldRecommend`
 * with the product defaults (≥ 2 s/veh and ≥ 5 %). An accepted plan is sent with
 * `setPlan` (it starts at the crossing's next cycle boundary). The bench's own guard
 * rail: the cycle moves at most MAX_CYCLE_STEP_S per decision (greens re-split for the
 * clamped cycle).
 *
 * Coordinated: crossings joined by corridors form groups. When any crossing of a group
 * passes the hysteresis (or at the first decision), the whole group gets a common cycle
 * (the longest of its crossings' recommended cycles, within the guard rail), every
 * crossing's greens are re-split for it from its own forecast design flows, and offsets
 * come from `coordinateCorridor` (two-way) corridor by corridor, busiest first; a corridor
 * crossing one already timed is shifted to keep that crossing's offset.
 */
export class CrosscastStrategy implements Strategy {
  readonly name: StrategyName;
  /** Set for a sensitivity run (planner settings other than the product defaults). */
  readonly variant: PlannerVariant | null;
  private readonly running: Record<string, FixedTimePlan>;
  private readonly groups: Array<{ crossings: string[]; corridors: CorridorSpec[]; cycle: number | null }> = [];
  private readonly grouped = new Set<string>();
  /** Per crossing and decision, what the planner said (for the report). */
  readonly decisions = { evaluated: 0, recommended: 0, clamped: 0 };

  constructor(
    private readonly scenario: TimingScenario,
    private readonly forecaster: ProfileForecaster,
    startPlans: Record<string, FixedTimePlan>,
    readonly coordinated: boolean,
    corridorOrderFlows: Record<string, number> = {},
    variant: PlannerVariant | null = null,
  ) {
    this.name = coordinated ? 'crosscast_coordinated' : 'crosscast';
    this.variant = variant;
    this.running = { ...startPlans };
    if (coordinated) this.buildGroups(corridorOrderFlows);
  }

  initialControl(crossingId: string): SignalControl {
    return { kind: 'fixed', plan: this.running[crossingId] };
  }

  decide(slot: number, countsToday: Record<string, number[]>): PlanRequest[] {
    const results = new Map<string, PlanningResult>();
    for (const id of this.scenario.crossingIds) results.set(id, this.plan(id, slot, countsToday));
    const requests: PlanRequest[] = [];
    for (const id of this.scenario.crossingIds) {
      if (this.grouped.has(id)) continue;
      const result = results.get(id)!;
      if (!this.recommend(result)) continue;
      this.decisions.recommended++;
      const plan = this.clamped(id, result);
      if (samePlan(plan, this.running[id])) continue;
      this.running[id] = plan;
      requests.push({ crossingId: id, plan, expectedGainSeconds: result.gainSeconds });
    }
    for (const group of this.groups) requests.push(...this.coordinate(group, results));
    return requests;
  }

  private recommend(result: PlanningResult): boolean {
    return shouldRecommend(result, this.variant?.hysteresis);
  }

  private plan(id: string, slot: number, countsToday: Record<string, number[]>): PlanningResult {
    this.decisions.evaluated++;
    const laneGroups = this.scenario.laneGroups[id].map((g) => ({
      id: g.linkId,
      approach: g.linkId,
      phase: g.phase,
      saturationFlowVehPerHour: g.saturationFlowVehPerHour,
      currentVehPerHour: slot > 0 ? 4 * countsToday[g.linkId][slot - 1] : undefined,
      forecast: Array.from({ length: HORIZONS }, (_, h) => {
        const f = this.forecaster.at(g.linkId, slot + h);
        return { minutesAhead: 15 * (h + 1), meanVehPerHour: 4 * f.mean, upper80VehPerHour: 4 * f.upper80 };
      }),
    }));
    return planForForecast({
      laneGroups,
      phases: this.scenario.phaseNames[id].map((name) => ({ name })),
      runningPlan: signalPlanOf(this.running[id], this.scenario.phaseNames[id]),
      localHour: Math.floor(slot / 4) % 24,
      delay: this.variant?.delay,
    });
  }

  private designDemand(id: string, result: PlanningResult): PhaseDemand[] {
    const flows = result.candidates[result.chosenBasis].designFlows;
    return phaseDemand(this.scenario, id, (l) => flows[l]);
  }

  /** The recommended plan, or its greens re-split for a cycle within MAX_CYCLE_STEP_S of the running one. */
  private clamped(id: string, result: PlanningResult): FixedTimePlan {
    const runningCycle = cycleSeconds(this.running[id]);
    const wanted = result.plan.cycleSeconds;
    const limited = Math.min(runningCycle + MAX_CYCLE_STEP_S, Math.max(runningCycle - MAX_CYCLE_STEP_S, wanted));
    if (limited === wanted) return toFixedPlan(result.plan, 0);
    this.decisions.clamped++;
    const demand = this.designDemand(id, result);
    return toFixedPlan(planForCycle(demand, Math.max(limited, shortestFeasibleCycle(demand))), 0);
  }

  private buildGroups(corridorOrderFlows: Record<string, number>): void {
    const { groups, grouped } = coordinationGroups(this.scenario, corridorOrderFlows);
    this.groups.push(...groups);
    for (const id of grouped) this.grouped.add(id);
  }

  /** Groups and corridors as coordinated, for the report. */
  describeGroups(): Array<{ crossings: string[]; corridors: string[] }> {
    return this.groups.map((g) => ({ crossings: g.crossings, corridors: g.corridors.map((c) => `${c.name}: ${c.crossings.join(' → ')}`) }));
  }
  private coordinate(group: { crossings: string[]; corridors: CorridorSpec[]; cycle: number | null }, results: Map<string, PlanningResult>): PlanRequest[] {
    const triggered = group.crossings.filter((id) => this.recommend(results.get(id)!));
    this.decisions.recommended += triggered.length;
    if (group.cycle !== null && triggered.length === 0) return [];
    const demand = new Map(group.crossings.map((id) => [id, this.designDemand(id, results.get(id)!)]));
    const wanted = Math.max(...group.crossings.map((id) => results.get(id)!.plan.cycleSeconds));
    let cycle = group.cycle === null ? wanted : Math.min(group.cycle + MAX_CYCLE_STEP_S, Math.max(group.cycle - MAX_CYCLE_STEP_S, wanted));
    if (cycle !== wanted) this.decisions.clamped++;
    cycle = Math.max(cycle, ...group.crossings.map((id) => shortestFeasibleCycle(demand.get(id)!)));
    group.cycle = cycle;
    const webster = { minCycleSeconds: cycle, maxCycleSeconds: cycle };
    const offsets = new Map<string, number>();
    for (const corridor of group.corridors) {
      const members: CorridorCrossing[] = corridor.crossings.map((id, i) => ({ id, demand: demand.get(id)!, coordinatedPhase: corridor.coordinatedPhases[i], webster }));
      const plan = coordinateCorridor(members, corridor.distancesM.map((d) => ({ distanceMetres: d, speedKmh: this.scenario.speedKmh })), { mode: 'two-way', maxCycleSeconds: cycle });
      const anchor = plan.crossings.find((c) => offsets.has(c.id));
      const shift = anchor ? offsets.get(anchor.id)! - anchor.plan.offsetSeconds : 0;
      for (const c of plan.crossings) if (!offsets.has(c.id)) offsets.set(c.id, (((c.plan.offsetSeconds + shift) % cycle) + cycle) % cycle);
    }
    const requests: PlanRequest[] = [];
    for (const id of group.crossings) {
      const plan = toFixedPlan(planForCycle(demand.get(id)!, cycle), offsets.get(id) ?? 0);
      if (samePlan(plan, this.running[id])) continue;
      this.running[id] = plan;
      requests.push({ crossingId: id, plan });
    }
    return requests;
  }
}

export interface CoordinationGroup { crossings: string[]; corridors: CorridorSpec[]; cycle: number | null }

/**
 * Crossings joined by corridors (split where crossings are over COORDINATION_MAX_SPACING_M
 * apart), busiest corridor first (flow of its coordinated phases on the previous days).
 */
export function coordinationGroups(scenario: TimingScenario, corridorOrderFlows: Record<string, number>, maxSpacingM = COORDINATION_MAX_SPACING_M): { groups: CoordinationGroup[]; grouped: Set<string> } {
  // The same cut, order and union as the product's advice (actuatedGroups, libs/signal-timing).
  const flowOf = (c: CorridorSpec) =>
    c.crossings.reduce((s, id, i) => s + scenario.laneGroups[id].filter((g) => g.phase === c.coordinatedPhases[i]).reduce((x, g) => x + (corridorOrderFlows[g.linkId] ?? 0), 0), 0);
  const corridors = scenario.corridors.map((c) => ({ ...c, speedKmh: scenario.speedKmh }));
  const groups = actuatedGroups(corridors, flowOf, maxSpacingM).map((g) => ({ ...g, cycle: null }));
  return { groups, grouped: new Set(groups.flatMap((g) => g.crossings)) };
}

// ------------------------------------------------------------------ crosscast_actuated

/** Forecast horizons (15 min each) the actuated advice is sized for: the next half hour. */
const ACTUATED_HORIZONS = 2;
const DETECTOR_LEAD_S = 3;
/**
 * The actuated advice coordinates only crossings at most this far apart (platoons disperse;
 * 1,000 m, 600 m and 400 m were tried on Boroondara's quick test day 2006-10-30, and 400 m
 * was best there); the others run free.
 */
export const ACTUATED_COORDINATION_MAX_SPACING_M = 400;

export function engineControl(plan: CoordinatedActuatedPlan): SignalControl {
  return {
    kind: 'coordinated-actuated',
    settings: {
      cycleSeconds: plan.cycleSeconds,
      offsetSeconds: plan.offsetSeconds,
      coordinatedPhase: plan.coordinatedPhaseIndex,
      splitSeconds: plan.phases.map((p) => p.splitSeconds),
      minGreenSeconds: Math.min(...plan.phases.map((p) => p.minGreenSeconds)),
      maxGreenSeconds: plan.phases.map((p) => p.maxGreenSeconds),
      gapSeconds: plan.passageSeconds,
      amberSeconds: plan.amberSeconds,
      allRedSeconds: plan.allRedSeconds,
      detectorLeadSeconds: DETECTOR_LEAD_S,
    },
  };
}

/**
 * The product's advice for the controller the street runs: `adviseActuatedGroups`
 * (libs/signal-timing/src/actuated-advice.ts), the function fusion's planning calls too.
 * Every 15 minutes, per crossing: the forecast of each approach link for the next half hour
 * (the larger of the two horizons' mean and 80 % upper bound; the upper bound also at least
 * the last observed 15 minutes, a saturated count a step above it), then
 * - crossings on a coordinated corridor (corridors split where crossings are over
 *   ACTUATED_COORDINATION_MAX_SPACING_M = 400 m apart by road, joined into one group where
 *   they share a crossing): `planActuatedGroup`: a common cycle per group, splits from
 *   `coordinatedActuatedPlan`, two-way reference points, and the expected delay of each
 *   crossing coordinated and free (HCM actuated-phase estimate); a crossing runs
 *   coordinated only where that pays (its neighbours' platoon credit included), with
 *   hysteresis (a change of operation needs 0.5 s/veh of expected gain);
 * - other crossings, and grouped crossings where coordination does not pay, run free: the
 *   actuated controller (no cycle) with the plan's free passage time (2 s) and minimum green (max green 45 s).
 * The changes sent are `groupChanges`' (re-timings only for an expected gain, switches to
 * free only where free beats what runs, both also at the ends of the forecast band; a
 * group's common cycle held through small moves that do not pay); a change is in force
 * from the controller's next boundary.
 */
export class CrosscastActuatedStrategy implements Strategy {
  readonly name: StrategyName = 'crosscast_actuated';
  private readonly corridors: AdviceCorridor[];
  /** The plan per crossing and whether it runs coordinated (false: free). */
  private running = new Map<string, CrossingOperation>();
  private initial: Map<string, CrossingOperation> | null = null;
  /** Per decision slot, how many crossings run coordinated, and which (for the report). */
  readonly coordinatedBySlot: number[] = [];
  readonly coordinatedLog: Array<Set<string>> = [];
  /** The advice of the last decision per crossing (sent or not: a crossing running free has nothing to send). */
  private advice = new Map<string, CrossingOperation>();
  /** Every decision at which a crossing's advice changed (free ↔ coordinated, or a coordinated plan's cycle or split as actuatedPlanChanged counts it). */
  readonly adviceChanges: Array<{ slot: number; crossingId: string }> = [];
  /** Per decision slot and grouped crossing: expected delay free and coordinated (s/veh), and the choice (for calibration checks). */
  readonly expectations: Array<{ slot: number; id: string; free: number; coordinated: number; xFree: number; xCoord: number; chosen: boolean; platoonRatio: number; cycle: number }> = [];
  private readonly adviceOptions: Partial<ActuatedAdviceOptions>;

  constructor(
    private readonly scenario: TimingScenario,
    private readonly forecaster: ProfileForecaster,
    private readonly corridorOrderFlows: Record<string, number>,
    options: Partial<ActuatedPlanOptions> = {},
    /** Let `planActuatedGroup` run single crossings free where coordination does not pay (false: every grouped crossing coordinated, as before). */
    prune = true,
    maxSpacingM = ACTUATED_COORDINATION_MAX_SPACING_M,
    /** Other settings of `planActuatedGroup` (sensitivity runs). */
    groupOptions: Partial<Pick<ActuatedGroupOptions, 'platoonShare' | 'minGainSeconds' | 'freeMaxDegreeOfSaturation' | 'freeDegreeOfSaturationBand'>> = {},
    planChange: Partial<PlanChangeOptions> = {},
    /** A saturated count of a force-off-bound lane group raises its demand a step (`planningFlows`); false: the count only raises the upper bound, as before. */
    raiseSaturated = true,
    /** `groupChanges`' expected-gain tests (re-timings, switches to free); false: every change actuatedPlanChanged or the group planner finds is sent. */
    gateRetiming = true,
    retiming: Partial<RetimingOptions> = {},
  ) {
    this.corridors = scenario.corridors.map((c) => ({ ...c, speedKmh: scenario.speedKmh }));
    this.adviceOptions = {
      horizons: ACTUATED_HORIZONS,
      maxSpacingM,
      plan: options,
      delay: { maxGreenSeconds: ACTUATED_SETTINGS.maxGreenSeconds },
      group: { ...groupOptions, prune },
      planChange,
      retiming,
      gate: gateRetiming,
      raiseSaturated,
    };
  }

  initialControl(crossingId: string): SignalControl {
    if (!this.initial) {
      this.initial = this.advise(0, {}).operations;
      this.running = new Map(this.initial);
      this.advice = new Map(this.initial);
      this.coordinatedBySlot[0] = [...this.initial.values()].filter((x) => x.coordinated).length;
      this.coordinatedLog[0] = new Set([...this.initial].filter(([, x]) => x.coordinated).map(([id]) => id));
    }
    return this.controlOf(this.initial.get(crossingId)!);
  }

  private controlOf(x: CrossingOperation): SignalControl {
    if (!x.coordinated) return freeControl(x.plan);
    return engineControl(x.plan);
  }

  decide(slot: number, countsToday: Record<string, number[]>): PlanRequest[] {
    if (slot === 0) return [];
    const { operations, advice } = this.advise(slot, countsToday);
    for (const [id, next] of operations) {
      const advised = this.advice.get(id);
      if (advised && (advised.coordinated !== next.coordinated || (next.coordinated && actuatedPlanChanged(advised.plan, next.plan, this.adviceOptions.planChange)))) this.adviceChanges.push({ slot, crossingId: id });
      this.advice.set(id, next);
    }
    const requests: PlanRequest[] = [];
    for (const group of advice.groups) {
      for (const change of group.changes) {
        this.running.set(change.crossingId, change.operation);
        requests.push({ crossingId: change.crossingId, control: this.controlOf(change.operation), expectedGainSeconds: change.expectedGainSeconds ?? undefined });
      }
    }
    this.coordinatedBySlot[slot] = [...this.running.values()].filter((x) => x.coordinated).length;
    this.coordinatedLog[slot] = new Set([...this.running].filter(([, x]) => x.coordinated).map(([id]) => id));
    return requests;
  }

  /** The crossings as the shared advice reads them: per lane group the next half hour's forecasts and the last count. */
  private crossings(slot: number, countsToday: Record<string, number[]>): AdviceCrossing[] {
    return this.scenario.crossingIds.map((id) => ({
      id,
      phases: this.scenario.phaseNames[id],
      laneGroups: this.scenario.laneGroups[id].map((g) => ({
        id: g.linkId,
        phase: g.phase,
        saturationFlowVehPerHour: g.saturationFlowVehPerHour,
        forecast: Array.from({ length: ACTUATED_HORIZONS }, (_, h) => {
          const f = this.forecaster.at(g.linkId, slot + h);
          return { meanVehPerHour: 4 * f.mean, upper80VehPerHour: 4 * f.upper80 };
        }),
        observedVehPerHour: slot > 0 ? 4 * (countsToday[g.linkId]?.[slot - 1] ?? 0) : undefined,
      })),
    }));
  }

  private advise(slot: number, countsToday: Record<string, number[]>): { advice: ActuatedAdvice; operations: Map<string, CrossingOperation> } {
    const advice = adviseActuatedGroups({ crossings: this.crossings(slot, countsToday), corridors: this.corridors, running: this.running, orderFlows: this.corridorOrderFlows }, this.adviceOptions);
    const byId = new Map(advice.groups.flatMap((g) => [...g.advice]));
    const operations = new Map(this.scenario.crossingIds.map((id) => [id, byId.get(id)!]));
    for (const group of advice.groups) {
      for (const c of group.plan?.crossings ?? []) {
        this.expectations.push({ slot, id: c.id, free: c.expectedFree.delaySeconds, coordinated: c.expectedCoordinated.delaySeconds, xFree: c.expectedFree.maxDegreeOfSaturation, xCoord: c.expectedCoordinated.maxDegreeOfSaturation, chosen: c.coordinated, platoonRatio: c.platoonOnGreen ?? -1, cycle: c.plan.cycleSeconds });
      }
    }
    return { advice, operations };
  }
}

/** Free operation with a plan's free passage time and minimum green (the actuated controller, max green 45 s). */
export function freeControl(plan: CoordinatedActuatedPlan): SignalControl {
  return { kind: 'actuated', settings: { ...ACTUATED_SETTINGS, gapSeconds: plan.freePassageSeconds, minGreenSeconds: Math.min(...plan.phases.map((p) => p.minGreenSeconds)) } };
}
