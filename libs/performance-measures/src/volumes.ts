import { ChannelSpec, EventCode, SignalEvent } from './events';

export interface ApproachVolume {
  approachId: string;
  /** Vehicles (detector-ons) over [fromMs, toMs). */
  total: number;
  /** total scaled to an hour. */
  vehPerHour: number;
  bins: Array<{ startMs: number; count: number }>;
}

/**
 * Approach volume: detector-ons (82) of the approach's counting channels, per bin of
 * `binMs` from `fromMs` to `toMs` (the last bin may be short). Counting channels are the
 * `advance` and `count` ones; stop-bar presence zones are left out (a standing queue holds
 * them on, so they undercount), unless an approach has nothing else. Lanes (channels) of one
 * approach add up.
 */
export function approachVolumes(events: readonly SignalEvent[], channels: readonly ChannelSpec[], fromMs: number, toMs: number, binMs: number): ApproachVolume[] {
  if (!(toMs > fromMs) || !(binMs > 0)) throw new Error('approach volumes: need fromMs < toMs and binMs > 0');
  const counting = new Map<number, string>();
  const approaches = [...new Set(channels.map((c) => c.approachId))].sort();
  for (const approachId of approaches) {
    const own = channels.filter((c) => c.approachId === approachId);
    const counters = own.some((c) => c.kind !== 'stop-bar') ? own.filter((c) => c.kind !== 'stop-bar') : own;
    for (const c of counters) counting.set(c.channel, approachId);
  }
  const nBins = Math.ceil((toMs - fromMs) / binMs);
  const bins = new Map(approaches.map((a) => [a, new Array<number>(nBins).fill(0)]));
  for (const e of events) {
    if (e.code !== EventCode.DetectorOn || e.localMs < fromMs || e.localMs >= toMs) continue;
    const approachId = counting.get(e.param);
    if (approachId === undefined) continue;
    bins.get(approachId)![Math.floor((e.localMs - fromMs) / binMs)]++;
  }
  return approaches.map((approachId) => {
    const counts = bins.get(approachId)!;
    const total = counts.reduce((s, c) => s + c, 0);
    return { approachId, total, vehPerHour: (total * 3_600_000) / (toMs - fromMs), bins: counts.map((count, k) => ({ startMs: fromMs + k * binMs, count })) };
  });
}
