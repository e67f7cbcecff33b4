import { Injectable } from '@nestjs/common';
import type { CityMapView, CrossingDefinition } from '@crosscast/contracts';
import { CityRepository } from '../repositories/city.repository';
import { CorridorPlanningService } from './corridor-planning.service';

/** A corridor as the map needs it: its name and its crossings. */
export interface MapCorridor {
  name: string;
  crossingIds: readonly string[];
}

/**
 * What the dashboard's map draws of every crossing, column by column, in id order: ids,
 * names, positions, approach roads and corridor membership (names once, indexes per crossing).
 */
export function buildCityMap(crossings: readonly CrossingDefinition[], corridors: readonly MapCorridor[]): CityMapView {
  const sorted = [...crossings].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const roadNames: string[] = [];
  const roadIndex = new Map<string, number>();
  const corridorsOf = new Map<string, number[]>();
  corridors.forEach((corridor, k) => {
    for (const id of corridor.crossingIds) {
      const list = corridorsOf.get(id) ?? [];
      if (!list.includes(k)) list.push(k);
      corridorsOf.set(id, list);
    }
  });
  const roads = sorted.map((c) => {
    const mine: number[] = [];
    for (const a of c.approaches) {
      let k = roadIndex.get(a.road);
      if (k === undefined) {
        k = roadNames.push(a.road) - 1;
        roadIndex.set(a.road, k);
      }
      if (!mine.includes(k)) mine.push(k);
    }
    return mine;
  });
  return {
    count: sorted.length,
    ids: sorted.map((c) => c.id),
    names: sorted.map((c) => c.name),
    lat: sorted.map((c) => c.lat),
    lon: sorted.map((c) => c.lon),
    roadNames,
    roads,
    corridorNames: corridors.map((c) => c.name),
    corridors: sorted.map((c) => corridorsOf.get(c.id) ?? []),
  };
}

/** GET /api/city/map: built once (the city and its corridors are fixed while the service runs). */
@Injectable()
export class CityMapService {
  private cached: CityMapView | null = null;

  constructor(
    private readonly city: CityRepository,
    private readonly corridors: CorridorPlanningService,
  ) {}

  map(): CityMapView {
    this.cached ??= buildCityMap(this.city.all(), this.corridors.list().map((c) => ({ name: c.name, crossingIds: c.crossings.map((x) => x.id) })));
    return this.cached;
  }
}
