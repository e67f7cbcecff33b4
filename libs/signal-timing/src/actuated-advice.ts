/**
 * The product's coordinated-actuated advice for a whole city, one planning period at a time:
 * the single function both `bench:timing` (crosscast_actuated) and fusion's planning call.
 *
 * 1. Groups (`actuatedGroups`): the roads' corridors are cut where two consecutive crossings
 *    are more than `maxSpacingM` (400 m) apart by road; the pieces of two or more crossings,
 *    busiest first (flow of their coordinated phases), are joined into groups where they
 *    share a crossing (union-find): one group, one common cycle. Crossings in no group run
 *    free.
 * 2. Demand per lane group (`adviceDemand`): the larger of the next `horizons` (2) forecasts'
 *    means and of their 80 % upper bounds; the last measured interval raises the upper bound,
 *    and a count at the running coordinated plan's capacity is planned a saturation step
 *    above it (`planningFlows`).
 * 3. Per group `planActuatedGroup` (common cycle, two-way reference points, coordinated vs
 *    free per crossing with hysteresis against the running operation; a group keeps the
 *    common cycle it runs through a move of at most 10 % that is not expected to gain
 *    0.5 s/veh: `holdCycle`); every other crossing free with the plan's passage time and
 *    minimum green.
 * 4. Which changes to send (`groupChanges`: the re-timing gate, switches to free only where
 *    free beats what runs, both at the forecast mean and at both ends of its 80 % band:
 *    a gain the day's own demand could reverse is within the noise it can be measured
 *    against). The changes are judged with a saturated lane group's demand at its raised
 *    count (`evaluationDemand`). A group with a crossing that runs no actuated advice yet (a
 *    fixed-time plan) takes the group's whole advice at once (`kind: 'adopted'`): it starts
 *    on the common cycle together.
 * Plain data in, plain data out: no I/O, no clock.
 */
import { ActuatedPhaseDemand, ActuatedPlanOptions, CoordinatedActuatedPlan, PlanChangeOptions, coordinatedActuatedPlan, laneGroupCapacities, planningFlows } from './actuated-plan';
import { ActuatedDelayOptions, ActuatedOperationEstimate } from './actuated-delay';
import { ActuatedGroupOptions, ActuatedGroupPlan, DEFAULT_RETIMING, GroupCorridor, RetimingOptions, arcOverlap, cutCorridors, evaluateActuatedGroup, phaseStartSeconds, planActuatedGroup } from './actuated-group';
import { CrossingOperation, GroupChange, bandDemands, groupChanges } from './actuated-changes';
import { laneGroupDelay } from './hcm-delay';
import { SignalPlan } from './webster';

export interface AdviceLaneGroup {
  id: string;
  /** The phase that serves it. */
  phase: string;
  saturationFlowVehPerHour: number;
  /** Per forecast horizon, nearest first (veh/h): mean and 80 % upper bound. */
  forecast: Array<{ meanVehPerHour: number; upper80VehPerHour: number }>;
  /** Flow measured in the last interval, veh/h (absent: none). */
  observedVehPerHour?: number;
}

export interface AdviceCrossing {
  id: string;
  /** Phase names in the crossing's phase order. */
  phases: string[];
  laneGroups: AdviceLaneGroup[];
  /** The fixed-time plan it runs when it runs no actuated advice yet (effective greens): what a first advice is compared with. */
  runningFixedPlan?: SignalPlan;
}

/** A road's run of crossings in road order, not yet cut by spacing (see GroupCorridor). */
export type AdviceCorridor = GroupCorridor;

export interface ActuatedAdviceOptions {
  /** Forecast horizons the advice is sized for (the larger of them), default 2. */
  horizons: number;
  /** Crossings further apart than this by road are not coordinated, metres (default 400). */
  maxSpacingM: number;
  /**
   * A group (one common cycle) grows to at most this many crossings (default 128): the
   * busiest corridors join first, and a corridor that would make a group larger is cut
   * there. The largest group the advice is measured on is the 10×10 grid's 100; a 64×64
   * grid city (4,096 crossings, 250 m apart) was one group, planned in one 1.4–4 s step.
   */
  maxGroupCrossings: number;
  plan: Partial<ActuatedPlanOptions>;
  delay: Partial<ActuatedDelayOptions>;
  /** planActuatedGroup's settings. */
  group: Partial<Pick<ActuatedGroupOptions, 'prune' | 'platoonShare' | 'minGainSeconds' | 'freeMaxDegreeOfSaturation' | 'freeDegreeOfSaturationBand'>>;
  planChange: Partial<PlanChangeOptions>;
  retiming: Partial<RetimingOptions>;
  /** groupChanges' expected-gain tests (false: every change is sent). */
  gate: boolean;
  /** With the gate: a change must pay across the forecast band, not only at its mean (groupChanges' robust test). */
  robust: boolean;
  /** A saturated count raises a lane group's demand a step (planningFlows); false: the count only raises the upper bound. */
  raiseSaturated: boolean;
  /**
   * The changes' expected delays (groupChanges' gates and each change's expected gain) take a
   * saturated lane group's demand at its raised count, not at the forecast mean (which the
   * plan's cycle is still sized on): a count at capacity says the demand is at least that.
   */
  judgeSaturatedAtCount: boolean;
  /**
   * With the gate: a group that runs a common cycle keeps it (splits and reference points
   * re-planned for it) when the new cycle is within HOLD_CYCLE_SHARE (10 %) of it and is not
   * expected to gain at least the re-timing minimum (`retiming.minGainSeconds`) per vehicle
   * of the group over that. Larger moves of the cycle are not held: they follow the peaks,
   * where the group's isolated-crossing estimate misses what a longer cycle saves between
   * crossings (holding every move that did not pass that test on the 4×4 grid's quick test
   * day doubled its delay, 46.7 → 104.7 s/veh).
   */
  holdCycle: boolean;
}

export const DEFAULT_ACTUATED_ADVICE: Omit<ActuatedAdviceOptions, 'plan' | 'delay' | 'group' | 'planChange' | 'retiming'> = {
  horizons: 2,
  maxSpacingM: 400,
  maxGroupCrossings: 128,
  gate: true,
  robust: true,
  raiseSaturated: true,
  judgeSaturatedAtCount: true,
  holdCycle: true,
};

export interface ActuatedAdviceInput {
  crossings: AdviceCrossing[];
  corridors: AdviceCorridor[];
  /**
   * Per crossing, the actuated advice it runs now (absent or null: none yet, e.g. a
   * fixed-time plan). With no crossing running any, the advice is planned without
   * hysteresis (a first plan).
   */
  running: ReadonlyMap<string, CrossingOperation | null>;
  /** Per lane group, the flow that orders corridors busiest first (default: its first horizon's mean). */
  orderFlows?: Readonly<Record<string, number>>;
}

export interface ActuatedAdviceGroup {
  /** In the order first met along its corridors (busiest first); one crossing for a crossing in no corridor. */
  crossings: string[];
  /** Its corridor pieces within maxSpacingM (none for a crossing in no corridor). */
  corridors: GroupCorridor[];
  /** planActuatedGroup's result (null for a crossing in no corridor). */
  plan: ActuatedGroupPlan | null;
  /** Per crossing, the advice (coordinated plan, or free with the plan's actuated settings). */
  advice: Map<string, CrossingOperation>;
  /** Per crossing, the expected delay under the advice (every crossing of the group as advised), s/veh. */
  expected: Map<string, ActuatedOperationEstimate>;
  /** What to send: changes against the running operation, with their expected gains. */
  changes: AdviceChange[];
}

export type AdviceChange = Omit<GroupChange, 'kind' | 'expectedGainSeconds'> & {
  kind: GroupChange['kind'] | 'adopted';
  /** Expected saving against what runs now, s/veh (null: a crossing on no actuated advice whose fixed-time plan was not given). */
  expectedGainSeconds: number | null;
  /** Expected delay under what runs now (the group's running operation; HCM for a running fixed-time plan) and with the change, s/veh. */
  expectedDelayRunningSeconds: number | null;
  expectedDelayPlanSeconds: number;
  /** The crossing's flow at the planning demand (the weight of a group's mean), veh/h. */
  flowVehPerHour: number;
};

export interface ActuatedAdvice {
  /** The planning flows per crossing and phase. */
  demand: Record<string, ActuatedPhaseDemand[]>;
  /** Crossings with a lane group whose count reached the running plan's capacity. */
  saturated: Set<string>;
  groups: ActuatedAdviceGroup[];
}

function fullOptions(partial: Partial<ActuatedAdviceOptions>): ActuatedAdviceOptions {
  return { ...DEFAULT_ACTUATED_ADVICE, plan: {}, delay: {}, group: {}, planChange: {}, retiming: {}, ...partial };
}

/**
 * The groups to coordinate (see 1): corridors cut at spacings over `maxSpacingM`, pieces of
 * two or more crossings, busiest first by `flowOf`, joined where they share a crossing, a
 * group growing to at most `maxGroupCrossings` (a corridor that would make it larger is cut
 * between the two crossings that would have joined it to another group).
 */
export function actuatedGroups(
  corridors: AdviceCorridor[],
  flowOf: (corridor: GroupCorridor) => number,
  maxSpacingM = DEFAULT_ACTUATED_ADVICE.maxSpacingM,
  maxGroupCrossings = DEFAULT_ACTUATED_ADVICE.maxGroupCrossings,
): Array<{ crossings: string[]; corridors: GroupCorridor[] }> {
  const kept = corridorPieces(corridors, (corridor, i) => corridor.distancesM[i] > maxSpacingM).filter((p) => p.crossings.length >= 2);
  const flows = new Map(kept.map((c) => [c, flowOf(c)]));
  kept.sort((a, b) => flows.get(b)! - flows.get(a)!);
  const parent = new Map<string, string>();
  const size = new Map<string, number>();
  const find = (x: string): string => {
    const p = parent.get(x) ?? x;
    if (p === x) return x;
    const root = find(p);
    parent.set(x, root);
    return root;
  };
  // Neighbours along each piece, busiest piece first, while the joined group stays within the cap.
  for (const c of kept) {
    for (let i = 1; i < c.crossings.length; i++) {
      const a = find(c.crossings[i - 1]);
      const b = find(c.crossings[i]);
      if (a === b) continue;
      const joined = (size.get(a) ?? 1) + (size.get(b) ?? 1);
      if (joined > maxGroupCrossings) continue;
      parent.set(b, a);
      size.set(a, joined);
    }
  }
  const byRoot = new Map<string, { crossings: string[]; corridors: GroupCorridor[] }>();
  const grouped = new Set<string>();
  // Each piece in runs of one group (a run of one crossing coordinates nothing).
  for (const c of corridorPieces(kept, (piece, i) => find(piece.crossings[i]) !== find(piece.crossings[i + 1]))) {
    if (c.crossings.length < 2) continue;
    const root = find(c.crossings[0]);
    if (!byRoot.has(root)) byRoot.set(root, { crossings: [], corridors: [] });
    const group = byRoot.get(root)!;
    group.corridors.push(c);
    for (const id of c.crossings) {
      if (!grouped.has(id)) {
        grouped.add(id);
        group.crossings.push(id);
      }
    }
  }
  return [...byRoot.values()];
}

/** Each corridor cut between crossings i and i + 1 wherever `cutAfter(corridor, i)`; pieces keep their distances and coordinated phases. */
function corridorPieces(corridors: GroupCorridor[], cutAfter: (corridor: GroupCorridor, i: number) => boolean): GroupCorridor[] {
  const pieces: GroupCorridor[] = [];
  for (const corridor of corridors) {
    if (corridor.crossings.length === 0) continue;
    let piece: GroupCorridor = { ...corridor, crossings: [corridor.crossings[0]], distancesM: [], coordinatedPhases: [corridor.coordinatedPhases[0]] };
    corridor.distancesM.forEach((d, i) => {
      if (cutAfter(corridor, i)) {
        pieces.push(piece);
        piece = { ...corridor, crossings: [], distancesM: [], coordinatedPhases: [] };
      } else {
        piece.distancesM.push(d);
      }
      piece.crossings.push(corridor.crossings[i + 1]);
      piece.coordinatedPhases.push(corridor.coordinatedPhases[i + 1]);
    });
    pieces.push(piece);
  }
  return pieces;
}

/**
 * A crossing's planning flows (see 2) per phase; adds it to `saturated` when a count reached
 * the capacity of the coordinated plan it runs (free operation has no fixed capacity).
 */
export function adviceDemand(crossing: AdviceCrossing, running: CrossingOperation | null | undefined, partial: Partial<ActuatedAdviceOptions> = {}, saturated = new Set<string>(), /** Adds the laneGroupKey of every saturated lane group. */ saturatedLaneGroups = new Set<string>()): ActuatedPhaseDemand[] {
  const options = fullOptions(partial);
  const forecast: ActuatedPhaseDemand[] = crossing.phases.map((name) => ({
    name,
    laneGroups: crossing.laneGroups
      .filter((g) => g.phase === name)
      .map((g) => {
        if (g.forecast.length === 0) throw new Error(`lane group ${g.id} of crossing ${crossing.id} has no forecast`);
        let mean = 0;
        let upper = 0;
        for (const f of g.forecast.slice(0, options.horizons)) {
          mean = Math.max(mean, f.meanVehPerHour);
          upper = Math.max(upper, f.upper80VehPerHour);
        }
        return { id: g.id, meanVehPerHour: mean, upperVehPerHour: upper, saturationFlowVehPerHour: g.saturationFlowVehPerHour };
      }),
  }));
  const observed = new Map(crossing.laneGroups.map((g) => [g.id, g.observedVehPerHour]));
  const capacity = running?.coordinated && options.raiseSaturated ? laneGroupCapacities(running.plan, forecast) : null;
  return forecast.map((p) => ({
    name: p.name,
    laneGroups: p.laneGroups.map((g) => {
      const count = observed.get(g.id);
      if (!options.raiseSaturated) return { ...g, upperVehPerHour: Math.max(g.upperVehPerHour, count ?? 0) };
      const flows = planningFlows(g.meanVehPerHour, g.upperVehPerHour, count, capacity?.get(g.id));
      if (flows.saturated) {
        saturated.add(crossing.id);
        saturatedLaneGroups.add(laneGroupKey(crossing.id, g.id));
      }
      return { ...g, meanVehPerHour: flows.meanVehPerHour, upperVehPerHour: flows.upperVehPerHour };
    }),
  }));
}

/** The advice for every crossing (see the file's comment) and the changes to send per group. */
export function adviseActuatedGroups(input: ActuatedAdviceInput, partial: Partial<ActuatedAdviceOptions> = {}): ActuatedAdvice {
  const options = fullOptions(partial);
  const byId = new Map(input.crossings.map((c) => [c.id, c]));
  const saturated = new Set<string>();
  const demand: Record<string, ActuatedPhaseDemand[]> = {};
  const saturatedLaneGroups = new Set<string>();
  for (const c of input.crossings) demand[c.id] = adviceDemand(c, input.running.get(c.id), options, saturated, saturatedLaneGroups);
  // What the changes are judged on (see 4): a saturated lane group's demand is at least its raised count, not the forecast mean its count disproves.
  const judged = options.judgeSaturatedAtCount ? evaluationDemand(demand, saturatedLaneGroups) : demand;

  const orderFlow = (laneGroup: AdviceLaneGroup) => input.orderFlows ? (input.orderFlows[laneGroup.id] ?? 0) : (laneGroup.forecast[0]?.meanVehPerHour ?? 0);
  const flowOf = (corridor: GroupCorridor) =>
    corridor.crossings.reduce((s, id, i) => s + (byId.get(id)?.laneGroups ?? []).filter((g) => g.phase === corridor.coordinatedPhases[i]).reduce((x, g) => x + orderFlow(g), 0), 0);
  // A crossing not given (no current forecast) is not planned: the corridors are cut there.
  const corridors = cutCorridors(input.corridors, (id) => byId.has(id));
  const groups = actuatedGroups(corridors, flowOf, options.maxSpacingM);

  const runningOps = new Map([...input.running].filter((x): x is [string, CrossingOperation] => !!x[1]));
  const hysteresis = runningOps.size > 0 ? new Map([...runningOps].map(([id, x]) => [id, x.coordinated])) : undefined;
  const groupOptions = { ...options.group, plan: options.plan, delay: options.delay };
  const fixedPlans = new Map(input.crossings.filter((c) => c.runningFixedPlan).map((c) => [c.id, c.runningFixedPlan!]));
  const out: ActuatedAdviceGroup[] = [];
  const grouped = new Set<string>();
  for (const group of groups) {
    let plan = planActuatedGroup(demand, group.corridors, { ...groupOptions, running: hysteresis });
    // Cycle hysteresis: the group keeps the common cycle it runs unless the new one is clearly worth its transition.
    const runningCycle = options.holdCycle && options.gate ? commonRunningCycle(group.crossings, input.running) : null;
    if (runningCycle !== null && plan.cycleSeconds !== runningCycle && Math.abs(plan.cycleSeconds - runningCycle) <= HOLD_CYCLE_SHARE * runningCycle) {
      const held = planActuatedGroup(demand, group.corridors, { ...groupOptions, plan: { ...options.plan, cycleSeconds: runningCycle }, running: hysteresis });
      const minGain = options.retiming.minGainSeconds ?? DEFAULT_RETIMING.minGainSeconds;
      if (groupDelay(judged, group.corridors, held, options) - groupDelay(judged, group.corridors, plan, options) < minGain) plan = held;
    }
    const advice = new Map(plan.crossings.map((c) => [c.id, { plan: c.plan, coordinated: c.coordinated }]));
    // planActuatedGroup names its crossings in the same order as the group.
    const ordered = new Map(group.crossings.map((id) => [id, advice.get(id)!]));
    group.crossings.forEach((id) => grouped.add(id));
    out.push(finish(group.crossings, group.corridors, plan, ordered, judged, saturated, input.running, fixedPlans, options));
  }
  for (const c of input.crossings) {
    if (grouped.has(c.id)) continue;
    const advice = new Map([[c.id, { plan: coordinatedActuatedPlan(demand[c.id], undefined, options.plan), coordinated: false }]]);
    out.push(finish([c.id], [], null, advice, judged, saturated, input.running, fixedPlans, options));
  }
  return { demand, saturated, groups: out };
}

function finish(
  ids: string[],
  corridors: GroupCorridor[],
  plan: ActuatedGroupPlan | null,
  advice: Map<string, CrossingOperation>,
  demand: Record<string, ActuatedPhaseDemand[]>,
  saturated: ReadonlySet<string>,
  running: ReadonlyMap<string, CrossingOperation | null>,
  fixedPlans: ReadonlyMap<string, SignalPlan>,
  options: ActuatedAdviceOptions,
): ActuatedAdviceGroup {
  const evalOptions = { plan: options.plan, delay: options.delay, platoonShare: options.group.platoonShare };
  const expected = evaluateActuatedGroup(demand, corridors, new Map(ids.map((id) => [id, advice.get(id)!.coordinated ? advice.get(id)!.plan : null])), evalOptions);
  if (ids.some((id) => !running.get(id))) {
    // Not all on actuated advice yet: the group starts on its advice together.
    const changes: AdviceChange[] = ids.map((id) => {
      const after = expected.get(id)!;
      const fixed = fixedPlans.get(id);
      const before = fixed ? fixedPlanDelay(demand[id], fixed) : null;
      return { crossingId: id, operation: advice.get(id)!, kind: 'adopted', expectedGainSeconds: before === null ? null : before - after.delaySeconds, expectedDelayRunningSeconds: before, expectedDelayPlanSeconds: after.delaySeconds, flowVehPerHour: after.flowVehPerHour };
    });
    return { crossings: ids, corridors, plan, advice, expected, changes };
  }
  const runningOps = new Map(ids.map((id) => [id, running.get(id)!]));
  const sent = groupChanges(demand, corridors, runningOps, advice, saturated, {
      plan: options.plan,
      delay: options.delay,
      platoonShare: options.group.platoonShare,
      planChange: options.planChange,
      retiming: options.retiming,
      gate: options.gate,
      robust: options.robust,
  });
  let changes: AdviceChange[] = [];
  if (sent.length > 0) {
    const changed = new Map(sent.map((c) => [c.crossingId, c.operation]));
    const after = evaluateActuatedGroup(demand, corridors, new Map(ids.map((id) => { const op = changed.get(id) ?? runningOps.get(id)!; return [id, op.coordinated ? op.plan : null]; })), evalOptions);
    changes = sent.map((c) => {
      const e = after.get(c.crossingId)!;
      return { ...c, expectedDelayRunningSeconds: e.delaySeconds + c.expectedGainSeconds, expectedDelayPlanSeconds: e.delaySeconds, flowVehPerHour: e.flowVehPerHour };
    });
  }
  return { crossings: ids, corridors, plan, advice, expected, changes };
}

/** A move of a group's common cycle by at most this share of the running one is held when it does not pay (holdCycle). */
export const HOLD_CYCLE_SHARE = 0.1;

/** The cycle every crossing of a group that runs coordinated now shares (null: none coordinated, a crossing on no actuated advice, or cycles that differ). */
function commonRunningCycle(ids: string[], running: ReadonlyMap<string, CrossingOperation | null>): number | null {
  const cycles = new Set<number>();
  for (const id of ids) {
    const op = running.get(id);
    if (!op) return null;
    if (op.coordinated) cycles.add(op.plan.cycleSeconds);
  }
  return cycles.size === 1 ? [...cycles][0] : null;
}

/** Flow-weighted expected delay of a group under a plan of planActuatedGroup (its crossings coordinated or free as advised) at the given demand, s/veh. */
function groupDelay(demand: Record<string, ActuatedPhaseDemand[]>, corridors: GroupCorridor[], plan: ActuatedGroupPlan, options: ActuatedAdviceOptions): number {
  const expected = evaluateActuatedGroup(demand, corridors, new Map(plan.crossings.map((c) => [c.id, c.coordinated ? c.plan : null])), { plan: options.plan, delay: options.delay, platoonShare: options.group.platoonShare });
  let flow = 0;
  let delay = 0;
  for (const e of expected.values()) {
    flow += e.flowVehPerHour;
    delay += e.flowVehPerHour * e.delaySeconds;
  }
  return flow > 0 ? delay / flow : 0;
}

/** A lane group's key across crossings (lane group ids need only be unique within a crossing). */
export const laneGroupKey = (crossingId: string, laneGroupId: string) => `${crossingId}\u0000${laneGroupId}`;

/** The demand with every lane group in `raised` (laneGroupKey) at its upper flow as its mean (a saturated count: its demand is at least that). */
export function evaluationDemand(demand: Record<string, ActuatedPhaseDemand[]>, raised: ReadonlySet<string>): Record<string, ActuatedPhaseDemand[]> {
  if (raised.size === 0) return demand;
  return Object.fromEntries(
    Object.entries(demand).map(([id, phases]) => [id, phases.map((p) => ({ ...p, laneGroups: p.laneGroups.map((g) => (raised.has(laneGroupKey(id, g.id)) ? { ...g, meanVehPerHour: Math.max(g.meanVehPerHour, g.upperVehPerHour) } : g)) }))]),
  );
}

/** Flow-weighted HCM control delay of a fixed-time plan (effective greens) at the demand's mean flows, s/veh. */
export function fixedPlanDelay(phases: ActuatedPhaseDemand[], plan: SignalPlan): number {
  let flow = 0;
  let delay = 0;
  for (const phase of phases) {
    const timed = plan.phases.find((p) => p.name === phase.name);
    if (!timed) throw new Error(`the plan has no phase named ${phase.name}`);
    for (const group of phase.laneGroups) {
      const result = laneGroupDelay({ flowVehPerHour: group.meanVehPerHour, saturationFlowVehPerHour: group.saturationFlowVehPerHour, greenSeconds: timed.greenSeconds, cycleSeconds: plan.cycleSeconds });
      flow += group.meanVehPerHour;
      delay += result.controlDelaySeconds * group.meanVehPerHour;
    }
  }
  return flow > 0 ? delay / flow : 0;
}

/**
 * Through band of a coordinated corridor at free-flow speed, seconds, outbound (first → last)
 * and inbound: per link, the overlap of the upstream coordinated green (split − clearance)
 * carried by the travel time with the downstream one; the corridor's band is its narrowest
 * link's (an upper bound of the true band, which also needs the overlaps to line up).
 */
export function corridorBandSeconds(corridor: GroupCorridor, plans: ReadonlyMap<string, CoordinatedActuatedPlan>): { outbound: number; inbound: number } {
  let outbound = Infinity;
  let inbound = Infinity;
  const window = (plan: CoordinatedActuatedPlan, phase: string) => {
    const p = plan.phases.find((x) => x.name === phase);
    if (!p) throw new Error(`the plan has no phase named ${phase}`);
    return { start: plan.offsetSeconds + phaseStartSeconds(plan, phase), length: Math.max(0, p.splitSeconds - plan.amberSeconds - plan.allRedSeconds) };
  };
  for (let i = 1; i < corridor.crossings.length; i++) {
    const pa = plans.get(corridor.crossings[i - 1]);
    const pb = plans.get(corridor.crossings[i]);
    if (!pa || !pb || pa.cycleSeconds !== pb.cycleSeconds) return { outbound: 0, inbound: 0 };
    const travel = corridor.distancesM[i - 1] / (corridor.speedKmh / 3.6);
    const wa = window(pa, corridor.coordinatedPhases[i - 1]);
    const wb = window(pb, corridor.coordinatedPhases[i]);
    outbound = Math.min(outbound, arcOverlap(wa.start + travel, wa.length, wb.start, wb.length, pa.cycleSeconds));
    inbound = Math.min(inbound, arcOverlap(wb.start + travel, wb.length, wa.start, wa.length, pa.cycleSeconds));
  }
  return Number.isFinite(outbound) ? { outbound, inbound } : { outbound: 0, inbound: 0 };
}
