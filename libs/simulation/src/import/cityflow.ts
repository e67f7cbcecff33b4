/**
 * CityFlow `roadnet.json` + `flow.json` into the engine's network (text in, data out).
 *
 * Supported subset (the format of CityFlow's documentation and its roadnet generator):
 * - intersections: `virtual: true` → a boundary node; otherwise a signalised crossing with
 *   `roadLinks` (type go_straight / turn_left / turn_right, startRoad, endRoad, laneLinks)
 *   and a `trafficLight` whose `lightphases` (time, availableRoadLinks) are played in order.
 *   A light phase that lets through only right turns (or nothing) is a clearance (CityFlow
 *   has no yellow): its time becomes the amber of the phase before it. Every other light
 *   phase is one of our phases.
 * - roads: startIntersection, endIntersection, points (length = the polyline's length),
 *   lanes (count; speed = the fastest lane's maxSpeed). CityFlow numbers lanes from the
 *   inside (left); lane groups are built from the roadLinks' laneLinks, right to left.
 * - flow.json: `route` (road ids), `interval`, `startTime`, `endTime`: a vehicle at
 *   startTime + k × interval while ≤ endTime (CityFlow's rule). `vehicle` parameters are
 *   noted, not modelled.
 */
import { polylineLengthM } from '@crosscast/network';
import type { ScheduledVehicle } from '../engine';
import { Crossing, LaneGroup, Movement, MovementKind, Network, NetworkLink, NetworkNode, SignalPhase } from '../network';
import { ImportLog, ImportedNetwork, entryDemandFromVehicles, setTurnSharesFromVehicles } from './report';

export interface CityFlowImportOptions {
  demandIntervalSeconds?: number;
}

interface CfPoint { x: number; y: number }
interface CfRoad { id: string; points: CfPoint[]; lanes: { width?: number; maxSpeed: number }[]; startIntersection: string; endIntersection: string }
interface CfRoadLink { type: string; startRoad: string; endRoad: string; direction?: number; laneLinks: { startLaneIndex: number; endLaneIndex: number; points?: CfPoint[] }[] }
interface CfIntersection {
  id: string; point: CfPoint; width?: number; roads?: string[]; roadLinks?: CfRoadLink[]; virtual?: boolean;
  trafficLight?: { roadLinkIndices?: number[]; lightphases: { time: number; availableRoadLinks: number[] }[] };
}

const KIND: Record<string, MovementKind> = { go_straight: 'through', turn_left: 'left', turn_right: 'right' };
const INTERSECTION_KEYS = new Set(['id', 'point', 'width', 'roads', 'roadLinks', 'trafficLight', 'virtual']);
const ROAD_KEYS = new Set(['id', 'points', 'lanes', 'startIntersection', 'endIntersection']);
const FLOW_KEYS = new Set(['vehicle', 'route', 'interval', 'startTime', 'endTime']);

export function importCityFlow(roadnetJson: string, flowJson?: string, options: CityFlowImportOptions = {}): ImportedNetwork {
  const log = new ImportLog();
  const roadnet = parseJson(roadnetJson, 'roadnet.json') as { intersections?: CfIntersection[]; roads?: CfRoad[] };
  if (!roadnet || !Array.isArray(roadnet.intersections) || !Array.isArray(roadnet.roads)) throw new Error('roadnet.json needs "intersections" and "roads" arrays');
  for (const key of Object.keys(roadnet)) if (key !== 'intersections' && key !== 'roads') log.problem(`roadnet.json: "${key}" is not supported`);
  for (const i of roadnet.intersections) for (const key of Object.keys(i)) if (!INTERSECTION_KEYS.has(key)) log.problem(`intersection ${i.id}: "${key}" is not supported`);
  for (const r of roadnet.roads) for (const key of Object.keys(r)) if (!ROAD_KEYS.has(key)) log.problem(`road ${r.id}: "${key}" is not supported`);
  log.throwIfProblems();

  const idOf = new Map<string, string>();
  const taken = new Set<string>();
  for (const i of roadnet.intersections) {
    let clean = String(i.id).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 32) || 'x';
    if (taken.has(clean)) { let k = 2; while (taken.has(`${clean.slice(0, 28)}_${k}`)) k++; clean = `${clean.slice(0, 28)}_${k}`; }
    taken.add(clean);
    idOf.set(i.id, clean);
    if (clean !== i.id) log.note('CityFlow intersection ids changed to letters, digits, "-" and "_" (1-32 characters)', `${i.id} → ${clean}`);
  }
  const nodes: NetworkNode[] = roadnet.intersections.map((i) => ({ id: idOf.get(i.id)!, kind: i.virtual ? 'boundary' : 'crossing', x: i.point.x, y: i.point.y }));
  const links: NetworkLink[] = [];
  for (const r of roadnet.roads) {
    if (!idOf.has(r.startIntersection) || !idOf.has(r.endIntersection)) { log.problem(`road ${r.id}: unknown intersection`); continue; }
    if (!Array.isArray(r.points) || r.points.length < 2 || !Array.isArray(r.lanes) || r.lanes.length === 0) { log.problem(`road ${r.id}: needs two points and a lane`); continue; }
    const length = polylineLengthM(r.points);
    const speeds = new Set(r.lanes.map((l) => l.maxSpeed));
    if (speeds.size > 1) log.note('CityFlow roads whose lanes have different speeds: the fastest is used', r.id);
    links.push({ id: r.id, from: idOf.get(r.startIntersection)!, to: idOf.get(r.endIntersection)!, lengthM: Math.round(length * 1000) / 1000, lanes: r.lanes.length, speedMps: Math.max(...speeds) });
  }
  log.throwIfProblems();
  const linkById = new Map(links.map((l) => [l.id, l]));

  const crossings: Crossing[] = [];
  for (const i of roadnet.intersections) {
    if (i.virtual) {
      if ((i.roadLinks ?? []).length > 0) log.note('CityFlow roadLinks of virtual intersections not used (vehicles leave there)', i.id);
      continue;
    }
    const id = idOf.get(i.id)!;
    const roadLinks = i.roadLinks ?? [];
    const approaches = links.filter((l) => l.to === id).map((l) => l.id);
    const movements: Movement[] = [];
    const movementOfRoadLink: (Movement | null)[] = [];
    roadLinks.forEach((rl, k) => {
      const kind = KIND[rl.type];
      if (!kind) { log.problem(`intersection ${i.id}: roadLink ${k} has type "${rl.type}" (go_straight, turn_left, turn_right are supported)`); movementOfRoadLink.push(null); return; }
      if (linkById.get(rl.startRoad)?.to !== id || linkById.get(rl.endRoad)?.from !== id) { log.problem(`intersection ${i.id}: roadLink ${k} (${rl.startRoad} → ${rl.endRoad}) does not pass this intersection`); movementOfRoadLink.push(null); return; }
      const mid = `${rl.startRoad}>${rl.endRoad}`;
      let m = movements.find((x) => x.id === mid);
      if (!m) movements.push((m = { id: mid, fromLink: rl.startRoad, toLink: rl.endRoad, kind, share: 0 }));
      movementOfRoadLink.push(m);
    });
    for (const a of approaches) if (!movements.some((m) => m.fromLink === a)) log.problem(`road ${a} ends at intersection ${i.id} with no roadLink onward`);
    // lane groups from laneLinks; CityFlow lane 0 is the innermost (leftmost)
    for (const a of approaches) {
      const link = linkById.get(a)!;
      const turnsOfLane = Array.from({ length: link.lanes }, () => new Set<MovementKind>());
      roadLinks.forEach((rl, k) => {
        if (rl.startRoad !== a || !movementOfRoadLink[k]) return;
        for (const ll of rl.laneLinks ?? []) if (ll.startLaneIndex >= 0 && ll.startLaneIndex < link.lanes) turnsOfLane[ll.startLaneIndex].add(movementOfRoadLink[k]!.kind);
      });
      const rightFirst = turnsOfLane.map((s) => [...s].sort()).reverse();
      const any = rightFirst.find((t) => t.length > 0) ?? [];
      const groups: LaneGroup[] = [];
      for (let t of rightFirst) {
        if (t.length === 0) { t = any; log.note('CityFlow lanes without a laneLink share the queue of the nearest lane with one', a); }
        const last = groups[groups.length - 1];
        if (last && last.turns.join() === t.join()) last.lanes++;
        else groups.push({ lanes: 1, turns: t as MovementKind[] });
      }
      if (any.length > 0) link.laneGroups = groups;
    }
    const light = i.trafficLight;
    if (!light || !Array.isArray(light.lightphases) || light.lightphases.length === 0) { log.problem(`intersection ${i.id}: no trafficLight lightphases`); continue; }
    const isMain = (p: { availableRoadLinks: number[] }) => p.availableRoadLinks.some((k) => roadLinks[k] && roadLinks[k].type !== 'turn_right');
    const first = light.lightphases.findIndex(isMain);
    if (first < 0) { log.problem(`intersection ${i.id}: no light phase lets anything but right turns go`); continue; }
    const ordered = [...light.lightphases.slice(first), ...light.lightphases.slice(0, first)];
    const before = light.lightphases.slice(0, first).reduce((s, p) => s + p.time, 0);
    const groups: { main: { time: number; availableRoadLinks: number[] }; clearance: number }[] = [];
    for (const p of ordered) {
      if (isMain(p)) groups.push({ main: p, clearance: 0 });
      else groups[groups.length - 1].clearance += p.time;
    }
    const amber = Math.min(...groups.map((g) => g.clearance));
    if (groups.some((g) => g.clearance !== amber)) log.note('CityFlow light programs with different clearance times: the shortest is the amber, the rest is added to the green', i.id);
    const phases: SignalPhase[] = groups.map((g, k) => ({
      id: `p${k}`, movements: [...new Set(g.main.availableRoadLinks.map((x) => movementOfRoadLink[x]?.id).filter((x): x is string => !!x))].sort(),
    }));
    const greens = groups.map((g) => g.main.time + g.clearance - amber);
    if (greens.some((g) => !(g > 0))) { log.problem(`intersection ${i.id}: a light phase without time`); continue; }
    const cycle = greens.reduce((s, g) => s + g + amber, 0);
    const inPhase = new Set(phases.flatMap((p) => p.movements));
    const kept = movements.filter((m) => {
      if (inPhase.has(m.id)) return true;
      log.note('CityFlow roadLinks in no light phase left out', `${i.id}: ${m.id}`);
      return false;
    });
    crossings.push({ id, approaches, movements: kept, phases, control: { kind: 'fixed', plan: { greenSeconds: greens, amberSeconds: amber, allRedSeconds: 0, offsetSeconds: (((-before) % cycle) + cycle) % cycle } } });
  }
  log.throwIfProblems();

  const network: Network = { nodes, links, crossings, demand: [] };
  const vehicles: ScheduledVehicle[] = [];
  if (flowJson !== undefined) {
    const flows = parseJson(flowJson, 'flow.json');
    if (!Array.isArray(flows)) throw new Error('flow.json must be an array of flows');
    flows.forEach((f: { route?: unknown; interval?: unknown; startTime?: unknown; endTime?: unknown; vehicle?: unknown }, k: number) => {
      for (const key of Object.keys(f)) if (!FLOW_KEYS.has(key)) log.problem(`flow ${k}: "${key}" is not supported`);
      const route = f.route;
      const interval = Number(f.interval);
      const start = Number(f.startTime ?? 0);
      const end = Number(f.endTime ?? -1);
      if (!Array.isArray(route) || route.length === 0 || route.some((r) => !linkById.has(String(r)))) { log.problem(`flow ${k}: route must list known roads`); return; }
      if (!(interval > 0) || !Number.isFinite(start) || !Number.isFinite(end)) { log.problem(`flow ${k}: needs a positive interval and numeric startTime and endTime`); return; }
      if (f.vehicle !== undefined) log.note('CityFlow vehicle parameters not modelled: every vehicle drives at the road speed', 'vehicle');
      for (let n = 0; start + n * interval <= end; n++) vehicles.push({ id: `flow_${k}_${n}`, departSeconds: Math.round((start + n * interval) * 1000) / 1000, route: route.map(String) });
    });
    log.throwIfProblems();
  }
  vehicles.sort((a, b) => a.departSeconds - b.departSeconds || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  setTurnSharesFromVehicles(network, vehicles);
  if (vehicles.length > 0) {
    const { demand, notFromEntries } = entryDemandFromVehicles(network, vehicles, options.demandIntervalSeconds ?? 900);
    network.demand = demand;
    if (notFromEntries > 0) log.note('vehicles that depart on a road inside the network are run as given (vehicles.json) but are not part of the Poisson entry demand', `${notFromEntries} vehicles`);
  }
  log.note('CityFlow right turns run in every phase that lists them; between phases they stop for the amber like the others');
  return { format: 'cityflow', network, vehicles, signalised: crossings.map((c) => c.id), notes: log.notes() };
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new Error(`${name} is not valid JSON: ${(e as Error).message}`);
  }
}

export interface CityFlowGridOptions {
  rows: number;
  cols: number;
  /** Road length between neighbouring intersections, metres (default 300). */
  spacingM?: number;
  /** Lane speed, m/s (default 11.111, 40 km/h, as CityFlow's generated grids). */
  speedMps?: number;
  /** Vehicles per hour entering on each boundary road (default 300). */
  entryVehPerHour?: number;
  /** Shares of vehicles turning left / right at their first intersection (default 0.2 / 0.2; the rest go straight across). */
  leftShare?: number;
  rightShare?: number;
  /** Seconds of green per phase and of the clearance light phase (default 30 and 5). */
  greenSeconds?: number;
  clearanceSeconds?: number;
  endTimeSeconds?: number;
}

/**
 * A rows × cols grid in CityFlow's format (roadnet.json + flow.json): real intersections
 * "intersection_<col>_<row>" (1-based) ringed by virtual ones, two-way roads with three
 * lanes (inner left, middle straight, outer right), and four light phases (east-west
 * straight, east-west left, north-south straight, north-south left; right turns in all)
 * each followed by a clearance light phase of right turns only. Flows: from every boundary
 * road, straight across the grid, or left / right at the first intersection and then
 * straight to the boundary, each at a fixed interval (CityFlow flows are deterministic).
 */
export function generateCityFlowGrid(o: CityFlowGridOptions): { roadnet: unknown; flow: unknown[] } {
  const spacing = o.spacingM ?? 300;
  const speed = o.speedMps ?? 11.111;
  const rate = o.entryVehPerHour ?? 300;
  const left = o.leftShare ?? 0.2;
  const right = o.rightShare ?? 0.2;
  const green = o.greenSeconds ?? 30;
  const clearance = o.clearanceSeconds ?? 5;
  const end = o.endTimeSeconds ?? 3600;
  const W = o.cols + 2;
  const H = o.rows + 2;
  const iid = (x: number, y: number) => `intersection_${x}_${y}`;
  const real = (x: number, y: number) => x >= 1 && x <= o.cols && y >= 1 && y <= o.rows;
  const exists = (x: number, y: number) => x >= 0 && x < W && y >= 0 && y < H && (real(x, y) || ((x === 0 || x === W - 1) !== (y === 0 || y === H - 1)));
  const DIRS = [[1, 0], [0, 1], [-1, 0], [0, -1]]; // CityFlow road direction index: 0 east, 1 north, 2 west, 3 south
  const roadId = (x: number, y: number, d: number) => `road_${x}_${y}_${d}`;
  const roads: CfRoad[] = [];
  for (let x = 0; x < W; x++) for (let y = 0; y < H; y++) {
    if (!exists(x, y)) continue;
    DIRS.forEach(([dx, dy], d) => {
      const nx = x + dx;
      const ny = y + dy;
      if (!exists(nx, ny) || (!real(x, y) && !real(nx, ny))) return;
      roads.push({
        id: roadId(x, y, d), points: [{ x: x * spacing, y: y * spacing }, { x: nx * spacing, y: ny * spacing }],
        lanes: [0, 1, 2].map(() => ({ width: 3, maxSpeed: speed })), startIntersection: iid(x, y), endIntersection: iid(nx, ny),
      });
    });
  }
  const byId = new Map(roads.map((r) => [r.id, r]));
  const intersections: CfIntersection[] = [];
  for (let x = 0; x < W; x++) for (let y = 0; y < H; y++) {
    if (!exists(x, y)) continue;
    const ids = roads.filter((r) => r.startIntersection === iid(x, y) || r.endIntersection === iid(x, y)).map((r) => r.id);
    if (!real(x, y)) { intersections.push({ id: iid(x, y), point: { x: x * spacing, y: y * spacing }, width: 0, roads: ids, roadLinks: [], virtual: true }); continue; }
    const roadLinks: CfRoadLink[] = [];
    DIRS.forEach(([dx, dy], d) => {
      const inRoad = roadId(x - dx, y - dy, d); // arriving heading d
      if (!byId.has(inRoad)) return;
      const turns: [string, number, number][] = [['turn_left', (d + 1) % 4, 0], ['go_straight', d, 1], ['turn_right', (d + 3) % 4, 2]];
      for (const [type, outDir, lane] of turns) {
        const outRoad = roadId(x, y, outDir);
        if (!byId.has(outRoad)) continue;
        roadLinks.push({ type, startRoad: inRoad, endRoad: outRoad, direction: outDir, laneLinks: [0, 1, 2].map((e) => ({ startLaneIndex: lane, endLaneIndex: e, points: [] })) });
      }
    });
    const pick = (dirs: number[], type: string) => roadLinks.map((rl, k) => ({ rl, k })).filter(({ rl }) => rl.type === type && dirs.includes(Number(rl.startRoad.split('_')[3]))).map(({ k }) => k);
    const rights = roadLinks.map((rl, k) => ({ rl, k })).filter(({ rl }) => rl.type === 'turn_right').map(({ k }) => k);
    const mains = [pick([0, 2], 'go_straight'), pick([0, 2], 'turn_left'), pick([1, 3], 'go_straight'), pick([1, 3], 'turn_left')];
    const lightphases = mains.flatMap((m) => [{ time: green, availableRoadLinks: [...m, ...rights].sort((a, b) => a - b) }, { time: clearance, availableRoadLinks: rights }]);
    intersections.push({
      id: iid(x, y), point: { x: x * spacing, y: y * spacing }, width: 10, roads: ids, roadLinks,
      trafficLight: { roadLinkIndices: roadLinks.map((_, k) => k), lightphases }, virtual: false,
    });
  }
  // flows from every boundary road
  const vehicle = { length: 5, width: 2, maxPosAcc: 2, maxNegAcc: 4.5, usualPosAcc: 2, usualNegAcc: 4.5, minGap: 2.5, maxSpeed: speed, headwayTime: 2 };
  const flow: unknown[] = [];
  const walk = (x: number, y: number, d: number): string[] => {
    const out: string[] = [];
    while (real(x, y)) {
      out.push(roadId(x, y, d));
      x += DIRS[d][0];
      y += DIRS[d][1];
    }
    return out;
  };
  for (const r of roads) {
    const [sx, sy] = r.startIntersection.split('_').slice(1).map(Number);
    if (real(sx, sy)) continue;
    const d = Number(r.id.split('_')[3]);
    const fx = sx + DIRS[d][0];
    const fy = sy + DIRS[d][1];
    const options: [number, number][] = [[d, 1 - left - right], [(d + 1) % 4, left], [(d + 3) % 4, right]];
    for (const [outDir, share] of options) {
      if (!(share > 0)) continue;
      const route = [r.id, ...walk(fx, fy, outDir)];
      flow.push({ vehicle, route, interval: Math.round((3600 / (rate * share)) * 100) / 100, startTime: 0, endTime: end });
    }
  }
  return { roadnet: { intersections, roads }, flow };
}
