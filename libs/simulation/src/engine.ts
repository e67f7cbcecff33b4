/**
 * The Crosscast simulation engine: a mesoscopic queue model with exact departure times.
 *
 * Vehicles enter at entry links by Poisson arrivals, drive each link at its free-flow speed
 * and join a first-in-first-out point queue at the stop line. A stop line releases vehicles
 * one at a time, no closer than the saturation headway (3600 / (saturation flow × lanes)),
 * only inside an effective-green window of the vehicle's movement (see signals.ts) and only
 * while the next link has storage left (spill-back). Time advances in fixed steps, but every
 * departure inside a step gets its exact time, so delays are not rounded to the step.
 *
 * Hot-loop state lives in typed arrays (struct of arrays, vehicle ids recycled from a free
 * list, one ring buffer per link); nothing is allocated per vehicle while stepping unless
 * trip or vehicle recording is switched on.
 */
import { Crossing, FixedTimePlan, Movement, Network, SignalControl, controlProblems, linkStorage, validateNetwork } from './network';
import { nextExponential, nextUniform, seedStream } from './prng';
import { CrossingController, SignalContext, SignalState } from './signals';
import type { SimEventSink } from './event-log';
import { DEFAULT_CRITICAL_GAP_SECONDS, DEFAULT_FOLLOW_UP_SECONDS, acceptGap, buildLaneLayout } from './lanes';

export interface SimulationOptions {
  seed: number;
  /** Step length, seconds (default 1). Departures inside a step keep their exact times. */
  stepSeconds?: number;
  /** Simulation clock at creation, seconds (default 0). */
  startSeconds?: number;
  /** Default 1800 veh/h of green per lane. */
  saturationFlowVehPerHourPerLane?: number;
  /** Green shown before the queue starts discharging, seconds (default 2). */
  startupLostSeconds?: number;
  /** Amber still used by discharging vehicles, seconds (default 2, at most the amber). */
  amberUsedSeconds?: number;
  /** A vehicle held longer than this at a stop line counts as a stop (default 1 s). */
  stopDelaySeconds?: number;
  /**
   * Extra time a vehicle that stopped needs after the stop line to get back to speed
   * (about v / 2a: 2.7 s for 13.9 m/s at 2.6 m/s²). Default 0: the pure stop-line queue
   * model of Webster; the SUMO-calibrated preset sets it.
   */
  stopAccelerationLossSeconds?: number;
  /** Vehicles cruise at this fraction of the free-flow speed (default 1); delay is still measured against free flow. */
  cruiseSpeedFactor?: number;
  /** Keep every completed trip for takeCompletedTrips(). */
  recordTrips?: boolean;
  /** Keep every generated vehicle (time and route) for takeDepartures(), e.g. to replay in another simulator. */
  recordVehicles?: boolean;
  /** A route is cut (the vehicle leaves at the end of the link) after this many links (default 4 × links). */
  maxRouteLinks?: number;
  /** Receives signal stages and stop-line arrivals/departures for a controller event log (event-log.ts); a fork logs nothing. */
  eventSink?: SimEventSink;
  /**
   * A yielding (permissive) movement's vehicle needs this gap, seconds, before the next
   * vehicle of a movement it yields to crosses the stop line (default 4.5 s, the HCM 2010
   * critical headway of a permissive left turn).
   */
  permissiveCriticalGapSeconds?: number;
  /** Seconds between successive yielding vehicles of one lane group in one gap (default 2.5 s, HCM 2010 follow-up headway). */
  permissiveFollowUpSeconds?: number;
  /**
   * Vehicles with a given departure time and route (link ids, each next link reached by a
   * movement of the crossing the previous one ends at), e.g. a SUMO routes file or a
   * CityFlow flow file (import/). A vehicle enters the start of its first link, which may
   * be any link, at its departure time (later if the link is full); its route may end on
   * any link (it leaves at the link's end). They come on top of the network's Poisson
   * demand. Invalid routes are refused (one Error listing them).
   */
  vehicles?: ScheduledVehicle[];
}

export interface ScheduledVehicle {
  id: string;
  departSeconds: number;
  route: string[];
}

export interface ApproachReport {
  crossingId: string;
  approachLinkId: string;
  /** Vehicles over the stop line in the interval (the stop-line detector count). */
  detectorCount: number;
  /** Vehicles queued at the stop line, time-averaged over the interval. */
  meanQueue: number;
  maxQueue: number;
  /** Stop-line delay (departure − free-flow arrival at the stop line) of the vehicles counted. */
  totalDelaySeconds: number;
  meanDelaySeconds: number;
  stops: number;
}

export interface IntervalReport {
  fromSeconds: number;
  toSeconds: number;
  approaches: ApproachReport[];
  /** Trips completed in the interval. */
  trips: { count: number; meanTravelSeconds: number; meanDelaySeconds: number };
  entered: number;
  exited: number;
}

export interface NetworkTotals {
  nowSeconds: number;
  generated: number;
  entered: number;
  exited: number;
  inside: number;
  waitingToEnter: number;
  totalTravelSeconds: number;
  totalDelaySeconds: number;
  meanTravelSeconds: number;
  meanDelaySeconds: number;
  stops: number;
}

export interface Conservation {
  entered: number;
  exited: number;
  /** Counted from the links, independently of entered and exited. */
  inside: number;
  generated: number;
  waitingToEnter: number;
  holds: boolean;
}

export interface CompletedTrip {
  vehicle: number;
  /** When the vehicle wanted to enter (its arrival at the boundary). */
  departSeconds: number;
  /** When it got onto the entry link (later than departSeconds if the link was full). */
  entrySeconds: number;
  exitSeconds: number;
  travelSeconds: number;
  freeFlowSeconds: number;
  delaySeconds: number;
  stops: number;
  /** The id of a scheduled vehicle (SimulationOptions.vehicles); absent for Poisson-generated ones. */
  scheduledId?: string;
}

export interface VehicleDeparture {
  vehicle: number;
  departSeconds: number;
  route: string[];
}

export interface LinkState {
  vehicles: number;
  queued: number;
  storage: number;
}

export interface Simulation {
  readonly nowSeconds: number;
  step(): void;
  /** Steps until the clock reaches simSeconds (never beyond it by more than one step). */
  advanceTo(simSeconds: number): void;
  /** New fixed-time plan for a crossing, in force from its next cycle boundary. */
  setPlan(crossingId: string, plan: FixedTimePlan): void;
  /** New control (fixed or actuated) for a crossing, in force from its next cycle boundary. */
  setControl(crossingId: string, control: SignalControl): void;
  /** Replace an entry's demand from now on: one rate, or one per interval from now. */
  setDemand(entryLinkId: string, vehPerHour: number | number[], intervalSeconds?: number): void;
  /**
   * Scale a link's saturation flow from now on (an incident or a lane closed: 0.5 halves
   * it; 1 restores it). Storage is unchanged.
   */
  setSaturationFactor(linkId: string, factor: number): void;
  /** Per-approach figures since the last call (or the start), then resets them. */
  takeIntervalReport(): IntervalReport;
  totals(): NetworkTotals;
  conservation(): Conservation;
  signalState(crossingId: string): SignalState;
  linkState(linkId: string): LinkState;
  takeCompletedTrips(): CompletedTrip[];
  takeDepartures(): VehicleDeparture[];
  /**
   * An independent copy of the whole simulation state (vehicles, queues, signals, random
   * streams, pending plans): both runs go on identically until one of them is given a
   * different plan or demand. For paired what-if runs ("this hour with and without the
   * change") without replaying the day from the start. The fork starts with no recorded
   * trips or departures; those not yet taken stay with the original.
   */
  fork(): Simulation;
}

/**
 * Settings calibrated against SUMO 1.15's default passenger car (Krauss, accel 2.6 m/s²,
 * decel 4.5 m/s², sigma 0.5, tau 1 s, 1 s steps) on a saturated isolated approach: a queue
 * discharges at about one vehicle per 1.9 s per lane (1,900 veh/h/lane, also the HCM base
 * saturation flow), about 15.6 vehicles in a 30 s green + 3 s amber (so 2 s startup lost and
 * 2 s of amber used hold), and a stopped car needs v / 2a ≈ 2.7 s to get back to 50 km/h.
 * A saturated permissive left ('g') on an isolated approach against 300-1,200 veh/h of
 * Poisson opposing through traffic passes in SUMO 1,062 / 747 / 518 / 378 veh/h, 3-20 %
 * below the HCM formula with tc 4.5 s; a critical gap of 5.0 s (follow-up 2.5 s) gives
 * 1,053 / 738 / 515 / 362 in our engine (bench:sim-validate, permissive_left_capacity).
 */
export const SUMO_CALIBRATED: Partial<SimulationOptions> = {
  saturationFlowVehPerHourPerLane: 1900,
  startupLostSeconds: 2,
  amberUsedSeconds: 2,
  stopAccelerationLossSeconds: 2.7,
  permissiveCriticalGapSeconds: 5,
};

export function createSimulation(network: Network, options: SimulationOptions): Simulation {
  return new QueueSimulation(network, options);
}

const NO_CROSSING = -1;
/** Passage times kept per movement, for the gap acceptance of movements that yield to it. */
const PASSAGES_KEPT = 8;
const MAX_CONFLICTS = 512;

class QueueSimulation implements Simulation {
  nowSeconds: number;
  private readonly dt: number;
  private readonly stopDelay: number;
  private readonly accelerationLoss: number;
  private readonly recordTrips: boolean;
  private readonly recordVehicles: boolean;
  private readonly maxRouteLinks: number;

  // links
  private readonly linkIds: string[];
  private readonly linkIndex = new Map<string, number>();
  private readonly linkFree: Float64Array; // free-flow travel time
  private readonly linkTravel: Float64Array; // cruising travel time
  private readonly linkHeadway: Float64Array;
  private readonly linkBaseHeadway: Float64Array;
  private readonly linkStorage: Int32Array;
  private readonly linkCrossing: Int32Array;
  private readonly ringOffset: Int32Array;
  private readonly ringHead: Int32Array;
  private readonly ringCount: Int32Array;
  private readonly ring: Int32Array;
  private readonly arrived: Int32Array; // vehicles of the ring whose free-flow arrival at the stop line has passed
  private readonly detected: Int32Array; // ... that have passed the approach detector
  private readonly lastDetection: Float64Array;
  private readonly nextFree: Float64Array;
  // green a departure borrowed past the end of its window, repaid at the next window's start
  private readonly greenDebt: Float64Array;
  private readonly greenDebtWindowEnd: Float64Array;
  // movements, grouped per link
  private readonly movStart: Int32Array;
  private readonly movTo: Int32Array;
  private readonly movCumShare: Float64Array;
  private readonly movPhaseMask: Int32Array;
  private readonly movApproachLoss: Float64Array;
  private readonly movMinHeadway: Float64Array; // per lane: the next vehicle crosses no sooner behind one of this movement
  private readonly linkLanes: Int32Array;
  // phases (global index = crossing's first phase + local index)
  private readonly phaseLinkStart: Int32Array;
  private readonly phaseLinks: Int32Array;
  private readonly effStart: Float64Array;
  private readonly effEnd: Float64Array;
  private readonly crossingIds: string[];
  private readonly crossingIndex = new Map<string, number>();
  private readonly crossingFirstPhase: Int32Array;
  private readonly crossingPhaseCount: Int32Array;
  private readonly controllers: CrossingController[] = [];
  // lane groups (lanes.ts): links with groups discharge per group, see dischargeGroups
  private readonly groupStart: Int32Array;
  private readonly groupLanes: Int32Array;
  private readonly groupStorage: Float64Array;
  private readonly groupHeadway: Float64Array;
  private readonly groupBaseHeadway: Float64Array;
  private readonly groupCount: Int32Array;
  private readonly groupNextFree: Float64Array;
  private readonly groupLastRelease: Float64Array; // when the group's last vehicle crossed its stop line
  private readonly groupDebt: Float64Array;
  private readonly groupDebtWindowEnd: Float64Array;
  private readonly linkAssigned: Int32Array; // vehicles at the ring's head that have joined a lane group
  private readonly movGroups: Int32Array;
  private readonly movLink: Int32Array;
  private readonly yieldStart: Int32Array;
  private readonly yields: Int32Array;
  private readonly yieldingLinks: Int32Array;
  private readonly yieldReach = new Map<number, Set<number>>();
  /** Per yielding movement: the approach of every movement it yields to when that is one link (else -1), and their lane groups (bits). */
  private readonly yieldsOnLink: Int32Array;
  private readonly yieldsOnGroups: Int32Array;
  /** The lane group (bit, of its link) of the yielding vehicle gapFor is looking for a gap for. */
  private gapGroupBit = 0;
  private gapVehicleAt = 0; // ... and when it reached its stop line
  private readonly movPassages: Float64Array; // last PASSAGES_KEPT stop-line crossings per movement
  private readonly movPassageHead: Int32Array;
  private readonly movPassageClear: Float64Array; // ... and when each left its junction path (later than the crossing for one that had stopped)
  private readonly movFromStop: Float64Array; // per movement: Movement.pathFromStopSeconds
  private readonly movInQueue: Float64Array; // per movement: Movement.pathInQueueSeconds
  private readonly criticalGap: number;
  private readonly movGap: Float64Array; // per movement: the critical gap plus its clearing time from a stop
  private readonly movGapMoving: Float64Array; // ... plus its clearing time when it arrives without stopping
  private readonly followUp: number;
  private readonly conflicts = new Float64Array(MAX_CONFLICTS);
  /** Set by foeTimes: the earliest predicted crossing of a foe that yields itself (a yielding vehicle may go before it, not behind it). */
  private yieldingFoeAt = Infinity;
  private readonly groupScan = new Int32Array(8);
  private readonly groupScanTimes = new Float64Array(8);
  private readonly groupScanLast = new Float64Array(8);
  private readonly groupPassers = new Int32Array(8);
  // approaches (links ending at a crossing) and their interval accumulators
  private readonly approachLinks: Int32Array;
  private readonly accCount: Float64Array;
  private readonly accDelay: Float64Array;
  private readonly accStops: Float64Array;
  private readonly accQueueTime: Float64Array;
  private readonly accQueueMax: Float64Array;
  private intervalFrom: number;
  private intervalTrips = 0;
  private intervalTravel = 0;
  private intervalDelay = 0;
  private intervalEntered = 0;
  private intervalExited = 0;
  // entries
  private readonly entryLink: Int32Array;
  private readonly entryRng: Uint32Array;
  private readonly entryNext: Float64Array;
  private readonly entryRates: number[][];
  private readonly entryInterval: Float64Array;
  private readonly entryRatesFrom: Float64Array;
  private readonly entryByLink = new Map<string, number>();
  private readonly backlog: number[][];
  private readonly backlogHead: Int32Array;
  // scheduled vehicles (options.vehicles), sorted by departure; backlog per start link
  private readonly schedDepart: Float64Array;
  private readonly schedRoutes: Int32Array[];
  private readonly schedIds: string[];
  private schedNext = 0;
  private readonly schedBacklog = new Map<number, number[]>();
  private vSched = new Int32Array(0);
  // vehicles
  private vCapacity = 0;
  private vDepart = new Float64Array(0);
  private vEntry = new Float64Array(0);
  private vReady = new Float64Array(0);
  private vFree = new Float64Array(0);
  private vRoutePos = new Int32Array(0);
  private vRouteEnd = new Int32Array(0);
  private vStops = new Int32Array(0);
  private vGroup = new Int32Array(0); // lane group joined (-1: none yet)
  private vMov = new Int32Array(0); // movement at the next crossing once in a lane group (-1: route ends here)
  private vInAt = new Float64Array(0); // when it joined its lane group
  private vSerial = new Int32Array(0);
  private freeIds = new Int32Array(0);
  private freeCount = 0;
  private routes = new Int32Array(1 << 16);
  private routesUsed = 0;
  private readonly scratchRoute: Int32Array;
  // totals
  private generated = 0;
  private entered = 0;
  private exited = 0;
  private waiting = 0;
  private totalTravel = 0;
  private totalDelay = 0;
  private totalStops = 0;
  private trips: CompletedTrip[] = [];
  private departures: VehicleDeparture[] = [];
  private eventSink: SimEventSink | null;

  constructor(network: Network, options: SimulationOptions) {
    this.eventSink = options.eventSink ?? null;
    validateNetwork(network);
    this.dt = options.stepSeconds ?? 1;
    if (!(this.dt > 0)) throw new Error('stepSeconds must be positive');
    this.nowSeconds = options.startSeconds ?? 0;
    this.intervalFrom = this.nowSeconds;
    this.stopDelay = options.stopDelaySeconds ?? 1;
    this.accelerationLoss = options.stopAccelerationLossSeconds ?? 0;
    this.recordTrips = options.recordTrips ?? false;
    this.recordVehicles = options.recordVehicles ?? false;
    const saturation = options.saturationFlowVehPerHourPerLane ?? 1800;
    const cruise = options.cruiseSpeedFactor ?? 1;
    const nodeKind = new Map(network.nodes.map((n) => [n.id, n.kind]));

    const nLinks = network.links.length;
    this.maxRouteLinks = options.maxRouteLinks ?? 4 * nLinks;
    this.scratchRoute = new Int32Array(this.maxRouteLinks + 1);
    this.linkIds = network.links.map((l) => l.id);
    network.links.forEach((l, i) => this.linkIndex.set(l.id, i));
    this.linkFree = new Float64Array(nLinks);
    this.linkTravel = new Float64Array(nLinks);
    this.linkHeadway = new Float64Array(nLinks);
    this.linkBaseHeadway = new Float64Array(nLinks);
    this.linkStorage = new Int32Array(nLinks);
    this.linkCrossing = new Int32Array(nLinks).fill(NO_CROSSING);
    this.ringOffset = new Int32Array(nLinks + 1);
    network.links.forEach((l, i) => {
      this.linkFree[i] = l.lengthM / l.speedMps;
      this.linkTravel[i] = l.lengthM / (l.speedMps * cruise);
      this.linkHeadway[i] = 3600 / (saturation * l.lanes);
      this.linkBaseHeadway[i] = this.linkHeadway[i];
      this.linkStorage[i] = linkStorage(l);
      this.ringOffset[i + 1] = this.ringOffset[i] + this.linkStorage[i];
    });
    this.ring = new Int32Array(this.ringOffset[nLinks]);
    this.ringHead = new Int32Array(nLinks);
    this.ringCount = new Int32Array(nLinks);
    this.arrived = new Int32Array(nLinks);
    this.detected = new Int32Array(nLinks);
    this.lastDetection = new Float64Array(nLinks).fill(-Infinity);
    this.nextFree = new Float64Array(nLinks).fill(-Infinity);
    this.greenDebt = new Float64Array(nLinks);
    this.greenDebtWindowEnd = new Float64Array(nLinks).fill(-Infinity);

    // crossings, phases, movements
    this.crossingIds = network.crossings.map((c) => c.id);
    const nPhases = network.crossings.reduce((s, c) => s + c.phases.length, 0);
    this.effStart = new Float64Array(nPhases);
    this.effEnd = new Float64Array(nPhases);
    this.crossingFirstPhase = new Int32Array(network.crossings.length);
    this.crossingPhaseCount = new Int32Array(network.crossings.length);
    const movementsByLink: { to: number; share: number; mask: number; id: string; kind: Movement['kind']; loss: number; clearing: number; clearingMoving: number; minHeadway: number; fromStop: number; inQueue: number }[][] = network.links.map(() => []);
    const linksByPhase: number[][] = [];
    let firstPhase = 0;
    network.crossings.forEach((crossing: Crossing, ci) => {
      if (crossing.phases.length > 30) throw new Error(`crossing ${crossing.id}: more than 30 phases`);
      this.crossingIndex.set(crossing.id, ci);
      this.crossingFirstPhase[ci] = firstPhase;
      this.crossingPhaseCount[ci] = crossing.phases.length;
      for (const approach of crossing.approaches) this.linkCrossing[this.linkIndex.get(approach)!] = ci;
      crossing.phases.forEach(() => linksByPhase.push([]));
      for (const m of crossing.movements) {
        let mask = 0;
        crossing.phases.forEach((p, pi) => {
          if (p.movements.includes(m.id)) {
            mask |= 1 << pi;
            const served = linksByPhase[firstPhase + pi];
            const from = this.linkIndex.get(m.fromLink)!;
            if (!served.includes(from)) served.push(from);
          }
        });
        movementsByLink[this.linkIndex.get(m.fromLink)!].push({ to: this.linkIndex.get(m.toLink)!, share: m.share, mask, id: m.id, kind: m.kind, loss: m.approachLossSeconds ?? 0, clearing: m.clearingSeconds ?? 0, clearingMoving: m.clearingMovingSeconds ?? m.clearingSeconds ?? 0, minHeadway: m.minHeadwaySeconds ?? 0, fromStop: m.pathFromStopSeconds ?? 0, inQueue: Math.min(m.pathInQueueSeconds ?? Infinity, m.pathFromStopSeconds ?? 0) });
      }
      firstPhase += crossing.phases.length;
    });
    this.movStart = new Int32Array(nLinks + 1);
    movementsByLink.forEach((ms, i) => (this.movStart[i + 1] = this.movStart[i] + ms.length));
    this.movTo = new Int32Array(this.movStart[nLinks]);
    this.movCumShare = new Float64Array(this.movStart[nLinks]);
    this.movPhaseMask = new Int32Array(this.movStart[nLinks]);
    this.movApproachLoss = new Float64Array(this.movStart[nLinks]);
    this.movMinHeadway = new Float64Array(this.movStart[nLinks]);
    this.linkLanes = Int32Array.from(network.links.map((l) => l.lanes));
    movementsByLink.forEach((ms, i) => {
      let cum = 0;
      ms.forEach((m, k) => {
        cum += m.share;
        this.movTo[this.movStart[i] + k] = m.to;
        this.movCumShare[this.movStart[i] + k] = k === ms.length - 1 ? 1 : cum;
        this.movPhaseMask[this.movStart[i] + k] = m.mask;
        this.movApproachLoss[this.movStart[i] + k] = m.loss;
        this.movMinHeadway[this.movStart[i] + k] = m.minHeadway;
      });
    });
    const layout = buildLaneLayout(network, this.linkIndex, movementsByLink);
    this.groupStart = layout.groupStart;
    this.groupLanes = layout.groupLanes;
    this.groupStorage = layout.groupStorage;
    const nGroups = layout.groupLanes.length;
    this.groupHeadway = new Float64Array(nGroups);
    for (let g = 0; g < nGroups; g++) this.groupHeadway[g] = 3600 / (saturation * this.groupLanes[g]);
    this.groupBaseHeadway = this.groupHeadway.slice();
    this.groupCount = new Int32Array(nGroups);
    this.groupNextFree = new Float64Array(nGroups).fill(-Infinity);
    this.groupLastRelease = new Float64Array(nGroups).fill(-Infinity);
    this.groupDebt = new Float64Array(nGroups);
    this.groupDebtWindowEnd = new Float64Array(nGroups).fill(-Infinity);
    this.linkAssigned = new Int32Array(nLinks);
    this.movGroups = layout.movementGroups;
    this.movLink = new Int32Array(this.movStart[nLinks]);
    for (let l = 0; l < nLinks; l++) this.movLink.fill(l, this.movStart[l], this.movStart[l + 1]);
    this.yieldStart = layout.yieldStart;
    this.yields = layout.yields;
    this.yieldingLinks = layout.yieldingLinks;
    // per yielding movement: every movement it waits for, directly or through the movements it yields to
    for (let m = 0; m < this.movStart[nLinks]; m++) {
      if (this.yieldStart[m + 1] === this.yieldStart[m]) continue;
      const reach = new Set<number>();
      const todo = [m];
      while (todo.length > 0) {
        const x = todo.pop()!;
        for (let y = this.yieldStart[x]; y < this.yieldStart[x + 1]; y++) {
          if (!reach.has(this.yields[y])) {
            reach.add(this.yields[y]);
            todo.push(this.yields[y]);
          }
        }
      }
      this.yieldReach.set(m, reach);
    }
    this.yieldsOnLink = new Int32Array(this.movStart[nLinks]).fill(-1);
    this.yieldsOnGroups = new Int32Array(this.movStart[nLinks]);
    for (let m = 0; m < this.movStart[nLinks]; m++) {
      if (this.yieldStart[m + 1] === this.yieldStart[m]) continue;
      const link = this.movLink[this.yields[this.yieldStart[m]]];
      let one = true;
      for (let y = this.yieldStart[m]; y < this.yieldStart[m + 1]; y++) {
        if (this.movLink[this.yields[y]] !== link) one = false;
        this.yieldsOnGroups[m] |= this.movGroups[this.yields[y]];
      }
      if (one) this.yieldsOnLink[m] = link;
    }
    this.movPassages = new Float64Array(this.movStart[nLinks] * PASSAGES_KEPT).fill(-Infinity);
    this.movPassageHead = new Int32Array(this.movStart[nLinks]);
    this.movPassageClear = new Float64Array(this.movStart[nLinks] * PASSAGES_KEPT).fill(-Infinity);
    this.movFromStop = new Float64Array(this.movStart[nLinks]);
    this.movInQueue = new Float64Array(this.movStart[nLinks]);
    movementsByLink.forEach((ms, i) => ms.forEach((m, k) => {
      this.movFromStop[this.movStart[i] + k] = m.fromStop;
      this.movInQueue[this.movStart[i] + k] = m.inQueue;
    }));
    this.criticalGap = options.permissiveCriticalGapSeconds ?? DEFAULT_CRITICAL_GAP_SECONDS;
    this.followUp = options.permissiveFollowUpSeconds ?? DEFAULT_FOLLOW_UP_SECONDS;
    if (!(this.criticalGap >= 0) || !(this.followUp >= 0)) throw new Error('critical gap and follow-up time must be >= 0');
    this.movGap = new Float64Array(this.movStart[nLinks]);
    this.movGapMoving = new Float64Array(this.movStart[nLinks]);
    movementsByLink.forEach((ms, i) => ms.forEach((m, k) => {
      this.movGap[this.movStart[i] + k] = this.criticalGap + m.clearing;
      this.movGapMoving[this.movStart[i] + k] = this.criticalGap + Math.min(m.clearing, m.clearingMoving);
    }));

    this.phaseLinkStart = new Int32Array(nPhases + 1);
    linksByPhase.forEach((ls, p) => (this.phaseLinkStart[p + 1] = this.phaseLinkStart[p] + ls.length));
    this.phaseLinks = Int32Array.from(linksByPhase.flat());
    const approaches: number[] = [];
    for (let i = 0; i < nLinks; i++) if (this.linkCrossing[i] !== NO_CROSSING) approaches.push(i);
    this.approachLinks = Int32Array.from(approaches);
    this.accCount = new Float64Array(nLinks);
    this.accDelay = new Float64Array(nLinks);
    this.accStops = new Float64Array(nLinks);
    this.accQueueTime = new Float64Array(nLinks);
    this.accQueueMax = new Float64Array(nLinks);

    const ctx: SignalContext = {
      effStart: this.effStart,
      effEnd: this.effEnd,
      startupLostSeconds: options.startupLostSeconds ?? 2,
      amberUsedSeconds: options.amberUsedSeconds ?? 2,
      phaseHasDemand: (g, t, lead) => this.phaseHasDemand(g, t, lead),
      phaseHasCall: (g, t, gap, lead) => this.phaseHasCall(g, t, gap, lead),
      phasePressure: (g, t, lead) => this.phasePressure(g, t, lead),
      onStage: options.eventSink?.stage,
    };
    network.crossings.forEach((crossing, ci) => {
      this.controllers.push(new CrossingController(ctx, this.crossingFirstPhase[ci], crossing.phases.length, crossing.control, this.nowSeconds));
    });

    // entries: every link leaving a boundary node, with or without demand
    const entries = network.links.map((l, i) => (nodeKind.get(l.from) === 'boundary' ? i : -1)).filter((i) => i >= 0);
    this.entryLink = Int32Array.from(entries);
    this.entryRng = new Uint32Array(entries.length);
    this.entryNext = new Float64Array(entries.length).fill(Infinity);
    this.entryRates = entries.map(() => [0]);
    this.entryInterval = new Float64Array(entries.length).fill(3600);
    this.entryRatesFrom = new Float64Array(entries.length).fill(this.nowSeconds);
    this.backlog = entries.map(() => []);
    this.backlogHead = new Int32Array(entries.length);
    entries.forEach((li, e) => {
      this.entryByLink.set(this.linkIds[li], e);
      this.entryRng[e] = seedStream(options.seed, e);
    });
    for (const d of network.demand) {
      const e = this.entryByLink.get(d.link)!;
      this.entryRates[e] = [...d.vehPerHour];
      this.entryInterval[e] = d.intervalSeconds;
      this.entryRatesFrom[e] = 0; // a network's demand profile is in simulation time from 0
      this.entryNext[e] = this.drawArrival(e, this.nowSeconds);
    }
    // scheduled vehicles: routes checked against the movements
    const problems: string[] = [];
    const scheduled = (options.vehicles ?? []).map((v, k) => ({ v, k })).sort((a, b) => a.v.departSeconds - b.v.departSeconds || a.k - b.k);
    this.schedDepart = new Float64Array(scheduled.length);
    this.schedRoutes = [];
    this.schedIds = [];
    scheduled.forEach(({ v }, k) => {
      const route = v.route.map((id) => this.linkIndex.get(id) ?? -1);
      const unknown = v.route.filter((_, j) => route[j] < 0);
      if (unknown.length > 0) problems.push(`vehicle ${v.id}: unknown link ${unknown[0]}`);
      else if (route.length === 0) problems.push(`vehicle ${v.id}: empty route`);
      else if (!Number.isFinite(v.departSeconds)) problems.push(`vehicle ${v.id}: departure must be finite`);
      else {
        for (let j = 0; j + 1 < route.length; j++) {
          const from = route[j];
          if (!movementsByLink[from].some((m) => m.to === route[j + 1])) {
            problems.push(`vehicle ${v.id}: no movement from ${v.route[j]} to ${v.route[j + 1]}`);
            break;
          }
        }
      }
      this.schedDepart[k] = v.departSeconds;
      this.schedRoutes.push(Int32Array.from(route));
      this.schedIds.push(v.id);
    });
    if (problems.length > 0) throw new Error(`invalid vehicles: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`);
    this.growVehicles(1024);
  }

  // ---------------------------------------------------------------- public API

  step(): void {
    const t = this.nowSeconds;
    const tEnd = t + this.dt;
    for (let c = 0; c < this.controllers.length; c++) this.controllers[c].update(t);
    this.admitArrivals(t, tEnd);
    const nLinks = this.linkIds.length;
    for (let l = 0; l < nLinks; l++) {
      if (this.ringCount[l] === 0) continue;
      if (this.groupStart[l + 1] > this.groupStart[l]) this.dischargeGroups(l, t, tEnd, false);
      else this.discharge(l, t, tEnd);
    }
    // yielding vehicles go once every stream they yield to has moved in this step
    for (let k = 0; k < this.yieldingLinks.length; k++) {
      const l = this.yieldingLinks[k];
      if (this.ringCount[l] > 0) this.dischargeGroups(l, t, tEnd, true);
    }
    for (let l = 0; l < nLinks; l++) this.advanceArrivals(l, tEnd);
    const dt = this.dt;
    for (let a = 0; a < this.approachLinks.length; a++) {
      const l = this.approachLinks[a];
      const q = this.arrived[l];
      this.accQueueTime[l] += q * dt;
      if (q > this.accQueueMax[l]) this.accQueueMax[l] = q;
    }
    this.nowSeconds = tEnd;
  }

  advanceTo(simSeconds: number): void {
    while (this.nowSeconds + this.dt * 1e-9 < simSeconds) this.step();
  }

  setPlan(crossingId: string, plan: FixedTimePlan): void {
    this.setControl(crossingId, { kind: 'fixed', plan });
  }

  setControl(crossingId: string, control: SignalControl): void {
    const ci = this.crossing(crossingId);
    const problems = controlProblems(control, this.crossingPhaseCount[ci]);
    if (problems.length > 0) throw new Error(`plan for ${crossingId}: ${problems.join('; ')}`);
    this.controllers[ci].request(control);
  }

  setDemand(entryLinkId: string, vehPerHour: number | number[], intervalSeconds = 3600): void {
    const e = this.entryByLink.get(entryLinkId);
    if (e === undefined) throw new Error(`${entryLinkId} is not an entry link`);
    const rates = typeof vehPerHour === 'number' ? [vehPerHour] : [...vehPerHour];
    if (rates.length === 0 || rates.some((r) => !(r >= 0))) throw new Error('demand rates must be >= 0');
    this.entryRates[e] = rates;
    this.entryInterval[e] = intervalSeconds;
    this.entryRatesFrom[e] = this.nowSeconds;
    // Poisson arrivals are memoryless: redrawing the next arrival from now is exact.
    this.entryNext[e] = this.drawArrival(e, this.nowSeconds);
  }

  setSaturationFactor(linkId: string, factor: number): void {
    const l = this.linkIndex.get(linkId);
    if (l === undefined) throw new Error(`unknown link ${linkId}`);
    if (!(factor > 0) || !Number.isFinite(factor)) throw new Error('saturation factor must be positive');
    this.linkHeadway[l] = this.linkBaseHeadway[l] / factor;
    for (let g = this.groupStart[l]; g < this.groupStart[l + 1]; g++) this.groupHeadway[g] = this.groupBaseHeadway[g] / factor;
  }

  takeIntervalReport(): IntervalReport {
    const span = this.nowSeconds - this.intervalFrom;
    const approaches: ApproachReport[] = [];
    for (let a = 0; a < this.approachLinks.length; a++) {
      const l = this.approachLinks[a];
      const count = this.accCount[l];
      approaches.push({
        crossingId: this.crossingIds[this.linkCrossing[l]],
        approachLinkId: this.linkIds[l],
        detectorCount: count,
        meanQueue: span > 0 ? this.accQueueTime[l] / span : 0,
        maxQueue: this.accQueueMax[l],
        totalDelaySeconds: this.accDelay[l],
        meanDelaySeconds: count > 0 ? this.accDelay[l] / count : 0,
        stops: this.accStops[l],
      });
    }
    const report: IntervalReport = {
      fromSeconds: this.intervalFrom,
      toSeconds: this.nowSeconds,
      approaches,
      trips: {
        count: this.intervalTrips,
        meanTravelSeconds: this.intervalTrips > 0 ? this.intervalTravel / this.intervalTrips : 0,
        meanDelaySeconds: this.intervalTrips > 0 ? this.intervalDelay / this.intervalTrips : 0,
      },
      entered: this.intervalEntered,
      exited: this.intervalExited,
    };
    for (const acc of [this.accCount, this.accDelay, this.accStops, this.accQueueTime, this.accQueueMax]) acc.fill(0);
    this.intervalFrom = this.nowSeconds;
    this.intervalTrips = this.intervalTravel = this.intervalDelay = this.intervalEntered = this.intervalExited = 0;
    return report;
  }

  totals(): NetworkTotals {
    return {
      nowSeconds: this.nowSeconds,
      generated: this.generated,
      entered: this.entered,
      exited: this.exited,
      inside: this.countInside(),
      waitingToEnter: this.waiting,
      totalTravelSeconds: this.totalTravel,
      totalDelaySeconds: this.totalDelay,
      meanTravelSeconds: this.exited > 0 ? this.totalTravel / this.exited : 0,
      meanDelaySeconds: this.exited > 0 ? this.totalDelay / this.exited : 0,
      stops: this.totalStops,
    };
  }

  conservation(): Conservation {
    const inside = this.countInside();
    let waiting = 0;
    for (let e = 0; e < this.backlog.length; e++) waiting += this.backlog[e].length - this.backlogHead[e];
    for (const queue of this.schedBacklog.values()) waiting += queue.length;
    return {
      entered: this.entered,
      exited: this.exited,
      inside,
      generated: this.generated,
      waitingToEnter: waiting,
      holds: this.entered === this.exited + inside && this.generated === this.entered + waiting,
    };
  }

  signalState(crossingId: string): SignalState {
    const controller = this.controllers[this.crossing(crossingId)];
    controller.update(this.nowSeconds); // the same decision the next step would take first
    return controller.state(this.nowSeconds);
  }

  linkState(linkId: string): LinkState {
    const l = this.linkIndex.get(linkId);
    if (l === undefined) throw new Error(`unknown link ${linkId}`);
    return { vehicles: this.ringCount[l], queued: this.arrived[l], storage: this.linkStorage[l] };
  }

  takeCompletedTrips(): CompletedTrip[] {
    const trips = this.trips;
    this.trips = [];
    return trips;
  }

  takeDepartures(): VehicleDeparture[] {
    const departures = this.departures;
    this.departures = [];
    return departures;
  }

  fork(): Simulation {
    // Trips and departures recorded but not yet taken stay with the original (and are not copied: they can be large).
    const { trips, departures, eventSink } = this;
    this.trips = [];
    this.departures = [];
    this.eventSink = null; // a fork logs nothing
    const copy = deepCopy(this, new Map<unknown, unknown>()) as QueueSimulation;
    this.trips = trips;
    this.departures = departures;
    this.eventSink = eventSink;
    // The signal context's detector callbacks close over the original engine: rebind them.
    const context = (copy.controllers[0] as unknown as { ctx?: SignalContext } | undefined)?.ctx;
    if (context) {
      Object.assign(context, {
        phaseHasDemand: (g: number, t: number, lead: number) => copy.phaseHasDemand(g, t, lead),
        phaseHasCall: (g: number, t: number, gap: number, lead: number) => copy.phaseHasCall(g, t, gap, lead),
        phasePressure: (g: number, t: number, lead: number) => copy.phasePressure(g, t, lead),
        onStage: undefined,
      });
    }
    return copy;
  }

  // ---------------------------------------------------------------- stepping

  private crossing(crossingId: string): number {
    const ci = this.crossingIndex.get(crossingId);
    if (ci === undefined) throw new Error(`unknown crossing ${crossingId}`);
    return ci;
  }

  private countInside(): number {
    let inside = 0;
    for (let l = 0; l < this.ringCount.length; l++) inside += this.ringCount[l];
    return inside;
  }

  /** Next Poisson arrival after `from` under a piecewise-constant rate (exact by memorylessness). */
  private drawArrival(e: number, from: number): number {
    const rates = this.entryRates[e];
    const interval = this.entryInterval[e];
    const origin = this.entryRatesFrom[e];
    let t = from;
    for (;;) {
      const k = Math.floor((t - origin) / interval);
      const last = k >= rates.length - 1;
      const rate = rates[Math.max(0, Math.min(k, rates.length - 1))] / 3600;
      const intervalEnd = last ? Infinity : origin + (k + 1) * interval;
      if (rate <= 0) {
        if (last) return Infinity;
        t = intervalEnd;
        continue;
      }
      const candidate = t + nextExponential(this.entryRng, e) / rate;
      if (candidate < intervalEnd) return candidate;
      t = intervalEnd;
    }
  }

  private admitArrivals(t: number, tEnd: number): void {
    for (let e = 0; e < this.entryLink.length; e++) {
      const link = this.entryLink[e];
      const queue = this.backlog[e];
      // vehicles held outside a full entry link go first, at the start of the step
      while (this.backlogHead[e] < queue.length && this.ringCount[link] < this.linkStorage[link]) {
        this.enter(queue[this.backlogHead[e]++], link, t);
        this.waiting--;
      }
      if (this.backlogHead[e] === queue.length && queue.length > 0) {
        queue.length = 0;
        this.backlogHead[e] = 0;
      }
      while (this.entryNext[e] < tEnd) {
        const at = this.entryNext[e];
        const v = this.createVehicle(e, link, at);
        if (this.backlogHead[e] === queue.length && this.ringCount[link] < this.linkStorage[link]) {
          this.enter(v, link, at);
        } else {
          queue.push(v);
          this.waiting++;
        }
        this.entryNext[e] = this.drawArrival(e, at);
      }
    }
    if (this.schedDepart.length > 0) this.admitScheduled(t, tEnd);
  }

  private admitScheduled(t: number, tEnd: number): void {
    for (const [link, queue] of this.schedBacklog) {
      while (queue.length > 0 && this.ringCount[link] < this.linkStorage[link]) {
        this.enter(queue.shift()!, link, t);
        this.waiting--;
      }
    }
    while (this.schedNext < this.schedDepart.length && this.schedDepart[this.schedNext] < tEnd) {
      const k = this.schedNext++;
      const at = Math.max(t, this.schedDepart[k]);
      const route = this.schedRoutes[k];
      const link = route[0];
      const v = this.createRouted(route, at, k);
      let queue = this.schedBacklog.get(link);
      if ((queue === undefined || queue.length === 0) && this.ringCount[link] < this.linkStorage[link]) {
        this.enter(v, link, at);
      } else {
        if (!queue) this.schedBacklog.set(link, (queue = []));
        queue.push(v);
        this.waiting++;
      }
    }
  }

  private createRouted(route: Int32Array, departAt: number, scheduled: number): number {
    if (this.freeCount === 0) this.growVehicles(this.vCapacity * 2);
    const v = this.freeIds[--this.freeCount];
    const n = route.length;
    if (this.routesUsed + n > this.routes.length) this.compactRoutes(n);
    const start = this.routesUsed;
    this.routes.set(route, start);
    this.routesUsed += n;
    this.vRoutePos[v] = start;
    this.vRouteEnd[v] = start + n;
    this.vDepart[v] = departAt;
    this.vStops[v] = 0;
    this.vSched[v] = scheduled;
    this.vSerial[v] = this.generated++;
    if (this.recordVehicles) {
      this.departures.push({ vehicle: this.vSerial[v], departSeconds: departAt, route: Array.from(route, (l) => this.linkIds[l]) });
    }
    return v;
  }

  private createVehicle(e: number, entryLink: number, departAt: number): number {
    if (this.freeCount === 0) this.growVehicles(this.vCapacity * 2);
    const v = this.freeIds[--this.freeCount];
    // the whole route is drawn now from the entry's stream, by the turning shares
    const route = this.scratchRoute;
    let n = 0;
    let link = entryLink;
    route[n++] = link;
    while (this.linkCrossing[link] !== NO_CROSSING && n <= this.maxRouteLinks) {
      const u = nextUniform(this.entryRng, e);
      let m = this.movStart[link];
      const end = this.movStart[link + 1] - 1;
      while (m < end && u >= this.movCumShare[m]) m++;
      link = this.movTo[m];
      route[n++] = link;
    }
    if (this.routesUsed + n > this.routes.length) this.compactRoutes(n);
    const start = this.routesUsed;
    this.routes.set(route.subarray(0, n), start);
    this.routesUsed += n;
    this.vRoutePos[v] = start;
    this.vRouteEnd[v] = start + n;
    this.vDepart[v] = departAt;
    this.vStops[v] = 0;
    this.vSched[v] = -1;
    this.vSerial[v] = this.generated++;
    if (this.recordVehicles) {
      this.departures.push({ vehicle: this.vSerial[v], departSeconds: departAt, route: Array.from(route.subarray(0, n), (l) => this.linkIds[l]) });
    }
    return v;
  }

  private enter(v: number, link: number, at: number): void {
    this.vEntry[v] = at;
    this.vFree[v] = this.linkFree[link];
    this.push(link, v, at + this.linkTravel[link]);
    this.entered++;
    this.intervalEntered++;
  }

  /** Appends to the link's FIFO, keeping it ordered by stop-line arrival time. */
  private push(link: number, v: number, ready: number): void {
    this.vReady[v] = ready;
    this.eventSink?.arrive(link, ready);
    const base = this.ringOffset[link];
    const cap = this.linkStorage[link];
    let pos = this.ringHead[link] + this.ringCount[link];
    if (pos >= cap) pos -= cap;
    this.ring[base + pos] = v;
    // Vehicles from different upstream links enter within the same step in link order,
    // not time order: bubble the newcomer back past any that arrive later.
    let k = this.ringCount[link];
    let settled = this.arrived[link] > this.detected[link] ? this.arrived[link] : this.detected[link];
    if (this.linkAssigned[link] > settled) settled = this.linkAssigned[link];
    while (k > settled) {
      let prev = pos - 1;
      if (prev < 0) prev += cap;
      const u = this.ring[base + prev];
      if (this.vReady[u] <= ready) break;
      this.ring[base + prev] = v;
      this.ring[base + pos] = u;
      pos = prev;
      k--;
    }
    this.ringCount[link]++;
  }

  private pop(link: number): void {
    let head = this.ringHead[link] + 1;
    if (head >= this.linkStorage[link]) head = 0;
    this.ringHead[link] = head;
    this.ringCount[link]--;
    if (this.arrived[link] > 0) this.arrived[link]--;
    if (this.detected[link] > 0) this.detected[link]--;
  }

  private discharge(link: number, t: number, tEnd: number): void {
    const base = this.ringOffset[link];
    if (this.linkCrossing[link] === NO_CROSSING) {
      // an exit link: vehicles leave the network when they reach its end
      while (this.ringCount[link] > 0) {
        const v = this.ring[base + this.ringHead[link]];
        const ready = this.vReady[v];
        if (ready >= tEnd) return;
        this.pop(link);
        this.finish(v, ready);
      }
      return;
    }
    const firstPhase = this.crossingFirstPhase[this.linkCrossing[link]];
    const headway = this.linkHeadway[link];
    while (this.ringCount[link] > 0) {
      const v = this.ring[base + this.ringHead[link]];
      const ready = this.vReady[v];
      let at = ready > this.nextFree[link] ? ready : this.nextFree[link];
      if (at < t) at = t;
      if (at >= tEnd) return;
      const routePos = this.vRoutePos[v];
      if (routePos + 1 >= this.vRouteEnd[v]) {
        // route cut at maxRouteLinks: the vehicle leaves here
        this.pop(link);
        this.eventSink?.depart(link, ready, at);
        this.finish(v, at);
        continue;
      }
      const next = this.routes[routePos + 1];
      let m = this.movStart[link];
      while (this.movTo[m] !== next) m++;
      let mask = this.movPhaseMask[m];
      let release = Infinity;
      let windowEnd = Infinity;
      for (let p = 0; mask !== 0; p++, mask >>>= 1) {
        if ((mask & 1) === 0) continue;
        let from = this.effStart[firstPhase + p];
        if (from >= this.greenDebtWindowEnd[link]) from += this.greenDebt[link];
        const candidate = at > from ? at : from;
        if (candidate < this.effEnd[firstPhase + p] && candidate < release) {
          release = candidate;
          windowEnd = this.effEnd[firstPhase + p];
        }
      }
      if (release >= tEnd) return; // red, or green only after this step
      if (this.ringCount[next] >= this.linkStorage[next]) return; // spill-back: no room downstream
      this.pop(link);
      // a slow movement's vehicle (a turn) keeps the next one further behind than the saturation headway
      const own = this.movMinHeadway[m] / this.linkLanes[link];
      const h = own > headway ? own : headway;
      this.nextFree[link] = release + h;
      // A vehicle may start across the stop line until the window closes; the headway it
      // needs beyond the window is taken from the start of the next one, so a saturated
      // approach passes exactly saturation × effective green per window on average.
      this.greenDebt[link] = release + h > windowEnd ? release + h - windowEnd : 0;
      this.greenDebtWindowEnd[link] = windowEnd;
      this.cross(link, v, next, release, ready, m);
    }
  }

  /** Vehicle v, already taken off `link`, crosses its stop line at `release` onto `next`. */
  private cross(link: number, v: number, next: number, release: number, ready: number, m: number): void {
    // Both discharge paths (one queue, lane groups) come through here: the event log's stop-line departure.
    this.eventSink?.depart(link, ready, release);
    const held = release - ready;
    const stopped = held > this.stopDelay;
    this.accCount[link]++;
    this.accDelay[link] += held;
    if (stopped) {
      this.accStops[link]++;
      this.vStops[v]++;
      this.totalStops++;
    }
    this.vRoutePos[v] = this.vRoutePos[v] + 1;
    this.vFree[v] += this.linkFree[next];
    // a stopped vehicle needs the time to get back to speed; one taking a movement with an approach loss (slowing for a turn or to look for gaps) at least that
    const loss = stopped ? this.accelerationLoss : 0;
    const approach = this.movApproachLoss[m];
    this.push(next, v, release + this.linkTravel[next] + (approach > loss ? approach : loss));
  }

  // ---------------------------------------------------------------- lane groups

  /** Ring position of the idx-th vehicle of a link (0 = head). */
  private ringAt(link: number, idx: number): number {
    let pos = this.ringHead[link] + idx;
    if (pos >= this.linkStorage[link]) pos -= this.linkStorage[link];
    return this.ringOffset[link] + pos;
  }

  /** Takes the idx-th vehicle off a link (vehicles of other lane groups may be ahead of it). */
  private removeAt(link: number, idx: number): void {
    for (let k = idx; k > 0; k--) this.ring[this.ringAt(link, k)] = this.ring[this.ringAt(link, k - 1)];
    let head = this.ringHead[link] + 1;
    if (head >= this.linkStorage[link]) head = 0;
    this.ringHead[link] = head;
    this.ringCount[link]--;
    if (idx < this.arrived[link]) this.arrived[link]--;
    if (idx < this.detected[link]) this.detected[link]--;
    if (idx < this.linkAssigned[link]) this.linkAssigned[link]--;
  }

  /** Engine index of the movement vehicle v takes from `link` (-1: its route ends on this link). */
  private movementOf(v: number, link: number): number {
    const routePos = this.vRoutePos[v];
    if (routePos + 1 >= this.vRouteEnd[v]) return -1;
    const next = this.routes[routePos + 1];
    let m = this.movStart[link];
    while (this.movTo[m] !== next) m++;
    return m;
  }

  /**
   * Vehicles that reached the back of the stop-line queue (free-flow arrival before tEnd)
   * join a lane group in arrival order: the least loaded group serving their movement. One
   * whose bay is full joins the least loaded full-length group and waits at its front for
   * room in the bay (see dischargeGroups). `now`: the earliest time a vehicle joins.
   */
  private joinLaneGroups(link: number, tEnd: number, now: number): void {
    const first = this.groupStart[link];
    const groups = this.groupStart[link + 1] - first;
    let idx = this.linkAssigned[link];
    while (idx < this.ringCount[link]) {
      const v = this.ring[this.ringAt(link, idx)];
      const ready = this.vReady[v];
      if (ready >= tEnd) return;
      const m = this.movementOf(v, link);
      const mask = m < 0 ? (1 << groups) - 1 : this.movGroups[m];
      let best = -1;
      let bestLoad = Infinity;
      for (let k = 0; k < groups; k++) {
        if ((mask & (1 << k)) === 0) continue;
        const g = first + k;
        const load = this.groupCount[g] / this.groupLanes[g];
        if (load < bestLoad) {
          bestLoad = load;
          best = g;
        }
      }
      if (best < 0) return;
      if (this.groupCount[best] >= this.groupStorage[best]) {
        // its bay is full: it queues in the full-length lanes beside the bay and moves into the bay when it gets there
        best = this.fullLengthGroup(link);
        if (best < 0) return; // no full-length group: wait at the link's end, holding everyone behind
      }
      this.vGroup[v] = best;
      this.vMov[v] = m;
      this.vInAt[v] = ready > now ? ready : now;
      this.groupCount[best]++;
      this.linkAssigned[link] = ++idx;
    }
  }

  /** Vehicle v (in the k-th group of its link) found its bay full and waits to move into it. */
  private waitsForBay(v: number, k: number): boolean {
    const m = this.vMov[v];
    return m >= 0 && (this.movGroups[m] & (1 << k)) === 0;
  }

  /** The least loaded full-length lane group of a link (the lanes a bay opens off), or -1. */
  private fullLengthGroup(link: number): number {
    let best = -1;
    let bestLoad = Infinity;
    for (let g = this.groupStart[link]; g < this.groupStart[link + 1]; g++) {
      if (this.groupStorage[g] < Number.MAX_SAFE_INTEGER) continue;
      const load = this.groupCount[g] / this.groupLanes[g];
      if (load < bestLoad) {
        bestLoad = load;
        best = g;
      }
    }
    return best;
  }

  /**
   * A vehicle at the head of a group that does not serve its movement (it found its bay
   * full) moves into the least loaded group that does, if it has room; true if it moved.
   */
  private enterBay(link: number, v: number, at: number): boolean {
    const m = this.vMov[v];
    const first = this.groupStart[link];
    let best = -1;
    let bestLoad = Infinity;
    for (let g = first; g < this.groupStart[link + 1]; g++) {
      if ((this.movGroups[m] & (1 << (g - first))) === 0 || this.groupCount[g] >= this.groupStorage[g]) continue;
      const load = this.groupCount[g] / this.groupLanes[g];
      if (load < bestLoad) {
        bestLoad = load;
        best = g;
      }
    }
    if (best < 0) return false;
    this.groupCount[this.vGroup[v]]--;
    this.groupCount[best]++;
    this.vGroup[v] = best;
    this.vInAt[v] = at;
    return true;
  }

  /**
   * Discharge of a link with lane groups: each group is a FIFO with its own lanes'
   * saturation headway and green borrowing; the next vehicle over the stop line is the
   * group head that can go earliest (green for its movement, room downstream, and for a
   * yielding movement a gap: see acceptGap). With allowYield false, a group whose head
   * yields waits (the second pass of the step, after every stream it yields to has moved).
   */
  private dischargeGroups(link: number, t: number, tEnd: number, allowYield: boolean): void {
    const firstPhase = this.crossingFirstPhase[this.linkCrossing[link]];
    const first = this.groupStart[link];
    const groups = this.groupStart[link + 1] - first;
    const heads = this.groupScan;
    let now = t;
    for (;;) {
      this.joinLaneGroups(link, tEnd, now);
      // the first vehicle (ring index) of every group
      heads.fill(-1);
      const passers = this.groupPassers;
      passers.fill(-1);
      let found = 0;
      const assigned = this.linkAssigned[link];
      for (let idx = 0; idx < assigned && found < 2 * groups; idx++) {
        const v = this.ring[this.ringAt(link, idx)];
        const k = this.vGroup[v] - first;
        if (heads[k] < 0) {
          heads[k] = idx;
          found++;
          if (!this.waitsForBay(v, k)) {
            passers[k] = idx;
            found++;
          }
        } else if (passers[k] < 0 && !this.waitsForBay(v, k)) {
          passers[k] = idx;
          found++;
        }
      }
      let bestIdx = -1;
      let bestRelease = Infinity;
      let bestWindowEnd = Infinity;
      let bestOpposed = false;
      let moved = false;
      for (let k = 0; k < groups; k++) {
        if (heads[k] < 0) continue;
        const g = first + k;
        let headIdx = heads[k];
        let v = this.ring[this.ringAt(link, headIdx)];
        let at = this.vInAt[v] > this.groupNextFree[g] ? this.vInAt[v] : this.groupNextFree[g];
        if (at < t) at = t;
        if (at >= tEnd || at >= bestRelease) continue;
        if (this.waitsForBay(v, k)) {
          // waiting beside a full bay: it moves in when the bay has room; meanwhile it holds one
          // lane of its group, and the group's other lanes go on (a one-lane group is held)
          if (this.enterBay(link, v, at)) {
            moved = true;
            break;
          }
          if (this.groupLanes[g] < 2 || passers[k] < 0) continue;
          headIdx = passers[k];
          v = this.ring[this.ringAt(link, headIdx)];
          const slower = this.groupNextFree[g] + this.groupHeadway[g] / (this.groupLanes[g] - 1);
          at = this.vInAt[v] > slower ? this.vInAt[v] : slower;
          if (at < t) at = t;
          if (at >= tEnd || at >= bestRelease) continue;
        }
        const m = this.vMov[v];
        if (m >= 0) {
          // a slow movement's vehicle also closes up on the one ahead slowly: it crosses no sooner than its own following headway behind it
          const behind = this.groupLastRelease[g] + this.movMinHeadway[m] / this.groupLanes[g];
          if (behind > at) {
            at = behind;
            if (at >= tEnd || at >= bestRelease) continue;
          }
        }
        if (m < 0) {
          bestIdx = headIdx;
          bestRelease = at;
          bestWindowEnd = Infinity;
          continue;
        }
        const yielding = this.yieldStart[m + 1] > this.yieldStart[m];
        if (yielding && !allowYield) continue;
        let mask = this.movPhaseMask[m];
        let release = Infinity;
        let windowEnd = Infinity;
        for (let p = 0; mask !== 0; p++, mask >>>= 1) {
          if ((mask & 1) === 0) continue;
          let from = this.effStart[firstPhase + p];
          if (from >= this.groupDebtWindowEnd[g]) from += this.groupDebt[g];
          const candidate = at > from ? at : from;
          if (candidate < this.effEnd[firstPhase + p] && candidate < release) {
            release = candidate;
            windowEnd = this.effEnd[firstPhase + p];
          }
        }
        if (release >= tEnd || release >= bestRelease) continue;
        const next = this.movTo[m];
        if (this.ringCount[next] >= this.linkStorage[next]) continue; // spill-back: no room downstream
        const opposed = yielding && this.foeGreen(m, release, release + this.movGap[m]);
        if (opposed) {
          this.gapGroupBit = 1 << k;
          this.gapVehicleAt = this.vInAt[v];
          // a vehicle that finds its gap as it arrives goes without stopping (its moving gap); once it has stopped it needs the gap from a standstill
          const limit = windowEnd < tEnd ? windowEnd : tEnd;
          let found = Infinity;
          if (this.movGapMoving[m] < this.movGap[m]) {
            found = this.gapFor(m, release, limit, tEnd, this.movGapMoving[m]);
            if (found > this.vInAt[v] + this.stopDelay) found = Infinity;
          }
          release = found < Infinity ? found : this.gapFor(m, release, limit, tEnd, this.movGap[m]);
          if (release >= bestRelease) continue;
        }
        bestIdx = headIdx;
        bestRelease = release;
        bestWindowEnd = windowEnd;
        bestOpposed = opposed;
      }
      if (moved) continue; // a vehicle entered its bay: look at the heads again
      if (bestIdx < 0) return;
      const v = this.ring[this.ringAt(link, bestIdx)];
      const g = this.vGroup[v];
      const m = this.vMov[v];
      const ready = this.vReady[v];
      this.removeAt(link, bestIdx);
      this.groupCount[g]--;
      this.vGroup[v] = -1;
      now = bestRelease;
      if (m < 0) {
        this.eventSink?.depart(link, ready, bestRelease);
        this.finish(v, bestRelease); // route cut at maxRouteLinks: the vehicle leaves here
        continue;
      }
      const followed = this.groupNextFree[g] >= bestRelease - 1e-9 && this.groupNextFree[g] > this.vInAt[v];
      // in a gap, yielding vehicles follow each other at the follow-up time; unopposed (a protected phase) at the saturation headway
      let headway = bestOpposed && this.followUp > this.groupHeadway[g] ? this.followUp : this.groupHeadway[g];
      const own = this.movMinHeadway[m] / this.groupLanes[g]; // a slow movement's vehicle keeps the next one further behind
      if (own > headway) headway = own;
      this.groupNextFree[g] = bestRelease + headway;
      this.groupLastRelease[g] = bestRelease;
      this.groupDebt[g] = bestRelease + headway > bestWindowEnd ? bestRelease + headway - bestWindowEnd : 0;
      this.groupDebtWindowEnd[g] = bestWindowEnd;
      const slot = m * PASSAGES_KEPT + this.movPassageHead[m];
      this.movPassages[slot] = bestRelease;
      // one that had stopped starts over its junction path from a standstill and keeps it longer (less when it followed
      // the one ahead out of a discharging queue)
      this.movPassageClear[slot] = bestRelease > ready + this.stopDelay ? bestRelease + (followed ? this.movInQueue[m] : this.movFromStop[m]) : bestRelease;
      this.movPassageHead[m] = (this.movPassageHead[m] + 1) % PASSAGES_KEPT;
      this.cross(link, v, this.movTo[m], bestRelease, ready, m);
    }
  }

  /**
   * Earliest time in [from, limit) at which a vehicle of yielding movement m finds a gap of
   * `gap` seconds (its critical gap, from a stop or moving), or Infinity. Conflicts: the recorded crossings of the movements it yields
   * to, and the earliest times their waiting or arriving vehicles can cross (each lane
   * group's queue at its saturation headway, inside the movement's green; vehicles queued
   * behind a yielding vehicle of their own group are not counted until it has gone).
   * Called in the step's second pass, when every foe that could cross before tEnd has.
   */
  private gapFor(m: number, from: number, limit: number, tEnd: number, gap: number): number {
    const conflicts = this.conflicts;
    let n = 0;
    const horizon = limit + gap;
    for (let y = this.yieldStart[m]; y < this.yieldStart[m + 1]; y++) {
      const foe = this.yields[y];
      for (let k = 0; k < PASSAGES_KEPT; k++) {
        const p = this.movPassages[foe * PASSAGES_KEPT + k];
        if (p >= from && n < MAX_CONFLICTS) conflicts[n++] = p;
        // a foe that started from a stop still occupies its path after crossing the line: no gap until it has left it
        const clear = this.movPassageClear[foe * PASSAGES_KEPT + k];
        if (clear > p && clear >= from && n < MAX_CONFLICTS) conflicts[n++] = clear;
      }
    }
    // the foes' links (usually one: the opposing approach); each scanned once
    this.yieldingFoeAt = Infinity;
    for (let y = this.yieldStart[m]; y < this.yieldStart[m + 1]; y++) {
      const link = this.movLink[this.yields[y]];
      let seen = false;
      for (let z = this.yieldStart[m]; z < y; z++) if (this.movLink[this.yields[z]] === link) seen = true;
      if (!seen) n = this.foeTimes(m, link, from, horizon, tEnd, n);
    }
    // a foe that yields itself crosses when it finds its own gap, which may close before then (m going releases the
    // vehicles queued behind m, and they may be what it yields to): m goes in a gap before it, or behind it once it has crossed
    return acceptGap(from, this.yieldingFoeAt < limit ? this.yieldingFoeAt : limit, conflicts, n, gap);
  }

  /**
   * Adds to conflicts[n..] the earliest crossing times (before horizon) of the vehicles on
   * `link` that movement m yields to. A foe still waiting now could not cross before tEnd
   * (the first pass moved every one that could), so it counts from tEnd; one that yields
   * itself moves in this second pass, so it counts from now. A vehicle that is
   * not about to go (its next link is full) holds its lane group, and one waiting at a full
   * bay's entry holds the whole link: the vehicles they hold do not count until they move
   * (otherwise two opposing left turns could wait for each other's held through traffic for
   * ever). A head that yields itself counts (it goes into gaps of other streams, and m must
   * not cut in front of it) but holds those behind it, unless it waits, directly or through
   * the movements it yields to, for m itself (a cycle of yields, as at a right-before-left
   * junction): then it does not count, so the cycle cannot lock. A head that yields only to
   * vehicles queued behind m (in m's lane group) is held by nothing: it counts with the
   * vehicles behind it, and its crossing sets yieldingFoeAt, before which m must find its gap
   * (gapFor), except at the start of its green (both heads start together) and unless m, for
   * its part, waits only for the vehicles behind it and reached its stop line first. Vehicles
   * still on their way to a group whose head waits for m or cannot go on do not count. Each
   * vehicle's earliest crossing follows the one ahead by the saturation headway or the slower
   * one's following headway (minHeadwaySeconds), as in dischargeGroups.
   */
  private foeTimes(m: number, link: number, now: number, horizon: number, tEnd: number, n: number): number {
    const conflicts = this.conflicts;
    const first = this.groupStart[link];
    const groups = this.groupStart[link + 1] - first;
    const chain = this.groupScanTimes;
    const last = this.groupScanLast; // when the one ahead crosses
    for (let k = 0; k < groups; k++) {
      chain[k] = this.groupNextFree[first + k];
      last[k] = this.groupLastRelease[first + k];
    }
    // groups held by a vehicle that is not about to go (its next link is full, it waits for its bay) or that yields
    let blocked = 0;
    let held = 0; // ... of those, the ones whose head waits for m or cannot go on (its next link is full, it waits for its bay)
    const firstPhase = this.crossingFirstPhase[this.linkCrossing[link]];
    const assigned = this.linkAssigned[link];
    for (let idx = 0; idx < this.ringCount[link]; idx++) {
      const v = this.ring[this.ringAt(link, idx)];
      const ready = this.vReady[v];
      if (ready >= horizon) break;
      let earliest: number;
      let mv: number;
      let queued = false; // it follows the one ahead out of its queue
      let free = false; // it yields, but only to vehicles held behind m
      if (idx < assigned) {
        const k = this.vGroup[v] - first;
        if ((blocked & (1 << k)) !== 0) continue;
        mv = this.vMov[v];
        if (mv >= 0 && (this.ringCount[this.movTo[mv]] >= this.linkStorage[this.movTo[mv]] || (this.movGroups[mv] & (1 << k)) === 0)) {
          blocked |= 1 << k;
          held |= 1 << k;
          continue;
        }
        // a head that yields itself still crosses, to others' gaps: it counts (unless it waits, through its own foes, for m:
        // a cycle of yields) and holds those behind it
        const yields = mv >= 0 && this.yieldStart[mv + 1] > this.yieldStart[mv];
        // ... unless everything it yields to is queued behind m (in m's lane group): then nothing stops it, it goes
        // (and those behind it follow) as if it had priority
        free = yields && this.yieldsOnLink[mv] === this.movLink[m] && (this.yieldsOnGroups[mv] & ~this.gapGroupBit) === 0 && !this.yieldReach.get(mv)!.has(m);
        // when m, for its part, waits only for the vehicles queued behind this one, the one at its stop line first goes first
        if (free && this.yieldsOnLink[m] === link && (this.yieldsOnGroups[m] & ~(1 << k)) === 0 && !this.yieldReach.get(m)!.has(mv)) {
          free = this.vInAt[v] < this.gapVehicleAt || (this.vInAt[v] === this.gapVehicleAt && link < this.movLink[m]);
        }
        if (yields && !free) {
          blocked |= 1 << k;
          if (this.yieldReach.get(mv)!.has(m)) {
            held |= 1 << k; // it waits for m
            continue;
          }
        }
        const own = mv >= 0 ? this.movMinHeadway[mv] / this.groupLanes[first + k] : 0;
        const behind = last[k] + own > chain[k] ? last[k] + own : chain[k]; // (a slow one closes up slowly, as in dischargeGroups)
        earliest = this.vInAt[v] > behind ? this.vInAt[v] : behind;
        queued = behind > this.vInAt[v];
        // a yielding head moves in this same (second) pass, so it may go from now on; the others from the next step
        const notBefore = yields ? now : tEnd;
        if (earliest < notBefore) earliest = notBefore;
        chain[k] = earliest + (own > this.groupHeadway[first + k] ? own : this.groupHeadway[first + k]);
        last[k] = earliest;
      } else {
        // not yet in a lane group although it has arrived: it waits at a full bay's entry, and everyone behind it too
        if (ready < tEnd) break;
        mv = this.movementOf(v, link);
        earliest = ready;
        if (mv >= 0 && this.ringCount[this.movTo[mv]] >= this.linkStorage[this.movTo[mv]]) continue;
        // still on its way to a group whose head waits for m (or cannot go on): it cannot cross before m
        if (mv >= 0 && (this.movGroups[mv] & ~held) === 0) continue;
      }
      if (mv < 0 || earliest >= horizon || !this.isFoe(m, mv)) continue;
      // the foe crosses only in a green window of its movement
      let mask = this.movPhaseMask[mv];
      let at = Infinity;
      let atGreenStart = false; // it waits for its green to begin
      for (let p = 0; mask !== 0; p++, mask >>>= 1) {
        if ((mask & 1) === 0) continue;
        const start = this.effStart[firstPhase + p];
        const candidate = earliest > start ? earliest : start;
        if (candidate < this.effEnd[firstPhase + p] && candidate < at) {
          at = candidate;
          atGreenStart = earliest <= start;
        }
      }
      if (at < horizon && n < MAX_CONFLICTS) conflicts[n++] = at;
      if (free && !atGreenStart && at < this.yieldingFoeAt) this.yieldingFoeAt = at;
      // one that will have waited crosses from a standstill and keeps its path longer
      const fromStop = queued && at === earliest ? this.movInQueue[mv] : this.movFromStop[mv];
      if (fromStop > 0 && at > ready + this.stopDelay && at + fromStop < horizon && n < MAX_CONFLICTS) conflicts[n++] = at + fromStop;
    }
    return n;
  }

  /** Some movement that m yields to has an effective green overlapping [from, to). */
  private foeGreen(m: number, from: number, to: number): boolean {
    for (let y = this.yieldStart[m]; y < this.yieldStart[m + 1]; y++) {
      const foe = this.yields[y];
      const firstPhase = this.crossingFirstPhase[this.linkCrossing[this.movLink[foe]]];
      let mask = this.movPhaseMask[foe];
      for (let p = 0; mask !== 0; p++, mask >>>= 1) {
        if ((mask & 1) !== 0 && this.effStart[firstPhase + p] < to && this.effEnd[firstPhase + p] > from) return true;
      }
    }
    return false;
  }

  private isFoe(m: number, candidate: number): boolean {
    for (let y = this.yieldStart[m]; y < this.yieldStart[m + 1]; y++) if (this.yields[y] === candidate) return true;
    return false;
  }

  private advanceArrivals(link: number, tEnd: number): void {
    const count = this.ringCount[link];
    if (count === 0) return;
    const base = this.ringOffset[link];
    const cap = this.linkStorage[link];
    const head = this.ringHead[link];
    let a = this.arrived[link];
    while (a < count) {
      let pos = head + a;
      if (pos >= cap) pos -= cap;
      if (this.vReady[this.ring[base + pos]] > tEnd) break;
      a++;
    }
    this.arrived[link] = a;
  }

  private finish(v: number, at: number): void {
    const travel = at - this.vEntry[v];
    const delay = travel - this.vFree[v];
    this.exited++;
    this.intervalExited++;
    this.totalTravel += travel;
    this.totalDelay += delay;
    this.intervalTrips++;
    this.intervalTravel += travel;
    this.intervalDelay += delay;
    if (this.recordTrips) {
      this.trips.push({
        vehicle: this.vSerial[v],
        departSeconds: this.vDepart[v],
        entrySeconds: this.vEntry[v],
        exitSeconds: at,
        travelSeconds: travel,
        freeFlowSeconds: this.vFree[v],
        delaySeconds: delay,
        stops: this.vStops[v],
        ...(this.vSched[v] >= 0 ? { scheduledId: this.schedIds[this.vSched[v]] } : {}),
      });
    }
    this.vRoutePos[v] = -1;
    this.freeIds[this.freeCount++] = v;
  }

  // ---------------------------------------------------------------- detectors

  private phaseHasDemand(g: number, t: number, lead: number): boolean {
    for (let k = this.phaseLinkStart[g]; k < this.phaseLinkStart[g + 1]; k++) {
      const l = this.phaseLinks[k];
      if (this.ringCount[l] > 0 && this.vReady[this.ring[this.ringOffset[l] + this.ringHead[l]]] <= t + lead) return true;
    }
    return false;
  }

  private phaseHasCall(g: number, t: number, gap: number, lead: number): boolean {
    for (let k = this.phaseLinkStart[g]; k < this.phaseLinkStart[g + 1]; k++) {
      const l = this.phaseLinks[k];
      if (this.arrived[l] > 0) return true; // a standing queue holds the detector
      this.advanceDetections(l, t, lead);
      if (t - this.lastDetection[l] < gap) return true;
    }
    return false;
  }

  /**
   * Max-pressure weight of a phase (Varaiya's store-and-forward queues are the vehicles on
   * a link): over its movements, (vehicles on the approach link bound for that movement −
   * vehicles on the link the movement leads to) × the approach's saturation flow (veh/h).
   * A movement into a full link counts nothing, and a link whose head vehicle could not go
   * on this green (blocked, or another phase's movement: one shared queue per link) counts
   * no upstream vehicles (capacity-aware: only what a green would move).
   * `lead` is unused (kept for the controller interface).
   */
  private phasePressure(g: number, _t: number, _lead: number): number {
    let pressure = 0;
    for (let k = this.phaseLinkStart[g]; k < this.phaseLinkStart[g + 1]; k++) {
      const l = this.phaseLinks[k];
      const local = g - this.crossingFirstPhase[this.linkCrossing[l]];
      const bit = 1 << local;
      const saturation = 3600 / this.linkHeadway[l];
      const base = this.ringOffset[l];
      const cap = this.linkStorage[l];
      let upstream = 0;
      for (let i = 0; i < this.ringCount[l]; i++) {
        let pos = this.ringHead[l] + i;
        if (pos >= cap) pos -= cap;
        const v = this.ring[base + pos];
        const routePos = this.vRoutePos[v];
        if (routePos + 1 >= this.vRouteEnd[v]) {
          upstream++;
          continue;
        }
        const next = this.routes[routePos + 1];
        let m = this.movStart[l];
        while (this.movTo[m] !== next) m++;
        const served = (this.movPhaseMask[m] & bit) !== 0 && this.ringCount[next] < this.linkStorage[next];
        if (i === 0 && !served) break; // the head of the shared queue cannot go: a green would move nobody
        if (served) upstream++;
      }
      let downstream = 0;
      for (let m = this.movStart[l]; m < this.movStart[l + 1]; m++) {
        const next = this.movTo[m];
        if ((this.movPhaseMask[m] & bit) !== 0 && this.ringCount[next] < this.linkStorage[next]) downstream += this.ringCount[next];
      }
      pressure += (upstream - downstream) * saturation;
    }
    return pressure;
  }

  /** Vehicles cross the detector `lead` seconds before their free-flow stop-line arrival. */
  private advanceDetections(link: number, t: number, lead: number): void {
    const count = this.ringCount[link];
    const base = this.ringOffset[link];
    const cap = this.linkStorage[link];
    let d = this.detected[link];
    while (d < count) {
      let pos = this.ringHead[link] + d;
      if (pos >= cap) pos -= cap;
      const crossed = this.vReady[this.ring[base + pos]] - lead;
      if (crossed > t) break;
      if (crossed > this.lastDetection[link]) this.lastDetection[link] = crossed;
      d++;
    }
    this.detected[link] = d;
  }

  // ---------------------------------------------------------------- storage

  private growVehicles(capacity: number): void {
    const old = this.vCapacity;
    const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    const f64 = (n: number) => new Float64Array(n);
    const i32 = (n: number) => new Int32Array(n);
    this.vDepart = grow(this.vDepart, f64);
    this.vEntry = grow(this.vEntry, f64);
    this.vReady = grow(this.vReady, f64);
    this.vFree = grow(this.vFree, f64);
    this.vRoutePos = grow(this.vRoutePos, i32);
    this.vRouteEnd = grow(this.vRouteEnd, i32);
    this.vStops = grow(this.vStops, i32);
    this.vGroup = grow(this.vGroup, i32);
    this.vMov = grow(this.vMov, i32);
    this.vInAt = grow(this.vInAt, f64);
    this.vSerial = grow(this.vSerial, i32);
    this.vSched = grow(this.vSched, i32);
    const freeIds = new Int32Array(capacity);
    freeIds.set(this.freeIds.subarray(0, this.freeCount));
    // new ids are handed out lowest first
    for (let id = capacity - 1; id >= old; id--) freeIds[this.freeCount++] = id;
    this.freeIds = freeIds;
    for (let id = old; id < capacity; id++) {
      this.vRoutePos[id] = -1;
      this.vGroup[id] = -1;
    }
    this.vCapacity = capacity;
  }

  /** Route storage is append-only; when full, keep only the remaining routes of live vehicles. */
  private compactRoutes(needed: number): void {
    let live = needed;
    for (let v = 0; v < this.vCapacity; v++) if (this.vRoutePos[v] >= 0) live += this.vRouteEnd[v] - this.vRoutePos[v];
    const size = Math.max(this.routes.length, 2 * live);
    const compacted = new Int32Array(size);
    let used = 0;
    for (let v = 0; v < this.vCapacity; v++) {
      const pos = this.vRoutePos[v];
      if (pos < 0) continue;
      const len = this.vRouteEnd[v] - pos;
      compacted.set(this.routes.subarray(pos, pos + len), used);
      this.vRoutePos[v] = used;
      this.vRouteEnd[v] = used + len;
      used += len;
    }
    this.routes = compacted;
    this.routesUsed = used;
  }
}

/** Structure-preserving deep copy (prototypes, typed arrays, Maps, shared references, cycles); functions are shared. */
function deepCopy(value: unknown, copied: Map<unknown, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const seen = copied.get(value);
  if (seen !== undefined) return seen;
  if (ArrayBuffer.isView(value)) {
    const typed = (value as unknown as Float64Array).slice();
    copied.set(value, typed);
    return typed;
  }
  if (Array.isArray(value)) {
    const array: unknown[] = [];
    copied.set(value, array);
    for (const item of value) array.push(deepCopy(item, copied));
    return array;
  }
  if (value instanceof Map) {
    const map = new Map();
    copied.set(value, map);
    for (const [k, v] of value) map.set(deepCopy(k, copied), deepCopy(v, copied));
    return map;
  }
  if (value instanceof Set) {
    const set = new Set();
    copied.set(value, set);
    for (const v of value) set.add(deepCopy(v, copied));
    return set;
  }
  const object = Object.create(Object.getPrototypeOf(value));
  copied.set(value, object);
  for (const key of Object.keys(value)) object[key] = deepCopy((value as Record<string, unknown>)[key], copied);
  return object;
}
