/**
 * Automatic mode's policy, as pure functions: when a recommendation may be applied without
 * an operator, and how far one step may move the plan (the guard rails). No Nest, no I/O.
 */
import { AutomaticOutcomeView, CorridorAutomaticOutcomeView, CrossingFreshness, PlanSummaryView, WorkerStatus } from '@crosscast/contracts';
import type { TimingPlan } from '@crosscast/signal-timing';

export interface GuardRails {
  minCycleSeconds: number;
  maxCycleSeconds: number;
  /** Largest change of the cycle in one step, as a share of the running cycle. */
  maxCycleChangeShare: number;
  /** Largest change of any phase's green in one step, as a share of its running green. */
  maxGreenChangeShare: number;
  /** Least data time between two automatic changes at one crossing, minutes. */
  minMinutesBetweenChanges: number;
}

/** Forecast quality flags that mark a forecast not to act on without a person (see the edge worker). */
export const DEGRADED_FORECAST_FLAGS = ['model-failed', 'inputs-mostly-filled'];

export interface AutomaticGateInput {
  freshness: CrossingFreshness;
  workerStatus: WorkerStatus | null;
  qualityFlags: string[];
  /** The plan last accepted at the crossing; automatic mode never starts from an assumed plan. */
  hasRunningPlan: boolean;
  plansEnabled: boolean;
  periodStartMs: number;
  lastAppliedPeriodStartMs: number | null;
}

/**
 * Why automatic mode must leave this recommendation to the operators, or null when it
 * may act. A stale, offline or unknown crossing, a degraded worker or a degraded forecast
 * never changes a plan on its own.
 */
export function automaticHoldReason(input: AutomaticGateInput, rails: Pick<GuardRails, 'minMinutesBetweenChanges'>): string | null {
  if (input.freshness !== 'fresh') return `crossing is ${input.freshness}: automatic changes need a fresh forecast`;
  if (input.workerStatus === 'degraded') return 'the crossing worker reports degraded';
  const degradedFlags = input.qualityFlags.filter((f) => DEGRADED_FORECAST_FLAGS.includes(f));
  if (degradedFlags.length > 0) return `the forecast is degraded (${degradedFlags.join(', ')})`;
  if (!input.plansEnabled) return 'an admin disabled plans for this crossing';
  if (!input.hasRunningPlan) return 'no plan on record at this crossing yet: the first plan must be accepted by an operator';
  if (input.lastAppliedPeriodStartMs !== null) {
    const minutesSince = (input.periodStartMs - input.lastAppliedPeriodStartMs) / 60_000;
    if (minutesSince < rails.minMinutesBetweenChanges) {
      return `last automatic change ${Math.round(minutesSince)} min ago (data time); at least ${rails.minMinutesBetweenChanges} min between changes`;
    }
  }
  return null;
}

export type GuardRailResult =
  | { ok: true; cycleSeconds: number; greens: Array<{ name: string; greenSeconds: number }>; clipped: boolean; notes: string[] }
  | { ok: false; reason: string };

/**
 * Moves from the running plan towards the recommended one as far as the guard rails allow:
 * the cycle is kept within [min, max] and within ±maxCycleChangeShare of the running cycle,
 * each phase's effective green within ±maxGreenChangeShare of its running green and at
 * least its minimum, the greens split like the recommendation's and adding up to the cycle
 * minus the lost time. Refuses when no such plan exists, or when it would change nothing.
 */
export function clipToGuardRails(running: { cycleSeconds: number; phases: Array<{ name: string; greenSeconds: number }> }, recommended: TimingPlan, rails: GuardRails): GuardRailResult {
  const notes: string[] = [];
  const lost = recommended.lostTimeSeconds;
  const phases = recommended.phases.map((p) => {
    const runningGreen = running.phases.find((r) => r.name === p.name)?.greenSeconds;
    // Effective minimum green from the displayed minimum: g = G + amber + all-red - lost time.
    const minGreen = p.minGreenSeconds + p.amberSeconds + p.allRedSeconds - p.lostTimeSeconds;
    return { name: p.name, wanted: p.greenSeconds, runningGreen, minGreen };
  });
  const missing = phases.find((p) => p.runningGreen === undefined);
  if (missing) return { ok: false, reason: `the running plan has no phase ${missing.name}` };

  // Integer bounds for each green and for the cycle.
  const bounds = phases.map((p) => ({
    lo: Math.max(Math.ceil(p.minGreen), Math.ceil(p.runningGreen! * (1 - rails.maxGreenChangeShare))),
    hi: Math.floor(p.runningGreen! * (1 + rails.maxGreenChangeShare)),
  }));
  const badPhase = bounds.findIndex((b) => b.lo > b.hi);
  if (badPhase >= 0) return { ok: false, reason: `phase ${phases[badPhase].name}: its minimum green is out of reach within ±${pct(rails.maxGreenChangeShare)} of the running ${phases[badPhase].runningGreen} s` };
  const cycleLo = Math.max(rails.minCycleSeconds, Math.ceil(running.cycleSeconds * (1 - rails.maxCycleChangeShare)), lost + sum(bounds.map((b) => b.lo)));
  const cycleHi = Math.min(rails.maxCycleSeconds, Math.floor(running.cycleSeconds * (1 + rails.maxCycleChangeShare)), lost + sum(bounds.map((b) => b.hi)));
  if (cycleLo > cycleHi) {
    return { ok: false, reason: `no cycle satisfies the guard rails: ${rails.minCycleSeconds}-${rails.maxCycleSeconds} s, ±${pct(rails.maxCycleChangeShare)} of the running ${running.cycleSeconds} s and greens within ±${pct(rails.maxGreenChangeShare)}` };
  }
  const cycle = Math.min(cycleHi, Math.max(cycleLo, Math.round(recommended.cycleSeconds)));
  if (cycle !== recommended.cycleSeconds) notes.push(`cycle clipped from ${recommended.cycleSeconds} s to ${cycle} s (running ${running.cycleSeconds} s, at most ±${pct(rails.maxCycleChangeShare)} a step, ${rails.minCycleSeconds}-${rails.maxCycleSeconds} s)`);

  const greens = splitWithinBounds(cycle - lost, phases.map((p) => p.wanted), bounds);
  phases.forEach((p, i) => {
    const proportional = ((cycle - lost) * p.wanted) / Math.max(1e-9, sum(phases.map((q) => q.wanted)));
    if (Math.abs(greens[i] - proportional) >= 1 && (greens[i] === bounds[i].lo || greens[i] === bounds[i].hi)) {
      notes.push(`green of ${p.name} held at ${greens[i]} s (running ${p.runningGreen} s, at most ±${pct(rails.maxGreenChangeShare)} a step)`);
    }
  });
  if (cycle === running.cycleSeconds && phases.every((p, i) => greens[i] === p.runningGreen)) {
    return { ok: false, reason: 'within the guard rails the plan would not change' };
  }
  const clipped = cycle !== recommended.cycleSeconds || phases.some((p, i) => greens[i] !== p.wanted);
  return { ok: true, cycleSeconds: cycle, greens: phases.map((p, i) => ({ name: p.name, greenSeconds: greens[i] })), clipped, notes };
}

/**
 * Whole-second greens adding up to `available`, shared like `wanted`, each within its
 * bounds (the caller checked that sum(lo) <= available <= sum(hi)).
 */
function splitWithinBounds(available: number, wanted: number[], bounds: Array<{ lo: number; hi: number }>): number[] {
  const n = wanted.length;
  // Find the scale k with sum(clamp(k * wanted_i, lo_i, hi_i)) = available (the sum grows with k): bisection.
  const weights = wanted.map((w) => Math.max(w, 1e-6));
  const filled = (k: number) => weights.map((w, i) => Math.min(bounds[i].hi, Math.max(bounds[i].lo, k * w)));
  let low = 0;
  let high = Math.max(...bounds.map((b, i) => b.hi / weights[i]));
  for (let step = 0; step < 100; step++) {
    const mid = (low + high) / 2;
    if (sum(filled(mid)) < available) low = mid;
    else high = mid;
  }
  const greens = filled(high);
  // Whole seconds adding up to `available`, each within its bounds: largest remainders first.
  const rounded = greens.map((g, i) => Math.min(bounds[i].hi, Math.max(bounds[i].lo, Math.floor(g))));
  let leftover = available - sum(rounded);
  const order = greens.map((g, i) => ({ i, r: g - Math.floor(g) })).sort((a, b) => b.r - a.r);
  for (let guard = 0; leftover !== 0 && guard < 4 * n * (Math.abs(leftover) + 1); guard++) {
    const { i } = order[guard % n];
    if (leftover > 0 && rounded[i] < bounds[i].hi) {
      rounded[i]++;
      leftover--;
    } else if (leftover < 0 && rounded[i] > bounds[i].lo) {
      rounded[i]--;
      leftover++;
    }
  }
  return rounded;
}

/** Automatic mode's verdict on a recommendation, as stored with it and shown to operators. */
export function automaticOutcome(
  gate: AutomaticGateInput,
  running: { cycleSeconds: number; phases: Array<{ name: string; greenSeconds: number }> },
  recommended: TimingPlan,
  recommendationPlan: Pick<PlanSummaryView, 'cycleSeconds' | 'phases'>,
  rails: GuardRails,
): AutomaticOutcomeView {
  const hold = automaticHoldReason(gate, rails);
  if (hold) return { action: 'hold', note: `not applied automatically: ${hold}`, plan: null, clipped: false };
  const result = clipToGuardRails(running, recommended, rails);
  if (!result.ok) return { action: 'hold', note: `not applied automatically: ${result.reason}`, plan: null, clipped: false };
  const plan = {
    cycleSeconds: result.cycleSeconds,
    phases: recommendationPlan.phases.map((p) => ({ name: p.name, approaches: p.approaches, greenSeconds: result.greens.find((g) => g.name === p.name)!.greenSeconds })),
  };
  const note = result.clipped ? `applied automatically within the guard rails: ${result.notes.join('; ')}` : 'applied automatically: within the guard rails';
  return { action: 'apply', note, plan, clipped: result.clipped };
}

const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);
const pct = (share: number) => `${Math.round(share * 100)}%`;

/** A crossing of a corridor (group) recommendation as automatic mode judges it. */
export interface CorridorAutomaticMember {
  crossingId: string;
  /** Automatic mode is on at this crossing. */
  automaticEnabled: boolean;
  gate: AutomaticGateInput;
  /** What the advice changes there: 'adopted' leaves a fixed-time plan for actuated advice. */
  kind: 'adopted' | 'to-coordinated' | 'to-free' | 're-timed';
  /** The common cycle it is advised to run (null: advised to run free). */
  advisedCycleSeconds: number | null;
  /** The coordinated cycle it runs now (null: free, or a fixed-time plan). */
  runningCycleSeconds: number | null;
}

/**
 * Automatic mode's verdict on a corridor (group) recommendation; null when automatic mode is
 * off at every crossing of it (the operators decide, as for any recommendation). A corridor
 * plan is applied to all its crossings or to none, and never clipped (its offsets hold only
 * on the common cycle), so it is held unless:
 * - automatic mode is on at every crossing;
 * - no crossing leaves a fixed-time plan (the first actuated plan is an operator's decision,
 *   as the first plan at a crossing is);
 * - each crossing passes `automaticHoldReason` (fresh, not degraded, plans enabled, a plan on
 *   record, the least time since its last automatic change);
 * - no crossing leaves a fixed-time plan (the first actuated plan is an operator's decision,
 *   as the first plan at a crossing is);
 * - the common cycle is within the guard rails' cycle range, and at a crossing that runs a
 *   coordinated cycle now within ±maxCycleChangeShare of it.
 */
export function corridorAutomaticOutcome(members: CorridorAutomaticMember[], rails: GuardRails): CorridorAutomaticOutcomeView | null {
  if (!members.some((m) => m.automaticEnabled)) return null;
  const hold = (why: string): CorridorAutomaticOutcomeView => ({ action: 'hold', note: `not applied automatically: ${why}` });
  const off = members.filter((m) => !m.automaticEnabled).map((m) => m.crossingId);
  if (off.length > 0) return hold(`automatic mode is off at ${off.join(', ')} (a corridor plan is applied to all its crossings or none)`);
  const adopted = members.filter((m) => m.kind === 'adopted').map((m) => m.crossingId);
  if (adopted.length > 0) return hold(`${adopted.join(', ')} run${adopted.length === 1 ? 's' : ''} a fixed-time plan: the first actuated plan must be accepted by an operator`);
  for (const m of members) {
    const reason = automaticHoldReason(m.gate, rails);
    if (reason) return hold(`crossing ${m.crossingId}: ${reason}`);
  }
  for (const m of members) {
    if (m.advisedCycleSeconds === null) continue;
    if (m.advisedCycleSeconds < rails.minCycleSeconds || m.advisedCycleSeconds > rails.maxCycleSeconds) {
      return hold(`the common cycle ${m.advisedCycleSeconds} s is outside ${rails.minCycleSeconds}-${rails.maxCycleSeconds} s`);
    }
    if (m.runningCycleSeconds !== null && Math.abs(m.advisedCycleSeconds - m.runningCycleSeconds) > rails.maxCycleChangeShare * m.runningCycleSeconds + 1e-9) {
      return hold(`the common cycle ${m.advisedCycleSeconds} s is more than ±${pct(rails.maxCycleChangeShare)} from the running ${m.runningCycleSeconds} s at ${m.crossingId} (a corridor plan is not clipped: its offsets hold only on the common cycle)`);
    }
  }
  return { action: 'apply', note: `applied automatically: ${members.length} crossing${members.length === 1 ? '' : 's'} within the guard rails` };
}
