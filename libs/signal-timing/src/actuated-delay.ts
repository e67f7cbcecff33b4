/**
 * Expected delay of a crossing under actuated control, from forecast flows: in free
 * operation (no cycle) and in coordinated operation under a coordinated-actuated plan, so
 * a planner can tell where coordination pays and where it does not (long links, low
 * volumes, a common cycle much longer than the crossing needs).
 *
 * Phase durations follow the HCM's actuated-phase logic in its simplest form (HCM 6th ed.,
 * ch. 31; Akçelik 1994): a phase's green serves the queue that built during its red and is
 * then extended until the detectors see no vehicle for a passage time.
 *  - queue service: g_s = y r / (1 − y), r = C − g, y = the critical lane group's flow ratio;
 *  - extension: arrivals on all of the phase's detectors are Poisson at its total flow Q
 *    (veh/s), and the expected time until a gap of the passage time Δ is e = (e^{QΔ} − 1) / Q;
 *  - so g = y C + e (1 − y), kept within the minimum and maximum green (and, coordinated,
 *    the phase's split); with the Webster defaults displayed green = effective green and
 *    the lost time per phase is its clearance (amber + all-red);
 *  - a phase is skipped when nobody arrived during its red: probability e^{−Q (C − g)}.
 * Free: C = Σ (1 − p_skip) (g + clearance), solved by damped fixed-point iteration (at least
 * the longest single phase). Coordinated: C is the plan's cycle, the coordinated phase is on
 * recall and gets every second the others do not use (at least its split).
 * Delay per lane group: HCM control delay (laneGroupDelay) at that green and cycle, with
 * HCM's k for actuated phases (from the passage time) and 0.5 for the coordinated phase
 * (on recall); the coordinated phase's uniform delay gets the progression factor of the
 * share P of its arrivals on green, PF = (1 − P) / (1 − g/C) (HCM, f_PA = 1; P = g/C for
 * random arrivals). Free operation at low flows: a vehicle whose phase is not green waits
 * at least for the change (clearance + start-up lost time).
 */
import { ActuatedPhaseDemand, CoordinatedActuatedPlan, DEFAULT_ACTUATED_PLAN } from './actuated-plan';
import { DEFAULT_HCM, laneGroupDelay } from './hcm-delay';
import { DEFAULT_WEBSTER } from './webster';

export interface ActuatedDelayOptions {
  /** Passage (gap) time, seconds. */
  passageSeconds: number;
  minGreenSeconds: number;
  /** Longest green of any phase in free operation (the controller's max green), seconds. */
  maxGreenSeconds: number;
  amberSeconds: number;
  allRedSeconds: number;
  /** Start-up lost time: effective green starts this long after the green is shown, seconds. */
  startUpLostSeconds: number;
  /** HCM analysis period, hours (the planning period). */
  analysisPeriodHours: number;
}

export const DEFAULT_ACTUATED_DELAY: ActuatedDelayOptions = {
  passageSeconds: DEFAULT_ACTUATED_PLAN.passageSeconds,
  minGreenSeconds: DEFAULT_ACTUATED_PLAN.minGreenSeconds,
  maxGreenSeconds: 45,
  amberSeconds: DEFAULT_ACTUATED_PLAN.amberSeconds,
  allRedSeconds: DEFAULT_ACTUATED_PLAN.allRedSeconds,
  startUpLostSeconds: DEFAULT_WEBSTER.startUpLostSeconds,
  analysisPeriodHours: DEFAULT_HCM.analysisPeriodHours,
};

/** HCM minimum incremental-delay factor k_min of an actuated phase by passage (unit extension) time (HCM 2010 Exhibit 18-24, interpolated). */
const K_MIN_BY_PASSAGE: Array<[number, number]> = [[2, 0.04], [2.5, 0.08], [3, 0.11], [3.5, 0.13], [4, 0.15], [4.5, 0.19], [5, 0.23]];

export function actuatedIncrementalDelayK(passageSeconds: number, degreeOfSaturation: number): number {
  const table = K_MIN_BY_PASSAGE;
  let kMin = table[table.length - 1][1];
  if (passageSeconds <= table[0][0]) kMin = table[0][1];
  else {
    for (let i = 1; i < table.length; i++) {
      if (passageSeconds <= table[i][0]) {
        const [x0, y0] = table[i - 1];
        const [x1, y1] = table[i];
        kMin = y0 + ((y1 - y0) * (passageSeconds - x0)) / (x1 - x0);
        break;
      }
    }
  }
  // k grows from k_min at X <= 0.5 to 0.5 at X = 1 (HCM 2010 eq. 18-x).
  return Math.min(0.5, Math.max(kMin, (1 - 2 * kMin) * (degreeOfSaturation - 0.5) + kMin));
}

export interface ActuatedOperationEstimate {
  /** Mean cycle (free: the sum of the phases it serves; coordinated: the plan's cycle), seconds. */
  cycleSeconds: number;
  /** Mean green per phase (phase order), seconds. */
  greenSeconds: number[];
  /** Per phase, the probability that it is skipped in a cycle. */
  skipProbability: number[];
  /** Flow-weighted HCM control delay over the lane groups at the mean flows, s/veh. */
  delaySeconds: number;
  flowVehPerHour: number;
  /** Highest degree of saturation of a lane group at these greens. */
  maxDegreeOfSaturation: number;
}

/** Expected time from queue clearance until the phase gaps out: (e^{QΔ} − 1) / Q for Poisson arrivals at Q veh/s (Δ when nobody comes). */
export function extensionSeconds(flowVehPerHour: number, passageSeconds: number): number {
  const q = Math.max(0, flowVehPerHour) / 3600;
  if (q * passageSeconds < 1e-9) return passageSeconds;
  return Math.expm1(q * passageSeconds) / q;
}

interface PhaseFlows {
  /** Critical lane group's flow ratio at the mean flows. */
  y: number;
  /** Total mean flow on the phase's detectors, veh/h. */
  total: number;
}

function phaseFlows(phases: ActuatedPhaseDemand[]): PhaseFlows[] {
  return phases.map((p) => ({
    y: Math.max(0, ...p.laneGroups.map((g) => Math.max(0, g.meanVehPerHour) / g.saturationFlowVehPerHour)),
    total: p.laneGroups.reduce((s, g) => s + Math.max(0, g.meanVehPerHour), 0),
  }));
}

/** The green a phase needs in a cycle C: queue service plus extension, within [lo, hi]. */
function neededGreen(f: PhaseFlows, cycle: number, passage: number, lo: number, hi: number): number {
  const y = Math.min(f.y, 0.99);
  return Math.min(hi, Math.max(lo, y * cycle + extensionSeconds(f.total, passage) * (1 - y)));
}

function skipProbability(f: PhaseFlows, redSeconds: number): number {
  return Math.exp((-f.total / 3600) * Math.max(0, redSeconds));
}

interface PhaseDelayModel {
  /** Progression factor on the uniform delay. */
  pf: number;
  /** Actuated (k from the passage time) or on recall (k = 0.5, as pre-timed). */
  actuated: boolean;
  /** Lower bound on the delay of the phase's vehicles, s/veh (free operation at low flows: see freeActuatedEstimate). */
  floorSeconds: number;
}

/** Flow-weighted HCM control delay at the given mean greens and cycle. */
function delayOf(phases: ActuatedPhaseDemand[], greens: number[], cycle: number, o: ActuatedDelayOptions, model: (i: number, g: number) => PhaseDelayModel): { delay: number; flow: number; maxX: number } {
  let flow = 0;
  let delay = 0;
  let maxX = 0;
  phases.forEach((p, i) => {
    const g = Math.min(cycle, Math.max(1, greens[i]));
    const m = model(i, g);
    for (const group of p.laneGroups) {
      const v = Math.max(0, group.meanVehPerHour);
      if (v <= 0) continue;
      const x = (v * cycle) / (group.saturationFlowVehPerHour * g);
      maxX = Math.max(maxX, x);
      const k = m.actuated ? actuatedIncrementalDelayK(o.passageSeconds, x) : 0.5;
      const result = laneGroupDelay({ flowVehPerHour: v, saturationFlowVehPerHour: group.saturationFlowVehPerHour, greenSeconds: g, cycleSeconds: cycle }, { analysisPeriodHours: o.analysisPeriodHours, incrementalDelayK: k, progressionFactor: m.pf });
      flow += v;
      delay += v * Math.max(m.floorSeconds, result.controlDelaySeconds);
    }
  });
  return { delay: flow > 0 ? delay / flow : 0, flow, maxX };
}

/** Expected operation and delay of a crossing run by a free actuated controller (phases in order, skipping, no cycle). */
export function freeActuatedEstimate(phases: ActuatedPhaseDemand[], partial: Partial<ActuatedDelayOptions> = {}): ActuatedOperationEstimate {
  const o = { ...DEFAULT_ACTUATED_DELAY, ...partial };
  if (phases.length === 0) throw new Error('a crossing needs at least one phase');
  const clearance = o.amberSeconds + o.allRedSeconds;
  const flows = phaseFlows(phases);
  const floor = Math.max(...flows.map(() => o.minGreenSeconds + clearance));
  const ceiling = phases.length * (o.maxGreenSeconds + clearance);
  let cycle = phases.length * (o.minGreenSeconds + clearance);
  let greens = flows.map(() => o.minGreenSeconds);
  let skips = flows.map(() => 0);
  for (let iteration = 0; iteration < 200; iteration++) {
    greens = flows.map((f) => neededGreen(f, cycle, o.passageSeconds, o.minGreenSeconds, o.maxGreenSeconds));
    skips = flows.map((f, i) => (phases.length === 1 ? 0 : skipProbability(f, cycle - greens[i])));
    const next = Math.min(ceiling, Math.max(floor, flows.reduce((s, _, i) => s + (1 - skips[i]) * (greens[i] + clearance), 0)));
    const damped = 0.5 * cycle + 0.5 * next;
    if (Math.abs(damped - cycle) < 1e-3) {
      cycle = damped;
      break;
    }
    cycle = damped;
  }
  // At low flows the controller rests in the phase last served and changes on demand: a
  // vehicle whose phase is not green waits at least for the change (clearance + start-up
  // lost time), and its phase is green about its share of the arrivals of the time.
  const total = flows.reduce((s, f) => s + f.total, 0);
  const change = clearance + o.startUpLostSeconds;
  const { delay, flow, maxX } = delayOf(phases, greens, cycle, o, (i) => ({ pf: 1, actuated: true, floorSeconds: total > 0 ? (1 - flows[i].total / total) * change : 0 }));
  return { cycleSeconds: cycle, greenSeconds: greens, skipProbability: skips, delaySeconds: delay, flowVehPerHour: flow, maxDegreeOfSaturation: maxX };
}

/**
 * How a phase's vehicles arrive under coordination: from `directions` directions (two per
 * corridor through the crossing on that phase), of which some come in platoons from a
 * coordinated neighbour, each with the share `onGreen` of its arrivals meeting the phase's
 * green; the other directions arrive at random (share g/C).
 */
export interface PhaseArrivals {
  directions: number;
  onGreen: number[];
}

/**
 * Expected operation and delay of a crossing under a coordinated-actuated plan. `arrivals`
 * per phase name (absent: random): P = the mean share on green over the phase's directions,
 * and the phase's uniform delay gets HCM's PF = (1 − P) / (1 − g/C).
 */
export function coordinatedActuatedEstimate(
  phases: ActuatedPhaseDemand[],
  plan: CoordinatedActuatedPlan,
  arrivals: Record<string, PhaseArrivals> = {},
  partial: Partial<ActuatedDelayOptions> = {},
): ActuatedOperationEstimate {
  const o = { ...DEFAULT_ACTUATED_DELAY, ...partial, passageSeconds: plan.passageSeconds, amberSeconds: plan.amberSeconds, allRedSeconds: plan.allRedSeconds };
  if (phases.length !== plan.phases.length) throw new Error(`the plan has ${plan.phases.length} phases, the demand ${phases.length}`);
  const clearance = plan.amberSeconds + plan.allRedSeconds;
  const cycle = plan.cycleSeconds;
  const c = plan.coordinatedPhaseIndex;
  const flows = phaseFlows(phases);
  const greens = new Array<number>(phases.length).fill(0);
  const skips = new Array<number>(phases.length).fill(0);
  let used = 0;
  plan.phases.forEach((p, i) => {
    if (i === c) return;
    const ceiling = Math.max(p.minGreenSeconds, Math.min(p.splitSeconds - clearance, p.maxGreenSeconds));
    greens[i] = neededGreen(flows[i], cycle, plan.passageSeconds, p.minGreenSeconds, ceiling);
    skips[i] = skipProbability(flows[i], cycle - greens[i]);
    used += (1 - skips[i]) * (greens[i] + clearance);
  });
  greens[c] = Math.max(plan.phases[c].splitSeconds - clearance, cycle - clearance - used);
  const pf = (i: number, g: number) => {
    const ratio = g / cycle;
    const a = arrivals[phases[i].name];
    if (ratio >= 1 || !a || a.onGreen.length === 0) return 1;
    const directions = Math.max(a.directions, a.onGreen.length);
    const onGreen = (a.onGreen.reduce((s, x) => s + Math.min(1, Math.max(0, x)), 0) + (directions - a.onGreen.length) * ratio) / directions;
    return Math.max(0, (1 - onGreen) / (1 - ratio));
  };
  const { delay, flow, maxX } = delayOf(phases, greens, cycle, o, (i, g) => ({ pf: pf(i, g), actuated: i !== c, floorSeconds: 0 }));
  return { cycleSeconds: cycle, greenSeconds: greens, skipProbability: skips, delaySeconds: delay, flowVehPerHour: flow, maxDegreeOfSaturation: maxX };
}
