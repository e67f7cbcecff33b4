import { Network } from './network';

/**
 * The simulator's controller event log: what a field controller's high-resolution logger
 * would write for every signal the engine runs, in the Indiana enumerations that ATSPM
 * reads, so the same performance measures (`@crosscast/performance-measures`) run on
 * simulated and real signals.
 *
 * Phase events (parameter = phase number, the crossing's phase index + 1):
 *   1 begin green; 4 gap out / 5 max out / 6 force off (how the green ended, logged with
 *   the yellow); 8 begin yellow (amber); 10 begin red clearance (all-red); 11 end red
 *   clearance. A fixed-time green ends at its plan's force-off point (6); an actuated
 *   green gaps out (4) or maxes out (5); a coordinated-actuated one gaps out, maxes out or
 *   is forced off at its split's force-off (the coordinated phase is forced off at its
 *   yield point); a max-pressure green is forced off by the decision (6), maxes out (5), or
 *   gaps out (4) when it moved nobody and passes on.
 *
 * Detector events (parameter = channel; approach k of a crossing, in its `approaches`
 * order, has channel 2k + 1 and 2k + 2):
 * - advance detector (channel 2k + 1) at `advanceDistanceM` upstream of the stop line
 *   (default 120 m, about 400 ft as ATSPM's advance detection; never beyond the link's
 *   start): each vehicle is one on (82) / off (81) pulse when it crosses it at free-flow
 *   speed, on for (vehicle length + zone length) / speed. The engine's queues are vertical
 *   at the stop line, so vehicles always cross the advance detector at free-flow time, and
 *   pulses are not merged (as separate lane detectors would count them).
 * - stop-bar presence zone (channel 2k + 2, `stopBarZoneM` long, default 12 m ≈ 40 ft):
 *   occupied from a vehicle's free-flow arrival at the stop line until it has crossed the
 *   line and cleared the zone ((vehicle length + zone) / speed after its departure); a
 *   standing queue keeps it occupied. Overlapping vehicles are merged into one on/off, as
 *   a presence detector reports them (so it undercounts in queues: volumes come from the
 *   advance detectors).
 *
 * The engine calls the three hooks (stage changes from the controllers through the signal
 * context; arrivals and departures from its queues); the log buffers and hands events out
 * in time order with takeUntil(). Plain data, no I/O.
 */

export type LoggedStage = 'green' | 'amber' | 'allRed' | 'endAllRed';
export type GreenEnd = 'gap-out' | 'max-out' | 'force-off';

/** What the engine calls (see SimulationOptions.eventSink). Arrow properties: safe to pass around unbound. */
export interface SimEventSink {
  /** A signal stage began at `at` (seconds); `globalPhase` = the crossing's first phase index + its phase index. */
  readonly stage: (globalPhase: number, stage: LoggedStage, at: number, termination?: GreenEnd) => void;
  /** A vehicle joined link `link` (network link index) and reaches its stop line at `ready` (free flow). */
  readonly arrive: (link: number, ready: number) => void;
  /** The vehicle at the head of link `link` (arrived at `ready`) crossed the stop line at `release`. */
  readonly depart: (link: number, ready: number, release: number) => void;
}

/**
 * A fixed-time cycle is laid out whole when it starts: its stages are logged then, ahead of
 * time (a cycle always runs to its end; a new plan starts at a cycle boundary). Each green
 * ends at the plan's force-off point.
 */
export function logFixedCycle(stage: SimEventSink['stage'], firstPhase: number, stages: ReadonlyArray<{ phase: number; stage: 'green' | 'amber' | 'allRed'; from: number; to: number }>): void {
  for (const s of stages) {
    stage(firstPhase + s.phase, s.stage, s.from, s.stage === 'amber' ? 'force-off' : undefined);
    if (s.stage === 'allRed') stage(firstPhase + s.phase, 'endAllRed', s.to);
  }
}

export interface EventLogOptions {
  /** Upstream distance of the advance detectors, metres (default 120; at most the link length). */
  advanceDistanceM?: number;
  /** Default 4.5 m. */
  vehicleLengthM?: number;
  /** Length of the advance detector zone, default 1.8 m (6 ft loop). */
  advanceZoneM?: number;
  /** Length of the stop-bar presence zone, default 12 m (40 ft). */
  stopBarZoneM?: number;
  /** The engine's cruiseSpeedFactor (default 1): vehicles drive at this share of the link speed. */
  cruiseSpeedFactor?: number;
  /** The approach id a link's detectors count for (default: the link id). */
  approachIdOf?: (linkId: string) => string;
}

export interface LoggedEvent {
  /** Simulation seconds. */
  seconds: number;
  code: number;
  param: number;
}

/** A detector channel of a simulated crossing, in the shape `@crosscast/performance-measures` reads. */
export interface SimDetectorChannel {
  channel: number;
  approachId: string;
  /** Phase number (1-based) serving the approach's main movement. */
  phase: number | null;
  kind: 'advance' | 'stop-bar';
  /** Free-flow seconds from the detector to the stop line (0 for the stop bar). */
  travelSeconds: number;
  linkId: string;
}

interface ApproachDetectors {
  crossing: number;
  advanceChannel: number;
  stopBarChannel: number;
  leadSeconds: number;
  pulseSeconds: number;
  clearSeconds: number;
}

/** A change of a stop-bar zone's occupant count. */
interface Occupancy {
  seconds: number;
  channel: number;
  delta: 1 | -1;
}

const TERMINATION_CODE: Record<GreenEnd, number> = { 'gap-out': 4, 'max-out': 5, 'force-off': 6 };
const STAGE_CODE: Record<LoggedStage, number> = { green: 1, amber: 8, allRed: 10, endAllRed: 11 };

export class SignalEventLog implements SimEventSink {
  readonly crossingIds: string[];
  /**
   * While false the hooks return at once (a simulator's fast backfill need not pay for a log
   * nobody reads). Switched on mid-run, the first minute or so is incomplete: vehicles already
   * past an advance detector or standing at a stop bar were not seen arriving.
   */
  recording = true;
  private readonly phaseCrossing: Int32Array;
  private readonly phaseNumber: Int32Array;
  private readonly approaches: Array<ApproachDetectors | undefined>;
  private readonly channelList: SimDetectorChannel[][];
  private readonly events: LoggedEvent[][];
  private readonly occupancy: Occupancy[][];
  private readonly occupants: Array<Map<number, number>>;

  constructor(network: Network, options: EventLogOptions = {}) {
    const advanceM = options.advanceDistanceM ?? 120;
    const vehicleM = options.vehicleLengthM ?? 4.5;
    const advanceZoneM = options.advanceZoneM ?? 1.8;
    const stopBarM = options.stopBarZoneM ?? 12;
    const cruise = options.cruiseSpeedFactor ?? 1;
    const approachIdOf = options.approachIdOf ?? ((id: string) => id);
    if (!(advanceM >= 0 && vehicleM > 0 && advanceZoneM > 0 && stopBarM > 0 && cruise > 0)) throw new Error('event log: distances and lengths must be positive');
    this.crossingIds = network.crossings.map((c) => c.id);
    const nPhases = network.crossings.reduce((s, c) => s + c.phases.length, 0);
    this.phaseCrossing = new Int32Array(nPhases);
    this.phaseNumber = new Int32Array(nPhases);
    const linkIndex = new Map(network.links.map((l, i) => [l.id, i]));
    this.approaches = network.links.map(() => undefined);
    this.channelList = network.crossings.map(() => []);
    let g = 0;
    network.crossings.forEach((crossing, ci) => {
      crossing.phases.forEach((_, p) => {
        this.phaseCrossing[g] = ci;
        this.phaseNumber[g++] = p + 1;
      });
      crossing.approaches.forEach((linkId, k) => {
        const link = network.links[linkIndex.get(linkId)!];
        const speed = link.speedMps * cruise;
        const main = crossing.movements.filter((m) => m.fromLink === linkId).sort((a, b) => b.share - a.share)[0];
        const phaseIndex = main ? crossing.phases.findIndex((p) => p.movements.includes(main.id)) : -1;
        const detectors: ApproachDetectors = {
          crossing: ci,
          advanceChannel: 2 * k + 1,
          stopBarChannel: 2 * k + 2,
          leadSeconds: Math.min(advanceM, link.lengthM) / speed,
          pulseSeconds: (vehicleM + advanceZoneM) / speed,
          clearSeconds: (vehicleM + stopBarM) / speed,
        };
        this.approaches[linkIndex.get(linkId)!] = detectors;
        const common = { approachId: approachIdOf(linkId), phase: phaseIndex < 0 ? null : phaseIndex + 1, linkId };
        this.channelList[ci].push({ channel: detectors.advanceChannel, kind: 'advance', travelSeconds: detectors.leadSeconds, ...common });
        this.channelList[ci].push({ channel: detectors.stopBarChannel, kind: 'stop-bar', travelSeconds: 0, ...common });
      });
    });
    this.events = network.crossings.map(() => []);
    this.occupancy = network.crossings.map(() => []);
    this.occupants = network.crossings.map(() => new Map());
  }

  readonly stage = (globalPhase: number, stage: LoggedStage, at: number, termination?: GreenEnd): void => {
    if (!this.recording) return;
    const log = this.events[this.phaseCrossing[globalPhase]];
    const param = this.phaseNumber[globalPhase];
    if (stage === 'amber' && termination) log.push({ seconds: at, code: TERMINATION_CODE[termination], param });
    log.push({ seconds: at, code: STAGE_CODE[stage], param });
  };

  readonly arrive = (link: number, ready: number): void => {
    const a = this.approaches[link];
    if (!a || !this.recording) return;
    const on = ready - a.leadSeconds;
    this.events[a.crossing].push({ seconds: on, code: 82, param: a.advanceChannel }, { seconds: on + a.pulseSeconds, code: 81, param: a.advanceChannel });
    this.occupancy[a.crossing].push({ seconds: ready, channel: a.stopBarChannel, delta: 1 });
  };

  readonly depart = (link: number, _ready: number, release: number): void => {
    const a = this.approaches[link];
    if (a && this.recording) this.occupancy[a.crossing].push({ seconds: release + a.clearSeconds, channel: a.stopBarChannel, delta: -1 });
  };

  /** The detector channels of a crossing (its approaches' advance and stop-bar detectors). */
  channels(crossingId: string): SimDetectorChannel[] {
    const ci = this.crossingIds.indexOf(crossingId);
    if (ci < 0) throw new Error(`event log: unknown crossing ${crossingId}`);
    return this.channelList[ci].map((c) => ({ ...c }));
  }

  /**
   * Hands out, per crossing, the logged events before `toSeconds` in time order (same-time
   * events: phase events first as logged, then detector offs before ons) and forgets them.
   * Exact only for `toSeconds` at or before the engine's clock minus one step: a controller
   * notices a stage change at the step after it happened, and a departure's detector-off
   * comes with the departure.
   */
  takeUntil(toSeconds: number): Map<string, LoggedEvent[]> {
    const result = new Map<string, LoggedEvent[]>();
    this.crossingIds.forEach((id, ci) => {
      const taken: LoggedEvent[] = [];
      const kept: LoggedEvent[] = [];
      for (const e of this.events[ci]) (e.seconds < toSeconds ? taken : kept).push(e);
      this.events[ci] = kept;
      // stop-bar occupancy: ons and offs where a zone's occupant count leaves or reaches 0
      const points = this.occupancy[ci];
      points.sort((a, b) => a.seconds - b.seconds || b.delta - a.delta);
      let used = 0;
      const occupants = this.occupants[ci];
      for (; used < points.length && points[used].seconds < toSeconds; used++) {
        const { seconds, channel, delta } = points[used];
        const before = occupants.get(channel) ?? 0;
        // (never below 0: a vehicle that arrived before recording started leaves unseen)
        occupants.set(channel, Math.max(0, before + delta));
        if (before === 0 && delta === 1) taken.push({ seconds, code: 82, param: channel });
        else if (before === 1 && delta === -1) taken.push({ seconds, code: 81, param: channel });
      }
      this.occupancy[ci] = points.slice(used);
      const order = (e: LoggedEvent) => (e.code === 81 ? 1 : e.code === 82 ? 2 : 0);
      taken.sort((a, b) => a.seconds - b.seconds || order(a) - order(b));
      result.set(id, taken);
    });
    return result;
  }
}
