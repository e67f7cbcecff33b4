import { ControllerEvent, EventCode, PhaseTermination, terminationOf } from './codes';
import { SignalDetectors } from './detector-map';

/**
 * The performance measures traffic engineers read in ATSPM, computed from one signal's
 * controller events (from the field or from the simulator): split monitor, phase
 * termination, arrivals on green with the Purdue Coordination Diagram, split failures.
 * Pure; times are the controller's wall clock in ms (read as UTC), durations in seconds.
 */

/** One green of one phase: begin green → end of green (yellow or green termination) → end of red clearance. */
export interface PhaseGreen {
  phase: number;
  beginGreenMs: number;
  /** Begin yellow (code 8), else green termination (code 7); null if the log ends in green. */
  endGreenMs: number | null;
  /** End of red clearance (code 11) after this green, when logged. */
  endRedClearanceMs: number | null;
  greenSeconds: number | null;
  /** Begin green to end of red clearance: the phase's split as run. */
  splitSeconds: number | null;
  termination: PhaseTermination;
}

export interface PhaseGreens {
  greens: PhaseGreen[];
  /** Green terminations with no begin green before them in the log (the log starts, or lost events, mid-green): counted, not used. */
  unmatchedTerminations: number;
}

export function phaseGreens(events: readonly ControllerEvent[]): PhaseGreens {
  let unmatchedTerminations = 0;
  const open = new Map<number, PhaseGreen>();
  const awaitingClearance = new Map<number, PhaseGreen>();
  const greens: PhaseGreen[] = [];
  const seconds = (from: number, to: number | null) => (to === null ? null : (to - from) / 1000);
  for (const e of events) {
    const phase = e.param;
    if (e.code === EventCode.PhaseBeginGreen) {
      awaitingClearance.delete(phase);
      const green: PhaseGreen = { phase, beginGreenMs: e.localMs, endGreenMs: null, endRedClearanceMs: null, greenSeconds: null, splitSeconds: null, termination: 'unknown' };
      open.set(phase, green);
      greens.push(green);
      continue;
    }
    const termination = terminationOf(e.code);
    const green = open.get(phase);
    if (termination && green) green.termination = termination;
    else if (e.code === EventCode.PhaseGreenTermination && !green) {
      // A green termination logged beside the begin yellow that already ended this green is the same end.
      const justEnded = awaitingClearance.get(phase);
      if (!justEnded || e.localMs - (justEnded.endGreenMs as number) > 1000) unmatchedTerminations += 1;
    }
    else if ((e.code === EventCode.PhaseBeginYellow || e.code === EventCode.PhaseGreenTermination) && green) {
      green.endGreenMs ??= e.localMs;
      green.greenSeconds = seconds(green.beginGreenMs, green.endGreenMs);
      open.delete(phase);
      awaitingClearance.set(phase, green);
    } else if (e.code === EventCode.PhaseEndRedClearance) {
      const ended = awaitingClearance.get(phase);
      if (ended) {
        ended.endRedClearanceMs = e.localMs;
        ended.splitSeconds = seconds(ended.beginGreenMs, e.localMs);
        awaitingClearance.delete(phase);
      }
    }
  }
  return { greens, unmatchedTerminations };
}

export interface SplitMonitorPhase {
  phase: number;
  /** Greens that ended within the log. */
  cycles: number;
  meanGreenSeconds: number;
  p85GreenSeconds: number;
  meanSplitSeconds: number | null;
  gapOutShare: number;
  maxOutShare: number;
  forceOffShare: number;
  unknownShare: number;
}

/** Split monitor and phase termination per phase. */
export function splitMonitor(greens: readonly PhaseGreen[]): SplitMonitorPhase[] {
  const byPhase = new Map<number, PhaseGreen[]>();
  for (const g of greens) if (g.greenSeconds !== null) byPhase.set(g.phase, [...(byPhase.get(g.phase) ?? []), g]);
  return [...byPhase.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([phase, list]) => {
      const green = list.map((g) => g.greenSeconds as number).sort((a, b) => a - b);
      const splits = list.filter((g) => g.splitSeconds !== null).map((g) => g.splitSeconds as number);
      const share = (t: PhaseTermination) => list.filter((g) => g.termination === t).length / list.length;
      return {
        phase,
        cycles: list.length,
        meanGreenSeconds: mean(green),
        p85GreenSeconds: green[Math.min(green.length - 1, Math.ceil(0.85 * green.length) - 1)],
        meanSplitSeconds: splits.length ? mean(splits) : null,
        gapOutShare: share('gap-out'),
        maxOutShare: share('max-out'),
        forceOffShare: share('force-off'),
        unknownShare: share('unknown'),
      };
    });
}

/** One cycle of a phase as the Purdue Coordination Diagram draws it: from the start of red to the next. */
export interface PcdCycle {
  phase: number;
  /** Start of red: end of yellow (code 9), else begin red clearance (code 10). */
  cycleStartMs: number;
  cycleSeconds: number;
  /** Seconds into the cycle when green began and when yellow began (null if not logged). */
  greenAtSeconds: number | null;
  yellowAtSeconds: number | null;
}

export interface PcdArrival {
  channel: number;
  localMs: number;
  secondsInCycle: number;
  onGreen: boolean;
}

export interface CoordinationMeasures {
  phase: number;
  cycles: PcdCycle[];
  arrivals: PcdArrival[];
  /** Detector-ons inside whole cycles. */
  arrivalsCounted: number;
  arrivalsOnGreenShare: number | null;
  /** Mean share of the cycle that was green. */
  greenShare: number | null;
  /** Arrivals on green share divided by green share (HCM's platoon ratio Rp); > 1 is good progression. */
  platoonRatio: number | null;
}

/**
 * Purdue Coordination Diagram and arrivals on green for each phase that the map's
 * detectors (with a `phase`) serve. A detector-on is an arrival; it is on green when it
 * falls between the phase's begin green and begin yellow.
 */
export function coordinationMeasures(events: readonly ControllerEvent[], detectors: SignalDetectors): CoordinationMeasures[] {
  const phases = [...new Set([...detectors.channels.values()].filter((c) => c.phase !== null).map((c) => c.phase as number))].sort((a, b) => a - b);
  return phases.map((phase) => {
    const channels = new Set([...detectors.channels.values()].filter((c) => c.phase === phase).map((c) => c.channel));
    const cycles = pcdCycles(events, phase);
    const arrivals: PcdArrival[] = [];
    let k = 0;
    for (const e of events) {
      if (e.code !== EventCode.DetectorOn || !channels.has(e.param)) continue;
      while (k < cycles.length && cycles[k].cycleStartMs + cycles[k].cycleSeconds * 1000 <= e.localMs) k++;
      if (k >= cycles.length) break;
      const cycle = cycles[k];
      if (e.localMs < cycle.cycleStartMs) continue;
      const secondsInCycle = (e.localMs - cycle.cycleStartMs) / 1000;
      const onGreen = cycle.greenAtSeconds !== null && secondsInCycle >= cycle.greenAtSeconds && secondsInCycle < (cycle.yellowAtSeconds ?? cycle.cycleSeconds);
      arrivals.push({ channel: e.param, localMs: e.localMs, secondsInCycle, onGreen });
    }
    const greenShares = cycles.filter((c) => c.greenAtSeconds !== null).map((c) => ((c.yellowAtSeconds ?? c.cycleSeconds) - (c.greenAtSeconds as number)) / c.cycleSeconds);
    const aog = arrivals.length ? arrivals.filter((a) => a.onGreen).length / arrivals.length : null;
    const greenShare = greenShares.length ? mean(greenShares) : null;
    return { phase, cycles, arrivals, arrivalsCounted: arrivals.length, arrivalsOnGreenShare: aog, greenShare, platoonRatio: aog !== null && greenShare ? aog / greenShare : null };
  });
}

function pcdCycles(events: readonly ControllerEvent[], phase: number): PcdCycle[] {
  const redStarts: number[] = [];
  const greens: number[] = [];
  const yellows: number[] = [];
  let lastRed = -Infinity;
  for (const e of events) {
    if (e.param !== phase) continue;
    if (e.code === EventCode.PhaseEndYellow || e.code === EventCode.PhaseBeginRedClearance) {
      // Controllers that log both mark one start of red; keep the first.
      if (e.localMs - lastRed > 1000) redStarts.push(e.localMs);
      lastRed = e.localMs;
    } else if (e.code === EventCode.PhaseBeginGreen) greens.push(e.localMs);
    else if (e.code === EventCode.PhaseBeginYellow) yellows.push(e.localMs);
  }
  const cycles: PcdCycle[] = [];
  for (let i = 0; i + 1 < redStarts.length; i++) {
    const start = redStarts[i];
    const end = redStarts[i + 1];
    const green = greens.find((g) => g >= start && g < end) ?? null;
    const yellow = yellows.find((y) => y >= start && y < end) ?? null;
    cycles.push({ phase, cycleStartMs: start, cycleSeconds: (end - start) / 1000, greenAtSeconds: green === null ? null : (green - start) / 1000, yellowAtSeconds: yellow === null ? null : (yellow - start) / 1000 });
  }
  return cycles;
}

export interface SplitFailureCycle {
  phase: number;
  beginGreenMs: number;
  /** Share of the green the phase's stop-bar detectors were occupied. */
  greenOccupancy: number;
  /** Share of the first 5 s of red they were occupied. */
  redOccupancy: number;
  failed: boolean;
}

/**
 * Split failures (the Purdue definition): a green whose stop-bar detectors were occupied
 * for more than 80 % of the green and more than 80 % of the first 5 seconds of red
 * afterwards — the queue did not clear. Needs stop-bar channels that log on and off.
 */
export function splitFailures(events: readonly ControllerEvent[], detectors: SignalDetectors, greens: readonly PhaseGreen[], threshold = 0.8): SplitFailureCycle[] {
  const stopBars = [...detectors.channels.values()].filter((c) => c.kind === 'stop-bar' && c.phase !== null);
  const result: SplitFailureCycle[] = [];
  for (const green of greens) {
    if (green.endGreenMs === null) continue;
    const channels = stopBars.filter((c) => c.phase === green.phase).map((c) => c.channel);
    if (channels.length === 0) continue;
    const redStart = green.endRedClearanceMs ?? green.endGreenMs;
    const occupied = occupiedIntervals(events, new Set(channels));
    const greenOccupancy = overlapMs(occupied, green.beginGreenMs, green.endGreenMs) / (green.endGreenMs - green.beginGreenMs);
    const redOccupancy = overlapMs(occupied, redStart, redStart + 5000) / 5000;
    result.push({ phase: green.phase, beginGreenMs: green.beginGreenMs, greenOccupancy, redOccupancy, failed: greenOccupancy > threshold && redOccupancy > threshold });
  }
  return result;
}

/** Times when any of the channels was occupied, merged. */
function occupiedIntervals(events: readonly ControllerEvent[], channels: Set<number>): Array<[number, number]> {
  const onSince = new Map<number, number>();
  const raw: Array<[number, number]> = [];
  for (const e of events) {
    if (!channels.has(e.param)) continue;
    if (e.code === EventCode.DetectorOn && !onSince.has(e.param)) onSince.set(e.param, e.localMs);
    else if (e.code === EventCode.DetectorOff && onSince.has(e.param)) {
      raw.push([onSince.get(e.param) as number, e.localMs]);
      onSince.delete(e.param);
    }
  }
  raw.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [from, to] of raw) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

function overlapMs(intervals: ReadonlyArray<[number, number]>, from: number, to: number): number {
  let total = 0;
  for (const [a, b] of intervals) total += Math.max(0, Math.min(b, to) - Math.max(a, from));
  return total;
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
