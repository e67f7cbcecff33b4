import type { CityMapView } from '@crosscast/contracts';

/**
 * One crossing as the map, the search and the crossing list know it (GET /api/city/map).
 * Its approaches come with its detail (GET /api/crossings/:id) when it is opened.
 */
export interface MapCrossing {
  id: string;
  name: string;
  lat: number;
  lon: number;
  /** Its approach roads, each once. */
  roads: string[];
  /** The corridors it is on (names). */
  corridors: string[];
}

/** The columns of GET /api/city/map, one object per crossing (in the server's order: by id). */
export function unpackCityMap(view: CityMapView): MapCrossing[] {
  const out: MapCrossing[] = new Array(view.count);
  for (let i = 0; i < view.count; i++) {
    out[i] = {
      id: view.ids[i],
      name: view.names[i],
      lat: view.lat[i],
      lon: view.lon[i],
      roads: (view.roads[i] ?? []).map((k) => view.roadNames[k]),
      corridors: (view.corridors[i] ?? []).map((k) => view.corridorNames[k]),
    };
  }
  return out;
}
