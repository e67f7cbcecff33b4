/**
 * Synthetic grid cities: rows × cols signalised crossings spacingM apart, every street
 * two-way, a boundary node beyond each street end where vehicles enter and leave, two-phase
 * fixed-time plans (north-south, then east-west) and turning shares on every approach.
 */
import { planeDistanceM } from '@crosscast/network';
import { seedStream, nextUniform } from './prng';
import { Crossing, EntryDemand, FixedTimePlan, LaneGroup, Movement, MovementKind, Network, NetworkLink, NetworkNode } from './network';

export interface GridOptions {
  rows: number;
  cols: number;
  /** Distance between neighbouring crossings, and from an edge crossing to its boundary node. Default 200 m. */
  spacingM?: number;
  /** Lanes per direction. Default 2. */
  lanes?: number;
  /** Free-flow speed, m/s. Default 13.89 (50 km/h). */
  speedMps?: number;
  /** Mean vehicles per hour on each entry link. */
  demandLevel: number;
  /** Seed for the small per-entry variation of demand (±demandSpread). */
  seed: number;
  /** Relative spread of entry demand around demandLevel, default 0 (all equal). */
  demandSpread?: number;
  /** 'constant' (default) or 'peaks' (a day with morning and evening peaks, demandLevel at the peak). */
  demandProfile?: 'constant' | 'peaks';
  /** Demand interval, seconds. Default 900. */
  demandIntervalSeconds?: number;
  /** Hours the profile covers ('peaks' only; default 24). */
  profileHours?: number;
  turnShares?: { left: number; through: number; right: number };
  cycleSeconds?: number;
  amberSeconds?: number;
  allRedSeconds?: number;
  /** Offset added per crossing eastwards and southwards (a simple diagonal wave), default 0. */
  offsetStepSeconds?: number;
  /** Lanes at the stop lines of the crossings' approaches (see GridLaneLayout); default 'one-queue'. */
  laneLayout?: GridLaneLayout;
  /** Length of the left-turn bay of 'left-bay', metres (default 40: 5 vehicles). */
  leftBayLengthM?: number;
  /**
   * 'unopposed' (default): a left turn has right of way in its phase. 'permissive': it
   * yields to the opposing through and right turns (the two-phase plans then have no
   * protected left).
   */
  leftTurns?: 'unopposed' | 'permissive';
}

/**
 * - 'one-queue': all lanes of an approach share one queue for every turn (the engine's
 *   model before lane groups; no lane groups declared).
 * - 'shared': the rightmost lane takes through and right, the leftmost through and left,
 *   any between through only (SUMO's lane use in our export, and a common street layout).
 * - 'left-lane': a full-length left-turn lane on the left, the other lanes through and right.
 * - 'left-bay': every lane takes through and right, plus a left-turn bay of leftBayLengthM.
 */
export type GridLaneLayout = 'one-queue' | 'shared' | 'left-lane' | 'left-bay';

export function gridLaneGroups(layout: GridLaneLayout, lanes: number, bayLengthM = 40): LaneGroup[] | undefined {
  if (layout === 'one-queue') return undefined;
  if (layout === 'left-bay') return [{ lanes, turns: ['through', 'right'] }, { lanes: 1, turns: ['left'], bayLengthM }];
  if (layout === 'left-lane') {
    if (lanes < 2) throw new Error("'left-lane' needs at least two lanes");
    return [{ lanes: lanes - 1, turns: ['through', 'right'] }, { lanes: 1, turns: ['left'] }];
  }
  if (lanes === 1) return [{ lanes: 1, turns: ['through', 'left', 'right'] }];
  return [
    { lanes: 1, turns: ['through', 'right'] },
    ...(lanes > 2 ? [{ lanes: lanes - 2, turns: ['through'] as MovementKind[] }] : []),
    { lanes: 1, turns: ['through', 'left'] },
  ];
}

export const DEFAULT_TURN_SHARES = { left: 0.1, through: 0.8, right: 0.1 };

export function crossingNodeId(row: number, col: number): string {
  return `c${row}_${col}`;
}

export function generateGrid(options: GridOptions): Network {
  const { rows, cols } = options;
  if (!(rows >= 1 && cols >= 1)) throw new Error('a grid needs at least one row and one column');
  const spacing = options.spacingM ?? 200;
  const lanes = options.lanes ?? 2;
  const speed = options.speedMps ?? 13.89;
  const shares = options.turnShares ?? DEFAULT_TURN_SHARES;
  const amber = options.amberSeconds ?? 3;
  const allRed = options.allRedSeconds ?? 2;
  const cycle = options.cycleSeconds ?? 60;
  const green = (cycle - 2 * (amber + allRed)) / 2;
  if (!(green > 0)) throw new Error('cycle too short for two phases');

  const nodes: NetworkNode[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) nodes.push({ id: crossingNodeId(r, c), kind: 'crossing', x: c * spacing, y: (rows - 1 - r) * spacing });
  }
  for (let c = 0; c < cols; c++) {
    nodes.push({ id: `bN${c}`, kind: 'boundary', x: c * spacing, y: rows * spacing });
    nodes.push({ id: `bS${c}`, kind: 'boundary', x: c * spacing, y: -spacing });
  }
  for (let r = 0; r < rows; r++) {
    nodes.push({ id: `bW${r}`, kind: 'boundary', x: -spacing, y: (rows - 1 - r) * spacing });
    nodes.push({ id: `bE${r}`, kind: 'boundary', x: cols * spacing, y: (rows - 1 - r) * spacing });
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const links: NetworkLink[] = [];
  const twoWay = (a: string, b: string) => {
    for (const [from, to] of [[a, b], [b, a]]) {
      const p = byId.get(from)!;
      const q = byId.get(to)!;
      links.push({ id: `${from}-${to}`, from, to, lengthM: planeDistanceM(p, q), lanes, speedMps: speed });
    }
  };
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (c + 1 < cols) twoWay(crossingNodeId(r, c), crossingNodeId(r, c + 1));
      if (r + 1 < rows) twoWay(crossingNodeId(r, c), crossingNodeId(r + 1, c));
    }
  }
  for (let c = 0; c < cols; c++) {
    twoWay(`bN${c}`, crossingNodeId(0, c));
    twoWay(`bS${c}`, crossingNodeId(rows - 1, c));
  }
  for (let r = 0; r < rows; r++) {
    twoWay(`bW${r}`, crossingNodeId(r, 0));
    twoWay(`bE${r}`, crossingNodeId(r, cols - 1));
  }
  const groups = gridLaneGroups(options.laneLayout ?? 'one-queue', lanes, options.leftBayLengthM);
  if (groups) for (const l of links) if (byId.get(l.to)!.kind === 'crossing') l.laneGroups = groups.map((g) => ({ ...g, turns: [...g.turns] }));

  const crossings: Crossing[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const id = crossingNodeId(r, c);
      const incoming = links.filter((l) => l.to === id);
      const outgoing = links.filter((l) => l.from === id);
      const movements: Movement[] = [];
      const northSouth: string[] = [];
      const eastWest: string[] = [];
      for (const inLink of incoming) {
        const [dx, dy] = direction(byId, inLink);
        for (const outLink of outgoing) {
          const [ex, ey] = direction(byId, outLink);
          const kind = turnKind(dx, dy, ex, ey);
          if (kind === 'uturn') continue;
          const movementId = `${inLink.id}>${outLink.id}`;
          movements.push({ id: movementId, fromLink: inLink.id, toLink: outLink.id, kind, share: shares[kind] });
          (Math.abs(dy) > Math.abs(dx) ? northSouth : eastWest).push(movementId);
        }
      }
      if (options.leftTurns === 'permissive') {
        for (const left of movements.filter((m) => m.kind === 'left')) {
          const inLink = incoming.find((l) => l.id === left.fromLink)!;
          const [dx, dy] = direction(byId, inLink);
          const opposing = incoming.find((l) => {
            const [ox, oy] = direction(byId, l);
            return dx * ox + dy * oy < -0.7;
          });
          const foes = movements.filter((m) => m.fromLink === opposing?.id && (m.kind === 'through' || m.kind === 'right')).map((m) => m.id);
          if (foes.length > 0) left.yieldsTo = foes;
        }
      }
      const offset = (options.offsetStepSeconds ?? 0) * (r + c);
      const plan: FixedTimePlan = { greenSeconds: [green, green], amberSeconds: amber, allRedSeconds: allRed, offsetSeconds: offset % cycle };
      crossings.push({
        id,
        approaches: incoming.map((l) => l.id),
        movements,
        phases: [
          { id: 'north-south', movements: northSouth },
          { id: 'east-west', movements: eastWest },
        ],
        control: { kind: 'fixed', plan },
      });
    }
  }

  const rng = new Uint32Array([seedStream(options.seed, 0)]);
  const spread = options.demandSpread ?? 0;
  const interval = options.demandIntervalSeconds ?? 900;
  const demand: EntryDemand[] = links
    .filter((l) => byId.get(l.from)!.kind === 'boundary')
    .map((l) => {
      const level = options.demandLevel * (1 + spread * (2 * nextUniform(rng, 0) - 1));
      if (options.demandProfile === 'peaks') {
        const steps = Math.round(((options.profileHours ?? 24) * 3600) / interval);
        const rates = Array.from({ length: steps }, (_, k) => level * peakShape(((k + 0.5) * interval) / 3600));
        return { link: l.id, intervalSeconds: interval, vehPerHour: rates };
      }
      return { link: l.id, intervalSeconds: interval, vehPerHour: [level] };
    });
  return { nodes, links, crossings, demand };
}

/** Share of the peak demand at a time of day (hours): night base, 08:00 and 17:30 peaks. */
export function peakShape(hour: number): number {
  const h = ((hour % 24) + 24) % 24;
  const bump = (centre: number, width: number) => Math.exp(-0.5 * ((h - centre) / width) ** 2);
  return Math.min(1, 0.15 + 0.45 * bump(13, 4) + 0.85 * bump(8, 1.2) + 0.85 * bump(17.5, 1.4));
}

function direction(byId: Map<string, NetworkNode>, link: NetworkLink): [number, number] {
  const p = byId.get(link.from)!;
  const q = byId.get(link.to)!;
  const len = planeDistanceM(p, q);
  return [(q.x - p.x) / len, (q.y - p.y) / len];
}

/** Through, left or right from the turn between two headings (x east, y north). */
export function turnKind(dx: number, dy: number, ex: number, ey: number): MovementKind {
  const dot = dx * ex + dy * ey;
  const cross = dx * ey - dy * ex;
  if (dot > 0.7) return 'through';
  if (dot < -0.7) return 'uturn';
  return cross > 0 ? 'left' : 'right';
}

export interface IsolatedCrossingOptions {
  /** Vehicles per hour on the north (southbound) and the west (eastbound) approach. */
  demandVehPerHour: [number, number];
  plan: FixedTimePlan;
  lanes?: number;
  approachLengthM?: number;
  speedMps?: number;
  /** Default: the length's own storage; raise it to study queues without spill-back. */
  approachStorageVehicles?: number;
}

/**
 * One crossing of two one-way streets, each through-only with its own phase: the textbook
 * setting of Webster's delay formula. Crossing 'X'; approaches 'N-X' and 'W-X'.
 */
export function generateIsolatedCrossing(options: IsolatedCrossingOptions): Network {
  const length = options.approachLengthM ?? 300;
  const lanes = options.lanes ?? 1;
  const speed = options.speedMps ?? 13.89;
  const storage = options.approachStorageVehicles;
  const nodes: NetworkNode[] = [
    { id: 'X', kind: 'crossing', x: 0, y: 0 },
    { id: 'N', kind: 'boundary', x: 0, y: length },
    { id: 'S', kind: 'boundary', x: 0, y: -length },
    { id: 'W', kind: 'boundary', x: -length, y: 0 },
    { id: 'E', kind: 'boundary', x: length, y: 0 },
  ];
  const link = (from: string, to: string, approach: boolean): NetworkLink => ({
    id: `${from}-${to}`, from, to, lengthM: length, lanes, speedMps: speed, ...(approach && storage ? { storageVehicles: storage } : {}),
  });
  return {
    nodes,
    links: [link('N', 'X', true), link('X', 'S', false), link('W', 'X', true), link('X', 'E', false)],
    crossings: [{
      id: 'X',
      approaches: ['N-X', 'W-X'],
      movements: [
        { id: 'N-S', fromLink: 'N-X', toLink: 'X-S', kind: 'through', share: 1 },
        { id: 'W-E', fromLink: 'W-X', toLink: 'X-E', kind: 'through', share: 1 },
      ],
      phases: [{ id: 'north-south', movements: ['N-S'] }, { id: 'east-west', movements: ['W-E'] }],
      control: { kind: 'fixed', plan: options.plan },
    }],
    demand: [
      { link: 'N-X', intervalSeconds: 3600, vehPerHour: [options.demandVehPerHour[0]] },
      { link: 'W-X', intervalSeconds: 3600, vehPerHour: [options.demandVehPerHour[1]] },
    ],
  };
}

export interface PermissiveLeftCrossingOptions {
  /** Vehicles per hour arriving to turn left (from the south, to the west). */
  leftVehPerHour: number;
  /** Vehicles per hour of the opposing through stream (from the north, to the south). */
  opposingVehPerHour: number;
  plan: FixedTimePlan;
  /** The left has its own phase (phase 0; the opposing stream phase 1); default: one phase for both. */
  protectedLeft?: boolean;
  /** The left yields to the opposing stream (default true). */
  yields?: boolean;
  /** Lanes of the opposing stream (default 3: its headways at the stop line stay close to Poisson). */
  opposingLanes?: number;
  lengthM?: number;
}

/**
 * One crossing to measure a left turn against an opposing stream: approach 'S-X' (one
 * lane, storage for 20,000 vehicles) turns left only ('left', to 'X-W'); approach 'N-X'
 * goes through only ('opposing', to 'X-S'). The setting of the HCM permissive left-turn
 * saturation flow (lanes.ts permissiveSaturationFlow).
 */
export function generatePermissiveLeftCrossing(options: PermissiveLeftCrossingOptions): Network {
  const L = options.lengthM ?? 400;
  const lanes = options.opposingLanes ?? 3;
  return {
    nodes: [
      { id: 'X', kind: 'crossing', x: 0, y: 0 },
      { id: 'N', kind: 'boundary', x: 0, y: L },
      { id: 'S', kind: 'boundary', x: 0, y: -L },
      { id: 'W', kind: 'boundary', x: -L, y: 0 },
    ],
    links: [
      { id: 'S-X', from: 'S', to: 'X', lengthM: L, lanes: 1, speedMps: 13.89, storageVehicles: 20000 },
      { id: 'N-X', from: 'N', to: 'X', lengthM: L, lanes, speedMps: 13.89 },
      { id: 'X-W', from: 'X', to: 'W', lengthM: L, lanes: 1, speedMps: 13.89 },
      { id: 'X-S', from: 'X', to: 'S', lengthM: L, lanes, speedMps: 13.89 },
    ],
    crossings: [{
      id: 'X',
      approaches: ['S-X', 'N-X'],
      movements: [
        { id: 'left', fromLink: 'S-X', toLink: 'X-W', kind: 'left', share: 1, ...(options.yields ?? true ? { yieldsTo: ['opposing'] } : {}) },
        { id: 'opposing', fromLink: 'N-X', toLink: 'X-S', kind: 'through', share: 1 },
      ],
      phases: options.protectedLeft
        ? [{ id: 'left', movements: ['left'] }, { id: 'opposing', movements: ['opposing'] }]
        : [{ id: 'both', movements: ['left', 'opposing'] }],
      control: { kind: 'fixed', plan: options.plan },
    }],
    demand: [
      { link: 'S-X', intervalSeconds: 3600, vehPerHour: [options.leftVehPerHour] },
      { link: 'N-X', intervalSeconds: 3600, vehPerHour: [options.opposingVehPerHour] },
    ],
  };
}
