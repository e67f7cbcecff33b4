import type { CrossingFreshness } from '@crosscast/contracts';
import type { MapCrossing } from './city-map';

export type StatusFilter = CrossingFreshness | 'estimated';
export const STATUS_FILTERS: StatusFilter[] = ['fresh', 'stale', 'offline', 'unknown', 'estimated'];

/** Lower-cased id, name and road names of a crossing, built once per crossing set. */
export function searchText(c: Pick<MapCrossing, 'id' | 'name' | 'roads'>): string {
  return `${c.id} ${c.name} ${c.roads.join(' ')}`.toLowerCase();
}

/** Every word of the query must occur in the crossing's id, name or roads. */
export function matchesQuery(text: string, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return words.every((w) => text.includes(w));
}

export function matchesStatus(filters: ReadonlySet<StatusFilter>, freshness: CrossingFreshness, estimated: boolean): boolean {
  if (filters.size === 0) return true;
  return filters.has(freshness) || (estimated && filters.has('estimated'));
}
