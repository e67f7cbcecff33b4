/**
 * The network a simulation runs on: plain, JSON-serialisable data.
 *
 * Nodes are signalised crossings or boundary nodes (where vehicles enter and leave).
 * Links are one-way roads between two nodes. A link that starts at a boundary node is an
 * entry (it may carry demand); a link that ends at a boundary node is an exit. Every link
 * that ends at a crossing is one of that crossing's approaches; its movements say where its
 * vehicles go next (with turning shares) and the signal phases say when they may.
 */
export type NodeKind = 'crossing' | 'boundary';

export interface NetworkNode {
  id: string;
  kind: NodeKind;
  /** Metres, east. */
  x: number;
  /** Metres, north. */
  y: number;
}

export interface NetworkLink {
  id: string;
  from: string;
  to: string;
  lengthM: number;
  lanes: number;
  /** Free-flow speed, metres per second. */
  speedMps: number;
  /** Vehicles the link holds when jammed; default lengthM × lanes / jam spacing (7 m). */
  storageVehicles?: number;
  /**
   * How the lanes at the stop line are used, when the link is an approach of a crossing
   * (see LaneGroup). Absent: one group of all `lanes` lanes serving every turn, one queue.
   */
  laneGroups?: LaneGroup[];
}

/**
 * Lanes of an approach that share one queue at the stop line, listed from the rightmost
 * group to the leftmost. A vehicle joins, on arrival at the back of the queue, the least
 * loaded group (vehicles per lane) that serves its turn; a group discharges first in,
 * first out, so a left turn waiting for a gap holds everything behind it in its group.
 * Groups without `bayLengthM` run the full length of the link and their lanes add up to
 * the link's `lanes`. A turn bay (`bayLengthM`) adds lanes at the stop line that hold
 * floor(bayLengthM × lanes / 7 m) vehicles; a vehicle that finds its bay full queues in the
 * full-length lanes beside it and moves into the bay when it reaches their front and the bay
 * has room, holding one of their lanes meanwhile (spill-back into the through lanes).
 */
export interface LaneGroup {
  lanes: number;
  /** The turns whose vehicles may use these lanes. */
  turns: MovementKind[];
  /** A turn bay of this length (metres) instead of full-length lanes. */
  bayLengthM?: number;
}

export type MovementKind = 'through' | 'left' | 'right' | 'uturn';

/** From an approach (incoming link) of a crossing to one of its outgoing links. */
export interface Movement {
  id: string;
  fromLink: string;
  toLink: string;
  kind: MovementKind;
  /** Share of the approach's vehicles taking this movement; an approach's shares sum to 1. */
  share: number;
  /**
   * Movements (ids, same crossing) this one yields to whenever both have green: a permissive
   * left turn yields to the opposing through and right turns. Its vehicle at the head of
   * its lane group goes only into a gap in their stream (critical gap, follow-up time: see
   * SimulationOptions.permissiveCriticalGapSeconds). In a phase where those movements are
   * red (a protected left) it goes at the saturation headway. Absent: never yields.
   */
  yieldsTo?: string[];
  /**
   * Seconds every vehicle of this movement loses around the stop line even when it need
   * not stop: braking for a slow turn and speeding up again, or creeping up to look for
   * gaps at a priority junction (SUMO's minor links). Counted as delay, not as a stop; a
   * vehicle that stopped loses the larger of this and the engine's acceleration loss.
   * Default 0.
   */
  approachLossSeconds?: number;
  /**
   * Seconds a yielding vehicle of this movement needs on top of the simulation's critical
   * gap (SimulationOptions.permissiveCriticalGapSeconds) when it starts from a standstill
   * at the stop line: the time to clear a junction whose paths are long (SUMO's internal
   * lanes), and for its foes to clear theirs. Its critical gap is the sum. Default 0.
   */
  clearingSeconds?: number;
  /**
   * The same for a vehicle that finds its gap as it arrives and goes without stopping
   * (it crosses at its approach speed, so it clears sooner); at most clearingSeconds.
   * Default: clearingSeconds.
   */
  clearingMovingSeconds?: number;
  /**
   * Seconds per lane the next vehicle of the lane group crosses the stop line, at least,
   * behind a vehicle of this movement: a movement driven slowly (a tight turn, or a minor
   * link approached at the speed a car can stop from) discharges its queue at more than
   * the saturation headway (a car following at speed v keeps its reaction time plus its
   * length and gap over v). The longer of this and the saturation headway applies.
   * Default 0 (the saturation headway).
   */
  minHeadwaySeconds?: number;
  /**
   * Seconds longer a vehicle of this movement that had to stop (it waited at the stop line)
   * keeps its path through the junction occupied than one crossing at the path's speed: it
   * starts from a standstill. Vehicles that yield to this movement go no sooner than this
   * after such a vehicle crossed the stop line (SUMO: a minor vehicle may arrive only after
   * its foe has left the junction). Default 0.
   */
  pathFromStopSeconds?: number;
  /**
   * The same for a vehicle that follows the one ahead of it out of a discharging queue (it
   * started a car spacing further back, so it crosses faster); at most pathFromStopSeconds.
   * Default: pathFromStopSeconds.
   */
  pathInQueueSeconds?: number;
}

export interface SignalPhase {
  id: string;
  /** Movement ids that have green in this phase. */
  movements: string[];
}

/**
 * A fixed-time plan. The cycle is the sum over phases of green + amber + all-red; each
 * cycle starts at offsetSeconds + k × cycle (simulation time).
 */
export interface FixedTimePlan {
  /** Displayed green per phase, in phase order. */
  greenSeconds: number[];
  amberSeconds: number;
  allRedSeconds: number;
  offsetSeconds: number;
}

/**
 * The actuated reference controller: phases in order, each green held at least
 * minGreen, extended while its approach detectors see vehicles closer than gapSeconds
 * (or a standing queue), ended at maxGreen; phases with no demand are skipped.
 */
export interface ActuatedSettings {
  minGreenSeconds: number;
  maxGreenSeconds: number;
  /** Passage time: green ends when no vehicle crossed the detectors for this long. */
  gapSeconds: number;
  amberSeconds: number;
  allRedSeconds: number;
  /** Detector distance upstream of the stop line, in seconds of free-flow travel. */
  detectorLeadSeconds: number;
}

/**
 * Coordinated-actuated control, as a NEMA controller runs it in coordination (one ring,
 * phases in order, fixed force-offs). The cycle is counted from the reference point
 * offsetSeconds + k × cycleSeconds, where the coordinated phase's green starts. Phases
 * follow in order from the coordinated one, each owning its split (green + amber +
 * all-red); a non-coordinated phase is forced off where its split ends (cumulative from the
 * reference point, so time a phase does not use passes to the next), gaps out when no
 * vehicle crossed its detectors for gapSeconds after its minimum green, ends at its
 * maximum green, and is skipped when nobody calls it or its minimum green no longer fits
 * before its force-off. The coordinated phase is on recall: it is not actuated, holds its
 * green at least to its yield point (its split minus the clearance), then yields once per
 * cycle to the first calling phase that fits, rests in green when nobody calls, and takes
 * back every second the others leave unused (early return).
 */
export interface CoordinatedActuatedSettings {
  cycleSeconds: number;
  /** The reference point: the coordinated phase's green starts at offsetSeconds + k × cycle (at the latest). */
  offsetSeconds: number;
  /** Index of the coordinated phase. */
  coordinatedPhase: number;
  /** Per phase, in phase order: green + amber + all-red it may use; they sum to the cycle. */
  splitSeconds: number[];
  minGreenSeconds: number;
  /** Per phase, the longest green of a non-coordinated phase (its force-off still applies); default: force-off only. */
  maxGreenSeconds?: number[];
  /** Passage time: a non-coordinated green gaps out when no vehicle crossed its detectors for this long. */
  gapSeconds: number;
  amberSeconds: number;
  allRedSeconds: number;
  /** Detector distance upstream of the stop line, in seconds of free-flow travel. */
  detectorLeadSeconds: number;
}

/**
 * Max-pressure control (Varaiya 2013). Every decisionSeconds after a phase's minimum green,
 * the controller compares the phases' pressures: per phase, the sum over its movements of
 * (vehicles queued for the movement − vehicles queued on the link it leads to) × the
 * approach's saturation flow. The phase with the highest pressure gets (or keeps) the green;
 * a change goes through amber and all-red. No cycle, no phase order.
 */
export interface MaxPressureSettings {
  decisionSeconds: number;
  minGreenSeconds: number;
  /** Optional cap on one green (switch to the best other phase with demand), seconds. */
  maxGreenSeconds?: number;
  amberSeconds: number;
  allRedSeconds: number;
  /** Kept for symmetry with the other controllers (the pressure counts every vehicle on the link). */
  detectorLeadSeconds: number;
}

export type SignalControl =
  | { kind: 'fixed'; plan: FixedTimePlan }
  | { kind: 'actuated'; settings: ActuatedSettings }
  | { kind: 'coordinated-actuated'; settings: CoordinatedActuatedSettings }
  | { kind: 'max-pressure'; settings: MaxPressureSettings };

export interface Crossing {
  /** The id of the crossing node. */
  id: string;
  /** Incoming link ids. */
  approaches: string[];
  movements: Movement[];
  phases: SignalPhase[];
  control: SignalControl;
}

/** Time-varying demand on an entry link: one rate per interval; the last one holds. */
export interface EntryDemand {
  link: string;
  intervalSeconds: number;
  vehPerHour: number[];
}

export interface Network {
  nodes: NetworkNode[];
  links: NetworkLink[];
  crossings: Crossing[];
  demand: EntryDemand[];
}

export const JAM_SPACING_M = 7;

export function linkStorage(link: NetworkLink): number {
  return link.storageVehicles ?? Math.max(1, Math.floor((link.lengthM * link.lanes) / JAM_SPACING_M));
}

export function cycleSeconds(plan: FixedTimePlan): number {
  return plan.greenSeconds.reduce((sum, g) => sum + g + plan.amberSeconds + plan.allRedSeconds, 0);
}

export const DEFAULT_MAX_PRESSURE: MaxPressureSettings = {
  decisionSeconds: 5,
  minGreenSeconds: 7,
  amberSeconds: 3,
  allRedSeconds: 2,
  detectorLeadSeconds: 3,
};

export const DEFAULT_ACTUATED: ActuatedSettings = {
  minGreenSeconds: 7,
  maxGreenSeconds: 45,
  gapSeconds: 3,
  amberSeconds: 3,
  allRedSeconds: 2,
  detectorLeadSeconds: 3,
};

/** Throws one Error listing every problem found (ids, references, shares, phases, plans). */
export function validateNetwork(network: Network): void {
  const problems: string[] = [];
  const nodes = new Map(network.nodes.map((n) => [n.id, n]));
  if (nodes.size !== network.nodes.length) problems.push('duplicate node ids');
  const links = new Map(network.links.map((l) => [l.id, l]));
  if (links.size !== network.links.length) problems.push('duplicate link ids');
  for (const link of network.links) {
    if (!nodes.has(link.from) || !nodes.has(link.to)) problems.push(`link ${link.id}: unknown node`);
    if (!(link.lengthM > 0) || !(link.speedMps > 0) || !(link.lanes >= 1)) problems.push(`link ${link.id}: length, speed and lanes must be positive`);
    if (linkStorage(link) < 1) problems.push(`link ${link.id}: storage below one vehicle`);
    problems.push(...laneGroupProblems(link).map((p) => `link ${link.id}: ${p}`));
  }
  const crossingIds = new Set<string>();
  for (const crossing of network.crossings) {
    const where = `crossing ${crossing.id}`;
    if (nodes.get(crossing.id)?.kind !== 'crossing') problems.push(`${where}: no crossing node with that id`);
    if (crossingIds.has(crossing.id)) problems.push(`${where}: duplicate`);
    crossingIds.add(crossing.id);
    const movementIds = new Set(crossing.movements.map((m) => m.id));
    const shareByApproach = new Map<string, number>(crossing.approaches.map((a) => [a, 0]));
    for (const m of crossing.movements) {
      if (links.get(m.fromLink)?.to !== crossing.id) problems.push(`${where}: movement ${m.id} does not start on an approach of this crossing`);
      if (links.get(m.toLink)?.from !== crossing.id) problems.push(`${where}: movement ${m.id} does not leave this crossing`);
      if (!shareByApproach.has(m.fromLink)) problems.push(`${where}: movement ${m.id} from ${m.fromLink}, which is not a listed approach`);
      else shareByApproach.set(m.fromLink, shareByApproach.get(m.fromLink)! + m.share);
      if (!crossing.phases.some((p) => p.movements.includes(m.id))) problems.push(`${where}: movement ${m.id} is in no phase`);
      for (const foe of m.yieldsTo ?? []) {
        const f = crossing.movements.find((x) => x.id === foe);
        if (!f) problems.push(`${where}: movement ${m.id} yields to unknown movement ${foe}`);
        else if (f.fromLink === m.fromLink) problems.push(`${where}: movement ${m.id} yields to ${foe} from its own approach`);
        else if (f.yieldsTo?.includes(m.id)) problems.push(`${where}: movements ${m.id} and ${foe} yield to each other`);
      }
      if (m.approachLossSeconds !== undefined && !(m.approachLossSeconds >= 0 && m.approachLossSeconds < 600)) problems.push(`${where}: movement ${m.id}: approach loss must be 0 to 600 s`);
      for (const c of [m.clearingSeconds, m.clearingMovingSeconds]) if (c !== undefined && !(c >= 0 && c < 60)) problems.push(`${where}: movement ${m.id}: clearing times must be 0 to 60 s`);
      if (m.minHeadwaySeconds !== undefined && !(m.minHeadwaySeconds >= 0 && m.minHeadwaySeconds < 60)) problems.push(`${where}: movement ${m.id}: minimum headway must be 0 to 60 s`);
      for (const c of [m.pathFromStopSeconds, m.pathInQueueSeconds]) if (c !== undefined && !(c >= 0 && c < 60)) problems.push(`${where}: movement ${m.id}: path times from a stop must be 0 to 60 s`);
    }
    for (const approach of crossing.approaches) {
      const groups = links.get(approach)?.laneGroups;
      if (!groups) continue;
      for (const m of crossing.movements.filter((x) => x.fromLink === approach)) {
        if (!groups.some((g) => g.turns.includes(m.kind))) problems.push(`${where}: no lane group of ${approach} serves ${m.kind} movement ${m.id}`);
      }
    }
    for (const [approach, total] of shareByApproach) {
      if (Math.abs(total - 1) > 1e-6) problems.push(`${where}: turning shares of ${approach} sum to ${total}, not 1`);
    }
    for (const phase of crossing.phases) {
      for (const id of phase.movements) if (!movementIds.has(id)) problems.push(`${where}: phase ${phase.id} names unknown movement ${id}`);
    }
    if (crossing.phases.length === 0) problems.push(`${where}: no phases`);
    problems.push(...controlProblems(crossing.control, crossing.phases.length).map((p) => `${where}: ${p}`));
  }
  for (const link of network.links) {
    if (nodes.get(link.to)?.kind === 'crossing' && !network.crossings.find((c) => c.id === link.to)?.approaches.includes(link.id)) {
      problems.push(`link ${link.id}: ends at crossing ${link.to} but is not one of its approaches`);
    }
  }
  for (const d of network.demand) {
    const link = links.get(d.link);
    if (!link || nodes.get(link.from)?.kind !== 'boundary') problems.push(`demand on ${d.link}: not an entry link (from a boundary node)`);
    if (!(d.intervalSeconds > 0) || d.vehPerHour.length === 0 || d.vehPerHour.some((v) => !(v >= 0))) problems.push(`demand on ${d.link}: needs a positive interval and rates >= 0`);
  }
  if (problems.length > 0) throw new Error(`invalid network: ${problems.join('; ')}`);
}

export function laneGroupProblems(link: NetworkLink): string[] {
  const groups = link.laneGroups;
  if (!groups) return [];
  const problems: string[] = [];
  if (groups.length === 0 || groups.length > 8) problems.push('1 to 8 lane groups');
  if (groups.some((g) => !(Number.isInteger(g.lanes) && g.lanes >= 1) || g.turns.length === 0)) problems.push('every lane group needs whole lanes >= 1 and a turn');
  if (groups.some((g) => g.bayLengthM !== undefined && !(g.bayLengthM >= JAM_SPACING_M && g.bayLengthM <= link.lengthM))) problems.push(`a bay is ${JAM_SPACING_M} m to the link's length long`);
  const fullLength = groups.filter((g) => g.bayLengthM === undefined).reduce((s, g) => s + g.lanes, 0);
  if (fullLength !== link.lanes) problems.push(`full-length lane groups have ${fullLength} lanes, the link ${link.lanes}`);
  return problems;
}

/** Vehicles a turn bay holds (jam spacing 7 m); a full-length group is limited only by its link. */
export function laneGroupStorage(group: LaneGroup): number {
  return group.bayLengthM === undefined ? Number.MAX_SAFE_INTEGER : Math.max(1, Math.floor((group.bayLengthM * group.lanes) / JAM_SPACING_M));
}

export function planProblems(plan: FixedTimePlan, phaseCount: number): string[] {
  const problems: string[] = [];
  if (plan.greenSeconds.length !== phaseCount) problems.push(`plan has ${plan.greenSeconds.length} greens for ${phaseCount} phases`);
  if (plan.greenSeconds.some((g) => !(g > 0))) problems.push('every green must be positive');
  if (!(plan.amberSeconds >= 0) || !(plan.allRedSeconds >= 0)) problems.push('amber and all-red must be >= 0');
  if (!Number.isFinite(plan.offsetSeconds)) problems.push('offset must be finite');
  return problems;
}

/** Problems of any control for a crossing with phaseCount phases (none for the actuated reference controller). */
export function controlProblems(control: SignalControl, phaseCount: number): string[] {
  if (control.kind === 'fixed') return planProblems(control.plan, phaseCount);
  if (control.kind === 'coordinated-actuated') return coordinatedProblems(control.settings, phaseCount);
  if (control.kind === 'max-pressure') {
    const s = control.settings;
    return s.decisionSeconds > 0 && s.minGreenSeconds >= 0 && s.amberSeconds >= 0 && s.allRedSeconds >= 0 ? [] : ['max-pressure: decision step must be positive, times >= 0'];
  }
  return [];
}

export function coordinatedProblems(s: CoordinatedActuatedSettings, phaseCount: number): string[] {
  const problems: string[] = [];
  const clearance = s.amberSeconds + s.allRedSeconds;
  if (s.splitSeconds.length !== phaseCount) problems.push(`coordinated-actuated: ${s.splitSeconds.length} splits for ${phaseCount} phases`);
  if (!(s.cycleSeconds > 0)) problems.push('coordinated-actuated: cycle must be positive');
  if (!Number.isInteger(s.coordinatedPhase) || s.coordinatedPhase < 0 || s.coordinatedPhase >= phaseCount) problems.push(`coordinated-actuated: no phase ${s.coordinatedPhase}`);
  const total = s.splitSeconds.reduce((a, b) => a + b, 0);
  if (Math.abs(total - s.cycleSeconds) > 1e-6) problems.push(`coordinated-actuated: splits sum to ${total}, not the cycle ${s.cycleSeconds}`);
  if (s.splitSeconds.some((x) => !(x >= clearance + s.minGreenSeconds))) problems.push('coordinated-actuated: every split must hold the minimum green and the clearance');
  if (s.maxGreenSeconds && s.maxGreenSeconds.length !== phaseCount) problems.push('coordinated-actuated: one maximum green per phase');
  if (!(s.gapSeconds >= 0) || !(s.amberSeconds >= 0) || !(s.allRedSeconds >= 0) || !Number.isFinite(s.offsetSeconds)) problems.push('coordinated-actuated: gap, amber, all-red >= 0 and a finite offset');
  return problems;
}
