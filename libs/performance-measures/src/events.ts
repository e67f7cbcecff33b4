import { EventCode } from '@crosscast/controller-events';

/**
 * The input of every measure: a signal's controller events in the Indiana
 * "Hi-Resolution Data Logger Enumerations" (the codes ATSPM reads), from a field log
 * (`@crosscast/controller-events` parses those) or from the simulator
 * (`@crosscast/simulation`'s event log). Times are epoch milliseconds; for a field log they
 * are the controller's wall clock read as if it were UTC, for the simulator data time.
 *
 * The codes the measures use, with the meaning ATSPM gives them:
 *
 * | code | name | parameter | used for |
 * |---:|---|---|---|
 * | 1 | phase begin green | phase | start of a phase's green (split monitor, PCD) |
 * | 4 | phase gap out | phase | the green ended because the gap timer expired (no more demand) |
 * | 5 | phase max out | phase | the green ended at its maximum green |
 * | 6 | phase force off | phase | the green ended at its coordination force-off point |
 * | 7 | phase green termination | phase | end of green, when begin yellow is not logged |
 * | 8 | phase begin yellow | phase | end of green, start of yellow |
 * | 9 | phase end yellow | phase | start of red, when begin red clearance is not logged |
 * | 10 | phase begin red clearance | phase | start of red (PCD cycle boundary; red occupancy window) |
 * | 11 | phase end red clearance | phase | end of the phase's split |
 * | 31 | barrier termination | barrier | not used by these measures (logged by the simulator's ring-less controllers: never) |
 * | 81 | detector off | channel | end of an actuation (occupancy) |
 * | 82 | detector on | channel | start of an actuation: a vehicle (volume, arrivals, occupancy) |
 *
 * Events of one signal only; same-time events keep their logged order.
 */
export interface SignalEvent {
  localMs: number;
  code: number;
  param: number;
}

export { EventCode };

/** How a phase's green ended (codes 4, 5, 6; `unknown` when none was logged for that green). */
export type Termination = 'gap-out' | 'max-out' | 'force-off' | 'unknown';

export type ChannelKind = 'advance' | 'stop-bar' | 'count';

/**
 * One detector channel of the signal (the controller's configuration, which its log does
 * not carry). The same shape as `@crosscast/controller-events`' detector map entries, plus
 * `travelSeconds`.
 * - `advance`: upstream of the stop line; its detector-ons are arrivals (AoG, PCD) and volume.
 * - `count`: a counting detector; volume only (and arrivals when the phase has no advance detector).
 * - `stop-bar`: presence zone at the stop line; its on/off times give occupancy (split failures).
 * - `travelSeconds`: free-flow time from the detector to the stop line; ATSPM shifts each
 *   arrival by it (distance / approach speed) so arrivals are placed at the stop line. Default 0.
 */
export interface ChannelSpec {
  channel: number;
  approachId: string;
  phase: number | null;
  kind: ChannelKind;
  travelSeconds?: number;
}

/** Events in time order, stable for ties (the log's order). */
export function inTimeOrder<T extends SignalEvent>(events: readonly T[]): T[] {
  return events
    .map((e, i) => [e, i] as const)
    .sort((a, b) => a[0].localMs - b[0].localMs || a[1] - b[1])
    .map(([e]) => e);
}

export function terminationOfCode(code: number): Termination | null {
  if (code === EventCode.PhaseGapOut) return 'gap-out';
  if (code === EventCode.PhaseMaxOut) return 'max-out';
  if (code === EventCode.PhaseForceOff) return 'force-off';
  return null;
}

export function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
