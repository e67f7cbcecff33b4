import { PhaseCycle, greenSeconds } from './cycles';
import { Termination, mean } from './events';

export interface SplitMonitorGreen {
  greenStartMs: number;
  greenSeconds: number;
  /** Begin yellow to start of red (null when not logged). */
  yellowSeconds: number | null;
  /** Start of red to end of red clearance (null when not logged). */
  redClearanceSeconds: number | null;
  /** Green start to the next green start of the phase (null for the last green). */
  cycleSeconds: number | null;
  termination: Termination;
}

export interface SplitMonitorPhase {
  phase: number;
  /** Greens whose end is logged. */
  cycles: number;
  meanGreenSeconds: number;
  /** 85th percentile (nearest rank) of the green durations: ATSPM's split monitor line. */
  p85GreenSeconds: number;
  meanCycleSeconds: number | null;
  gapOutShare: number;
  maxOutShare: number;
  forceOffShare: number;
  unknownShare: number;
  greens: SplitMonitorGreen[];
}

/**
 * Split monitor and phase termination: per phase, the green each cycle used and how it
 * ended. Only greens that start in [fromMs, toMs) and whose end is logged count.
 */
export function splitMonitor(cycles: ReadonlyMap<number, readonly PhaseCycle[]>, fromMs: number, toMs: number): SplitMonitorPhase[] {
  const result: SplitMonitorPhase[] = [];
  for (const phase of [...cycles.keys()].sort((a, b) => a - b)) {
    const greens: SplitMonitorGreen[] = [];
    for (const c of cycles.get(phase) ?? []) {
      const green = greenSeconds(c);
      if (green === null || c.greenStartMs < fromMs || c.greenStartMs >= toMs) continue;
      greens.push({
        greenStartMs: c.greenStartMs,
        greenSeconds: green,
        yellowSeconds: c.redStartMs === null ? null : (c.redStartMs - (c.yellowStartMs as number)) / 1000,
        redClearanceSeconds: c.redStartMs === null || c.endRedClearanceMs === null ? null : (c.endRedClearanceMs - c.redStartMs) / 1000,
        cycleSeconds: c.nextGreenMs === null ? null : (c.nextGreenMs - c.greenStartMs) / 1000,
        termination: c.termination,
      });
    }
    if (greens.length === 0) continue;
    const sorted = greens.map((g) => g.greenSeconds).sort((a, b) => a - b);
    const cycleLengths = greens.filter((g) => g.cycleSeconds !== null).map((g) => g.cycleSeconds as number);
    const share = (t: Termination) => greens.filter((g) => g.termination === t).length / greens.length;
    result.push({
      phase,
      cycles: greens.length,
      meanGreenSeconds: mean(sorted),
      p85GreenSeconds: sorted[Math.max(0, Math.ceil(0.85 * sorted.length) - 1)],
      meanCycleSeconds: cycleLengths.length ? mean(cycleLengths) : null,
      gapOutShare: share('gap-out'),
      maxOutShare: share('max-out'),
      forceOffShare: share('force-off'),
      unknownShare: share('unknown'),
      greens,
    });
  }
  return result;
}
