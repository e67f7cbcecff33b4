/**
 * Control delay at a fixed-time signal, Highway Capacity Manual (2010 / 6th edition),
 * per lane group, without an initial queue (d3 = 0):
 *
 *   c  = s g / C                                   capacity, veh/h
 *   X  = v / c                                     degree of saturation
 *   d1 = 0.5 C (1 - g/C)^2 / (1 - min(1, X) g/C)   uniform delay, s/veh
 *   d2 = 900 T [ (X - 1) + sqrt( (X - 1)^2 + 8 k I X / (c T) ) ]   incremental delay, s/veh
 *   d  = d1 PF + d2
 *
 * T is the analysis period in hours, k = 0.5 for pre-timed control, I = 1 for an isolated
 * crossing, PF = 1 for random arrivals. d2 stays finite for X > 1 (the queue that builds
 * during T), growing about linearly with X, so an oversaturated plan still gets a number
 * to compare with.
 */
import { PhaseDemand, SignalPlan, validatePhaseDemand } from './webster';

export interface HcmDelayOptions {
  /** Analysis period T, hours (0.25 = one 15-minute planning period). */
  analysisPeriodHours: number;
  /** Incremental delay factor k (0.5 for pre-timed control). */
  incrementalDelayK: number;
  /** Upstream filtering factor I (1 for an isolated crossing). */
  upstreamFilteringI: number;
  /** Progression adjustment factor PF applied to the uniform delay (1 = random arrivals). */
  progressionFactor: number;
}

export const DEFAULT_HCM: HcmDelayOptions = {
  analysisPeriodHours: 0.25,
  incrementalDelayK: 0.5,
  upstreamFilteringI: 1,
  progressionFactor: 1,
};

export type LevelOfService = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

export interface LaneGroupDelayInput {
  flowVehPerHour: number;
  saturationFlowVehPerHour: number;
  /** Effective green, seconds. */
  greenSeconds: number;
  cycleSeconds: number;
}

export interface LaneGroupDelayResult {
  capacityVehPerHour: number;
  degreeOfSaturation: number;
  uniformDelaySeconds: number;
  incrementalDelaySeconds: number;
  /** d1 PF + d2, seconds per vehicle. */
  controlDelaySeconds: number;
  levelOfService: LevelOfService;
}

/** HCM signalised level of service from control delay (s/veh); F whenever X > 1. */
export function levelOfService(controlDelaySeconds: number, degreeOfSaturation = 0): LevelOfService {
  if (degreeOfSaturation > 1 || controlDelaySeconds > 80) return 'F';
  if (controlDelaySeconds > 55) return 'E';
  if (controlDelaySeconds > 35) return 'D';
  if (controlDelaySeconds > 20) return 'C';
  if (controlDelaySeconds > 10) return 'B';
  return 'A';
}

export function laneGroupDelay(input: LaneGroupDelayInput, partial: Partial<HcmDelayOptions> = {}): LaneGroupDelayResult {
  const options = { ...DEFAULT_HCM, ...partial };
  const { flowVehPerHour: v, saturationFlowVehPerHour: s, greenSeconds: g, cycleSeconds: C } = input;
  if (!Number.isFinite(C) || C <= 0) throw new Error('cycle must be positive');
  if (!Number.isFinite(g) || g <= 0 || g > C) throw new Error(`effective green must be in (0, cycle]; got ${g} s of a ${C} s cycle`);
  if (!Number.isFinite(v) || v < 0) throw new Error('flow must be a non-negative number');
  if (!Number.isFinite(s) || s <= 0) throw new Error('saturation flow must be positive');
  if (!(options.analysisPeriodHours > 0)) throw new Error('analysis period must be positive');

  const greenRatio = g / C;
  const capacity = s * greenRatio;
  const X = v / capacity;
  const uniform = (0.5 * C * (1 - greenRatio) ** 2) / (1 - Math.min(1, X) * greenRatio);
  const T = options.analysisPeriodHours;
  const incremental =
    900 * T * (X - 1 + Math.sqrt((X - 1) ** 2 + (8 * options.incrementalDelayK * options.upstreamFilteringI * X) / (capacity * T)));
  const control = uniform * options.progressionFactor + incremental;
  return {
    capacityVehPerHour: capacity,
    degreeOfSaturation: X,
    uniformDelaySeconds: uniform,
    incrementalDelaySeconds: incremental,
    controlDelaySeconds: control,
    levelOfService: levelOfService(control, X),
  };
}

export interface LaneGroupDelayRow extends LaneGroupDelayResult {
  id: string;
  approach: string;
  phase: string;
  flowVehPerHour: number;
}

export interface ApproachDelayRow {
  approach: string;
  flowVehPerHour: number;
  /** Flow-weighted mean control delay of the approach's lane groups, s/veh. */
  delaySeconds: number;
  levelOfService: LevelOfService;
}

export interface CrossingDelay {
  laneGroups: LaneGroupDelayRow[];
  approaches: ApproachDelayRow[];
  totalFlowVehPerHour: number;
  /** Flow-weighted mean control delay over every lane group, s/veh (0 when no vehicle arrives). */
  averageDelaySeconds: number;
  /** Vehicle-hours of delay per hour of operation at these flows. */
  totalDelayVehHoursPerHour: number;
  worstDegreeOfSaturation: number;
  levelOfService: LevelOfService;
}

/**
 * Delay of every lane group under a plan, matched to the plan's phases by name, and the
 * flow-weighted means per approach and for the whole crossing.
 */
export function crossingDelay(plan: SignalPlan, demand: PhaseDemand[], partial: Partial<HcmDelayOptions> = {}): CrossingDelay {
  validatePhaseDemand(demand);
  const laneGroups: LaneGroupDelayRow[] = [];
  for (const phase of demand) {
    const timed = plan.phases.find((p) => p.name === phase.name);
    if (!timed) throw new Error(`the plan has no phase named ${phase.name}`);
    for (const laneGroup of phase.approaches) {
      const result = laneGroupDelay(
        { flowVehPerHour: laneGroup.flowVehPerHour, saturationFlowVehPerHour: laneGroup.saturationFlowVehPerHour, greenSeconds: timed.greenSeconds, cycleSeconds: plan.cycleSeconds },
        partial,
      );
      laneGroups.push({ id: laneGroup.id, approach: laneGroup.approach ?? laneGroup.id, phase: phase.name, flowVehPerHour: laneGroup.flowVehPerHour, ...result });
    }
  }

  const byApproach = new Map<string, LaneGroupDelayRow[]>();
  for (const row of laneGroups) byApproach.set(row.approach, [...(byApproach.get(row.approach) ?? []), row]);
  const approaches: ApproachDelayRow[] = [...byApproach.entries()].map(([approach, rows]) => {
    const { flow, delay } = flowWeighted(rows);
    const worstX = Math.max(...rows.map((r) => r.degreeOfSaturation));
    return { approach, flowVehPerHour: flow, delaySeconds: delay, levelOfService: levelOfService(delay, worstX) };
  });

  const { flow, delay } = flowWeighted(laneGroups);
  const worst = laneGroups.reduce((m, r) => Math.max(m, r.degreeOfSaturation), 0);
  return {
    laneGroups,
    approaches,
    totalFlowVehPerHour: flow,
    averageDelaySeconds: delay,
    totalDelayVehHoursPerHour: (flow * delay) / 3600,
    worstDegreeOfSaturation: worst,
    // The crossing's LOS follows its delay; one over-capacity lane group shows in its own row.
    levelOfService: levelOfService(delay),
  };
}

function flowWeighted(rows: Array<{ flowVehPerHour: number; controlDelaySeconds: number }>): { flow: number; delay: number } {
  const flow = rows.reduce((s, r) => s + r.flowVehPerHour, 0);
  const weighted = rows.reduce((s, r) => s + r.flowVehPerHour * r.controlDelaySeconds, 0);
  return { flow, delay: flow > 0 ? weighted / flow : 0 };
}
