/**
 * Corridor advice: which crossings along a road are close enough to coordinate, and a
 * coordinated-actuated plan for them (coordinatedActuatedCorridor: a common cycle, splits
 * per crossing, reference points for platoons in both directions) with its expected
 * delay against the plans running now.
 *
 * Expected delay is HCM control delay per lane group (laneGroupDelay) at the forecast mean
 * flows. The coordinated plan is evaluated as the fixed-time plan its force-offs make
 * (each phase's green = split − clearance): a lower bound on what actuation gives back,
 * since gapped-out time returns to the coordinated phase. Coordination is credited only
 * through the HCM progression factor on the coordinated phase's uniform delay,
 * PF = (1 − P) / (1 − g/C) with P = Rp · g/C, the platoon ratio Rp from the HCM arrival
 * type that the through band supports (band / coordinated green ≥ 0.75: arrival type 5,
 * Rp = 1.667; ≥ 0.4: type 4, Rp = 1.333; else type 3, random, Rp = 1). The first crossing
 * of each direction gets no credit for that direction (its arrivals come from outside).
 */
import { ActuatedPhaseDemand, CoordinatedActuatedPlan, DEFAULT_ACTUATED_PLAN, coordinatedActuatedCorridor } from './actuated-plan';
import { CorridorLink } from './coordination';
import { laneGroupDelay } from './hcm-delay';
import { SignalPlan } from './webster';
import { distanceM } from '@crosscast/network';

export interface CorridorMember {
  id: string;
  lat: number;
  lon: number;
  /** The crossing's phases and lane groups, flows in veh/h (mean and upper bound over the planning window). */
  phases: ActuatedPhaseDemand[];
  /** The phase that carries the corridor's road at this crossing. */
  coordinatedPhase: string;
  /** The plan running now (effective greens), phase names as in `phases`. */
  runningPlan: SignalPlan;
}

export interface CorridorAdviceOptions {
  /** Consecutive crossings further apart than this are not coordinated (platoons disperse), metres. */
  maxLinkMetres: number;
  /** Assumed free-flow speed along the road, km/h (no measured travel times yet). */
  speedKmh: number;
  maxCycleSeconds: number;
}

export const DEFAULT_CORRIDOR_ADVICE: CorridorAdviceOptions = { maxLinkMetres: 800, speedKmh: 50, maxCycleSeconds: 120 };

export interface CorridorCrossingAdvice {
  id: string;
  plan: CoordinatedActuatedPlan;
  /** Road distance to the next crossing of the corridor (null for the last), metres. */
  linkToNextMetres: number | null;
  expectedDelayRunningSeconds: number;
  expectedDelayPlanSeconds: number;
  /** Vehicles per hour over the crossing at the mean forecast (the weight in the corridor's mean). */
  flowVehPerHour: number;
}

export interface CorridorAdvice {
  cycleSeconds: number;
  bandwidthSeconds: { outbound: number; inbound: number };
  crossings: CorridorCrossingAdvice[];
  /** Flow-weighted over the corridor's crossings, s/veh. */
  expectedDelayRunningSeconds: number;
  expectedDelayPlanSeconds: number;
  gainSeconds: number;
  gainShare: number;
}

/**
 * A road's crossings (in road order) cut where two consecutive ones are more than
 * `maxLinkMetres` apart; the runs of two or more are the corridors to coordinate.
 */
export function platoonRuns<T extends { lat: number; lon: number }>(crossings: T[], maxLinkMetres = DEFAULT_CORRIDOR_ADVICE.maxLinkMetres): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  for (const crossing of crossings) {
    if (run.length > 0 && distanceM(run[run.length - 1], crossing) > maxLinkMetres) {
      if (run.length >= 2) runs.push(run);
      run = [];
    }
    run.push(crossing);
  }
  if (run.length >= 2) runs.push(run);
  return runs;
}

/** HCM platoon ratio Rp from the through band a coordinated green supports. */
export function platoonRatio(bandSeconds: number, coordinatedGreenSeconds: number): number {
  const share = coordinatedGreenSeconds > 0 ? bandSeconds / coordinatedGreenSeconds : 0;
  if (share >= 0.75) return 1.667;
  if (share >= 0.4) return 1.333;
  return 1;
}

/** A coordinated-actuated corridor plan for `members` (road order) and its expected delay against the running plans. */
export function corridorAdvice(members: CorridorMember[], partial: Partial<CorridorAdviceOptions> = {}): CorridorAdvice {
  const options = { ...DEFAULT_CORRIDOR_ADVICE, ...partial };
  if (members.length < 2) throw new Error('a corridor needs at least two crossings');
  const links: CorridorLink[] = members.slice(1).map((m, i) => ({ distanceMetres: distanceM(members[i], m), speedKmh: options.speedKmh }));
  const corridor = coordinatedActuatedCorridor(
    members.map((m) => ({ id: m.id, phases: m.phases, coordinatedPhase: m.coordinatedPhase })),
    links,
    { mode: 'two-way', maxCycleSeconds: Math.min(options.maxCycleSeconds, DEFAULT_ACTUATED_PLAN.maxCycleSeconds) },
  );
  const crossings = members.map((member, i): CorridorCrossingAdvice => {
    const plan = corridor.crossings[i].plan;
    const clearance = plan.amberSeconds + plan.allRedSeconds;
    const coordinatedGreen = plan.phases[plan.coordinatedPhaseIndex].splitSeconds - clearance;
    // Arrivals on the coordinated phase come in platoons from the previous crossing in each
    // direction: the first crossing outbound and the last inbound get half the credit.
    const outboundRp = i === 0 ? 1 : platoonRatio(corridor.bandwidthSeconds.outbound, coordinatedGreen);
    const inboundRp = i === members.length - 1 ? 1 : platoonRatio(corridor.bandwidthSeconds.inbound, coordinatedGreen);
    const rp = (outboundRp + inboundRp) / 2;
    const planned = { cycleSeconds: plan.cycleSeconds, phases: plan.phases.map((p) => ({ name: p.name, greenSeconds: p.splitSeconds - clearance })) };
    const planDelay = meanDelay(member.phases, planned, (phase, g, C) => (phase === member.coordinatedPhase ? progressionFactor(rp, g, C) : 1));
    const runningDelay = meanDelay(member.phases, member.runningPlan, () => 1);
    return {
      id: member.id,
      plan,
      linkToNextMetres: i < links.length ? Math.round(links[i].distanceMetres) : null,
      expectedDelayRunningSeconds: runningDelay.delay,
      expectedDelayPlanSeconds: planDelay.delay,
      flowVehPerHour: runningDelay.flow,
    };
  });
  const flow = crossings.reduce((s, c) => s + c.flowVehPerHour, 0);
  const weighted = (pick: (c: CorridorCrossingAdvice) => number) => (flow > 0 ? crossings.reduce((s, c) => s + pick(c) * c.flowVehPerHour, 0) / flow : 0);
  const running = weighted((c) => c.expectedDelayRunningSeconds);
  const planned = weighted((c) => c.expectedDelayPlanSeconds);
  return {
    cycleSeconds: corridor.cycleSeconds,
    bandwidthSeconds: corridor.bandwidthSeconds,
    crossings,
    expectedDelayRunningSeconds: running,
    expectedDelayPlanSeconds: planned,
    gainSeconds: running - planned,
    gainShare: running > 0 ? (running - planned) / running : 0,
  };
}

/** HCM progression adjustment factor for platoon ratio `rp` (f_PA = 1), at most 1 / (1 − g/C) × (1 − g/C) = 1 when rp = 1. */
export function progressionFactor(rp: number, greenSeconds: number, cycleSeconds: number): number {
  const greenRatio = greenSeconds / cycleSeconds;
  if (greenRatio >= 1) return 1;
  const arrivingOnGreen = Math.min(1, rp * greenRatio);
  return (1 - arrivingOnGreen) / (1 - greenRatio);
}

/** Flow-weighted HCM control delay over a crossing's lane groups at the mean flows, with a progression factor per phase. */
function meanDelay(phases: ActuatedPhaseDemand[], plan: SignalPlan, pf: (phase: string, green: number, cycle: number) => number): { delay: number; flow: number } {
  let flow = 0;
  let delay = 0;
  for (const phase of phases) {
    const timed = plan.phases.find((p) => p.name === phase.name);
    if (!timed) throw new Error(`the plan has no phase named ${phase.name}`);
    const factor = pf(phase.name, timed.greenSeconds, plan.cycleSeconds);
    for (const group of phase.laneGroups) {
      const result = laneGroupDelay(
        { flowVehPerHour: group.meanVehPerHour, saturationFlowVehPerHour: group.saturationFlowVehPerHour, greenSeconds: timed.greenSeconds, cycleSeconds: plan.cycleSeconds },
        { progressionFactor: factor },
      );
      flow += group.meanVehPerHour;
      delay += result.controlDelaySeconds * group.meanVehPerHour;
    }
  }
  return { delay: flow > 0 ? delay / flow : 0, flow };
}
