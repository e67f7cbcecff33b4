import type { MapCrossing } from './city-map';
import { matchesQuery, matchesStatus, searchText } from './search';

const crossing: MapCrossing = { id: '3120', name: 'BURKE RD / CANTERBURY RD', lat: -37.8, lon: 145.05, roads: ['BURKE RD', 'RATHMINES RD'], corridors: [] };

describe('dashboard search and filters', () => {
  const text = searchText(crossing);
  it('finds a crossing by id, by name and by any of its roads, every word required, any case', () => {
    expect(matchesQuery(text, '3120')).toBe(true);
    expect(matchesQuery(text, 'canterbury')).toBe(true);
    expect(matchesQuery(text, 'rathmines rd')).toBe(true);
    expect(matchesQuery(text, 'burke toorak')).toBe(false);
    expect(matchesQuery(text, '')).toBe(true);
  });
  it('filters by status; estimated crossings match the estimated filter whatever their freshness', () => {
    expect(matchesStatus(new Set(), 'stale', false)).toBe(true);
    expect(matchesStatus(new Set(['fresh']), 'stale', false)).toBe(false);
    expect(matchesStatus(new Set(['fresh', 'stale']), 'stale', false)).toBe(true);
    expect(matchesStatus(new Set(['estimated']), 'offline', true)).toBe(true);
  });
});
