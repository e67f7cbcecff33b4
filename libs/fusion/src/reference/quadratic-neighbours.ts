/**
 * REFERENCE ONLY: inferNeighbourGraph as it was before issue 16 (every approach scanned every
 * crossing; every crossing scanned every link and segment). The unit test checks that the
 * spatially indexed version returns the same graph; bench/fusion-scale.ts times both.
 */
import { DEFAULT_NEIGHBOUR_OPTIONS, NeighbourCrossingInput, NeighbourGraph, NeighbourOptions, RoadCorridor, RoadLink, bearingDeg, crossingRoads, distanceM, normaliseRoad, orderAlongAxis } from '@crosscast/network';

const BEARINGS: Record<string, number> = { N: 0, NE: 45, E: 90, SE: 135, S: 180, SW: 225, W: 270, NW: 315 };

function angleBetween(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

export function inferNeighbourGraphQuadratic(crossings: NeighbourCrossingInput[], options: Partial<NeighbourOptions> = {}): NeighbourGraph {
  const o = { ...DEFAULT_NEIGHBOUR_OPTIONS, ...options };
  const located = crossings.filter((c) => Number.isFinite(c.lat) && Number.isFinite(c.lon) && !(c.lat === 0 && c.lon === 0));
  const roadsOf = new Map(located.map((c) => [c.id, crossingRoads(c)]));
  const secondsPerMetre = 3.6 / o.freeFlowKmh;

  const links: RoadLink[] = [];
  for (const to of located) {
    for (const approach of to.approaches) {
      const direction = approach.direction.toUpperCase();
      const wanted = BEARINGS[direction];
      if (wanted === undefined || !approach.road) continue;
      const road = normaliseRoad(approach.road);
      let best: { from: NeighbourCrossingInput; d: number } | null = null;
      for (const from of located) {
        if (from.id === to.id || !roadsOf.get(from.id)!.has(road)) continue;
        if (angleBetween(bearingDeg(to, from), wanted) > o.bearingToleranceDeg) continue;
        const d = distanceM(to, from);
        if (d <= o.maxLinkM && (!best || d < best.d)) best = { from, d };
      }
      if (best) {
        links.push({
          from: best.from.id,
          to: to.id,
          road,
          distanceM: Math.round(best.d),
          freeFlowSeconds: Math.round(best.d * secondsPerMetre),
          feedsApproach: approach.id,
          direction,
        });
      }
    }
  }

  // Corridors: every road with two or more crossings, ordered along its main axis.
  const byRoad = new Map<string, NeighbourCrossingInput[]>();
  for (const c of located) for (const r of roadsOf.get(c.id)!) byRoad.set(r, [...(byRoad.get(r) ?? []), c]);
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

  const neighbours: NeighbourGraph['neighbours'] = {};
  for (const c of located) {
    const list = new Map<string, { id: string; distanceM: number; relation: 'upstream' | 'downstream' | 'same-road' | 'nearby' }>();
    for (const l of links) {
      if (l.to === c.id && !list.has(l.from)) list.set(l.from, { id: l.from, distanceM: l.distanceM, relation: 'upstream' });
    }
    for (const l of links) {
      if (l.from === c.id && !list.has(l.to)) list.set(l.to, { id: l.to, distanceM: l.distanceM, relation: 'downstream' });
    }
    for (const r of roads) {
      for (const s of r.segments) {
        if (s.distanceM > o.maxLinkM) continue;
        const other = s.a === c.id ? s.b : s.b === c.id ? s.a : null;
        if (other && !list.has(other)) list.set(other, { id: other, distanceM: s.distanceM, relation: 'same-road' });
      }
    }
    if (list.size === 0) {
      located
        .filter((x) => x.id !== c.id)
        .map((x) => ({ id: x.id, distanceM: Math.round(distanceM(c, x)) }))
        .sort((a, b) => a.distanceM - b.distanceM)
        .slice(0, o.nearbyFallback)
        .forEach((x) => list.set(x.id, { ...x, relation: 'nearby' }));
    }
    neighbours[c.id] = [...list.values()];
  }
  return { links, roads, neighbours };
}

