import { ControllerEvent, EventCode } from './codes';
import { DetectorMap } from './detector-map';

/**
 * Turns controller events into per-approach vehicle counts per interval (one detector-on,
 * code 82, is one vehicle on that channel) and reports what makes those counts doubtful:
 * gaps in the log, silent, stuck-on and chattering detectors, channels or signals the
 * detector map does not name. Pure: events in, counts and findings out; times are the
 * controller's wall clock (see `WallClockResolver` to place them in a zone).
 */
export interface CountOptions {
  intervalMinutes: number;
  /** No event at all from a signal for this long is a gap in the log: the intervals inside it are missing, not zero. */
  gapMinutes: number;
  /** A mapped channel with no detector-on for this long while its signal logs is flagged silent. */
  silentMinutes: number;
  /** A detector-on without its detector-off for this long is flagged stuck on (only for channels that log offs). */
  stuckOnSeconds: number;
  /** Two detector-ons this close are chatter (one vehicle counted twice) ... */
  chatterMs: number;
  /** ... and a channel is flagged chattering when more than this share of its ons are. */
  chatterShare: number;
}

export const DEFAULT_COUNT_OPTIONS: CountOptions = {
  intervalMinutes: 15,
  gapMinutes: 15,
  silentMinutes: 60,
  stuckOnSeconds: 300,
  chatterMs: 100,
  chatterShare: 0.05,
};

export interface IntervalCount {
  signalId: string;
  crossingId: string;
  approachId: string;
  /** Interval start, wall clock read as UTC. */
  intervalLocalMs: number;
  /** Vehicles; null when the interval lies inside a gap in the log, or no channel of the approach logged any vehicle. */
  count: number | null;
  /** The log covers only part of the interval: it starts or ends more than a minute inside it, or a gap touches it. */
  partial: boolean;
}

export interface LogGap {
  signalId: string;
  fromLocalMs: number;
  toLocalMs: number;
}

export interface DetectorFinding {
  signalId: string;
  channel: number;
  approachId: string;
  onEvents: number;
  offEvents: number;
  silent: Array<{ fromLocalMs: number; toLocalMs: number }>;
  stuckOn: Array<{ fromLocalMs: number; seconds: number }>;
  /** Share of detector-ons within `chatterMs` of the previous one. */
  chatterShare: number;
  flags: Array<'silent' | 'stuck-on' | 'chattering' | 'no-events'>;
}

export interface EventLogCounts {
  intervalMinutes: number;
  counts: IntervalCount[];
  gaps: LogGap[];
  detectors: DetectorFinding[];
  /** Detector-ons on channels the map does not name, per signal and channel: reported, not counted. */
  unmappedChannels: Array<{ signalId: string; channel: number; onEvents: number }>;
  /** Signals in the log that the map does not name: reported, not counted. */
  unmappedSignals: Array<{ signalId: string; events: number }>;
  /** Mapped signals the log has no events for. */
  missingSignals: string[];
}

const EDGE_SLACK_MS = 60_000;

export function countDetectorEvents(events: readonly ControllerEvent[], map: DetectorMap, options: Partial<CountOptions> = {}): EventLogCounts {
  const o = { ...DEFAULT_COUNT_OPTIONS, ...options };
  if (!Number.isInteger(o.intervalMinutes) || o.intervalMinutes < 1 || 1440 % o.intervalMinutes !== 0) throw new RangeError(`intervalMinutes must be a whole number of minutes that divides a day, got ${o.intervalMinutes}`);
  const stepMs = o.intervalMinutes * 60_000;
  const bySignal = new Map<string, ControllerEvent[]>();
  for (const e of events) {
    const list = bySignal.get(e.signalId) ?? [];
    list.push(e);
    bySignal.set(e.signalId, list);
  }
  const result: EventLogCounts = { intervalMinutes: o.intervalMinutes, counts: [], gaps: [], detectors: [], unmappedChannels: [], unmappedSignals: [], missingSignals: [] };
  for (const [signalId, list] of bySignal) {
    if (!map.has(signalId)) result.unmappedSignals.push({ signalId, events: list.length });
  }
  for (const [signalId, signal] of map) {
    const list = (bySignal.get(signalId) ?? []).slice().sort((a, b) => a.localMs - b.localMs || a.line - b.line);
    if (list.length === 0) {
      result.missingSignals.push(signalId);
      continue;
    }
    const firstMs = list[0].localMs;
    const lastMs = list[list.length - 1].localMs;
    const gaps: LogGap[] = [];
    for (let i = 1; i < list.length; i++) {
      if (list[i].localMs - list[i - 1].localMs >= o.gapMinutes * 60_000) gaps.push({ signalId, fromLocalMs: list[i - 1].localMs, toLocalMs: list[i].localMs });
    }
    result.gaps.push(...gaps);

    // Counts per (approach, interval), every mapped approach in every interval the log spans.
    const approaches = [...new Set([...signal.channels.values()].map((c) => c.approachId))].sort();
    const firstInterval = Math.floor(firstMs / stepMs) * stepMs;
    const lastInterval = Math.floor(lastMs / stepMs) * stepMs;
    const slots = (lastInterval - firstInterval) / stepMs + 1;
    const tally = new Map(approaches.map((a) => [a, new Array<number>(slots).fill(0)]));
    const unmapped = new Map<number, number>();
    for (const e of list) {
      if (e.code !== EventCode.DetectorOn) continue;
      const channel = signal.channels.get(e.param);
      if (!channel) {
        unmapped.set(e.param, (unmapped.get(e.param) ?? 0) + 1);
        continue;
      }
      tally.get(channel.approachId)![(Math.floor(e.localMs / stepMs) * stepMs - firstInterval) / stepMs] += 1;
    }
    // An approach none of whose channels logged a single vehicle is not known to be empty: a
    // log of phase events only, or dead detectors. Its rows are missing, not zero.
    const heard = new Set(approaches.filter((a) => tally.get(a)!.some((n) => n > 0)));
    for (const [channel, onEvents] of [...unmapped].sort((a, b) => a[0] - b[0])) result.unmappedChannels.push({ signalId, channel, onEvents });
    for (let s = 0; s < slots; s++) {
      const start = firstInterval + s * stepMs;
      const end = start + stepMs;
      const insideGap = gaps.some((g) => g.fromLocalMs <= start && g.toLocalMs >= end);
      const touchesGap = gaps.some((g) => g.fromLocalMs < end && g.toLocalMs > start);
      // The log is taken to run from its first to its last event; an edge interval it misses
      // by more than a minute, or one a gap touches, is partial.
      const partial = firstMs - start > EDGE_SLACK_MS || end - lastMs > EDGE_SLACK_MS || touchesGap;
      for (const approachId of approaches) {
        const count = insideGap || !heard.has(approachId) ? null : tally.get(approachId)![s];
        result.counts.push({ signalId, crossingId: signal.crossingId, approachId, intervalLocalMs: start, count, partial });
      }
    }
    for (const channel of [...signal.channels.values()].sort((a, b) => a.channel - b.channel)) {
      result.detectors.push(detectorFinding(signalId, channel.channel, channel.approachId, list, gaps, firstMs, lastMs, o));
    }
  }
  result.counts.sort((a, b) => a.intervalLocalMs - b.intervalLocalMs || a.crossingId.localeCompare(b.crossingId) || a.approachId.localeCompare(b.approachId));
  return result;
}

function detectorFinding(signalId: string, channel: number, approachId: string, list: readonly ControllerEvent[], gaps: readonly LogGap[], firstMs: number, lastMs: number, o: CountOptions): DetectorFinding {
  const ons: number[] = [];
  const offs: number[] = [];
  for (const e of list) {
    if (e.param !== channel) continue;
    if (e.code === EventCode.DetectorOn) ons.push(e.localMs);
    else if (e.code === EventCode.DetectorOff) offs.push(e.localMs);
  }
  const finding: DetectorFinding = { signalId, channel, approachId, onEvents: ons.length, offEvents: offs.length, silent: [], stuckOn: [], chatterShare: 0, flags: [] };
  if (ons.length === 0) {
    finding.flags.push('no-events');
    return finding;
  }
  // Silence that a gap in the whole log explains is the log's fault, not the detector's.
  const silentMs = o.silentMinutes * 60_000;
  const bounds = [firstMs, ...ons, lastMs];
  for (let i = 1; i < bounds.length; i++) {
    const from = bounds[i - 1];
    const to = bounds[i];
    if (to - from >= silentMs && !gaps.some((g) => g.fromLocalMs <= from + 1 && g.toLocalMs >= to - 1)) finding.silent.push({ fromLocalMs: from, toLocalMs: to });
  }
  let chatter = 0;
  for (let i = 1; i < ons.length; i++) if (ons[i] - ons[i - 1] <= o.chatterMs) chatter += 1;
  finding.chatterShare = chatter / ons.length;
  if (offs.length > 0) {
    // Pair each on with the next off on the channel; an on still unpaired at the end of the log counts to the end.
    let j = 0;
    for (let i = 0; i < ons.length; i++) {
      while (j < offs.length && offs[j] < ons[i]) j++;
      const nextOn = i + 1 < ons.length ? ons[i + 1] : Infinity;
      const off = j < offs.length && offs[j] <= nextOn ? offs[j] : null;
      const heldMs = (off ?? Math.min(nextOn, lastMs)) - ons[i];
      if (heldMs >= o.stuckOnSeconds * 1000) finding.stuckOn.push({ fromLocalMs: ons[i], seconds: heldMs / 1000 });
    }
  }
  if (finding.silent.length) finding.flags.push('silent');
  if (finding.stuckOn.length) finding.flags.push('stuck-on');
  if (finding.chatterShare > o.chatterShare) finding.flags.push('chattering');
  return finding;
}
