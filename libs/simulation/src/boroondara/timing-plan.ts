/**
 * Maps a timing plan as fusion sends it (phases named, each with the approach ids it
 * serves and its green; a cycle length) onto a simulated crossing's own phases.
 *
 * Each engine phase takes the green of the one plan phase that serves its approaches
 * (an engine phase with no detected approach, e.g. an undetected side street, is matched
 * by name). The time between greens is split evenly: intergreen per phase =
 * (cycle − Σ greens) / phases, of which up to `amberSeconds` is amber and the rest all-red.
 */
import { ActuatedSettings, CoordinatedActuatedSettings, FixedTimePlan, cycleSeconds } from '../network';
import { SimCrossing } from './city-network';

export interface PlanPhaseInput {
  name: string;
  approaches: string[];
  greenSeconds: number;
}

export type PlanMapping = { ok: true; plan: FixedTimePlan } | { ok: false; reason: string };

export function mapTimingPlan(crossing: SimCrossing, current: FixedTimePlan, cycle: number, phases: PlanPhaseInput[], amberSeconds = 3): PlanMapping {
  const order = matchPhases(crossing, phases);
  if (!order.ok) return order;
  const greens = order.planIndex.map((i) => phases[i].greenSeconds);
  const totalGreen = greens.reduce((s, g) => s + g, 0);
  const intergreen = (cycle - totalGreen) / greens.length;
  if (!(intergreen >= 0)) return { ok: false, reason: `greens add up to ${totalGreen} s, more than the ${cycle} s cycle` };
  const amber = Math.min(amberSeconds, intergreen);
  const plan: FixedTimePlan = { greenSeconds: greens, amberSeconds: amber, allRedSeconds: intergreen - amber, offsetSeconds: current.offsetSeconds };
  if (Math.abs(cycleSeconds(plan) - cycle) > 1e-6) return { ok: false, reason: 'internal: cycle mismatch' };
  return { ok: true, plan };
}

/** A corridor plan's coordination settings, as TimingPlanMessage.coordination carries them. */
export interface PlanCoordinationInput {
  offsetSeconds: number;
  coordinatedPhase: string;
  /** Per plan phase (in the plan's order): green + amber + all-red it may use. */
  splitSeconds: number[];
  minGreenSeconds: number;
  passageSeconds: number;
  amberSeconds: number;
  allRedSeconds: number;
}

export type CoordinatedPlanMapping = { ok: true; settings: CoordinatedActuatedSettings } | { ok: false; reason: string };

/** Detector distance upstream of the stop line for the coordinated-actuated controller, in seconds of free-flow travel. */
export const CORRIDOR_DETECTOR_LEAD_SECONDS = 3;

/**
 * Maps a corridor's coordinated-actuated plan onto a simulated crossing: the plan's phases
 * are matched to the engine's as for fixed-time plans (mapTimingPlan), their splits taken
 * in engine phase order, the reference point (the coordinated green's start) at
 * offsetSeconds + k × cycle from simulation time 0, which every crossing shares: the
 * common cycle boundary.
 */
export function mapCoordinatedPlan(crossing: SimCrossing, cycle: number, phases: PlanPhaseInput[], coordination: PlanCoordinationInput): CoordinatedPlanMapping {
  if (coordination.splitSeconds.length !== phases.length) return { ok: false, reason: `${coordination.splitSeconds.length} splits for ${phases.length} plan phases` };
  const order = matchPhases(crossing, phases);
  if (!order.ok) return order;
  const splits = order.planIndex.map((i) => coordination.splitSeconds[i]);
  const total = splits.reduce((s, x) => s + x, 0);
  if (Math.abs(total - cycle) > 0.5) return { ok: false, reason: `splits add up to ${total} s, the cycle is ${cycle} s` };
  const coordinated = order.planIndex.findIndex((i) => phases[i].name === coordination.coordinatedPhase);
  if (coordinated < 0) return { ok: false, reason: `the coordinated phase ${coordination.coordinatedPhase} is not one of the plan's phases` };
  return {
    ok: true,
    settings: {
      cycleSeconds: cycle,
      offsetSeconds: coordination.offsetSeconds,
      coordinatedPhase: coordinated,
      splitSeconds: splits,
      minGreenSeconds: coordination.minGreenSeconds,
      gapSeconds: coordination.passageSeconds,
      amberSeconds: coordination.amberSeconds,
      allRedSeconds: coordination.allRedSeconds,
      detectorLeadSeconds: CORRIDOR_DETECTOR_LEAD_SECONDS,
    },
  };
}

/**
 * For each engine phase (in order), the index of the one plan phase that serves its
 * approaches (an engine phase with no detected approach is matched by name); a plan phase
 * may not mix approaches of two engine phases or serve two of them.
 */
function matchPhases(crossing: SimCrossing, phases: PlanPhaseInput[]): { ok: true; planIndex: number[] } | { ok: false; reason: string } {
  const own = new Set(crossing.approaches);
  const foreign = phases.flatMap((p) => p.approaches).filter((a) => !own.has(a));
  if (foreign.length > 0) return { ok: false, reason: `approaches ${foreign.join(', ')} do not belong to crossing ${crossing.id}` };
  if (phases.length !== crossing.phases.length) {
    return { ok: false, reason: `plan has ${phases.length} phases, crossing ${crossing.id} runs ${crossing.phases.length} (${crossing.phases.map((p) => p.name).join(', ')})` };
  }
  const planIndex: number[] = [];
  for (const enginePhase of crossing.phases) {
    const matches = phases
      .map((p, i) => ({ p, i }))
      .filter(({ p }) => (enginePhase.approaches.length > 0 ? p.approaches.some((a) => enginePhase.approaches.includes(a)) : p.name === enginePhase.name));
    if (matches.length !== 1) {
      return { ok: false, reason: `phase ${enginePhase.name} (${enginePhase.approaches.join(', ') || 'no detected approach'}) matches ${matches.length} plan phases, expected exactly one` };
    }
    const { p, i } = matches[0];
    const stray = p.approaches.filter((a) => !enginePhase.approaches.includes(a));
    if (stray.length > 0) return { ok: false, reason: `plan phase ${p.name} mixes approaches of two phases (${stray.join(', ')} are not in ${enginePhase.name})` };
    if (planIndex.includes(i)) return { ok: false, reason: `plan phase ${p.name} matches two phases` };
    planIndex.push(i);
  }
  return { ok: true, planIndex };
}

/** A group's free operation, as TimingPlanMessage.actuated carries it. */
export interface PlanActuatedInput {
  minGreenSeconds: number;
  maxGreenSeconds: number;
  passageSeconds: number;
  amberSeconds: number;
  allRedSeconds: number;
}

export type ActuatedPlanMapping = { ok: true; settings: ActuatedSettings } | { ok: false; reason: string };

/**
 * Maps free operation onto a simulated crossing: the actuated controller with the given
 * minimum and maximum green and passage time. The plan's phases must match the crossing's
 * as for fixed-time plans (mapTimingPlan): the advice was made for those phases.
 */
export function mapActuatedPlan(crossing: SimCrossing, phases: PlanPhaseInput[], actuated: PlanActuatedInput): ActuatedPlanMapping {
  const order = matchPhases(crossing, phases);
  if (!order.ok) return order;
  if (actuated.maxGreenSeconds < actuated.minGreenSeconds) return { ok: false, reason: `maximum green ${actuated.maxGreenSeconds} s is below the minimum green ${actuated.minGreenSeconds} s` };
  return {
    ok: true,
    settings: {
      minGreenSeconds: actuated.minGreenSeconds,
      maxGreenSeconds: actuated.maxGreenSeconds,
      gapSeconds: actuated.passageSeconds,
      amberSeconds: actuated.amberSeconds,
      allRedSeconds: actuated.allRedSeconds,
      detectorLeadSeconds: CORRIDOR_DETECTOR_LEAD_SECONDS,
    },
  };
}
