import type { CrossingMeasuresView, DetectorChannelConfig } from '@crosscast/contracts';
import { purdueCoordination } from './coordination';
import { phaseCycles } from './cycles';
import { ChannelSpec, SignalEvent, inTimeOrder } from './events';
import { splitFailures } from './split-failures';
import { splitMonitor } from './split-monitor';
import { approachVolumes } from './volumes';

export interface MeasureWindow {
  fromMs: number;
  toMs: number;
  /** Approach volume bins (default 15 minutes). */
  binMinutes?: number;
}

/**
 * Every measure for one signal over [fromMs, toMs), as the REST view. Pass the events of
 * the window plus a margin either side (a cycle or two) so the cycles at its edges are
 * whole; measures count cycles that start inside the window. Pure: data in, data out.
 */
export function computeMeasures(crossingId: string, events: readonly SignalEvent[], channels: readonly ChannelSpec[], window: MeasureWindow): CrossingMeasuresView {
  const { fromMs, toMs } = window;
  const binMinutes = window.binMinutes ?? 15;
  const sorted = inTimeOrder(events);
  const cycles = phaseCycles(sorted);
  const iso = (ms: number) => new Date(ms).toISOString();
  const monitor = splitMonitor(cycles, fromMs, toMs);
  const arrivalPhases = [...new Set(channels.filter((c) => c.phase !== null && c.kind !== 'stop-bar').map((c) => c.phase as number))].sort((a, b) => a - b);
  const coordination = arrivalPhases.map((phase) => purdueCoordination(sorted, cycles.get(phase) ?? [], channels, phase, fromMs, toMs));
  return {
    crossingId,
    from: iso(fromMs),
    to: iso(toMs),
    binMinutes,
    events: sorted.length,
    channels: channels.map(toChannelConfig),
    splitMonitor: monitor.map((p) => ({ ...p, greens: p.greens.map(({ greenStartMs, ...g }) => ({ greenStart: iso(greenStartMs), ...g })) })),
    arrivalsOnGreen: coordination.map((c) => c.aog),
    pcd: coordination.map((c, i) => ({
      phase: arrivalPhases[i],
      cycles: c.pcd.map((k) => ({ cycleStart: iso(k.cycleStartMs), cycleSeconds: k.cycleSeconds, greenAtSeconds: k.greenAtSeconds, yellowAtSeconds: k.yellowAtSeconds, arrivalsSeconds: k.arrivalsSeconds })),
    })),
    splitFailures: splitFailures(sorted, cycles, channels, fromMs, toMs).map((p) => ({ ...p, greens: p.greens.map(({ greenStartMs, ...g }) => ({ greenStart: iso(greenStartMs), ...g })) })),
    approachVolumes: approachVolumes(sorted, channels, fromMs, toMs, binMinutes * 60_000).map((a) => ({ ...a, bins: a.bins.map((b) => ({ start: iso(b.startMs), count: b.count })) })),
  };
}

export function toChannelConfig(c: ChannelSpec): DetectorChannelConfig {
  return { channel: c.channel, approachId: c.approachId, phase: c.phase, kind: c.kind, travelSeconds: c.travelSeconds ?? 0 };
}
