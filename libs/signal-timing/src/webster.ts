/**
 * Webster's optimal cycle and green splits for an isolated fixed-time signal.
 *
 *   C0  = (1.5 L + 5) / (1 - Y)          (Webster, 1958)
 *   g_i = (C - L) * y_i / Y              (effective green, before the minimum greens)
 *
 * where y_i = q/s is the critical flow ratio of phase i (the highest over the lane groups
 * it serves), Y their sum and L the total lost time per cycle.
 *
 * Lost time per phase l = start-up lost time + amber + all-red - the part of the amber
 * drivers still use as green. Effective green g and displayed green G are linked by
 * g = G + amber + all-red - l, so the cycle is sum(G + amber + all-red) = sum(g + l) = C.
 * With the defaults (2 s start-up lost, 3 s amber, 1 s all-red, 2 s of amber used) l = 4 s
 * and G = g: the green shown equals the effective green.
 */
export interface ApproachDemand {
  id: string;
  /** Arriving flow, vehicles per hour. */
  flowVehPerHour: number;
  /** Saturation flow of the approach's (or lane group's) lanes, vehicles per hour of green. */
  saturationFlowVehPerHour: number;
  /** Name of the approach this lane group belongs to ("north"), for per-approach delay; defaults to `id`. */
  approach?: string;
}

/** A lane group: one or more lanes of an approach that share a movement and a green. */
export type LaneGroupDemand = ApproachDemand;

export interface PhaseDemand {
  name: string;
  /** Lane groups (or whole approaches) that move in this phase. */
  approaches: ApproachDemand[];
  /** Phase-specific minimum displayed green, seconds (overrides the plan-wide one when larger). */
  minGreenSeconds?: number;
  /** Minimum displayed green for the pedestrians crossing during this phase (see pedestrianMinGreenSeconds). */
  pedestrianMinGreenSeconds?: number;
  /** Phase-specific amber and all-red, seconds (else the plan-wide ones). */
  amberSeconds?: number;
  allRedSeconds?: number;
}

export interface WebsterOptions {
  /** Start-up lost time at the beginning of each green, seconds. */
  startUpLostSeconds: number;
  /** Amber (yellow) after each green, seconds. */
  amberSeconds: number;
  /** All-red clearance after each amber, seconds. */
  allRedSeconds: number;
  /** Part of the amber drivers still use as green ("end gain"), seconds. */
  amberUsedAsGreenSeconds: number;
  /** When set, every phase loses exactly this much instead of the value derived from the four above. */
  lostTimePerPhaseSeconds?: number;
  /** Minimum displayed green of every phase, seconds. */
  minGreenSeconds: number;
  minCycleSeconds: number;
  maxCycleSeconds: number;
  /** At or above this flow-ratio sum Webster's formula explodes: the cycle is capped at the maximum. */
  maxFlowRatioSum: number;
}

/**
 * Stated defaults: 2 s start-up lost, 3 s amber, 1 s all-red, 2 s of the amber used as
 * green (so 4 s lost per phase), 7 s minimum green (pedestrian-safe for a short crossing),
 * cycles 30-120 s, cycle capped when Y >= 0.9.
 */
export const DEFAULT_WEBSTER: WebsterOptions = {
  startUpLostSeconds: 2,
  amberSeconds: 3,
  allRedSeconds: 1,
  amberUsedAsGreenSeconds: 2,
  minGreenSeconds: 7,
  minCycleSeconds: 30,
  maxCycleSeconds: 120,
  maxFlowRatioSum: 0.9,
};

export interface PhaseTiming {
  name: string;
  approaches: string[];
  /** Flow of the critical (highest flow ratio) lane group, veh/h. */
  flowVehPerHour: number;
  saturationFlowVehPerHour: number;
  flowRatio: number;
  /** Effective green g, seconds (what capacity and delay are computed from). */
  greenSeconds: number;
  /** Green shown to drivers G = g + lost time - amber - all-red, seconds. */
  displayedGreenSeconds: number;
  amberSeconds: number;
  allRedSeconds: number;
  lostTimeSeconds: number;
  /** The minimum displayed green applied to this phase (plan, phase or pedestrian minimum, the largest). */
  minGreenSeconds: number;
  /** Degree of saturation of the critical lane group, X = y C / g. */
  degreeOfSaturation: number;
}

/** What any delay evaluation or export needs from a plan: a cycle and each phase's green. */
export interface SignalPlan {
  cycleSeconds: number;
  /** When the plan's first phase starts within the cycle (SUMO's tlLogic offset), seconds; 0 when absent. */
  offsetSeconds?: number;
  phases: Array<{
    name: string;
    /** Effective green, seconds. */
    greenSeconds: number;
    displayedGreenSeconds?: number;
    amberSeconds?: number;
    allRedSeconds?: number;
  }>;
}

export interface TimingPlan extends SignalPlan {
  method: 'webster';
  cycleSeconds: number;
  offsetSeconds: number;
  lostTimeSeconds: number;
  flowRatioSum: number;
  /** True when demand reaches capacity (Y >= 1): no fixed-time plan can clear the queues. */
  oversaturated: boolean;
  /** True when the cycle was capped at the maximum (Y at or above maxFlowRatioSum). */
  cycleCapped: boolean;
  /** True when the cycle was capped or a phase is over capacity (X > 1); `congestionReason` says why. */
  congested: boolean;
  congestionReason: string | null;
  /** Bounds that moved the plan away from the formula (minimum cycle, minimum or pedestrian greens). */
  notes: string[];
  phases: PhaseTiming[];
}

/**
 * Minimum green for pedestrians crossing during a phase: the walk interval plus the time
 * to cross at the design walking speed, all within the vehicle green (conservative: the
 * clearance does not run into the amber). Stated defaults: 6 s walk, 1.2 m/s.
 */
export function pedestrianMinGreenSeconds(crossingLengthMetres: number, options: { walkSeconds?: number; walkingSpeedMps?: number } = {}): number {
  const walk = options.walkSeconds ?? 6;
  const speed = options.walkingSpeedMps ?? 1.2;
  if (!(crossingLengthMetres >= 0) || !Number.isFinite(crossingLengthMetres)) throw new Error('crossing length must be a non-negative number of metres');
  if (!(speed > 0)) throw new Error('walking speed must be positive');
  return Math.ceil(walk + crossingLengthMetres / speed);
}

/** Webster's cycle, bounded, with greens split by the critical flow ratios. */
export function websterPlan(phases: PhaseDemand[], partial: Partial<WebsterOptions> = {}): TimingPlan {
  return buildPlan(phases, { ...DEFAULT_WEBSTER, ...partial }, undefined);
}

/**
 * Greens split by the critical flow ratios for a given cycle (a corridor's common cycle,
 * or a cycle the operator fixed). Throws when the cycle cannot hold every phase's
 * minimum green plus the lost time.
 */
export function planForCycle(phases: PhaseDemand[], cycleSeconds: number, partial: Partial<WebsterOptions> = {}): TimingPlan {
  if (!Number.isFinite(cycleSeconds) || cycleSeconds <= 0) throw new Error('cycle must be a positive number of seconds');
  return buildPlan(phases, { ...DEFAULT_WEBSTER, ...partial }, cycleSeconds);
}

/** Shortest cycle that holds every phase's minimum green plus the lost time (and the minimum cycle). */
export function shortestFeasibleCycle(phases: PhaseDemand[], partial: Partial<WebsterOptions> = {}): number {
  const options = { ...DEFAULT_WEBSTER, ...partial };
  const clearances = phases.map((p) => phaseClearance(p, options));
  const lostTime = clearances.reduce((s, c) => s + c.lost, 0);
  return Math.max(options.minCycleSeconds, Math.ceil(lostTime + clearances.reduce((s, c) => s + c.minEffectiveGreen, 0)));
}

interface PhaseClearance {
  amber: number;
  allRed: number;
  lost: number;
  /** Minimum displayed green and the effective green it corresponds to. */
  minDisplayedGreen: number;
  minEffectiveGreen: number;
}

function phaseClearance(phase: PhaseDemand, options: WebsterOptions): PhaseClearance {
  const amber = phase.amberSeconds ?? options.amberSeconds;
  const allRed = phase.allRedSeconds ?? options.allRedSeconds;
  for (const [label, value] of [
    ['amber', amber],
    ['all-red', allRed],
    ['start-up lost time', options.startUpLostSeconds],
    ['amber used as green', options.amberUsedAsGreenSeconds],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`phase ${phase.name}: ${label} must be a non-negative number of seconds`);
  }
  const lost = options.lostTimePerPhaseSeconds ?? options.startUpLostSeconds + amber + allRed - options.amberUsedAsGreenSeconds;
  if (!Number.isFinite(lost) || lost < 0) throw new Error(`phase ${phase.name}: lost time must be non-negative (amber used as green exceeds amber + all-red + start-up)`);
  const minDisplayedGreen = Math.ceil(Math.max(options.minGreenSeconds, phase.minGreenSeconds ?? 0, phase.pedestrianMinGreenSeconds ?? 0));
  // Effective green corresponding to the minimum displayed green; never below one second.
  const minEffectiveGreen = Math.max(1, Math.ceil(minDisplayedGreen - (lost - amber - allRed)));
  return { amber, allRed, lost, minDisplayedGreen, minEffectiveGreen };
}

function criticalLaneGroup(phase: PhaseDemand): { flow: number; saturation: number; ratio: number } {
  let best = { flow: 0, saturation: phase.approaches[0]?.saturationFlowVehPerHour ?? 1800, ratio: 0 };
  for (const laneGroup of phase.approaches) {
    const ratio = laneGroup.flowVehPerHour / laneGroup.saturationFlowVehPerHour;
    if (ratio > best.ratio) best = { flow: laneGroup.flowVehPerHour, saturation: laneGroup.saturationFlowVehPerHour, ratio };
  }
  return best;
}

export function validatePhaseDemand(phases: PhaseDemand[]): void {
  if (phases.length === 0) throw new Error('a signal plan needs at least one phase');
  for (const phase of phases) {
    for (const laneGroup of phase.approaches) {
      if (!Number.isFinite(laneGroup.flowVehPerHour) || laneGroup.flowVehPerHour < 0) throw new Error(`approach ${laneGroup.id}: flow must be a non-negative number`);
      if (!Number.isFinite(laneGroup.saturationFlowVehPerHour) || laneGroup.saturationFlowVehPerHour <= 0) throw new Error(`approach ${laneGroup.id}: saturation flow must be positive`);
    }
  }
}

function buildPlan(phases: PhaseDemand[], options: WebsterOptions, fixedCycle: number | undefined): TimingPlan {
  validatePhaseDemand(phases);
  if (options.minCycleSeconds > options.maxCycleSeconds) throw new Error('minimum cycle is above the maximum cycle');
  const critical = phases.map(criticalLaneGroup);
  const clearances = phases.map((p) => phaseClearance(p, options));
  const lostTime = clearances.reduce((s, c) => s + c.lost, 0);
  const flowRatioSum = critical.reduce((sum, c) => sum + c.ratio, 0);
  const minGreensTotal = clearances.reduce((s, c) => s + c.minEffectiveGreen, 0);
  const notes: string[] = [];

  const cycleCapped = fixedCycle === undefined && flowRatioSum >= options.maxFlowRatioSum;
  let cycle: number;
  if (fixedCycle !== undefined) {
    if (fixedCycle < lostTime + minGreensTotal) {
      throw new Error(`a ${fixedCycle} s cycle cannot hold ${lostTime} s of lost time plus ${minGreensTotal} s of minimum greens`);
    }
    cycle = fixedCycle;
  } else {
    const lowerBound = Math.max(options.minCycleSeconds, lostTime + minGreensTotal);
    const websterCycle = cycleCapped ? options.maxCycleSeconds : (1.5 * lostTime + 5) / (1 - flowRatioSum);
    // Minimum greens win over the maximum cycle: a plan must never short a phase's safe green.
    cycle = Math.round(Math.max(lowerBound, Math.min(options.maxCycleSeconds, websterCycle)));
    if (!cycleCapped && websterCycle > options.maxCycleSeconds) notes.push(`Webster cycle ${websterCycle.toFixed(1)} s cut to the ${options.maxCycleSeconds} s maximum`);
    if (websterCycle < lowerBound) {
      notes.push(lowerBound > options.minCycleSeconds ? `cycle raised to ${cycle} s so every phase gets its minimum green` : `cycle raised to the ${options.minCycleSeconds} s minimum`);
    }
    if (lowerBound > options.maxCycleSeconds) notes.push(`minimum greens need ${cycle} s, above the ${options.maxCycleSeconds} s maximum cycle`);
  }

  const minGreens = clearances.map((c) => c.minEffectiveGreen);
  const greens = splitGreen(cycle - lostTime, critical.map((c) => c.ratio), minGreens);
  phases.forEach((phase, i) => {
    const byRatio = flowRatioSum > 0 ? ((cycle - lostTime) * critical[i].ratio) / flowRatioSum : 0;
    const pedestrianBinds = (phase.pedestrianMinGreenSeconds ?? 0) > Math.max(options.minGreenSeconds, phase.minGreenSeconds ?? 0);
    if (pedestrianBinds && byRatio < minGreens[i] && greens[i] === minGreens[i]) {
      notes.push(`phase ${phase.name}: green held at the ${clearances[i].minDisplayedGreen} s pedestrian minimum`);
    }
  });

  const timings: PhaseTiming[] = phases.map((phase, i) => {
    const c = clearances[i];
    const capacityShare = greens[i] / cycle;
    return {
      name: phase.name,
      approaches: phase.approaches.map((a) => a.id),
      flowVehPerHour: critical[i].flow,
      saturationFlowVehPerHour: critical[i].saturation,
      flowRatio: critical[i].ratio,
      greenSeconds: greens[i],
      displayedGreenSeconds: greens[i] + c.lost - c.amber - c.allRed,
      amberSeconds: c.amber,
      allRedSeconds: c.allRed,
      lostTimeSeconds: c.lost,
      minGreenSeconds: c.minDisplayedGreen,
      degreeOfSaturation: critical[i].ratio / capacityShare,
    };
  });

  const reasons: string[] = [];
  if (cycleCapped) {
    reasons.push(
      flowRatioSum >= 1
        ? `demand exceeds capacity (flow ratio sum Y = ${flowRatioSum.toFixed(2)} >= 1): cycle capped at ${cycle} s, green split by demand; queues will grow`
        : `flow ratio sum Y = ${flowRatioSum.toFixed(2)} >= ${options.maxFlowRatioSum}: cycle capped at ${cycle} s, green split by demand`,
    );
  }
  const overCapacity = timings.filter((t) => t.degreeOfSaturation > 1);
  if (overCapacity.length > 0 && !(cycleCapped && flowRatioSum >= 1)) {
    reasons.push(overCapacity.map((t) => `phase ${t.name} over capacity (X = ${t.degreeOfSaturation.toFixed(2)})`).join(', '));
  }

  return {
    method: 'webster',
    cycleSeconds: cycle,
    offsetSeconds: 0,
    lostTimeSeconds: lostTime,
    flowRatioSum,
    oversaturated: flowRatioSum >= 1,
    cycleCapped,
    congested: reasons.length > 0,
    congestionReason: reasons.length > 0 ? reasons.join('; ') : null,
    notes,
    phases: timings,
  };
}

/**
 * Splits the effective green in proportion to the flow ratios, with every phase at
 * least its minimum (one for all, or one per phase); whole seconds that add up to the
 * available green exactly.
 */
export function splitGreen(availableGreen: number, ratios: number[], minGreen: number | number[]): number[] {
  const n = ratios.length;
  const minimums = typeof minGreen === 'number' ? ratios.map(() => minGreen) : minGreen;
  if (minimums.length !== n) throw new Error('one minimum green per phase is needed');
  const sum = ratios.reduce((s, r) => s + r, 0);
  const shares = sum > 0 ? ratios.map((r) => r / sum) : ratios.map(() => 1 / n);
  const greens = [...minimums];
  const fixed = new Array<boolean>(n).fill(false);
  // Give phases below their minimum that minimum, then share what is left among the rest.
  for (let round = 0; round < n; round++) {
    const free = shares.map((s, i) => (fixed[i] ? 0 : s));
    const freeShare = free.reduce((s, x) => s + x, 0);
    const remaining = availableGreen - greens.reduce((s, g, i) => s + (fixed[i] ? g : 0), 0);
    let changed = false;
    for (let i = 0; i < n; i++) {
      if (fixed[i]) continue;
      greens[i] = freeShare > 0 ? (remaining * free[i]) / freeShare : remaining / fixed.filter((f) => !f).length;
      if (greens[i] < minimums[i]) {
        greens[i] = minimums[i];
        fixed[i] = true;
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rounded = greens.map((g) => Math.floor(g));
  let leftover = Math.round(availableGreen - rounded.reduce((s, g) => s + g, 0));
  const byRemainder = greens.map((g, i) => ({ i, r: g - Math.floor(g) })).sort((a, b) => b.r - a.r);
  for (let k = 0; leftover > 0 && n > 0; k = (k + 1) % n, leftover--) rounded[byRemainder[k].i]++;
  return rounded;
}
