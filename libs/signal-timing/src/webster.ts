/**
 * Webster's optimal cycle and green splits for an isolated fixed-time signal.
 *
 *   C0 = (1.5 L + 5) / (1 - Y)          (Webster, 1958)
 *   g_i = (C - L) * y_i / Y
 *
 * where y_i = q/s is the critical flow ratio of phase i (the highest over the approaches
 * it serves), Y their sum and L the total lost time per cycle.
 */
export interface ApproachDemand {
  id: string;
  /** Arriving flow, vehicles per hour. */
  flowVehPerHour: number;
  /** Saturation flow of the approach's lanes, vehicles per hour of green. */
  saturationFlowVehPerHour: number;
}

export interface PhaseDemand {
  name: string;
  approaches: ApproachDemand[];
}

export interface WebsterOptions {
  /** Start-up lost time plus clearance lost time per phase, seconds. */
  lostTimePerPhaseSeconds: number;
  minGreenSeconds: number;
  minCycleSeconds: number;
  maxCycleSeconds: number;
  /** Above this flow-ratio sum Webster's formula explodes: the cycle is capped at the maximum. */
  maxFlowRatioSum: number;
}

/**
 * Stated defaults: 4 s lost per phase (about 2 s start-up + 2 s of amber/all-red not
 * used), 7 s minimum green (pedestrian-safe for a short crossing), cycles 30-120 s.
 */
export const DEFAULT_WEBSTER: WebsterOptions = {
  lostTimePerPhaseSeconds: 4,
  minGreenSeconds: 7,
  minCycleSeconds: 30,
  maxCycleSeconds: 120,
  maxFlowRatioSum: 0.9,
};

export interface PhaseTiming {
  name: string;
  approaches: string[];
  /** Flow of the critical (highest flow ratio) approach, veh/h. */
  flowVehPerHour: number;
  saturationFlowVehPerHour: number;
  flowRatio: number;
  greenSeconds: number;
}

export interface TimingPlan {
  method: 'webster';
  cycleSeconds: number;
  lostTimeSeconds: number;
  flowRatioSum: number;
  /** True when demand reaches capacity (Y >= 1): no fixed-time plan can clear the queues. */
  oversaturated: boolean;
  /** True when the cycle was capped at the maximum (Y above maxFlowRatioSum). */
  cycleCapped: boolean;
  phases: PhaseTiming[];
}

export function websterPlan(phases: PhaseDemand[], partial: Partial<WebsterOptions> = {}): TimingPlan {
  const options = { ...DEFAULT_WEBSTER, ...partial };
  if (phases.length === 0) throw new Error('a signal plan needs at least one phase');
  for (const phase of phases) {
    for (const approach of phase.approaches) {
      if (!Number.isFinite(approach.flowVehPerHour) || approach.flowVehPerHour < 0) throw new Error(`approach ${approach.id}: flow must be a non-negative number`);
      if (!Number.isFinite(approach.saturationFlowVehPerHour) || approach.saturationFlowVehPerHour <= 0) throw new Error(`approach ${approach.id}: saturation flow must be positive`);
    }
  }

  const critical = phases.map((phase) => {
    let best = { flow: 0, saturation: phase.approaches[0]?.saturationFlowVehPerHour ?? 1800, ratio: 0 };
    for (const approach of phase.approaches) {
      const ratio = approach.flowVehPerHour / approach.saturationFlowVehPerHour;
      if (ratio > best.ratio) best = { flow: approach.flowVehPerHour, saturation: approach.saturationFlowVehPerHour, ratio };
    }
    return best;
  });

  const lostTime = options.lostTimePerPhaseSeconds * phases.length;
  const flowRatioSum = critical.reduce((sum, c) => sum + c.ratio, 0);
  const minCycleForGreens = lostTime + options.minGreenSeconds * phases.length;
  const lowerBound = Math.max(options.minCycleSeconds, minCycleForGreens);
  const cycleCapped = flowRatioSum >= options.maxFlowRatioSum;
  const rawCycle = cycleCapped ? options.maxCycleSeconds : (1.5 * lostTime + 5) / (1 - flowRatioSum);
  // Minimum greens win over the maximum cycle: a plan must never short a phase's safe green.
  const cycle = Math.round(Math.max(lowerBound, Math.min(options.maxCycleSeconds, rawCycle)));

  const greens = splitGreen(cycle - lostTime, critical.map((c) => c.ratio), options.minGreenSeconds);
  return {
    method: 'webster',
    cycleSeconds: cycle,
    lostTimeSeconds: lostTime,
    flowRatioSum,
    oversaturated: flowRatioSum >= 1,
    cycleCapped,
    phases: phases.map((phase, i) => ({
      name: phase.name,
      approaches: phase.approaches.map((a) => a.id),
      flowVehPerHour: critical[i].flow,
      saturationFlowVehPerHour: critical[i].saturation,
      flowRatio: critical[i].ratio,
      greenSeconds: greens[i],
    })),
  };
}

/**
 * Splits the effective green in proportion to the flow ratios, with every phase at
 * least the minimum; whole seconds that add up to the available green exactly.
 */
export function splitGreen(availableGreen: number, ratios: number[], minGreen: number): number[] {
  const n = ratios.length;
  const sum = ratios.reduce((s, r) => s + r, 0);
  const shares = sum > 0 ? ratios.map((r) => r / sum) : ratios.map(() => 1 / n);
  const greens = new Array<number>(n).fill(minGreen);
  const fixed = new Array<boolean>(n).fill(false);
  // Give phases below the minimum their minimum, then share what is left among the rest.
  for (let round = 0; round < n; round++) {
    const free = shares.map((s, i) => (fixed[i] ? 0 : s));
    const freeShare = free.reduce((s, x) => s + x, 0);
    const remaining = availableGreen - greens.reduce((s, g, i) => s + (fixed[i] ? g : 0), 0);
    let changed = false;
    for (let i = 0; i < n; i++) {
      if (fixed[i]) continue;
      greens[i] = freeShare > 0 ? (remaining * free[i]) / freeShare : remaining / fixed.filter((f) => !f).length;
      if (greens[i] < minGreen) {
        greens[i] = minGreen;
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
