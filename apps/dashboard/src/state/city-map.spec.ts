import type { CityMapView } from '@crosscast/contracts';
import { unpackCityMap } from './city-map';

describe('dashboard city map: the columns of GET /api/city/map', () => {
  it('become one crossing per index, road and corridor indexes resolved to names', () => {
    const view: CityMapView = {
      count: 2,
      ids: ['3120', '3121'],
      names: ['BURKE RD / CANTERBURY RD', 'BURKE RD / MONT ALBERT RD'],
      lat: [-37.82, -37.81],
      lon: [145.05, 145.06],
      roadNames: ['BURKE RD', 'CANTERBURY RD', 'MONT ALBERT RD'],
      roads: [[0, 1], [0, 2]],
      corridorNames: ['BURKE RD 1'],
      corridors: [[0], []],
    };
    expect(unpackCityMap(view)).toEqual([
      { id: '3120', name: 'BURKE RD / CANTERBURY RD', lat: -37.82, lon: 145.05, roads: ['BURKE RD', 'CANTERBURY RD'], corridors: ['BURKE RD 1'] },
      { id: '3121', name: 'BURKE RD / MONT ALBERT RD', lat: -37.81, lon: 145.06, roads: ['BURKE RD', 'MONT ALBERT RD'], corridors: [] },
    ]);
  });
});
