/**
 * Corridor coordination (a green wave) for neighbouring crossings along one road.
 *
 * 1. Common cycle: the longest of the crossings' own Webster cycles (the critical crossing
 *    sets it), cut to the maximum cycle, and never below what any crossing needs for its
 *    minimum greens.
 * 2. Every crossing's greens are re-split for that cycle by its own flow ratios.
 * 3. Offsets. A plan's `offsetSeconds` is when its first phase starts within the common
 *    cycle (SUMO's tlLogic offset); the coordinated phase's green starts later by the
 *    phases before it.
 *    - one-way (outbound, first -> last crossing): the coordinated green at crossing i
 *      starts at the free-flow travel time from the first crossing, mod the cycle, so a
 *      platoon released at the first green start meets green all the way.
 *    - two-way compromise: the inbound wave (last -> first) would want the green at
 *      crossing i to start at phi + travel time from the last crossing. Each crossing's
 *      green start is put at the circular midpoint of its outbound and inbound ideal
 *      starts, and phi is tried at every whole second of the cycle; the phi with the
 *      widest total band (outbound + inbound, then the wider narrow one) is kept. The
 *      one-way wave is also a candidate, so the compromise never has less total band.
 * 4. Bandwidth per direction: the width, in seconds, of the window of times at the first
 *    (or last) crossing at which a vehicle at free-flow speed meets the coordinated
 *    phase's displayed green at every crossing. Queues at the stop line are ignored.
 */
import { PhaseDemand, planForCycle, shortestFeasibleCycle, TimingPlan, WebsterOptions, websterPlan, DEFAULT_WEBSTER } from './webster';

export interface CorridorCrossing {
  id: string;
  demand: PhaseDemand[];
  /** The phase that serves through traffic along the corridor. */
  coordinatedPhase: string;
  /** This crossing's timing bounds and clearances (defaults otherwise). */
  webster?: Partial<WebsterOptions>;
}

/** The road between two consecutive crossings. */
export interface CorridorLink {
  distanceMetres: number;
  /** Free-flow speed, km/h (outbound; also inbound unless `inboundSpeedKmh` is given). */
  speedKmh: number;
  inboundSpeedKmh?: number;
}

export type CoordinationMode = 'one-way' | 'two-way';

export interface CorridorOptions {
  mode: CoordinationMode;
  /** Upper bound of the common cycle; defaults to the smallest of the crossings' maximum cycles. */
  maxCycleSeconds?: number;
}

export interface CoordinatedCrossing {
  id: string;
  plan: TimingPlan;
  /** The crossing's own (isolated) Webster cycle, seconds. */
  isolatedCycleSeconds: number;
  /** When the coordinated phase's displayed green starts within the common cycle, seconds. */
  coordinatedGreenStartSeconds: number;
  coordinatedGreenSeconds: number;
}

export interface CorridorPlan {
  mode: CoordinationMode;
  cycleSeconds: number;
  criticalCrossingId: string;
  crossings: CoordinatedCrossing[];
  /** Cumulative free-flow travel time from the first crossing (outbound) and from the last one (inbound), seconds. */
  travelTimesSeconds: { outbound: number[]; inbound: number[] };
  bandwidthSeconds: { outbound: number; inbound: number };
}

export function coordinateCorridor(crossings: CorridorCrossing[], links: CorridorLink[], partial: Partial<CorridorOptions> = {}): CorridorPlan {
  const mode = partial.mode ?? 'one-way';
  if (crossings.length === 0) throw new Error('a corridor needs at least one crossing');
  if (links.length !== crossings.length - 1) throw new Error(`a corridor of ${crossings.length} crossings needs ${crossings.length - 1} links, got ${links.length}`);
  links.forEach((link, i) => {
    if (!(link.distanceMetres >= 0) || !(link.speedKmh > 0) || (link.inboundSpeedKmh !== undefined && !(link.inboundSpeedKmh > 0))) {
      throw new Error(`link ${i} (${crossings[i].id} -> ${crossings[i + 1].id}): distance must be >= 0 and speeds > 0`);
    }
  });
  for (const c of crossings) {
    if (!c.demand.some((p) => p.name === c.coordinatedPhase)) throw new Error(`crossing ${c.id}: no phase named ${c.coordinatedPhase}`);
  }

  const isolated = crossings.map((c) => websterPlan(c.demand, c.webster));
  const maxCycle = partial.maxCycleSeconds ?? Math.min(...crossings.map((c) => c.webster?.maxCycleSeconds ?? DEFAULT_WEBSTER.maxCycleSeconds));
  const floor = Math.max(...crossings.map((c) => shortestFeasibleCycle(c.demand, c.webster)));
  let critical = 0;
  isolated.forEach((plan, i) => {
    if (plan.cycleSeconds > isolated[critical].cycleSeconds) critical = i;
  });
  const cycle = Math.max(floor, Math.min(maxCycle, isolated[critical].cycleSeconds));
  const plans = crossings.map((c) => planForCycle(c.demand, cycle, c.webster));

  const outbound = [0];
  links.forEach((link, i) => outbound.push(outbound[i] + link.distanceMetres / (link.speedKmh / 3.6)));
  const inbound = new Array<number>(crossings.length).fill(0);
  for (let i = crossings.length - 2; i >= 0; i--) inbound[i] = inbound[i + 1] + links[i].distanceMetres / ((links[i].inboundSpeedKmh ?? links[i].speedKmh) / 3.6);

  const windows = plans.map((plan, i) => coordinatedWindow(plan, crossings[i].coordinatedPhase));
  const outboundIdeal = outbound.map((t) => modulo(t, cycle));
  let greenStarts = outboundIdeal.map(Math.round);
  if (mode === 'two-way' && crossings.length > 1) {
    let best = { starts: greenStarts, total: -1, narrow: -1 };
    const consider = (starts: number[]) => {
      const bands = bandwidths(starts, windows, outbound, inbound, cycle);
      const total = bands.outbound + bands.inbound;
      const narrow = Math.min(bands.outbound, bands.inbound);
      if (total > best.total + 1e-9 || (Math.abs(total - best.total) <= 1e-9 && narrow > best.narrow + 1e-9)) best = { starts, total, narrow };
    };
    // The one-way wave is a candidate too, so the compromise is never worse in total.
    consider(greenStarts);
    for (let phi = 0; phi < cycle; phi++) {
      consider(outboundIdeal.map((out, i) => Math.round(circularMidpoint(out, modulo(phi + inbound[i], cycle), cycle))));
    }
    greenStarts = best.starts;
  }

  const coordinated: CoordinatedCrossing[] = crossings.map((c, i) => {
    const start = modulo(greenStarts[i], cycle);
    return {
      id: c.id,
      plan: { ...plans[i], offsetSeconds: modulo(start - windows[i].startInPlan, cycle) },
      isolatedCycleSeconds: isolated[i].cycleSeconds,
      coordinatedGreenStartSeconds: start,
      coordinatedGreenSeconds: windows[i].green,
    };
  });
  return {
    mode,
    cycleSeconds: cycle,
    criticalCrossingId: crossings[critical].id,
    crossings: coordinated,
    travelTimesSeconds: { outbound, inbound },
    bandwidthSeconds: bandwidths(greenStarts, windows, outbound, inbound, cycle),
  };
}

/**
 * Through-band widths for given coordinated green starts: the longest run of times at the
 * first crossing (outbound) or last crossing (inbound) from which free-flow travel meets
 * green at every crossing.
 */
export function bandwidths(
  greenStarts: number[],
  windows: Array<{ green: number }>,
  outboundTravel: number[],
  inboundTravel: number[],
  cycle: number,
): { outbound: number; inbound: number } {
  const band = (travel: number[]) => longestRun(intersectArcs(greenStarts.map((start, i) => ({ start: start - travel[i], length: windows[i].green })), cycle), cycle);
  return { outbound: band(outboundTravel), inbound: band(inboundTravel) };
}

/** Where the phase's displayed green starts after the plan's first phase starts, and how long it lasts. */
function coordinatedWindow(plan: TimingPlan, phaseName: string): { startInPlan: number; green: number } {
  let start = 0;
  for (const phase of plan.phases) {
    if (phase.name === phaseName) return { startInPlan: start, green: phase.displayedGreenSeconds };
    start += phase.displayedGreenSeconds + phase.amberSeconds + phase.allRedSeconds;
  }
  throw new Error(`no phase named ${phaseName}`);
}

type Interval = [number, number];

/** Intersection of arcs on a circle of length `cycle`, as sorted intervals within [0, cycle). */
function intersectArcs(arcs: Array<{ start: number; length: number }>, cycle: number): Interval[] {
  let current: Interval[] = [[0, cycle]];
  for (const arc of arcs) {
    if (arc.length >= cycle) continue;
    const s = modulo(arc.start, cycle);
    const e = s + arc.length;
    const pieces: Interval[] = e <= cycle ? [[s, e]] : [[s, cycle], [0, e - cycle]];
    const next: Interval[] = [];
    for (const [a, b] of current) {
      for (const [c, d] of pieces) {
        const lo = Math.max(a, c);
        const hi = Math.min(b, d);
        if (hi - lo > 1e-9) next.push([lo, hi]);
      }
    }
    current = next.sort((x, y) => x[0] - y[0]);
  }
  return current;
}

/** Longest interval, joining one that ends at the cycle end with one that starts at 0. */
function longestRun(intervals: Interval[], cycle: number): number {
  if (intervals.length === 0) return 0;
  let longest = Math.max(...intervals.map(([a, b]) => b - a));
  const first = intervals[0];
  const last = intervals[intervals.length - 1];
  if (intervals.length > 1 && first[0] < 1e-9 && cycle - last[1] < 1e-9) longest = Math.max(longest, first[1] - first[0] + last[1] - last[0]);
  return Math.min(longest, cycle);
}

function modulo(x: number, m: number): number {
  return ((x % m) + m) % m;
}

/** The point halfway along the shorter arc from a to b. */
function circularMidpoint(a: number, b: number, cycle: number): number {
  const difference = modulo(b - a + cycle / 2, cycle) - cycle / 2;
  return modulo(a + difference / 2, cycle);
}
