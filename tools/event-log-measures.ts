/**
 * The ATSPM performance measures of controller event logs, per signal of a detector map,
 * computed with the product's own library: `computeMeasures` of `@crosscast/performance-measures`,
 * the function behind fusion's GET /api/crossings/:id/measures (apps/fusion/src/measures).
 * Shared by `npm run measures` and `npm run import:events -- --measures`, so both write the
 * same view the product serves.
 */
import type { CrossingMeasuresView } from '@crosscast/contracts';
import type { ControllerEvent, DetectorMap, SignalDetectors } from '@crosscast/controller-events';
import { ChannelSpec, computeMeasures } from '@crosscast/performance-measures';

export interface SignalMeasuresWindow {
  /** Window start, controller local time as epoch ms "in UTC"; null = the signal's first event. */
  fromLocalMs: number | null;
  /** Window end (exclusive); null = just after the signal's last event. */
  toLocalMs: number | null;
  /** Approach volume bins, minutes. */
  binMinutes: number;
}

export type SignalMeasures = { signalId: string; view: CrossingMeasuresView | null };

/** Bad input for the measures (a travel time in the map, an empty window); the CLIs show it as a usage error. */
export class MeasuresInputError extends Error {}

/**
 * A signal's channels for the measures: the detector map's approach, phase and kind, and the
 * optional `travelSeconds` (advance detector → stop line at free flow, 0–120 s) read from the
 * map's JSON, which `parseDetectorMap` leaves out. Throws MeasuresInputError naming a bad value
 * (prefixed with `mapName`).
 */
export function signalChannels(signal: SignalDetectors, mapJson: unknown, mapName = 'detector map'): ChannelSpec[] {
  const detectors = (mapJson as { signals?: Record<string, { detectors?: Record<string, { travelSeconds?: unknown }> }> } | null)?.signals?.[signal.signalId]?.detectors;
  return [...signal.channels.values()].map((c) => {
    const travel = detectors?.[String(c.channel)]?.travelSeconds;
    if (travel !== undefined && !(typeof travel === 'number' && travel >= 0 && travel <= 120)) {
      throw new MeasuresInputError(`${mapName}: signals.${signal.signalId}.detectors.${c.channel}.travelSeconds must be a number of seconds from 0 to 120`);
    }
    return { ...c, travelSeconds: (travel as number | undefined) ?? 0 };
  });
}

/**
 * The measures of every signal of the map, in map order (view null: the signal has no events
 * in the log). Throws MeasuresInputError for a bad travel time or an empty window.
 */
export function measuresPerSignal(events: readonly ControllerEvent[], map: DetectorMap, mapJson: unknown, window: SignalMeasuresWindow, mapName?: string): SignalMeasures[] {
  const bySignal = new Map<string, ControllerEvent[]>();
  for (const e of events) {
    const list = bySignal.get(e.signalId);
    if (list) list.push(e);
    else bySignal.set(e.signalId, [e]);
  }
  return [...map.values()].map((signal): SignalMeasures => {
    const own = bySignal.get(signal.signalId) ?? [];
    if (own.length === 0) return { signalId: signal.signalId, view: null };
    let first = Infinity;
    let last = -Infinity;
    for (const e of own) {
      if (e.localMs < first) first = e.localMs;
      if (e.localMs > last) last = e.localMs;
    }
    const fromMs = window.fromLocalMs ?? first;
    const toMs = window.toLocalMs ?? last + 1;
    if (toMs <= fromMs) throw new MeasuresInputError(`signal ${signal.signalId}: the window is empty`);
    return { signalId: signal.signalId, view: computeMeasures(signal.crossingId, own, signalChannels(signal, mapJson, mapName), { fromMs, toMs, binMinutes: window.binMinutes }) };
  });
}

/**
 * The views as JSON in the controller's local wall clock: the ISO times lose the "Z" the
 * formatting adds, which would claim UTC.
 */
export function localTimeJson(views: readonly CrossingMeasuresView[]): string {
  return `${JSON.stringify(views, (_key, value) => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) ? value.slice(0, -1) : value), 2)}\n`;
}
