import { PhaseCycle } from './cycles';
import { ChannelSpec, EventCode, SignalEvent } from './events';

/**
 * One cycle of the Purdue Coordination Diagram: red start to the next red start of the
 * phase (ATSPM's red-to-red cycle), with when green and yellow began and when vehicles
 * arrived, in seconds after the cycle start.
 */
export interface PcdCycle {
  phase: number;
  cycleStartMs: number;
  cycleSeconds: number;
  greenAtSeconds: number | null;
  yellowAtSeconds: number | null;
  arrivalsSeconds: number[];
  arrivalsOnGreen: number;
}

export interface ArrivalsOnGreen {
  phase: number;
  /** Red-to-red cycles starting in the window. */
  cycles: number;
  arrivals: number;
  arrivalsOnGreen: number;
  /** arrivalsOnGreen / arrivals (null without arrivals). */
  aogShare: number | null;
  /** Total green / total cycle time of those cycles. */
  greenShare: number | null;
  /** aogShare / greenShare (the HCM platoon ratio Rp; above 1 = progression brings vehicles on green). */
  platoonRatio: number | null;
}

/** Channels whose detector-ons are the phase's arrivals: its advance detectors, else its counting ones. */
export function arrivalChannels(channels: readonly ChannelSpec[], phase: number): ChannelSpec[] {
  const own = channels.filter((c) => c.phase === phase);
  const advance = own.filter((c) => c.kind === 'advance');
  return advance.length ? advance : own.filter((c) => c.kind === 'count');
}

/**
 * Purdue Coordination Diagram points and arrivals on green for one phase. Cycles run from
 * one start of red (begin red clearance 10, else end yellow 9) to the next; an arrival is a
 * detector-on of the phase's arrival channels moved forward by the channel's travel time
 * to the stop line; it is on green when it falls in [begin green, begin yellow) of its
 * cycle. Cycles starting in [fromMs, toMs) count.
 */
export function purdueCoordination(events: readonly SignalEvent[], phaseCyclesOfPhase: readonly PhaseCycle[], channels: readonly ChannelSpec[], phase: number, fromMs: number, toMs: number): { pcd: PcdCycle[]; aog: ArrivalsOnGreen } {
  const reds = phaseCyclesOfPhase.filter((c) => c.redStartMs !== null).map((c) => c.redStartMs as number);
  const pcd: PcdCycle[] = [];
  let g = 0; // the phase's greens are in time order: walk them along with the cycles
  for (let i = 0; i + 1 < reds.length; i++) {
    const start = reds[i];
    const end = reds[i + 1];
    while (g < phaseCyclesOfPhase.length && phaseCyclesOfPhase[g].greenStartMs < start) g++;
    if (start < fromMs || start >= toMs) continue;
    const green = g < phaseCyclesOfPhase.length && phaseCyclesOfPhase[g].greenStartMs < end ? phaseCyclesOfPhase[g] : undefined;
    const greenAt = green ? (green.greenStartMs - start) / 1000 : null;
    const yellowAt = green && green.yellowStartMs !== null && green.yellowStartMs < end ? (green.yellowStartMs - start) / 1000 : null;
    pcd.push({ phase, cycleStartMs: start, cycleSeconds: (end - start) / 1000, greenAtSeconds: greenAt, yellowAtSeconds: yellowAt, arrivalsSeconds: [], arrivalsOnGreen: 0 });
  }
  const travel = new Map(arrivalChannels(channels, phase).map((c) => [c.channel, (c.travelSeconds ?? 0) * 1000]));
  const arrivals = events
    .filter((e) => e.code === EventCode.DetectorOn && travel.has(e.param))
    .map((e) => e.localMs + (travel.get(e.param) as number))
    .sort((a, b) => a - b);
  let k = 0;
  for (const at of arrivals) {
    while (k < pcd.length && pcd[k].cycleStartMs + pcd[k].cycleSeconds * 1000 <= at) k++;
    if (k >= pcd.length) break;
    const cycle = pcd[k];
    if (at < cycle.cycleStartMs) continue;
    const s = (at - cycle.cycleStartMs) / 1000;
    cycle.arrivalsSeconds.push(s);
    if (cycle.greenAtSeconds !== null && s >= cycle.greenAtSeconds && s < (cycle.yellowAtSeconds ?? cycle.cycleSeconds)) cycle.arrivalsOnGreen++;
  }
  const total = pcd.reduce((s, c) => s + c.arrivalsSeconds.length, 0);
  const onGreen = pcd.reduce((s, c) => s + c.arrivalsOnGreen, 0);
  const withGreen = pcd.filter((c) => c.greenAtSeconds !== null);
  const cycleTime = pcd.reduce((s, c) => s + c.cycleSeconds, 0);
  const greenTime = withGreen.reduce((s, c) => s + ((c.yellowAtSeconds ?? c.cycleSeconds) - (c.greenAtSeconds as number)), 0);
  const aogShare = total ? onGreen / total : null;
  const greenShare = cycleTime > 0 ? greenTime / cycleTime : null;
  return {
    pcd,
    aog: { phase, cycles: pcd.length, arrivals: total, arrivalsOnGreen: onGreen, aogShare, greenShare, platoonRatio: aogShare !== null && greenShare ? aogShare / greenShare : null },
  };
}
