/**
 * A simulation network built from a city definition (the seed's `crossings.json`): the
 * road network the Boroondara case study runs on.
 *
 * - One crossing node per seed crossing; each approach is an incoming link on the side it
 *   arrives from (direction "N" = traffic arrives from the north).
 * - An approach fed by a neighbouring crossing along a shared road (the fusion library's
 *   `inferNeighbourGraph`) is a link from that crossing; its length is the straight-line
 *   distance. Such an approach also gets a short local entry link into the same stop line
 *   (side streets, car parks between the two crossings) so calibration can add traffic
 *   that does not come from the upstream crossing; its detector count is the sum of both.
 * - An approach with no upstream crossing starts at a boundary node (an entry).
 * - Exits: a boundary exit on every side a road leaves the crossing (each approach's side
 *   and the side opposite it) that no link to a neighbouring crossing already covers.
 * - Turning shares (a stated assumption, not measured): through 0.75, left 0.125, right
 *   0.125, renormalised over the movements the crossing offers, split evenly between
 *   links of the same kind; no U-turns.
 * - Two phases (north-south, east-west) grouped as fusion groups them
 *   (`twoPhaseDemand`), with a Webster fixed-time plan on each approach's mean flow.
 */
import { COMPASS_SIDES, RoadLink, SIDE_BEARINGS, angleBetweenDeg, inferNeighbourGraph, localPlane, NeighbourOptions, planeBearingDeg, planeDistanceM, towardsBearing } from '@crosscast/network';
import { twoPhaseDemand, websterPlan, Compass } from '@crosscast/signal-timing';
import { turnKind } from '../grid';
import { Crossing, EntryDemand, FixedTimePlan, Movement, MovementKind, Network, NetworkLink, NetworkNode, SignalPhase } from '../network';

export interface CityApproachInput {
  id: string;
  direction: string;
  road?: string | null;
  location?: string | null;
}

export interface CityCrossingInput {
  id: string;
  name?: string | null;
  lat: number;
  lon: number;
  approaches: CityApproachInput[];
}

/** The parts of a city definition (`CityDefinitionSchema`) the builder reads. */
export interface CityInput {
  crossings: CityCrossingInput[];
}

export interface TurnShares {
  through: number;
  left: number;
  right: number;
}

export interface CityNetworkOptions {
  /** Lanes per link. Default 2. */
  lanes: number;
  /**
   * Peak flow per approach, veh/h: an approach gets more lanes (up to maxLanes) where
   * `lanes` could not discharge its peak in `peakGreenShare` of the time at 1,800 veh/h
   * per lane. Real arterials have 3 lanes and separate turn lanes that a single queue
   * per approach does not model; without this the model jams where the street does not.
   */
  approachPeakVehPerHour: Record<string, number>;
  maxLanes: number;
  peakGreenShare: number;
  /** Free-flow speed. Default 50 km/h. */
  speedKmh: number;
  /** Length of boundary entry and exit links. Default 300 m. */
  boundaryLinkM: number;
  /** Length of the local entry links beside road links. Default 100 m. */
  localLinkM: number;
  /** Shortest road link (crossings closer than this still get room for a queue). Default 80 m. */
  minLinkM: number;
  turnShares: TurnShares;
  /**
   * Per road link (= the approach id it feeds): the share of the traffic turning into it
   * that reaches the next crossing; the rest leaves by side streets (default 1).
   */
  roadKeepShare: Record<string, number>;
  /**
   * Vehicles every link can hold. The seed has no lane lengths, and a single FIFO queue
   * per approach (no separate turn lanes) gridlocks a real city's peak where the street
   * does not; so by default queues are "vertical" (up to this many per link, far beyond
   * a link's length: a long queue does not block the crossing upstream). Set to 0 for
   * the engine's physical storage (length × lanes / 7 m) and spill-back.
   */
  linkStorageVehicles: number;
  /** Mean flow per approach over the day, veh/h, for the Webster base plans (missing: defaultFlowVehPerHour). */
  approachMeanVehPerHour: Record<string, number>;
  defaultFlowVehPerHour: number;
  /** Time-varying demand per entry link id (veh/h per interval, from simulation time 0). */
  demand: Record<string, number[]>;
  demandIntervalSeconds: number;
  amberSeconds: number;
  allRedSeconds: number;
  neighbours: Partial<NeighbourOptions>;
}

export const DEFAULT_TURN_SHARES_CITY: TurnShares = { through: 0.75, left: 0.125, right: 0.125 };

export const DEFAULT_CITY_NETWORK_OPTIONS: CityNetworkOptions = {
  lanes: 2,
  approachPeakVehPerHour: {},
  maxLanes: 4,
  peakGreenShare: 0.45,
  speedKmh: 50,
  boundaryLinkM: 300,
  localLinkM: 100,
  minLinkM: 80,
  turnShares: DEFAULT_TURN_SHARES_CITY,
  roadKeepShare: {},
  linkStorageVehicles: 2000,
  approachMeanVehPerHour: {},
  defaultFlowVehPerHour: 400,
  demand: {},
  demandIntervalSeconds: 900,
  // amber 3 + all-red 1: with the engine's 2 s start-up loss and 2 s of amber used, 4 s
  // lost per phase, the same as the Webster defaults fusion recommends with.
  amberSeconds: 3,
  allRedSeconds: 1,
  neighbours: {},
};

/** A crossing as the simulator app sees it: approach ids (the city's), phases by approach. */
export interface SimCrossing {
  id: string;
  approaches: string[];
  /** Engine phases in order, with the approach ids each serves (may be empty: an undetected side street). */
  phases: Array<{ name: string; approaches: string[] }>;
  /** Id of the plan the network starts with. */
  basePlanId: string;
}

/** A network plus the mapping between the city's approach ids and the engine's links. */
export interface SimCity {
  name: string;
  network: Network;
  crossings: SimCrossing[];
  /** Approach id → the links whose stop-line counts add up to its detector count. */
  approachLinks: Record<string, string[]>;
  /** Approach id → its boundary entry link (approaches with no upstream crossing). */
  boundaryEntries: Record<string, string>;
  /** Approach id → its local entry link (approaches fed by an upstream crossing). */
  localEntries: Record<string, string>;
  /** The road links used between crossings. */
  roadLinks: RoadLink[];
}

const BEARING = SIDE_BEARINGS;
const SIDES = COMPASS_SIDES;

export const BASE_PLAN_ID = 'webster-base';

export function buildCityNetwork(city: CityInput, partial: Partial<CityNetworkOptions> = {}): SimCity {
  const o = { ...DEFAULT_CITY_NETWORK_OPTIONS, ...partial };
  const speedMps = o.speedKmh / 3.6;
  for (const c of city.crossings) {
    for (const a of c.approaches) if (BEARING[a.direction.toUpperCase()] === undefined) throw new Error(`approach ${a.id}: unknown direction ${a.direction}`);
  }

  // Local metres around the city's centre (equirectangular: a city is small).
  const lat0 = city.crossings.reduce((s, c) => s + c.lat, 0) / city.crossings.length;
  const lon0 = city.crossings.reduce((s, c) => s + c.lon, 0) / city.crossings.length;
  const plane = localPlane({ lat: lat0, lon: lon0 });
  const position = new Map(city.crossings.map((c) => [c.id, plane.toPlane(c)]));

  const graph = inferNeighbourGraph(city.crossings, { freeFlowKmh: o.speedKmh, ...o.neighbours });
  const feederOf = new Map(graph.links.map((l) => [l.feedsApproach, l]));

  const nodes: NetworkNode[] = city.crossings.map((c) => ({ id: c.id, kind: 'crossing', ...position.get(c.id)! }));
  const links: NetworkLink[] = [];
  const approachLinks: Record<string, string[]> = {};
  const boundaryEntries: Record<string, string> = {};
  const localEntries: Record<string, string> = {};
  /** Heading of travel (degrees) on each link that ends at a crossing, and where it starts. */
  const inbound = new Map<string, { heading: number; fromNode: string; approachId: string }>();
  const outbound = new Map<string, Array<{ link: string; heading: number; toNode: string; leave?: string }>>(city.crossings.map((c) => [c.id, []]));
  const offset = (id: string, side: string, metres: number) => {
    const p = position.get(id)!;
    const [ux, uy] = towardsBearing(BEARING[side]);
    return { x: p.x + ux * metres, y: p.y + uy * metres };
  };
  const usedRoadLinks: RoadLink[] = [];

  const lanesOf = (approachId: string) => {
    const peak = o.approachPeakVehPerHour[approachId] ?? 0;
    return Math.min(o.maxLanes, Math.max(o.lanes, Math.ceil(peak / (1800 * o.peakGreenShare))));
  };
  for (const c of city.crossings) {
    for (const a of c.approaches) {
      const lanes = lanesOf(a.id);
      const side = a.direction.toUpperCase();
      const heading = (BEARING[side] + 180) % 360; // arriving from the north = driving south
      const feeder = feederOf.get(a.id);
      if (feeder) {
        const p = position.get(feeder.from)!;
        const q = position.get(c.id)!;
        const length = Math.max(o.minLinkM, planeDistanceM(p, q));
        links.push({ id: a.id, from: feeder.from, to: c.id, lengthM: length, lanes, speedMps });
        // Beside each road link, a "leave" exit: the traffic that turns off into side
        // streets before the next crossing (its share is calibrated, roadKeepShare).
        const leaveNode = `leave:${a.id}`;
        const bearing = planeBearingDeg(p, q);
        const [ux, uy] = towardsBearing(bearing);
        nodes.push({ id: leaveNode, kind: 'boundary', x: p.x + ux * o.localLinkM, y: p.y + uy * o.localLinkM });
        const leaveLink = `${a.id}:leave`;
        links.push({ id: leaveLink, from: feeder.from, to: leaveNode, lengthM: o.localLinkM, lanes: o.lanes, speedMps });
        outbound.get(feeder.from)!.push({ link: a.id, heading: bearing, toNode: c.id, leave: leaveLink });
        inbound.set(a.id, { heading, fromNode: feeder.from, approachId: a.id });
        const localNode = `local:${a.id}`;
        nodes.push({ id: localNode, kind: 'boundary', ...offset(c.id, side, o.localLinkM) });
        const localLink = `${a.id}:local`;
        links.push({ id: localLink, from: localNode, to: c.id, lengthM: o.localLinkM, lanes, speedMps });
        inbound.set(localLink, { heading, fromNode: localNode, approachId: a.id });
        approachLinks[a.id] = [a.id, localLink];
        localEntries[a.id] = localLink;
        usedRoadLinks.push(feeder);
      } else {
        const entryNode = `entry:${a.id}`;
        nodes.push({ id: entryNode, kind: 'boundary', ...offset(c.id, side, o.boundaryLinkM) });
        links.push({ id: a.id, from: entryNode, to: c.id, lengthM: o.boundaryLinkM, lanes, speedMps });
        inbound.set(a.id, { heading, fromNode: entryNode, approachId: a.id });
        approachLinks[a.id] = [a.id];
        boundaryEntries[a.id] = a.id;
      }
    }
  }

  // Exits on every side a road leaves by that no road link to a neighbour covers.
  for (const c of city.crossings) {
    const sides = new Set<string>();
    for (const a of c.approaches) {
      const side = a.direction.toUpperCase();
      sides.add(side);
      sides.add(SIDES[(SIDES.indexOf(side) + 4) % 8]);
    }
    const out = outbound.get(c.id)!;
    for (const side of SIDES.filter((s) => sides.has(s))) {
      if (out.some((l) => angleBetweenDeg(l.heading, BEARING[side]) <= 45)) continue;
      const exitNode = `exit:${c.id}:${side}`;
      nodes.push({ id: exitNode, kind: 'boundary', ...offset(c.id, side, o.boundaryLinkM) });
      const id = `${c.id}>exit:${side}`;
      links.push({ id, from: c.id, to: exitNode, lengthM: o.boundaryLinkM, lanes: o.lanes, speedMps });
      out.push({ link: id, heading: BEARING[side], toNode: exitNode });
    }
  }

  const crossings: Crossing[] = [];
  const simCrossings: SimCrossing[] = [];
  for (const c of city.crossings) {
    const incoming = links.filter((l) => l.to === c.id);
    const phasing = twoPhaseDemand(
      c.approaches.map((a) => ({ id: a.id, direction: a.direction.toUpperCase() as Compass, flowVehPerHour: o.approachMeanVehPerHour[a.id] ?? o.defaultFlowVehPerHour })),
    ).map((phase) => ({ ...phase, approaches: phase.approaches.map((a) => ({ ...a, saturationFlowVehPerHour: 1800 * lanesOf(a.id) })) }));
    const phaseOfApproach = new Map<string, number>();
    phasing.forEach((p, i) => p.approaches.forEach((a) => phaseOfApproach.set(a.id, i)));
    const movements: Movement[] = [];
    const phases: SignalPhase[] = phasing.map((p) => ({ id: p.name, movements: [] }));
    for (const link of incoming) {
      const { heading, fromNode, approachId } = inbound.get(link.id)!;
      const all = outbound.get(c.id)!;
      const withoutReturn = all.filter((out) => out.toNode !== fromNode);
      const options = withoutReturn.length > 0 ? withoutReturn : all;
      const kinds = options.map((out) => turnKind(...towardsBearing(heading), ...towardsBearing(out.heading)));
      const shares = turningShares(kinds, o.turnShares);
      const addMovement = (toLink: string, kind: MovementKind, share: number) => {
        if (share <= 0) return;
        const id = `${link.id}>${toLink}`;
        movements.push({ id, fromLink: link.id, toLink, kind, share });
        phases[phaseOfApproach.get(approachId)!].movements.push(id);
      };
      options.forEach((out, k) => {
        const keep = out.leave ? Math.min(1, Math.max(0, o.roadKeepShare[out.link] ?? 1)) : 1;
        addMovement(out.link, kinds[k], shares[k] * keep);
        if (out.leave) addMovement(out.leave, kinds[k], shares[k] * (1 - keep));
      });
    }
    const webster = websterPlan(phasing);
    const plan: FixedTimePlan = {
      greenSeconds: webster.phases.map((p) => p.greenSeconds),
      amberSeconds: o.amberSeconds,
      allRedSeconds: o.allRedSeconds,
      offsetSeconds: 0,
    };
    crossings.push({ id: c.id, approaches: incoming.map((l) => l.id), movements, phases, control: { kind: 'fixed', plan } });
    simCrossings.push({
      id: c.id,
      approaches: c.approaches.map((a) => a.id),
      phases: phasing.map((p) => ({ name: p.name, approaches: p.approaches.map((a) => a.id) })),
      basePlanId: BASE_PLAN_ID,
    });
  }

  const entryLinks = new Set(links.filter((l) => nodes.find((n) => n.id === l.from)?.kind === 'boundary').map((l) => l.id));
  const demand: EntryDemand[] = [];
  for (const [link, rates] of Object.entries(o.demand)) {
    if (!entryLinks.has(link)) throw new Error(`demand for ${link}, which is not an entry link of this network`);
    demand.push({ link, intervalSeconds: o.demandIntervalSeconds, vehPerHour: rates });
  }
  if (o.linkStorageVehicles > 0) for (const link of links) link.storageVehicles = o.linkStorageVehicles;
  return { name: 'boroondara', network: { nodes, links, crossings, demand }, crossings: simCrossings, approachLinks, boundaryEntries, localEntries, roadLinks: usedRoadLinks };
}

/**
 * Shares per movement: the kind's weight renormalised over the kinds offered, split evenly
 * between the movements of one kind. U-turns get nothing unless nothing else is offered.
 */
export function turningShares(kinds: MovementKind[], weights: TurnShares): number[] {
  const weightOf = (k: MovementKind) => (k === 'uturn' ? 0 : weights[k]);
  const present = new Set(kinds.filter((k) => weightOf(k) > 0));
  if (present.size === 0) return kinds.map(() => 1 / kinds.length);
  const total = [...present].reduce((s, k) => s + weightOf(k), 0);
  return kinds.map((k) => (present.has(k) ? weightOf(k) / total / kinds.filter((x) => x === k).length : 0));
}

/** `seed-data/<city>/sim-demand.json`: the calibrated demand, written by `npm run sim:demand`. */
export interface SimDemandFile {
  v: 1;
  network: string;
  generatedBy: string;
  source: string;
  intervalSeconds: number;
  calibration: { seed: number; iterations: number; fit: Record<string, number> };
  approachMeanVehPerHour: Record<string, number>;
  approachPeakVehPerHour: Record<string, number>;
  roadKeepShare: Record<string, number>;
  /** Entry link id → veh/h per interval of the typical day (local time from midnight). */
  entries: Record<string, number[]>;
}

/** The city network with its calibrated demand, as the simulator runs it. */
export function buildCalibratedCity(city: CityInput, file: SimDemandFile, partial: Partial<CityNetworkOptions> = {}): SimCity {
  return buildCityNetwork(city, {
    ...partial,
    approachMeanVehPerHour: file.approachMeanVehPerHour,
    approachPeakVehPerHour: file.approachPeakVehPerHour,
    roadKeepShare: file.roadKeepShare,
    demand: file.entries,
    demandIntervalSeconds: file.intervalSeconds,
  });
}
