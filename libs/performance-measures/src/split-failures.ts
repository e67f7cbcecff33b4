import { PhaseCycle, greenSeconds } from './cycles';
import { ChannelSpec, EventCode, SignalEvent } from './events';

/** ATSPM's split-failure thresholds: both occupancies at or above 79 %, red measured over its first 5 s. */
export const SPLIT_FAILURE_OCCUPANCY = 0.79;
export const RED_OCCUPANCY_SECONDS = 5;

export interface SplitFailureGreen {
  greenStartMs: number;
  /** Green occupancy ratio (GOR): share of [begin green, begin yellow) the phase's stop-bar zones were occupied. */
  greenOccupancy: number;
  /** Red occupancy ratio (ROR5): share of the first 5 s of red (from begin red clearance, else end yellow). */
  redOccupancy: number;
  failed: boolean;
}

export interface SplitFailures {
  phase: number;
  cycles: number;
  failures: number;
  failureShare: number | null;
  greens: SplitFailureGreen[];
}

/**
 * Split failures (ATSPM, after Purdue): a green fails when the stop-bar detection of its
 * phase was occupied for at least 79 % of the green (GOR) and at least 79 % of the first
 * 5 seconds of the red that follows (ROR5): the queue the green was given did not clear.
 * Occupancy is the union over the phase's `stop-bar` channels (any one on = occupied),
 * from their on (82) and off (81) events; an on without its off is taken to last until the
 * channel's next event or the end of the log. Phases without stop-bar channels get no
 * result. Greens starting in [fromMs, toMs) with a logged yellow and red count.
 */
export function splitFailures(events: readonly SignalEvent[], cycles: ReadonlyMap<number, readonly PhaseCycle[]>, channels: readonly ChannelSpec[], fromMs: number, toMs: number): SplitFailures[] {
  const result: SplitFailures[] = [];
  const endOfLog = events.length ? events[events.length - 1].localMs : 0;
  for (const phase of [...cycles.keys()].sort((a, b) => a - b)) {
    const zone = new Set(channels.filter((c) => c.phase === phase && c.kind === 'stop-bar').map((c) => c.channel));
    if (zone.size === 0) continue;
    const occupied = occupiedIntervals(events, zone, endOfLog);
    const greens: SplitFailureGreen[] = [];
    for (const c of cycles.get(phase) ?? []) {
      if (c.greenStartMs < fromMs || c.greenStartMs >= toMs || greenSeconds(c) === null || c.redStartMs === null) continue;
      const greenEnd = c.yellowStartMs as number;
      if (greenEnd <= c.greenStartMs) continue;
      const greenOccupancy = overlapMs(occupied, c.greenStartMs, greenEnd) / (greenEnd - c.greenStartMs);
      const redOccupancy = overlapMs(occupied, c.redStartMs, c.redStartMs + RED_OCCUPANCY_SECONDS * 1000) / (RED_OCCUPANCY_SECONDS * 1000);
      greens.push({ greenStartMs: c.greenStartMs, greenOccupancy, redOccupancy, failed: greenOccupancy >= SPLIT_FAILURE_OCCUPANCY && redOccupancy >= SPLIT_FAILURE_OCCUPANCY });
    }
    const failures = greens.filter((g) => g.failed).length;
    result.push({ phase, cycles: greens.length, failures, failureShare: greens.length ? failures / greens.length : null, greens });
  }
  return result;
}

/** Merged time intervals during which at least one of the channels was on. */
export function occupiedIntervals(events: readonly SignalEvent[], channels: ReadonlySet<number>, endOfLogMs: number): Array<[number, number]> {
  const onSince = new Map<number, number>();
  const raw: Array<[number, number]> = [];
  for (const e of events) {
    if (!channels.has(e.param) || (e.code !== EventCode.DetectorOn && e.code !== EventCode.DetectorOff)) continue;
    const since = onSince.get(e.param);
    if (since !== undefined) {
      // an off closes the actuation; a second on without an off closes the first one there
      raw.push([since, e.localMs]);
      onSince.delete(e.param);
    }
    if (e.code === EventCode.DetectorOn) onSince.set(e.param, e.localMs);
  }
  for (const since of onSince.values()) raw.push([since, Math.max(since, endOfLogMs)]);
  raw.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [from, to] of raw) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

export function overlapMs(intervals: ReadonlyArray<[number, number]>, from: number, to: number): number {
  let total = 0;
  for (const [a, b] of intervals) {
    if (a >= to) break;
    total += Math.max(0, Math.min(b, to) - Math.max(a, from));
  }
  return total;
}
