/**
 * An imported network as a city folder (contents only; the CLI writes them):
 * - crossings.json: the signalised crossings and their approaches in the shape of
 *   `CityDefinitionSchema`, so fusion and the workers run with CITY_DIR;
 * - sim-network.json: the engine's network, the day's entry demand and the import notes,
 *   read by the simulator with SIM_NETWORK=imported;
 * - vehicles.json: the demand file's exact vehicles (departure and route), for benches and
 *   replays of the imported demand.
 * Pure and deterministic: the same import gives byte-identical files.
 */
import { compassSide, localPlane, planeBearingDeg, roadsOfLinks } from '@crosscast/network';
import { Compass, twoPhaseDemand } from '@crosscast/signal-timing';
import type { ScheduledVehicle } from '../engine';
import { peakShape } from '../grid';
import { Crossing, Network } from '../network';
import type { GridCityDefinition } from '../boroondara/grid-city';
import type { SimCity, SimCrossing } from '../boroondara/city-network';
import { ImportedNetwork, ImportFormat } from './report';

export const IMPORTED_BASE_PLAN_ID = 'imported-fixed';

export interface SimNetworkFile {
  format: ImportFormat;
  name: string;
  source: string;
  network: Network;
  /** Signalised crossings (in crossings.json); the others are unsignalised junctions. */
  signalised: string[];
  /** Approach id (crossings.json) → the link it is. */
  approachLinks: Record<string, string>;
  /** A day of entry demand for the simulator: veh/h per interval from local midnight. */
  dailyDemand: { intervalSeconds: number; entries: Record<string, number[]>; how: string };
  notes: string[];
}

export interface ImportedCityFolder {
  definition: GridCityDefinition;
  simNetwork: SimNetworkFile;
  vehicles: { vehicles: ScheduledVehicle[] };
}

export interface CityFolderOptions {
  name: string;
  /** What was imported (file names), for the definition's source. */
  source: string;
  centre?: { lat: number; lon: number };
  timeZone?: string;
  /**
   * 'peaks' (default): each entry's mean rate over the demand file is the peak of the grid
   * cities' day profile (peakShape); 'flat': that rate all day.
   */
  dailyProfile?: 'peaks' | 'flat';
}

export function buildImportedCityFolder(imported: ImportedNetwork, options: CityFolderOptions): ImportedCityFolder {
  const { network } = imported;
  const centre = options.centre ?? { lat: -37.82, lon: 145.06 };
  const node = new Map(network.nodes.map((n) => [n.id, n]));
  const signalised = new Set(imported.signalised);
  const signalNodes = network.nodes.filter((n) => signalised.has(n.id));
  const all = signalNodes.length > 0 ? signalNodes : network.nodes;
  const plane = localPlane(centre, { x: all.reduce((s, n) => s + n.x, 0) / all.length, y: all.reduce((s, n) => s + n.y, 0) / all.length });
  const latLon = (x: number, y: number) => {
    const p = plane.toLatLon({ x, y });
    return { lat: round6(p.lat), lon: round6(p.lon) };
  };
  const links = new Map(network.links.map((l) => [l.id, l]));
  // Each approach's road is the network's road (links joined by through movements and by their
  // opposite direction), so fusion's road graph, inferred from crossings.json by
  // @crosscast/network, finds the links and corridors this network has.
  const roads = roadsOfLinks(network.links, network.crossings.flatMap((c) => c.movements.filter((m) => m.kind === 'through').map((m) => [m.fromLink, m.toLink] as const)));

  const definition: GridCityDefinition = {
    city: `${options.name} (imported ${imported.format === 'sumo' ? 'SUMO' : 'CityFlow'} network, simulated)`,
    timeZone: options.timeZone ?? 'Australia/Melbourne',
    intervalMinutes: 15,
    firstIntervalStart: '2006-10-01T00:00:00+10:00',
    lastIntervalStart: '2006-10-31T23:45:00+11:00',
    source: `imported by npm run sim:import from ${options.source}; no recorded counts: the simulator is the only source`,
    crossings: [],
  };
  const approachLinks: Record<string, string> = {};
  for (const crossing of network.crossings) {
    if (!signalised.has(crossing.id)) continue;
    const here = node.get(crossing.id)!;
    const used = new Set<string>();
    const approaches = crossing.approaches.map((linkId) => {
      const from = node.get(links.get(linkId)!.from)!;
      const side = compassSide(planeBearingDeg(here, from));
      let id = `${crossing.id}:${side}`;
      for (let k = 2; used.has(id); k++) id = `${crossing.id}:${side}.${k}`;
      used.add(id);
      approachLinks[id] = linkId;
      const at = latLon(here.x + (from.x - here.x) * 0.1, here.y + (from.y - here.y) * 0.1);
      return { id, direction: side, road: roads.get(linkId)!, location: `${linkId}, ${side} of ${crossing.id}`, ...at };
    });
    definition.crossings.push({ id: crossing.id, name: `${crossing.id} (${crossing.approaches.length} approaches)`, ...latLon(here.x, here.y), approaches });
  }
  // The imported programs are the plans fusion's recommendations must beat (basePlans), where
  // they are fixed-time and each phase serves one of fusion's two axes (north-south, east-west).
  const basePlans: NonNullable<GridCityDefinition['basePlans']> = {};
  const approachOfLink = new Map(Object.entries(approachLinks).map(([a, l]) => [l, a]));
  const unplanned: string[] = [];
  for (const c of definition.crossings) {
    const plan = importedBasePlan(network.crossings.find((x) => x.id === c.id)!, c.approaches, approachOfLink);
    if (plan) basePlans[c.id] = plan;
    else unplanned.push(c.id);
  }
  if (Object.keys(basePlans).length > 0) definition.basePlans = basePlans;

  const profile = options.dailyProfile ?? 'peaks';
  const intervalSeconds = 900;
  const entries: Record<string, number[]> = {};
  for (const d of network.demand) {
    const rates = d.vehPerHour.slice(0, -1).length > 0 ? d.vehPerHour.slice(0, -1) : d.vehPerHour;
    const mean = rates.reduce((s, r) => s + r, 0) / rates.length;
    entries[d.link] = Array.from({ length: 96 }, (_, k) => round3(profile === 'flat' ? mean : mean * peakShape(((k + 0.5) * intervalSeconds) / 3600)));
  }
  const simNetwork: SimNetworkFile = {
    format: imported.format,
    name: options.name,
    source: options.source,
    network,
    signalised: imported.signalised,
    approachLinks,
    dailyDemand: {
      intervalSeconds,
      entries,
      how: profile === 'flat'
        ? "each entry's mean rate over the demand file, all day"
        : "each entry's mean rate over the demand file is the peak of the grid cities' day profile (peakShape: 08:00 and 17:30 peaks, night base 15 %)",
    },
    notes: unplanned.length > 0
      ? [...imported.notes, `programs that are not fixed-time with every phase serving one axis (north-south or east-west), both axes served, are not given to fusion as the plan to beat (it assumes Webster on the flows observed) (${unplanned.length}): ${unplanned.slice(0, 5).join(', ')}${unplanned.length > 5 ? ` and ${unplanned.length - 5} more` : ''}`].sort()
      : imported.notes,
  };
  return { definition, simNetwork, vehicles: { vehicles: imported.vehicles } };
}

/**
 * A fixed-time imported program as fusion's base plan, on fusion's two axes (north-south,
 * east-west by the approaches' compass sides): each phase belongs to the axis its
 * movements other than right turns come from (only right turns: all its movements); an
 * axis's green is the sum of its phases' greens plus the amber and all-red between two
 * consecutive phases of that axis (its traffic keeps moving through them, e.g. a through
 * phase followed by a left-turn phase of the same roads); the cycle is kept, so what is
 * left are the clearances where the axis changes. Two phases, one per axis, map one to one.
 * Null for actuated control, a phase that serves both axes, or an axis without a phase.
 */
function importedBasePlan(crossing: Crossing, approaches: Array<{ id: string; direction: string }>, approachOfLink: Map<string, string>): NonNullable<GridCityDefinition['basePlans']>[string] | null {
  if (crossing.control.kind !== 'fixed') return null;
  const fusionPhases = twoPhaseDemand(approaches.map((a) => ({ id: a.id, direction: a.direction as Compass, flowVehPerHour: 0 })));
  if (fusionPhases.some((p) => p.approaches.length === 0)) return null;
  const nameOf = new Map(fusionPhases.flatMap((p) => p.approaches.map((a) => [a.id, p.name] as const)));
  const names = crossing.phases.map((phase) => {
    const movements = phase.movements.map((m) => crossing.movements.find((x) => x.id === m)!);
    const main = movements.filter((m) => m.kind !== 'right');
    const served = new Set((main.length > 0 ? main : movements).map((m) => nameOf.get(approachOfLink.get(m.fromLink)!)));
    return served.size === 1 ? [...served][0]! : null;
  });
  if (names.some((n) => n === null) || fusionPhases.some((p) => !names.includes(p.name))) return null;
  const { plan } = crossing.control;
  const clearance = plan.amberSeconds + plan.allRedSeconds;
  const green = new Map<string, number>(fusionPhases.map((p) => [p.name, 0]));
  names.forEach((name, i) => {
    const sameNext = names[(i + 1) % names.length] === name;
    green.set(name!, green.get(name!)! + plan.greenSeconds[i] + (sameNext ? clearance : 0));
  });
  const cycle = plan.greenSeconds.reduce((s, g) => s + g + clearance, 0);
  return {
    planId: IMPORTED_BASE_PLAN_ID,
    cycleSeconds: round3(cycle),
    phases: fusionPhases.map((p) => ({ name: p.name, greenSeconds: round3(green.get(p.name)!) })),
  };
}

/** The files of the folder, as text (JSON, two-space indent, trailing newline). */
export function cityFolderFiles(folder: ImportedCityFolder): Record<string, string> {
  const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;
  return {
    'crossings.json': json(folder.definition),
    'sim-network.json': json(folder.simNetwork),
    'vehicles.json': json(folder.vehicles),
  };
}

/** The simulator's view of an imported city folder (sim-network.json). */
export function simCityFromImport(file: SimNetworkFile): SimCity {
  const signalised = new Set(file.signalised);
  const approachOf = new Map(Object.entries(file.approachLinks).map(([a, l]) => [l, a]));
  const boundary = new Set(file.network.nodes.filter((n) => n.kind === 'boundary').map((n) => n.id));
  const links = new Map(file.network.links.map((l) => [l.id, l]));
  const crossings: SimCrossing[] = file.network.crossings.filter((c) => signalised.has(c.id)).map((c) => ({
    id: c.id,
    approaches: c.approaches.map((l) => approachOf.get(l)!),
    // a phase serves the approaches of its movements other than right turns (CityFlow and SUMO let
    // rights go in most phases; counting them would make every phase serve every approach)
    phases: c.phases.map((p) => {
      const movements = p.movements.map((m) => c.movements.find((x) => x.id === m)!);
      const main = movements.filter((m) => m.kind !== 'right');
      return { name: p.id, approaches: [...new Set((main.length > 0 ? main : movements).map((m) => approachOf.get(m.fromLink)!))] };
    }),
    basePlanId: IMPORTED_BASE_PLAN_ID,
  }));
  const approachLinks: Record<string, string[]> = {};
  const boundaryEntries: Record<string, string> = {};
  const roadLinks: SimCity['roadLinks'] = [];
  for (const [approach, linkId] of Object.entries(file.approachLinks)) {
    approachLinks[approach] = [linkId];
    const link = links.get(linkId)!;
    if (boundary.has(link.from)) boundaryEntries[approach] = linkId;
    if (signalised.has(link.from)) {
      roadLinks.push({ from: link.from, to: link.to, road: link.id, distanceM: link.lengthM, freeFlowSeconds: link.lengthM / link.speedMps, feedsApproach: approach, direction: approach.split(':')[1].split('.')[0] });
    }
  }
  return { name: `imported:${file.name}`, network: file.network, crossings, approachLinks, boundaryEntries, localEntries: {}, roadLinks };
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
