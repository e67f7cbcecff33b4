/**
 * Coordinated-actuated advice for a group of crossings joined by corridors (roads along
 * which platoons run), and whether coordinating them pays against letting each crossing run
 * free.
 *
 * 1. Common cycle: the longest of the crossings' own `actuatedCycle`s (or a given one).
 * 2. Each crossing's coordinated phase is the phase of its first corridor (corridors come
 *    busiest first); its splits come from `coordinatedActuatedPlan` for the common cycle.
 * 3. Reference points corridor by corridor (`coordinatedActuatedCorridor`, two-way): a later
 *    corridor that meets a crossing already timed is shifted to keep that crossing's
 *    coordinated green start.
 * 4. Platoon arrivals: along every corridor, the corridor's phase at a crossing releases its
 *    platoon in its split window (its start after the reference point, split − clearance
 *    long), carried by the free-flow travel time to the next crossing (both directions); the
 *    share of it that lands in the next crossing's window of that phase arrives on green. Of
 *    a direction's arrivals the share `platoonShare` (default 0.8) comes in that platoon, the
 *    rest (turned in from side streets) at random; a direction with no coordinated upstream
 *    neighbour arrives at random (`PhaseArrivals`).
 * 5. Expected delay of each crossing coordinated (`coordinatedActuatedEstimate`, HCM PF from
 *    those arrivals) and free (`freeActuatedEstimate`), flow-weighted over the group; the
 *    gain of coordinating is free − coordinated.
 * 6. Per crossing (`prune`, default on): a crossing whose coordinated delay is above its
 *    free delay by more than it gives its neighbours (the platoon credit they would lose)
 *    runs free, if its free operation stays at or below `freeMaxDegreeOfSaturation` (0.5:
 *    where the isolated estimate holds; 0.6 for a crossing that runs free now:
 *    `freeDegreeOfSaturationBand`); at most one of two neighbours per round, the
 *    corridors are cut there and planned again until every crossing left pays its way (a
 *    corridor piece of one crossing runs free). With `running`, a crossing changes operation
 *    only for an expected gain of at least `minGainSeconds` (0.5 s) per vehicle of its own
 *    (hysteresis).
 */
import { ActuatedPhaseDemand, ActuatedPlanOptions, CoordinatedActuatedPlan, DEFAULT_ACTUATED_PLAN, actuatedCycle, coordinatedActuatedCorridor, coordinatedActuatedPlan } from './actuated-plan';
import { ActuatedDelayOptions, ActuatedOperationEstimate, DEFAULT_ACTUATED_DELAY, PhaseArrivals, coordinatedActuatedEstimate, freeActuatedEstimate } from './actuated-delay';

export interface GroupCorridor {
  name: string;
  /** Crossings in order along the road. */
  crossings: string[];
  /** Road distance between consecutive crossings, metres. */
  distancesM: number[];
  /** Per crossing, the phase that carries the road. */
  coordinatedPhases: string[];
  /** Free-flow speed along the road, km/h. */
  speedKmh: number;
}

export interface ActuatedGroupOptions {
  plan: Partial<ActuatedPlanOptions>;
  /** Settings of free operation (max green, passage) and the HCM analysis period. */
  delay: Partial<ActuatedDelayOptions>;
  /** Let single crossings run free where coordinating them does not pay (see 6). */
  prune: boolean;
  /** Share of a direction's arrivals that come in the upstream crossing's coordinated platoon (the rest turned in from its side streets and arrive at random). */
  platoonShare: number;
  /** Per crossing, whether it runs coordinated now (for hysteresis; absent: no hysteresis). */
  running?: ReadonlyMap<string, boolean>;
  /** Hysteresis: a crossing changes between free and coordinated only for at least this expected gain, s/veh of its own flow. */
  minGainSeconds?: number;
  /**
   * A crossing is let run free only while its free operation stays at or below this degree of
   * saturation (default 0.5). Above it the isolated-crossing estimate is optimistic for free
   * operation between close signals (platoons from free-running neighbours extend greens to
   * their maxima), so corridors stay coordinated: on the tuning days it called coordination
   * a loss at the grids' peaks where the engine measured a 10-20 % gain.
   */
  freeMaxDegreeOfSaturation?: number;
  /**
   * Hysteresis on that limit (default 0.1): a crossing that runs free now (`running` false)
   * stays free up to `freeMaxDegreeOfSaturation` + this band, unless coordinating it gains the
   * margin. Without it, a crossing whose free operation hovers about the limit flipped between
   * free and coordinated every few periods, each time dragging its corridor neighbour along
   * (Boroondara, 3685 at X 0.48–0.51 by day: four switches of the pair from 10:45 to 14:00
   * on 2006-10-26), and was coordinated at the start of the morning ramp where its own
   * expected gain, and the measured one, was a small loss.
   */
  freeDegreeOfSaturationBand?: number;
}

export const DEFAULT_GROUP_MIN_GAIN_SECONDS = 0.5;
export const DEFAULT_PLATOON_SHARE = 0.8;
export const DEFAULT_FREE_MAX_DEGREE_OF_SATURATION = 0.5;
export const DEFAULT_FREE_DEGREE_OF_SATURATION_BAND = 0.1;

export interface ActuatedGroupCrossing {
  id: string;
  /** The coordinated-actuated plan (when `coordinated`; else what it would run coordinated). */
  plan: CoordinatedActuatedPlan;
  coordinated: boolean;
  /** Per phase, the platoon arrivals from its coordinated neighbours (none when it runs free). */
  arrivals: Record<string, PhaseArrivals>;
  /** Mean share on green of those platoon arrivals (null: no coordinated neighbour). */
  platoonOnGreen: number | null;
  expectedCoordinated: ActuatedOperationEstimate;
  expectedFree: ActuatedOperationEstimate;
}

export interface ActuatedGroupPlan {
  cycleSeconds: number;
  /** Every crossing of the group, in the order first met along the corridors. */
  crossings: ActuatedGroupCrossing[];
  /** The corridor pieces coordinated (after pruning). */
  corridors: GroupCorridor[];
  /** Flow-weighted over the group: every crossing free, and as advised (coordinated where it pays), s/veh. */
  expectedDelayFreeSeconds: number;
  expectedDelayPlanSeconds: number;
  /** expectedDelayFreeSeconds − expectedDelayPlanSeconds. */
  gainSeconds: number;
  gainShare: number;
}

const modulo = (x: number, m: number) => ((x % m) + m) % m;

/** Length of the overlap of two arcs [a, a + la) and [b, b + lb) on a circle of length `cycle`. */
export function arcOverlap(a: number, la: number, b: number, lb: number, cycle: number): number {
  if (la >= cycle) return Math.min(lb, cycle);
  if (lb >= cycle) return Math.min(la, cycle);
  let total = 0;
  const start = modulo(b - a, cycle); // b relative to a's start
  for (const shift of [start - cycle, start, start + cycle]) total += Math.max(0, Math.min(la, shift + lb) - Math.max(0, shift));
  return total;
}

/** When `phase` starts after the plan's reference point (the coordinated green start), in the plan's phase sequence. */
export function phaseStartSeconds(plan: CoordinatedActuatedPlan, phase: string): number {
  const n = plan.phases.length;
  let start = 0;
  for (let j = 0; j < n; j++) {
    const p = plan.phases[(plan.coordinatedPhaseIndex + j) % n];
    if (p.name === phase) return start;
    start += p.splitSeconds;
  }
  throw new Error(`no phase named ${phase}`);
}

/** Corridors cut at crossings not in `keep`; pieces of fewer than two crossings are dropped. */
export function cutCorridors(corridors: GroupCorridor[], keep: (id: string) => boolean): GroupCorridor[] {
  const pieces: GroupCorridor[] = [];
  for (const c of corridors) {
    let piece: GroupCorridor | null = null;
    c.crossings.forEach((id, i) => {
      if (!keep(id)) {
        piece = null;
        return;
      }
      if (!piece) {
        piece = { ...c, crossings: [], distancesM: [], coordinatedPhases: [] };
        pieces.push(piece);
      } else {
        piece.distancesM.push(c.distancesM[i - 1]);
      }
      piece.crossings.push(id);
      piece.coordinatedPhases.push(c.coordinatedPhases[i]);
    });
  }
  return pieces.filter((p) => p.crossings.length >= 2);
}

interface Coordination {
  cycle: number;
  plans: Map<string, CoordinatedActuatedPlan>;
  /** Per crossing and phase: platoon arrivals from coordinated neighbours along the corridors (see PhaseArrivals). */
  arrivals: Map<string, Record<string, PhaseArrivals & { from: string[] }>>;
}

function coordinate(demand: Record<string, ActuatedPhaseDemand[]>, corridors: GroupCorridor[], options: ActuatedPlanOptions, cycle: number, platoonShare: number): Coordination {
  const coordinatedPhase = new Map<string, string>();
  for (const corridor of corridors) corridor.crossings.forEach((id, i) => coordinatedPhase.has(id) || coordinatedPhase.set(id, corridor.coordinatedPhases[i]));
  const base = new Map([...coordinatedPhase].map(([id, phase]) => [id, coordinatedActuatedPlan(demand[id], phase, { ...options, cycleSeconds: cycle })]));
  const reference = new Map<string, number>();
  for (const corridor of corridors) {
    const wave = coordinatedActuatedCorridor(
      corridor.crossings.map((id, i) => ({ id, phases: demand[id], coordinatedPhase: corridor.coordinatedPhases[i] })),
      corridor.distancesM.map((d) => ({ distanceMetres: d, speedKmh: corridor.speedKmh })),
      { ...options, cycleSeconds: cycle, mode: 'two-way' },
    );
    // The wave's offsets are the corridor phase's green starts; a crossing already timed anchors the corridor.
    const anchor = corridor.crossings.findIndex((id) => reference.has(id));
    const shift = anchor < 0 ? 0 : reference.get(corridor.crossings[anchor])! + phaseStartSeconds(base.get(corridor.crossings[anchor])!, corridor.coordinatedPhases[anchor]) - wave.crossings[anchor].plan.offsetSeconds;
    corridor.crossings.forEach((id, i) => {
      if (!reference.has(id)) reference.set(id, modulo(wave.crossings[i].plan.offsetSeconds + shift - phaseStartSeconds(base.get(id)!, corridor.coordinatedPhases[i]), cycle));
    });
  }
  const plans = new Map([...base].map(([id, plan]) => [id, { ...plan, offsetSeconds: reference.get(id) ?? 0 }]));
  return { cycle, plans, arrivals: platoonArrivals(plans, corridors, platoonShare) };
}

/**
 * Platoon arrivals along the corridors between the crossings that run `plans` (see 4 above):
 * the corridor's phase at the upstream crossing releases its platoon in its split window (its
 * start after the reference point, split − clearance long), carried by the free-flow travel
 * time to the next crossing (both directions); the share of it that lands in the next
 * crossing's window of that phase arrives on green. Neighbours on different cycles (a
 * transition) send nothing predictable.
 */
function platoonArrivals(plans: ReadonlyMap<string, CoordinatedActuatedPlan>, corridors: GroupCorridor[], platoonShare: number): Map<string, Record<string, PhaseArrivals & { from: string[] }>> {
  const arrivals = new Map<string, Record<string, PhaseArrivals & { from: string[] }>>([...plans.keys()].map((id) => [id, {}]));
  const window = (plan: CoordinatedActuatedPlan, phase: string) => {
    const p = plan.phases.find((x) => x.name === phase)!;
    return { start: plan.offsetSeconds + phaseStartSeconds(plan, phase), length: p.splitSeconds - plan.amberSeconds - plan.allRedSeconds };
  };
  const entry = (id: string, phase: string) => {
    const byPhase = arrivals.get(id)!;
    return (byPhase[phase] ??= { directions: 0, onGreen: [], from: [] });
  };
  for (const corridor of cutCorridors(corridors, (id) => plans.has(id))) {
    corridor.crossings.forEach((id, i) => (entry(id, corridor.coordinatedPhases[i]).directions += 2));
    for (let i = 1; i < corridor.crossings.length; i++) {
      const [a, b] = [corridor.crossings[i - 1], corridor.crossings[i]];
      const [pa, pb] = [plans.get(a)!, plans.get(b)!];
      if (pa.cycleSeconds !== pb.cycleSeconds) continue;
      const cycle = pa.cycleSeconds;
      const travel = corridor.distancesM[i - 1] / (corridor.speedKmh / 3.6);
      const wa = window(pa, corridor.coordinatedPhases[i - 1]);
      const wb = window(pb, corridor.coordinatedPhases[i]);
      // a -> b (outbound) and b -> a (inbound); the platoon share meets green where the carried window overlaps, the rest comes at random.
      const toB = entry(b, corridor.coordinatedPhases[i]);
      toB.onGreen.push(platoonShare * (arcOverlap(wa.start + travel, wa.length, wb.start, wb.length, cycle) / wa.length) + (1 - platoonShare) * (wb.length / cycle));
      toB.from.push(a);
      const toA = entry(a, corridor.coordinatedPhases[i - 1]);
      toA.onGreen.push(platoonShare * (arcOverlap(wb.start + travel, wb.length, wa.start, wa.length, cycle) / wb.length) + (1 - platoonShare) * (wa.length / cycle));
      toA.from.push(b);
    }
  }
  return arrivals;
}

/**
 * Expected delay of every crossing of a group under the given operation: a coordinated-actuated
 * plan per crossing that runs one (its platoon arrivals from the coordinated neighbours that
 * share its cycle), free operation for the others (null). For the expected gain of a change:
 * the same forecast under the running operation and under the new one.
 */
export function evaluateActuatedGroup(
  demand: Record<string, ActuatedPhaseDemand[]>,
  corridors: GroupCorridor[],
  operation: ReadonlyMap<string, CoordinatedActuatedPlan | null>,
  partial: Partial<Pick<ActuatedGroupOptions, 'delay' | 'platoonShare' | 'plan'>> = {},
): Map<string, ActuatedOperationEstimate> {
  const planOptions = { ...DEFAULT_ACTUATED_PLAN, ...partial.plan };
  const delayOptions = { ...DEFAULT_ACTUATED_DELAY, passageSeconds: planOptions.passageSeconds, minGreenSeconds: planOptions.minGreenSeconds, amberSeconds: planOptions.amberSeconds, allRedSeconds: planOptions.allRedSeconds, ...partial.delay };
  // Free operation at the passage time it runs with (a coordinated plan's estimate takes the plan's).
  const freeOptions = { ...delayOptions, passageSeconds: partial.delay?.passageSeconds ?? planOptions.freePassageSeconds };
  const plans = new Map([...operation].filter((x): x is [string, CoordinatedActuatedPlan] => x[1] !== null));
  const arrivals = platoonArrivals(plans, corridors, partial.platoonShare ?? DEFAULT_PLATOON_SHARE);
  const out = new Map<string, ActuatedOperationEstimate>();
  for (const [id, plan] of operation) {
    if (!demand[id]) throw new Error(`no demand for crossing ${id}`);
    out.set(id, plan ? coordinatedActuatedEstimate(demand[id], plan, arrivals.get(id)!, delayOptions) : freeActuatedEstimate(demand[id], freeOptions));
  }
  return out;
}

/** The arrivals without those fed by `dropped`. */
function withoutArrivalsFrom(arrivals: Record<string, PhaseArrivals & { from: string[] }>, dropped: string): Record<string, PhaseArrivals & { from: string[] }> {
  return Object.fromEntries(
    Object.entries(arrivals).map(([phase, a]) => {
      const keep = a.from.map((f) => f !== dropped);
      return [phase, { directions: a.directions, onGreen: a.onGreen.filter((_, i) => keep[i]), from: a.from.filter((_, i) => keep[i]) }];
    }),
  );
}

/** Plans and expected delays for a group of crossings joined by `corridors` (busiest first). */
export function planActuatedGroup(
  demand: Record<string, ActuatedPhaseDemand[]>,
  corridors: GroupCorridor[],
  partial: Partial<ActuatedGroupOptions> = {},
): ActuatedGroupPlan {
  const planOptions = { ...DEFAULT_ACTUATED_PLAN, ...partial.plan };
  const delayOptions = { ...DEFAULT_ACTUATED_DELAY, passageSeconds: planOptions.passageSeconds, minGreenSeconds: planOptions.minGreenSeconds, amberSeconds: planOptions.amberSeconds, allRedSeconds: planOptions.allRedSeconds, ...partial.delay };
  const freeOptions = { ...delayOptions, passageSeconds: partial.delay?.passageSeconds ?? planOptions.freePassageSeconds };
  const prune = partial.prune ?? true;
  const platoonShare = partial.platoonShare ?? DEFAULT_PLATOON_SHARE;
  const ids: string[] = [];
  for (const c of corridors) for (const id of c.crossings) if (!ids.includes(id)) ids.push(id);
  if (ids.length === 0) throw new Error('a group needs at least one corridor');
  for (const id of ids) if (!demand[id]) throw new Error(`no demand for crossing ${id}`);
  const free = new Map(ids.map((id) => [id, freeActuatedEstimate(demand[id], freeOptions)]));
  // The load the free-operation limit is judged by: free operation's degree of saturation at the coordinated passage time the
  // limit was chosen with (a shorter free passage ends greens sooner, which raises the estimate's X without more traffic).
  const freeLoad = new Map(ids.map((id) => [id, planOptions.freePassageSeconds === planOptions.passageSeconds && partial.delay?.passageSeconds === undefined ? free.get(id)!.maxDegreeOfSaturation : freeActuatedEstimate(demand[id], delayOptions).maxDegreeOfSaturation]));
  const commonCycle = (members: string[]) => planOptions.cycleSeconds ?? Math.min(planOptions.maxCycleSeconds, Math.max(...members.map((id) => actuatedCycle(demand[id], planOptions))));

  let pieces = corridors;
  let run = coordinate(demand, pieces, planOptions, commonCycle(ids), platoonShare);
  const estimate = (r: Coordination, id: string) => coordinatedActuatedEstimate(demand[id], r.plans.get(id)!, r.arrivals.get(id)!, delayOptions);
  const margin = partial.minGainSeconds ?? DEFAULT_GROUP_MIN_GAIN_SECONDS;
  const freeMaxX = partial.freeMaxDegreeOfSaturation ?? DEFAULT_FREE_MAX_DEGREE_OF_SATURATION;
  const freeBand = partial.freeDegreeOfSaturationBand ?? DEFAULT_FREE_DEGREE_OF_SATURATION_BAND;
  for (let round = 0; prune && round < ids.length && pieces.length > 0; round++) {
    const members = [...run.plans.keys()];
    const own = new Map(members.map((id) => [id, estimate(run, id)]));
    const neighboursOf = (id: string) =>
      new Set(pieces.flatMap((c) => c.crossings.flatMap((x, i) => (x === id ? [c.crossings[i - 1], c.crossings[i + 1]] : []))).filter((x): x is string => !!x && x !== id));
    // What coordinating each crossing costs (+) or saves (−), vehicle-seconds per hour, its neighbours' platoon credit included.
    const excess: Array<{ id: string; excess: number }> = [];
    for (const id of members) {
      const e = own.get(id)!;
      let loss = e.flowVehPerHour * (e.delaySeconds - free.get(id)!.delaySeconds);
      const remaining = cutCorridors(pieces, (x) => x !== id);
      for (const n of neighboursOf(id)) {
        const plan = run.plans.get(n)!;
        // The directions fed by `id` fall back to random arrivals; a neighbour left alone runs free.
        const shares = withoutArrivalsFrom(run.arrivals.get(n)!, id);
        const withCredit = own.get(n)!;
        const after = remaining.some((c) => c.crossings.includes(n)) ? coordinatedActuatedEstimate(demand[n], plan, shares, delayOptions) : free.get(n)!;
        loss -= withCredit.flowVehPerHour * (after.delaySeconds - withCredit.delaySeconds);
      }
      // Hysteresis: a crossing coordinated now stays unless it loses the margin; one running free joins only if it gains it.
      const was = partial.running?.get(id);
      const threshold = was === undefined ? 0 : (was ? margin : -margin) * e.flowVehPerHour;
      // Only where the isolated-crossing model holds (see freeMaxDegreeOfSaturation), with a band for a crossing that runs free now.
      if (loss > threshold && freeLoad.get(id)! <= freeMaxX + (was === false ? freeBand : 0)) excess.push({ id, excess: loss - threshold });
    }
    if (excess.length === 0) break;
    // Drop the worst ones, at most one of any two neighbours per round (dropping one changes the other's account).
    excess.sort((a, b) => b.excess - a.excess);
    const dropped = new Set<string>();
    const blocked = new Set<string>();
    for (const { id } of excess) {
      if (blocked.has(id)) continue;
      dropped.add(id);
      for (const n of neighboursOf(id)) blocked.add(n);
    }
    pieces = cutCorridors(pieces, (id) => !dropped.has(id));
    if (pieces.length === 0) break;
    const left = [...new Set(pieces.flatMap((c) => c.crossings))];
    run = coordinate(demand, pieces, planOptions, commonCycle(left), platoonShare);
  }
  const coordinatedIds = new Set(pieces.length > 0 ? run.plans.keys() : []);
  // Crossings that run free still get the plan they would run coordinated (for the record).
  const crossings: ActuatedGroupCrossing[] = ids.map((id) => {
    const coordinated = coordinatedIds.has(id);
    const plan = coordinated ? run.plans.get(id)! : coordinatedActuatedPlan(demand[id], undefined, planOptions);
    const arrivals: Record<string, PhaseArrivals> = coordinated ? run.arrivals.get(id)! : {};
    const known = Object.values(arrivals).flatMap((a) => a.onGreen);
    return { id, plan, coordinated, arrivals, expectedCoordinated: coordinatedActuatedEstimate(demand[id], plan, arrivals, delayOptions), expectedFree: free.get(id)!, platoonOnGreen: known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : null };
  });
  let flow = 0;
  let freeDelay = 0;
  let planDelay = 0;
  for (const c of crossings) {
    const f = c.expectedFree.flowVehPerHour;
    flow += f;
    freeDelay += f * c.expectedFree.delaySeconds;
    planDelay += f * (c.coordinated ? c.expectedCoordinated.delaySeconds : c.expectedFree.delaySeconds);
  }
  const freeMean = flow > 0 ? freeDelay / flow : 0;
  const planMean = flow > 0 ? planDelay / flow : 0;
  return {
    cycleSeconds: pieces.length > 0 ? run.cycle : commonCycle(ids),
    crossings,
    corridors: pieces,
    expectedDelayFreeSeconds: freeMean,
    expectedDelayPlanSeconds: planMean,
    gainSeconds: freeMean - planMean,
    gainShare: freeMean > 0 ? (freeMean - planMean) / freeMean : 0,
  };
}

export interface RetimingOptions {
  /** Re-timed coordinated plans are sent for at least this expected gain per vehicle at the re-timed crossings, s/veh. */
  minGainSeconds: number;
  /** A switch to free operation needs at least this expected gain at its crossing at each end of the forecast band (groupChanges' robust test), s/veh. */
  bandMinGainSeconds: number;
  /**
   * Changes of operation (free ↔ coordinated) wait while their expected effect, over the group
   * per vehicle of the switched crossings (`retimingGain`), is below this either way, s/veh
   * (groupChanges): within the noise one planning period's demand can be told apart by.
   */
  switchMinEffectSeconds: number;
}

export const DEFAULT_RETIMING: RetimingOptions = { minGainSeconds: 0.5, bandMinGainSeconds: 0, switchMinEffectSeconds: 0.5 };

/**
 * Whether re-timed coordinated plans for some crossings of a group are worth a transition:
 * the group's expected delay under the running operation (`running`) and with the re-timings
 * (`retimed`), both `evaluateActuatedGroup` at the same forecast, summed over the whole group
 * (neighbours gain or lose platoons) per vehicle of the re-timed crossings.
 */
export function retimingGain(running: ReadonlyMap<string, ActuatedOperationEstimate>, retimed: ReadonlyMap<string, ActuatedOperationEstimate>, retimedIds: Iterable<string>): number {
  let saved = 0;
  for (const [id, before] of running) {
    const after = retimed.get(id);
    if (!after) throw new Error(`no estimate for crossing ${id} with the re-timings`);
    saved += before.flowVehPerHour * before.delaySeconds - after.flowVehPerHour * after.delaySeconds;
  }
  let flow = 0;
  for (const id of retimedIds) flow += running.get(id)?.flowVehPerHour ?? 0;
  return flow > 0 ? saved / flow : 0;
}
