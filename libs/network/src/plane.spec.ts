import { angleBetweenDeg, compassSide, localPlane, planeBearingDeg, planeDistanceM, polylineLengthM } from './plane';
import { nodeNeighbours, roadsOfLinks } from './link-graph';

describe('geometry in a network file plane', () => {
  it('measures distances, polylines and compass bearings (x east, y north)', () => {
    expect(planeDistanceM({ x: 0, y: 0 }, { x: 3, y: 4 })).toBe(5);
    expect(polylineLengthM([{ x: 0, y: 0 }, { x: 3, y: 4 }, { x: 3, y: 10 }])).toBe(11);
    expect(polylineLengthM([{ x: 1, y: 1 }])).toBe(0);
    expect(planeBearingDeg({ x: 0, y: 0 }, { x: 0, y: 10 })).toBe(0);
    expect(planeBearingDeg({ x: 0, y: 0 }, { x: 10, y: 0 })).toBe(90);
    expect(planeBearingDeg({ x: 0, y: 0 }, { x: 0, y: -10 })).toBe(180);
    expect(planeBearingDeg({ x: 0, y: 0 }, { x: -10, y: 0 })).toBe(270);
    expect(planeBearingDeg({ x: 0, y: 0 }, { x: -1, y: 1 })).toBeCloseTo(315, 9);
  });

  it('names the nearest of eight sides, and the smaller angle between bearings', () => {
    expect([0, 22, 23, 90, 181, 247, 292.4, 337.6, 359, -10, 725].map(compassSide)).toEqual(['N', 'N', 'NE', 'E', 'S', 'SW', 'W', 'N', 'N', 'N', 'N']);
    expect(angleBetweenDeg(350, 10)).toBe(20);
    expect(angleBetweenDeg(90, 270)).toBe(180);
    expect(angleBetweenDeg(-30, 30)).toBe(60);
  });

  it('projects the plane onto lat/lon around a centre and back', () => {
    const plane = localPlane({ lat: -37.82, lon: 145.06 }, { x: 100, y: 200 });
    expect(plane.toLatLon({ x: 100, y: 200 })).toEqual({ lat: -37.82, lon: 145.06 });
    const north = plane.toLatLon({ x: 100, y: 200 + 1105.4 });
    expect(north.lat).toBeCloseTo(-37.81, 9);
    expect(north.lon).toBe(145.06);
    // a degree of longitude is shorter away from the equator
    const east = plane.toLatLon({ x: 100 + 1000, y: 200 });
    expect(east.lon - 145.06).toBeCloseTo(1000 / (111_320 * Math.cos((37.82 * Math.PI) / 180)), 12);
    const back = plane.toPlane(plane.toLatLon({ x: 345.6, y: -78.9 }));
    expect(back.x).toBeCloseTo(345.6, 6);
    expect(back.y).toBeCloseTo(-78.9, 6);
  });
});

describe('a network given link by link', () => {
  // A - B - C along one street (both ways), D north of B on a side street; a one-way link C -> E.
  const links = [
    { id: 'ab', from: 'A', to: 'B' }, { id: 'ba', from: 'B', to: 'A' },
    { id: 'bc', from: 'B', to: 'C' }, { id: 'cb', from: 'C', to: 'B' },
    { id: 'db', from: 'D', to: 'B' }, { id: 'bd', from: 'B', to: 'D' },
    { id: 'ce', from: 'C', to: 'E' },
  ];

  it('lists each node its neighbours, whichever way the links run', () => {
    const n = nodeNeighbours(links);
    expect([...n.get('B')!].sort()).toEqual(['A', 'C', 'D']);
    expect([...n.get('E')!]).toEqual(['C']);
    expect([...n.get('A')!]).toEqual(['B']);
  });

  it('joins links that continue straight on, and each link with its opposite, into roads named by their smallest link', () => {
    const roads = roadsOfLinks(links, [['ab', 'bc'], ['cb', 'ba'], ['bc', 'ce']]);
    expect(Object.fromEntries(roads)).toEqual({ ab: 'road ab', ba: 'road ab', bc: 'road ab', cb: 'road ab', ce: 'road ab', db: 'road bd', bd: 'road bd' });
    // without the through movement at B, the street is two roads
    const split = roadsOfLinks(links, []);
    expect(split.get('ab')).toBe('road ab');
    expect(split.get('bc')).toBe('road bc');
    expect(split.get('ce')).toBe('road ce');
    // the names do not depend on the order of the input
    expect(Object.fromEntries(roadsOfLinks([...links].reverse(), [['bc', 'ce'], ['cb', 'ba'], ['ab', 'bc']]))).toEqual(Object.fromEntries(roads));
    // unknown links in the continuations are ignored
    expect(roadsOfLinks(links, [['ab', 'zz']]).get('ab')).toBe('road ab');
  });
});
