/**
 * The two networks of `npm run bench:timing` and what the planners need to know about
 * them: per crossing its lane groups (one per approach link: the engine keeps one queue
 * per link, shared by its lanes and movements), its phase names, and the corridors that
 * coordination works along.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inferNeighbourGraph, normaliseRoad } from '@crosscast/fusion';
import { CityInput, Network, SimDemandFile, buildCalibratedCity, generateGrid } from '@crosscast/simulation';

/** Saturation flow per lane the planners assume: the engine's SUMO-calibrated discharge rate. */
export const SATURATION_PER_LANE = 1900;
export const SLOTS_PER_DAY = 96;
export const SLOT_SECONDS = 900;

export interface LaneGroupSpec {
  /** The approach link (its stop-line count is the detector). */
  linkId: string;
  phase: string;
  saturationFlowVehPerHour: number;
}

export interface CorridorSpec {
  name: string;
  /** Crossings in order along the road. */
  crossings: string[];
  /** Distance between consecutive crossings, metres. */
  distancesM: number[];
  /** Per crossing, the phase that carries the road. */
  coordinatedPhases: string[];
}

export interface TimingScenario {
  name: 'boroondara' | 'grid_4x4';
  description: string;
  /** The network with its pre-existing control (the plans running before the benchmark's days). */
  network: Network;
  crossingIds: string[];
  phaseNames: Record<string, string[]>;
  laneGroups: Record<string, LaneGroupSpec[]>;
  corridors: CorridorSpec[];
  speedKmh: number;
}

function laneGroupsOf(network: Network): { phaseNames: Record<string, string[]>; laneGroups: Record<string, LaneGroupSpec[]> } {
  const lanes = new Map(network.links.map((l) => [l.id, l.lanes]));
  const phaseNames: Record<string, string[]> = {};
  const laneGroups: Record<string, LaneGroupSpec[]> = {};
  for (const crossing of network.crossings) {
    phaseNames[crossing.id] = crossing.phases.map((p) => p.id);
    laneGroups[crossing.id] = crossing.approaches.map((linkId) => {
      const movement = crossing.movements.find((m) => m.fromLink === linkId);
      const phase = crossing.phases.find((p) => movement && p.movements.includes(movement.id)) ?? crossing.phases[0];
      return { linkId, phase: phase.id, saturationFlowVehPerHour: SATURATION_PER_LANE * (lanes.get(linkId) ?? 1) };
    });
  }
  return { phaseNames, laneGroups };
}

// ------------------------------------------------------------------ Boroondara

const CITY_DIR = path.join('seed-data', 'boroondara-2006');

export function boroondaraScenario(): TimingScenario {
  const city = JSON.parse(fs.readFileSync(path.join(CITY_DIR, 'crossings.json'), 'utf8')) as CityInput & { crossings: Array<{ approaches: Array<{ road?: string | null }> }> };
  const demand = JSON.parse(fs.readFileSync(path.join(CITY_DIR, 'sim-demand.json'), 'utf8')) as SimDemandFile;
  const simCity = buildCalibratedCity(city, demand);
  const network = simCity.network;
  const { phaseNames, laneGroups } = laneGroupsOf(network);
  // Corridors: the fusion library's roads (crossings on one road, in order along it).
  const graph = inferNeighbourGraph(city.crossings, { freeFlowKmh: 50 });
  const corridors: CorridorSpec[] = [];
  for (const road of graph.roads) {
    const roadName = normaliseRoad(road.road.replace(/ \(\d+\)$/, ''));
    // The phase that carries the road at each crossing: the phase of an approach on that road.
    const phaseOnRoad = (crossingId: string): string | null => {
      const crossing = city.crossings.find((c) => c.id === crossingId);
      const approach = crossing?.approaches.find((a) => a.road && normaliseRoad(a.road) === roadName);
      if (!approach) return null;
      return laneGroups[crossingId]?.find((g) => g.linkId === approach.id)?.phase ?? null;
    };
    // A crossing with no approach on the road splits the corridor.
    let piece: CorridorSpec | null = null;
    road.crossings.forEach((id, i) => {
      const phase = phaseOnRoad(id);
      if (phase === null) {
        piece = null;
        return;
      }
      if (!piece) {
        piece = { name: road.road, crossings: [], distancesM: [], coordinatedPhases: [] };
        corridors.push(piece);
      } else {
        piece.distancesM.push(road.segments[i - 1].distanceM);
      }
      piece.crossings.push(id);
      piece.coordinatedPhases.push(phase);
    });
  }
  return {
    name: 'boroondara',
    description: `City of Boroondara (${network.crossings.length} crossings, ${network.links.length} links), demand calibrated to the October 2006 weekday counts (seed-data/boroondara-2006/sim-demand.json), vertical queues as in the simulator app`,
    network,
    crossingIds: network.crossings.map((c) => c.id),
    phaseNames,
    laneGroups,
    corridors: corridors.filter((c) => c.crossings.length >= 2),
    speedKmh: 50,
  };
}

// ------------------------------------------------------------------ 4×4 grid

export const GRID_PEAK_VEH_PER_HOUR = 1300;
export const GRID_SPREAD = 0.25;

const bump = (h: number, centre: number, width: number) => Math.exp(-0.5 * ((h - centre) / width) ** 2);

/**
 * Share of an entry's peak demand at hour h: a night base, an inter-peak hump and the two
 * peaks of `peakShape` (08:00 and 17:30), tidal: the north-south entries carry the heavier
 * morning peak, the east-west entries the heavier evening peak.
 */
export function tidalShape(hour: number, northSouth: boolean): number {
  const morning = northSouth ? 0.85 : 0.5;
  const evening = northSouth ? 0.5 : 0.85;
  return Math.min(1, 0.15 + 0.45 * bump(hour, 13, 4) + morning * bump(hour, 8, 1.2) + evening * bump(hour, 17.5, 1.4));
}

export function gridScenario(): TimingScenario {
  const network = generateGrid({ rows: 4, cols: 4, demandLevel: GRID_PEAK_VEH_PER_HOUR, seed: 1, demandSpread: GRID_SPREAD });
  network.demand = network.demand.map((d) => {
    const northSouth = /^b[NS]/.test(d.link);
    const level = d.vehPerHour[0];
    return { link: d.link, intervalSeconds: SLOT_SECONDS, vehPerHour: Array.from({ length: SLOTS_PER_DAY }, (_, k) => Math.round(level * tidalShape((k + 0.5) / 4, northSouth))) };
  });
  const { phaseNames, laneGroups } = laneGroupsOf(network);
  const corridors: CorridorSpec[] = [];
  for (let r = 0; r < 4; r++) {
    corridors.push({ name: `row ${r}`, crossings: [0, 1, 2, 3].map((c) => `c${r}_${c}`), distancesM: [200, 200, 200], coordinatedPhases: new Array(4).fill('east-west') });
  }
  for (let c = 0; c < 4; c++) {
    corridors.push({ name: `column ${c}`, crossings: [0, 1, 2, 3].map((r) => `c${r}_${c}`), distancesM: [200, 200, 200], coordinatedPhases: new Array(4).fill('north-south') });
  }
  return {
    name: 'grid_4x4',
    description: `4×4 grid, 200 m blocks, 2 lanes, 50 km/h, turns 10/80/10 %, physical link storage with spill-back; entry demand peaks at ${GRID_PEAK_VEH_PER_HOUR} veh/h ±${GRID_SPREAD * 100} % per entry, tidal: morning peak (08:00) heavier north-south, evening peak (17:30) heavier east-west, inter-peak hump at 13:00, night base 15 %`,
    network,
    crossingIds: network.crossings.map((c) => c.id),
    phaseNames,
    laneGroups,
    corridors,
    speedKmh: 50,
  };
}
