/**
 * The city's road graph, inferred from the crossings file alone (the seed has no link
 * table): which crossings share a road, which is next along it on each side, how far, and
 * which approach of a crossing the next crossing upstream feeds.
 *
 * The rule: an approach whose traffic arrives from direction D on road R (e.g. "WARRIGAL RD
 * N of HIGH STREET RD" = arrives from the north) is fed by the nearest other crossing on R
 * that lies towards D (bearing within `bearingToleranceDeg` of D). Pure data in, plain data
 * out, so the simulation, the fusion model, signal timing and the importers all build on the
 * same links.
 */
import { bearingDeg, distanceM } from './geometry';
import { SIDE_BEARINGS, angleBetweenDeg } from './plane';
import { SpatialGrid } from './spatial-grid';

export interface NeighbourApproachInput {
  id: string;
  /** Side the traffic arrives from: N, NE, E, SE, S, SW, W, NW. */
  direction: string;
  road?: string | null;
  location?: string | null;
}

export interface NeighbourCrossingInput {
  id: string;
  name?: string | null;
  lat: number;
  lon: number;
  approaches: NeighbourApproachInput[];
}

/** Upstream crossing `from` feeds approach `feedsApproach` of downstream crossing `to`. */
export interface RoadLink {
  from: string;
  to: string;
  road: string;
  /** Straight-line distance between the crossings, metres. */
  distanceM: number;
  /** Distance at the free-flow speed, seconds. */
  freeFlowSeconds: number;
  feedsApproach: string;
  /** The fed approach's arrival direction (N = traffic arrives from the north). */
  direction: string;
}

/** Crossings on one road, in order along it, with the gaps between consecutive ones. */
export interface RoadCorridor {
  road: string;
  crossings: string[];
  segments: Array<{ a: string; b: string; distanceM: number }>;
}

export interface NeighbourGraph {
  links: RoadLink[];
  roads: RoadCorridor[];
  /** Per crossing: the crossings it should borrow from when its own worker is missing. */
  neighbours: Record<string, Array<{ id: string; distanceM: number; relation: 'upstream' | 'downstream' | 'same-road' | 'nearby' }>>;
}

export interface NeighbourOptions {
  freeFlowKmh: number;
  /** Largest angle between an approach's direction and the bearing to its feeder. */
  bearingToleranceDeg: number;
  /** Feeders further than this are not linked (the road leaves the study area in between). */
  maxLinkM: number;
  /** A crossing with no road neighbour borrows from this many nearest crossings. */
  nearbyFallback: number;
}

export const DEFAULT_NEIGHBOUR_OPTIONS: NeighbourOptions = { freeFlowKmh: 50, bearingToleranceDeg: 60, maxLinkM: 5000, nearbyFallback: 3 };

/** "WARRIGAL_RD", "Warrigal  Rd" -> "WARRIGAL RD". */
export function normaliseRoad(name: string): string {
  return name.toUpperCase().replace(/[_.]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** The roads a crossing stands on: its approaches' roads and the parts of its name ("A RD / B ST"). */
export function crossingRoads(crossing: NeighbourCrossingInput): Set<string> {
  const roads = new Set<string>();
  for (const a of crossing.approaches) if (a.road) roads.add(normaliseRoad(a.road));
  for (const part of (crossing.name ?? '').split('/')) if (part.trim()) roads.add(normaliseRoad(part));
  return roads;
}

/**
 * Linear in the number of crossings for a city of bounded density: feeders and the nearby
 * fallback are searched in grid buckets around each crossing (SpatialGrid), and each
 * crossing's links and road segments are looked up by crossing instead of scanned. It
 * returns exactly the graph a full scan would (same links, same order, same ties: the
 * earlier crossing in the input wins), checked against the old quadratic version in
 * neighbours.spec.ts.
 */
export function inferNeighbourGraph(crossings: NeighbourCrossingInput[], options: Partial<NeighbourOptions> = {}): NeighbourGraph {
  const o = { ...DEFAULT_NEIGHBOUR_OPTIONS, ...options };
  const located = crossings.filter((c) => Number.isFinite(c.lat) && Number.isFinite(c.lon) && !(c.lat === 0 && c.lon === 0));
  const roadsOf = new Map(located.map((c) => [c.id, crossingRoads(c)]));
  const secondsPerMetre = 3.6 / o.freeFlowKmh;
  const grid = new SpatialGrid(located, SpatialGrid.cellSizeFor(located));

  const links: RoadLink[] = [];
  for (const to of located) {
    for (const approach of to.approaches) {
      const direction = approach.direction.toUpperCase();
      const wanted = SIDE_BEARINGS[direction];
      if (wanted === undefined || !approach.road) continue;
      const road = normaliseRoad(approach.road);
      let best: { from: NeighbourCrossingInput; d: number; index: number } | null = null;
      grid.searchRings(
        to,
        (from, index) => {
          if (from.id === to.id || !roadsOf.get(from.id)!.has(road)) return;
          if (angleBetweenDeg(bearingDeg(to, from), wanted) > o.bearingToleranceDeg) return;
          const d = distanceM(to, from);
          // Nearest wins; at equal distance the earlier crossing, as a scan in input order.
          if (d <= o.maxLinkM && (!best || d < best.d || (d === best.d && index < best.index))) best = { from, d, index };
        },
        (nextBoundM) => nextBoundM > o.maxLinkM || (best !== null && nextBoundM > best.d),
      );
      const found = best as { from: NeighbourCrossingInput; d: number } | null;
      if (found) {
        links.push({
          from: found.from.id,
          to: to.id,
          road,
          distanceM: Math.round(found.d),
          freeFlowSeconds: Math.round(found.d * secondsPerMetre),
          feedsApproach: approach.id,
          direction,
        });
      }
    }
  }

  // Corridors: every road with two or more crossings, ordered along its main axis.
  const byRoad = new Map<string, NeighbourCrossingInput[]>();
  for (const c of located) {
    for (const r of roadsOf.get(c.id)!) {
      const members = byRoad.get(r);
      if (members) members.push(c);
      else byRoad.set(r, [c]);
    }
  }
  const roads: RoadCorridor[] = [];
  for (const [road, members] of [...byRoad.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (members.length < 2) continue;
    // A gap longer than a link may be splits the road: two streets of the same name
    // (Boroondara has two High Streets) are two corridors.
    const pieces: NeighbourCrossingInput[][] = [[]];
    for (const c of orderAlongAxis(members)) {
      const piece = pieces[pieces.length - 1];
      if (piece.length > 0 && distanceM(piece[piece.length - 1], c) > o.maxLinkM) pieces.push([c]);
      else piece.push(c);
    }
    const kept = pieces.filter((p) => p.length >= 2);
    kept.forEach((ordered, i) => {
      const segments = ordered.slice(1).map((c, k) => ({ a: ordered[k].id, b: c.id, distanceM: Math.round(distanceM(ordered[k], c)) }));
      roads.push({ road: kept.length > 1 && i > 0 ? `${road} (${i + 1})` : road, crossings: ordered.map((c) => c.id), segments });
    });
  }

  // Per crossing, in the order a scan of all links (then all segments) would meet them.
  const linksTo = new Map<string, RoadLink[]>();
  const linksFrom = new Map<string, RoadLink[]>();
  const segmentsOf = new Map<string, Array<{ other: string; distanceM: number }>>();
  const append = <V>(map: Map<string, V[]>, key: string, value: V) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  for (const l of links) {
    append(linksTo, l.to, l);
    append(linksFrom, l.from, l);
  }
  for (const r of roads) {
    for (const s of r.segments) {
      if (s.distanceM > o.maxLinkM) continue;
      append(segmentsOf, s.a, { other: s.b, distanceM: s.distanceM });
      if (s.b !== s.a) append(segmentsOf, s.b, { other: s.a, distanceM: s.distanceM });
    }
  }

  const neighbours: NeighbourGraph['neighbours'] = {};
  for (const c of located) {
    const list = new Map<string, { id: string; distanceM: number; relation: 'upstream' | 'downstream' | 'same-road' | 'nearby' }>();
    for (const l of linksTo.get(c.id) ?? []) if (!list.has(l.from)) list.set(l.from, { id: l.from, distanceM: l.distanceM, relation: 'upstream' });
    for (const l of linksFrom.get(c.id) ?? []) if (!list.has(l.to)) list.set(l.to, { id: l.to, distanceM: l.distanceM, relation: 'downstream' });
    for (const s of segmentsOf.get(c.id) ?? []) if (!list.has(s.other)) list.set(s.other, { id: s.other, distanceM: s.distanceM, relation: 'same-road' });
    if (list.size === 0) for (const x of nearest(grid, c, o.nearbyFallback)) list.set(x.id, { ...x, relation: 'nearby' });
    neighbours[c.id] = [...list.values()];
  }
  return { links, roads, neighbours };
}

/**
 * The `count` crossings nearest to `c` by rounded distance, ties in input order (what
 * sorting every crossing by distance gives), searched outwards until no unvisited crossing
 * can beat or tie the last one kept.
 */
function nearest(grid: SpatialGrid<NeighbourCrossingInput>, c: NeighbourCrossingInput, count: number): Array<{ id: string; distanceM: number }> {
  if (count <= 0) return [];
  const found: Array<{ id: string; distanceM: number; index: number }> = [];
  const ranked = () => found.sort((a, b) => a.distanceM - b.distanceM || a.index - b.index);
  grid.searchRings(
    c,
    (x, index) => {
      if (x.id !== c.id) found.push({ id: x.id, distanceM: Math.round(distanceM(c, x)), index });
    },
    // Rounding: a crossing at bound + 0.5 m could still round to the last one's distance.
    (nextBoundM) => found.length >= count && nextBoundM > ranked()[count - 1].distanceM + 1,
  );
  return ranked().slice(0, count).map(({ id, distanceM: d }) => ({ id, distanceM: d }));
}

/** Orders points along their principal axis (local metres), so a road reads end to end. */
export function orderAlongAxis<T extends { lat: number; lon: number }>(points: T[]): T[] {
  const lat0 = points.reduce((s, p) => s + p.lat, 0) / points.length;
  const lon0 = points.reduce((s, p) => s + p.lon, 0) / points.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xy = points.map((p) => [(p.lon - lon0) * k, p.lat - lat0]);
  let sxx = 0, syy = 0, sxy = 0;
  for (const [x, y] of xy) {
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const [ux, uy] = [Math.cos(angle), Math.sin(angle)];
  return points.map((p, i) => ({ p, s: xy[i][0] * ux + xy[i][1] * uy })).sort((a, b) => a.s - b.s).map((x) => x.p);
}
