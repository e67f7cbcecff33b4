import { loadCityDefinition } from '@crosscast/seed';
import { mulberry32 } from '../../../test/support/prng';
import { inferNeighbourGraph, NeighbourCrossingInput } from './neighbours';
import { inferNeighbourGraphQuadratic } from '../../fusion/src/reference/quadratic-neighbours';
import { gridCity, scatteredCity } from '../../fusion/src/testing/synthetic-cities';

// A small synthetic city: MAIN RD runs north-south through A (north), B and C (south),
// about 556 m apart (0.005 degrees of latitude); EAST ST crosses at B and runs east to D.
// Far away, another street also called MAIN RD has two crossings of its own.
const approach = (id: string, direction: string, road: string) => ({ id, direction, road, location: `${road.replace(' ', '_')} ${direction} of X` });
const city: NeighbourCrossingInput[] = [
  { id: 'A', name: 'MAIN RD / FIRST ST', lat: -37.8, lon: 145.0, approaches: [approach('A:1', 'N', 'MAIN RD'), approach('A:5', 'S', 'MAIN RD')] },
  { id: 'B', name: 'MAIN RD / EAST ST', lat: -37.805, lon: 145.0, approaches: [approach('B:1', 'N', 'MAIN RD'), approach('B:3', 'E', 'EAST ST'), approach('B:5', 'S', 'MAIN RD')] },
  { id: 'C', name: 'MAIN RD / LAST ST', lat: -37.81, lon: 145.0, approaches: [approach('C:1', 'N', 'MAIN RD')] },
  { id: 'D', name: 'EAST ST / SIDE ST', lat: -37.805, lon: 145.008, approaches: [approach('D:7', 'W', 'EAST ST')] },
  { id: 'F1', name: 'MAIN RD / FAR ST', lat: -37.9, lon: 145.2, approaches: [approach('F1:1', 'N', 'MAIN RD')] },
  { id: 'F2', name: 'MAIN RD / FARTHER ST', lat: -37.905, lon: 145.2, approaches: [approach('F2:1', 'N', 'MAIN RD')] },
  { id: 'LONE', name: 'NOWHERE LN / OTHER LN', lat: -37.83, lon: 145.0, approaches: [approach('LONE:1', 'N', 'NOWHERE LN')] },
];

describe('inferNeighbourGraph', () => {
  const graph = inferNeighbourGraph(city, { freeFlowKmh: 50 });
  const feeder = (approachId: string) => graph.links.filter((l) => l.feedsApproach === approachId);

  it('feeds an approach from the next crossing in its direction on its road, with distance and free-flow time', () => {
    const [fromNorth] = feeder('B:1');
    expect(fromNorth).toMatchObject({ from: 'A', to: 'B', road: 'MAIN RD', direction: 'N' });
    expect(fromNorth.distanceM).toBeGreaterThan(540);
    expect(fromNorth.distanceM).toBeLessThan(570);
    // 556 m at 50 km/h is 40 s.
    expect(fromNorth.freeFlowSeconds).toBeGreaterThanOrEqual(39);
    expect(fromNorth.freeFlowSeconds).toBeLessThanOrEqual(41);
    expect(feeder('B:5')[0]).toMatchObject({ from: 'C', to: 'B' });
    // C's north approach is fed by B (the nearest to the north), not by A beyond it.
    expect(feeder('C:1')[0]).toMatchObject({ from: 'B', to: 'C' });
    expect(feeder('B:3')[0]).toMatchObject({ from: 'D', road: 'EAST ST' });
    expect(feeder('D:7')[0]).toMatchObject({ from: 'B', road: 'EAST ST' });
  });

  it('does not link an approach to a crossing on the wrong side or on another road', () => {
    // A is the northernmost crossing on MAIN RD: nothing feeds its north approach.
    expect(feeder('A:1')).toEqual([]);
    expect(graph.links.some((l) => l.from === 'LONE' || l.to === 'LONE')).toBe(false);
  });

  it('orders each road end to end and splits two far-apart streets of the same name', () => {
    const main = graph.roads.filter((r) => r.road.startsWith('MAIN RD'));
    expect(main.map((r) => r.crossings)).toEqual(expect.arrayContaining([expect.arrayContaining(['A', 'B', 'C']), expect.arrayContaining(['F1', 'F2'])]));
    const near = main.find((r) => r.crossings.includes('A'))!;
    expect(near.crossings.indexOf('B')).toBe(1);
    expect(near.segments).toHaveLength(2);
    expect(main.find((r) => r.crossings.includes('F1'))!.crossings).not.toContain('A');
  });

  it('lists upstream neighbours, and the nearest crossings for a crossing on no shared road', () => {
    expect(graph.neighbours.B.map((n) => n.id).sort()).toEqual(['A', 'C', 'D']);
    expect(graph.neighbours.B.every((n) => n.relation === 'upstream')).toBe(true);
    expect(graph.neighbours.LONE.map((n) => n.relation)).toEqual(['nearby', 'nearby', 'nearby']);
    expect(graph.neighbours.LONE[0].id).toBe('C');
  });
});

describe('inferNeighbourGraph with a spatial index', () => {
  it('returns exactly the graph of the full scan on seeded scattered cities', () => {
    for (const [seed, count, sizeM] of [[1, 60, 3000], [2, 300, 8000], [3, 500, 20000], [4, 200, 40000]]) {
      const crossings = scatteredCity(count, mulberry32(seed), { sizeM });
      expect(inferNeighbourGraph(crossings)).toEqual(inferNeighbourGraphQuadratic(crossings));
    }
  });

  it('returns exactly the graph of the full scan on a street grid, also with a crossing far away and one without roads', () => {
    const crossings = [
      ...gridCity(12, 9, { spacingM: 250 }),
      { id: 'far', name: 'ROW 3 ST / NOWHERE LN', lat: -37.2, lon: 145.9, approaches: [{ id: 'far:W', direction: 'W', road: 'ROW 3 ST' }] },
      { id: 'lonely', name: null, lat: -37.801, lon: 145.001, approaches: [] },
    ];
    const graph = inferNeighbourGraph(crossings);
    expect(graph).toEqual(inferNeighbourGraphQuadratic(crossings));
    // The grid's roads: a row's crossings are fed from both sides along it.
    expect(graph.links.filter((l) => l.to === 'r5c4').map((l) => l.from).sort()).toEqual(['r4c4', 'r5c3', 'r5c5', 'r6c4']);
    expect(graph.neighbours.lonely.map((n) => n.relation)).toEqual(['nearby', 'nearby', 'nearby']);
  });

  it('returns the same graph on the Boroondara crossings', () => {
    const crossings = loadCityDefinition('seed-data/boroondara-2006').crossings;
    const graph = inferNeighbourGraph(crossings);
    expect(graph).toEqual(inferNeighbourGraphQuadratic(crossings));
    expect(graph.links).toHaveLength(87);
  });
});
