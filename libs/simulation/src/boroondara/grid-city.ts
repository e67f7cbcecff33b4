/**
 * A generated grid (`generateGrid`) dressed as a city: crossing ids the contracts accept
 * ("c0_1"), approach ids "<crossing>:<side>" ("c0_1:N" = arriving from the north),
 * coordinates around a reference point, and a `crossings.json`-shaped city definition so
 * fusion and the workers can be started for it (CITY_DIR).
 */
import { compassSide, localPlane, planeBearingDeg } from '@crosscast/network';
import { GridOptions, generateGrid } from '../grid';
import { Network } from '../network';
import { SimCity, SimCrossing } from './city-network';

export interface GridCityOptions {
  rows: number;
  cols: number;
  seed: number;
  /** Entry demand at the peak of the day, veh/h per entry link. Default 500. */
  peakVehPerHour?: number;
  spacingM?: number;
  /** Where the grid's centre is placed on the map. Default: Boroondara's centre. */
  centre?: { lat: number; lon: number };
  timeZone?: string;
}

/** The city definition of a generated grid, in the shape of `CityDefinitionSchema`. */
export interface GridCityDefinition {
  city: string;
  timeZone: string;
  intervalMinutes: number;
  firstIntervalStart: string;
  lastIntervalStart: string;
  source: string;
  crossings: Array<{
    id: string;
    name: string;
    lat: number;
    lon: number;
    approaches: Array<{ id: string; direction: string; road: string; location: string; lat: number; lon: number }>;
  }>;
  /** Per crossing, the plan its controller runs (imported programs): the plan fusion's recommendations must beat. */
  basePlans?: Record<string, { planId: string; cycleSeconds: number; phases: Array<{ name: string; greenSeconds: number }> }>;
}

export const GRID_BASE_PLAN_ID = 'grid-fixed';

/** "grid:4x4" → { rows: 4, cols: 4 }; null if it is not a grid name. */
export function parseGridName(name: string): { rows: number; cols: number } | null {
  const match = /^grid:(\d{1,2})x(\d{1,2})$/.exec(name.trim());
  if (!match) return null;
  const rows = Number(match[1]);
  const cols = Number(match[2]);
  return rows >= 1 && cols >= 1 ? { rows, cols } : null;
}

export function buildGridCity(options: GridCityOptions): { sim: SimCity; definition: GridCityDefinition } {
  const gridOptions: GridOptions = {
    rows: options.rows,
    cols: options.cols,
    spacingM: options.spacingM ?? 250,
    demandLevel: options.peakVehPerHour ?? 500,
    demandSpread: 0.2,
    demandProfile: 'peaks',
    seed: options.seed,
  };
  const network: Network = generateGrid(gridOptions);
  const centre = options.centre ?? { lat: -37.82, lon: 145.06 };
  const crossingNodes = network.nodes.filter((n) => n.kind === 'crossing');
  const plane = localPlane(centre, { x: crossingNodes.reduce((s, n) => s + n.x, 0) / crossingNodes.length, y: crossingNodes.reduce((s, n) => s + n.y, 0) / crossingNodes.length });
  const latLon = (x: number, y: number) => {
    const p = plane.toLatLon({ x, y });
    return { lat: round6(p.lat), lon: round6(p.lon) };
  };
  const node = new Map(network.nodes.map((n) => [n.id, n]));
  const rowRoad = (id: string) => `STREET ${Number(/^c(\d+)_/.exec(id)![1]) + 1}`;
  const colRoad = (id: string) => `AVENUE ${Number(/_(\d+)$/.exec(id)![1]) + 1}`;

  const approachLinks: Record<string, string[]> = {};
  const boundaryEntries: Record<string, string> = {};
  const approachOfLink = new Map<string, string>();
  const definition: GridCityDefinition = {
    city: `Generated grid ${options.rows}x${options.cols} (simulated)`,
    timeZone: options.timeZone ?? 'Australia/Melbourne',
    intervalMinutes: 15,
    firstIntervalStart: '2006-10-01T00:00:00+10:00',
    lastIntervalStart: '2006-10-31T23:45:00+11:00',
    source: `generateGrid (libs/simulation) ${options.rows}x${options.cols}, ${gridOptions.spacingM} m spacing, seed ${options.seed}; no recorded counts: the simulator is the only source`,
    crossings: [],
  };
  const crossings: SimCrossing[] = [];
  for (const crossing of network.crossings) {
    const here = node.get(crossing.id)!;
    const approaches = crossing.approaches.map((linkId) => {
      const link = network.links.find((l) => l.id === linkId)!;
      const from = node.get(link.from)!;
      const side = compassSide(planeBearingDeg(here, from)); // the side the traffic comes from
      const id = `${crossing.id}:${side}`;
      approachLinks[id] = [linkId];
      approachOfLink.set(linkId, id);
      if (from.kind === 'boundary') boundaryEntries[id] = linkId;
      const road = side === 'N' || side === 'S' ? colRoad(crossing.id) : rowRoad(crossing.id);
      const other = side === 'N' || side === 'S' ? rowRoad(crossing.id) : colRoad(crossing.id);
      const at = latLon(here.x + (from.x - here.x) * 0.1, here.y + (from.y - here.y) * 0.1);
      return { id, direction: side, road, location: `${road} ${side} of ${other}`, ...at };
    });
    definition.crossings.push({ id: crossing.id, name: `${colRoad(crossing.id)} / ${rowRoad(crossing.id)}`, ...latLon(here.x, here.y), approaches });
    crossings.push({
      id: crossing.id,
      approaches: approaches.map((a) => a.id),
      phases: crossing.phases.map((p) => ({
        name: p.id,
        approaches: [...new Set(p.movements.map((m) => approachOfLink.get(crossing.movements.find((x) => x.id === m)!.fromLink)!))],
      })),
      basePlanId: GRID_BASE_PLAN_ID,
    });
  }
  const name = `grid:${options.rows}x${options.cols}`;
  return { sim: { name, network, crossings, approachLinks, boundaryEntries, localEntries: {}, roadLinks: [] }, definition };
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
