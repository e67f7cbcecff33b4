import { NotFoundException } from '@nestjs/common';
import type { CrossingDefinition, CrossingStatusView } from '@crosscast/contracts';
import { crossingStatus } from '../../../../test/support/crossing-status';
import type { CityRepository } from '../repositories/city.repository';
import type { ForecastStoreRepository } from '../repositories/forecast-store.repository';
import type { CityForecastService } from './city-forecast.service';
import type { Corridor, CorridorPlanningService } from './corridor-planning.service';
import { CrossingQueryService } from './crossing-query.service';

/**
 * GET /api/crossings' filters on a small city: six crossings on two roads that meet at
 * c3. WARRIGAL RD runs c1 → c3 (north to south, lon 145.0); HIGH ST runs c3 → c6 (west
 * to east, lat -37.85). c2 and c5 are stale, the rest fresh; c9 is on no corridor.
 */
const at = (id: string, lon: number, lat: number) => ({ id, name: `crossing ${id}`, lon, lat, approaches: [] }) as unknown as CrossingDefinition;
const CROSSINGS = [at('c9', 144.5, -37.5), at('c5', 145.2, -37.85), at('c1', 145.0, -37.8), at('c3', 145.0, -37.85), at('c2', 145.0, -37.82), at('c4', 145.1, -37.85), at('c6', 145.3, -37.85)];
const byId = new Map(CROSSINGS.map((c) => [c.id, c]));
const corridor = (name: string, ids: string[]) => ({ name, road: name.split(':')[0], crossings: ids.map((id) => byId.get(id)!), coordinatedPhase: 'A', coordinatedPhases: ids.map(() => 'A') }) as Corridor;
const WARRIGAL = 'WARRIGAL RD: c1 → c3';
const HIGH = 'HIGH ST: c3 → c6';
const STALE = new Set(['c2', 'c5']);

function service() {
  const statuses: CrossingStatusView[] = CROSSINGS.map((c) => crossingStatus(c.id, { freshness: STALE.has(c.id) ? 'stale' : 'fresh' }));
  const counts = { pictures: 0, corridorLists: 0 };
  const city = { all: () => CROSSINGS, get: (id: string) => byId.get(id), city: { city: 'Testville' } } as unknown as CityRepository;
  const cityForecast = {
    picture: async () => {
      counts.pictures++;
      return { statuses, fusedOf: () => null };
    },
  } as unknown as CityForecastService;
  const corridors = {
    list: () => {
      counts.corridorLists++;
      return [corridor(WARRIGAL, ['c1', 'c2', 'c3']), corridor(HIGH, ['c3', 'c4', 'c5', 'c6'])];
    },
  } as unknown as CorridorPlanningService;
  return { query: new CrossingQueryService(city, {} as ForecastStoreRepository, cityForecast, corridors), counts };
}
const ids = (page: { items: Array<{ id: string }> }) => page.items.map((c) => c.id);

describe('CrossingQueryService.page: the corridor filter', () => {
  it("lists only the corridor's crossings, in id order, and counts only those", async () => {
    const { query } = service();
    const warrigal = await query.page({ corridor: WARRIGAL });
    expect(ids(warrigal)).toEqual(['c1', 'c2', 'c3']);
    expect(warrigal).toMatchObject({ total: 3, nextOffset: null });
    // c3, where the roads meet, is on both.
    expect(ids(await query.page({ corridor: HIGH }))).toEqual(['c3', 'c4', 'c5', 'c6']);
    expect((await query.page({})).total).toBe(CROSSINGS.length);
  });

  it('combines with status, bounding box, limit and offset: every filter must match, the total counts after filtering', async () => {
    const { query } = service();
    expect(ids(await query.page({ corridor: HIGH, status: 'fresh' }))).toEqual(['c3', 'c4', 'c6']);
    expect(ids(await query.page({ corridor: WARRIGAL, status: 'stale' }))).toEqual(['c2']);
    // East of 145.05: on HIGH ST that is c4, c5 and c6; none of WARRIGAL RD.
    expect(ids(await query.page({ corridor: HIGH, bbox: '145.05,-38,146,-37' }))).toEqual(['c4', 'c5', 'c6']);
    expect(await query.page({ corridor: WARRIGAL, bbox: '145.05,-38,146,-37' })).toMatchObject({ items: [], total: 0, nextOffset: null });
    expect(ids(await query.page({ corridor: HIGH, bbox: '145.05,-38,146,-37', status: 'fresh' }))).toEqual(['c4', 'c6']);

    const first = await query.page({ corridor: HIGH, limit: 2 });
    expect(first).toMatchObject({ total: 4, limit: 2, nextOffset: 2 });
    expect(ids(first)).toEqual(['c3', 'c4']);
    const second = await query.page({ corridor: HIGH, limit: 2, offset: first.nextOffset! });
    expect(second).toMatchObject({ total: 4, nextOffset: null });
    expect(ids(second)).toEqual(['c5', 'c6']);
  });

  it('answers 404 naming the corridor when the city has none of that name, before building the picture', async () => {
    const { query, counts } = service();
    for (const unknown of ['NO SUCH RD: c1 → c3', 'WARRIGAL RD', 'warrigal rd: c1 → c3', '']) {
      const refused = query.page({ corridor: unknown });
      await expect(refused).rejects.toBeInstanceOf(NotFoundException);
      await expect(refused).rejects.toThrow(`corridor ${JSON.stringify(unknown)} is not one of Testville's corridors (GET /api/corridors lists them)`);
    }
    expect(counts.pictures).toBe(0);
  });

  it('reads the corridors once, not per request', async () => {
    const { query, counts } = service();
    await query.page({ corridor: WARRIGAL });
    await query.page({ corridor: HIGH });
    await expect(query.page({ corridor: 'NO SUCH RD' })).rejects.toBeInstanceOf(NotFoundException);
    expect(counts.corridorLists).toBe(1);
    // Without the filter the corridors are not needed at all.
    const fresh = service();
    await fresh.query.page({ status: 'stale' });
    expect(fresh.counts.corridorLists).toBe(0);
  });
});
