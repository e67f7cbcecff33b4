import { EventCode, SignalEvent, Termination, terminationOfCode } from './events';

/**
 * One green of one phase and what followed it, green start to the next green start of the
 * same phase (the split monitor's cycle):
 * - `yellowStartMs`: begin yellow (8), else green termination (7);
 * - `redStartMs`: begin red clearance (10), else end yellow (9);
 * - `endRedClearanceMs`: end red clearance (11);
 * - `nextGreenMs`: the phase's next begin green (1), null for the last green of the log;
 * - `termination`: gap out (4), max out (5) or force off (6) logged for the phase during
 *   this green (controllers log it at the end of green, with or just before 7/8).
 * A field is null when the log does not have the event.
 */
export interface PhaseCycle {
  phase: number;
  greenStartMs: number;
  yellowStartMs: number | null;
  redStartMs: number | null;
  endRedClearanceMs: number | null;
  nextGreenMs: number | null;
  termination: Termination;
}

/** All phases' cycles, by phase, each list in time order. Events must be in time order. */
export function phaseCycles(events: readonly SignalEvent[]): Map<number, PhaseCycle[]> {
  const byPhase = new Map<number, PhaseCycle[]>();
  const last = (phase: number) => {
    const list = byPhase.get(phase);
    return list ? list[list.length - 1] : undefined;
  };
  for (const e of events) {
    if (e.code === EventCode.PhaseBeginGreen) {
      const previous = last(e.param);
      if (previous && previous.nextGreenMs === null) previous.nextGreenMs = e.localMs;
      const list = byPhase.get(e.param) ?? [];
      list.push({ phase: e.param, greenStartMs: e.localMs, yellowStartMs: null, redStartMs: null, endRedClearanceMs: null, nextGreenMs: null, termination: 'unknown' });
      byPhase.set(e.param, list);
      continue;
    }
    const cycle = last(e.param);
    if (!cycle) continue; // the log starts inside this phase's cycle: nothing to attach to
    const termination = terminationOfCode(e.code);
    if (termination) {
      // Logged at the end of the green (before or with the yellow), never during red.
      if (cycle.termination === 'unknown' && cycle.redStartMs === null) cycle.termination = termination;
    } else if (e.code === EventCode.PhaseBeginYellow) {
      cycle.yellowStartMs = e.localMs; // begin yellow wins over an earlier green termination
    } else if (e.code === EventCode.PhaseGreenTermination) {
      cycle.yellowStartMs ??= e.localMs;
    } else if (e.code === EventCode.PhaseBeginRedClearance) {
      cycle.redStartMs = e.localMs;
    } else if (e.code === EventCode.PhaseEndYellow) {
      cycle.redStartMs ??= e.localMs;
    } else if (e.code === EventCode.PhaseEndRedClearance) {
      cycle.endRedClearanceMs ??= e.localMs;
    }
  }
  return byPhase;
}

/** Seconds of green of a cycle whose green end is logged. */
export function greenSeconds(cycle: PhaseCycle): number | null {
  return cycle.yellowStartMs === null ? null : (cycle.yellowStartMs - cycle.greenStartMs) / 1000;
}
