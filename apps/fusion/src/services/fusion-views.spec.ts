import { CrossingFusionView, CrossingStatusView, WorkerStatus } from '@crosscast/contracts';
import { CityFusion } from '@crosscast/fusion';
import { NeighbourCrossingInput } from '@crosscast/network';
import { mulberry32 } from '../../../../test/support/prng';
import { crossingStatus } from '../../../../test/support/crossing-status';
import { cityForecastView, cityOverviewView, crossingFusionView, estimateReason, fusedViewLookup, fusionStateOf, fusionStates, isDegradedForecast, sameStates } from './fusion-views';

/**
 * The fusion service's plain logic: statuses → the library's crossing states, and a real
 * CityFusion run (a small synthetic city along one road) → the views served over REST and
 * socket.io.
 */
const STEP = 15 * 60_000;
const T0 = Date.UTC(2024, 0, 1); // a Monday, 00:00 UTC
const IDS = ['A', 'B', 'C', 'D', 'E'];
const CROSSINGS: NeighbourCrossingInput[] = IDS.map((id, i) => ({
  id,
  name: `MAIN RD / ${id} ST`,
  lat: -37.8 - 0.006 * i,
  lon: 145,
  approaches: [
    { id: `${id}:1`, direction: 'N', road: 'MAIN RD' },
    { id: `${id}:5`, direction: 'S', road: 'MAIN RD' },
  ],
}));

/** Every crossing's fused view with data, in status order, built directly (fusedViewLookup, the live path's lazy lookup, is checked against it). */
function everyFused(result: Parameters<typeof crossingFusionView>[0] | null, statuses: CrossingStatusView[], withData: ReadonlySet<string>): { crossings: CrossingFusionView[] } {
  if (!result) return { crossings: [] };
  return { crossings: statuses.map((s) => crossingFusionView(result, s, withData.has(s.crossingId))).filter((v): v is CrossingFusionView => v !== null) };
}

function status(crossingId: string, freshness: CrossingStatusView['freshness'], workerStatus: WorkerStatus | null = 'ok', lastForecastMs: number | null = null): CrossingStatusView {
  return crossingStatus(crossingId, { freshness, workerStatus, lastForecastIntervalStart: lastForecastMs === null ? null : new Date(lastForecastMs).toISOString() });
}

describe('crossing states for the fusion library', () => {
  it('maps freshness and a degraded worker onto fresh / stale / offline / degraded', () => {
    expect(fusionStateOf(status('A', 'fresh'))).toBe('fresh');
    expect(fusionStateOf(status('A', 'fresh', 'warming-up'))).toBe('fresh');
    expect(fusionStateOf(status('A', 'fresh', 'degraded'))).toBe('degraded');
    expect(fusionStateOf(status('A', 'stale'))).toBe('stale');
    // A stale worker that also says degraded is still judged by its age.
    expect(fusionStateOf(status('A', 'stale', 'degraded'))).toBe('stale');
    expect(fusionStateOf(status('A', 'offline'))).toBe('offline');
    expect(fusionStateOf(status('A', 'unknown', null))).toBe('offline');
    expect(fusionStates([status('A', 'fresh'), status('B', 'offline')])).toEqual({ A: 'fresh', B: 'offline' });
    expect(sameStates({ A: 'fresh', B: 'stale' }, { B: 'stale', A: 'fresh' })).toBe(true);
    expect(sameStates({ A: 'fresh', B: 'stale' }, { A: 'fresh', B: 'offline' })).toBe(false);
    expect(sameStates({ A: 'fresh' }, { A: 'fresh', B: 'fresh' })).toBe(false);
  });

  it('treats filled inputs and a failed model as a degraded forecast, a baseline as usable', () => {
    expect(isDegradedForecast(['inputs-mostly-filled'])).toBe(true);
    expect(isDegradedForecast(['model-failed'])).toBe(true);
    expect(isDegradedForecast(['baseline-until-trained'])).toBe(false);
    expect(isDegradedForecast([])).toBe(false);
  });

  it('says why a crossing is estimated', () => {
    expect(estimateReason(status('A', 'stale', 'ok', T0))).toMatch(/^worker stale \(newest forecast 2024-01-01T00:00:00.000Z\): estimated from its historical profile and its neighbours$/);
    expect(estimateReason(status('A', 'offline'))).toMatch(/^worker offline/);
    expect(estimateReason(status('A', 'fresh', 'degraded'))).toMatch(/^worker degraded/);
  });
});

describe('views of a fusion run', () => {
  /** Two days of a daily pattern with noise, every worker forecasting the truth plus a little noise. */
  function trainedFusion(): { fusion: CityFusion; now: number; truth: (id: string, t: number) => number } {
    const random = mulberry32(7);
    const values = new Map<string, number>();
    const truth = (id: string, t: number) => {
      const key = `${id}:${t}`;
      if (!values.has(key)) {
        const slot = t % 96;
        values.set(key, Math.max(0, (1 + 0.3 * IDS.indexOf(id)) * (120 + 90 * Math.sin((2 * Math.PI * slot) / 96)) + 20 * (random() - 0.5)));
      }
      return values.get(key)!;
    };
    const fusion = new CityFusion({ intervalMinutes: 15, timeZone: 'UTC', crossings: CROSSINGS });
    const last = 2 * 96;
    for (let t = 0; t <= last; t++) {
      const states: Record<string, 'fresh'> = {};
      for (const id of IDS) {
        fusion.observe(id, T0 + t * STEP, truth(id, t));
        fusion.addForecast(id, T0 + t * STEP, [1, 2, 3, 4].map((k) => {
          const mean = truth(id, t + k) + 5 * (random() - 0.5);
          return { horizonMin: 15 * k, mean, lo80: mean - 8, hi80: mean + 8, lo95: mean - 12, hi95: mean + 12 };
        }));
        states[id] = 'fresh';
      }
      fusion.advanceTo(T0 + t * STEP, states);
    }
    return { fusion, now: T0 + (last + 1) * STEP, truth };
  }

  it('marks a stale crossing estimated with wider intervals, and the city total is the sum of the parts shown', () => {
    const { fusion, now } = trainedFusion();
    // D's worker stops; the others report the next interval.
    for (const id of IDS.filter((x) => x !== 'D')) {
      fusion.observe(id, now, 200);
      fusion.addForecast(id, now, [1, 2, 3, 4].map((k) => ({ horizonMin: 15 * k, mean: 200, lo80: 192, hi80: 208, lo95: 188, hi95: 212 })));
    }
    const statuses = IDS.map((id) => (id === 'D' ? status(id, 'stale', 'ok', now - 3 * STEP) : status(id, 'fresh', 'ok', now)));
    const result = fusion.advanceTo(now, fusionStates(statuses));
    const withData = new Set(IDS);

    const d = crossingFusionView(result, statuses[3], true)!;
    expect(d.source).toBe('estimated');
    expect(d.reason).toMatch(/^worker stale/);
    expect(d.horizons.map((h) => h.source)).toEqual(['estimated', 'estimated', 'estimated', 'estimated']);
    const a = crossingFusionView(result, statuses[0], true)!;
    expect(a.source).not.toBe('estimated');
    expect(a.reason).toBeNull();
    // The estimate knows less than a fresh worker: its band is wider than A's fused band.
    const width = (v: typeof a, k: number) => v.horizons[k].total.upper80 - v.horizons[k].total.lower80;
    for (let k = 0; k < 4; k++) expect(width(d, k)).toBeGreaterThan(width(a, k));

    const city = cityForecastView({ result, statuses, asOf: new Date(now), intervalMinutes: 15, withData, roads: fusion.graph.roads });
    expect(city.method).toBe('city-fusion');
    expect(city.crossingsEstimated).toBe(1);
    expect(city.estimated).toEqual([expect.objectContaining({ crossingId: 'D', freshness: 'stale' })]);
    expect(city.stale.map((s) => s.crossingId)).toEqual(['D']);
    const fused = everyFused(result, statuses, withData);
    for (const [k, h] of city.horizons.entries()) {
      const parts = fused.crossings.reduce((sum, c) => sum + c.horizons[k].total.mean, 0);
      expect(h.total).toBeCloseTo(parts, 6);
      expect(h).toMatchObject({ crossingsIncluded: 5, crossingsEstimated: 1, stepsAhead: k + 1, intervalStart: new Date(now + (k + 1) * STEP).toISOString() });
      expect(h.lower95).toBeLessThanOrEqual(h.lower80);
      expect(h.lower80).toBeLessThan(h.total);
      expect(h.upper80).toBeGreaterThan(h.total);
      expect(h.upper95).toBeGreaterThanOrEqual(h.upper80);
    }
    // One road: its corridor holds every crossing and equals the city.
    expect(city.corridors).toHaveLength(1);
    expect(city.corridors[0].road).toBe('MAIN RD');
    expect([...city.corridors[0].crossings].sort()).toEqual(IDS);
    expect(city.corridors[0].horizons.map((h) => h.total)).toEqual(city.horizons.map((h) => h.total));

    // What every dashboard gets of it: the totals and each corridor's next interval, no per-crossing lists.
    const overview = cityOverviewView(city);
    const { stale: _s, estimated: _e, crossingsWithoutData: _w, corridors: _c, ...totals } = city;
    expect(overview).toEqual({ ...totals, crossingsWithoutDataCount: 0, corridors: [{ road: 'MAIN RD', crossingsCount: IDS.length, next: city.corridors[0].horizons[0] }] });
    expect(JSON.stringify(overview).length).toBeLessThan(JSON.stringify(city).length);
  });

  it('leaves crossings it has no data for out of every total, and lists them', () => {
    const { fusion, now } = trainedFusion();
    const statuses = IDS.map((id) => status(id, 'fresh', 'ok', now - STEP));
    const result = fusion.advanceTo(now, fusionStates(statuses));
    const withData = new Set(['A', 'B', 'C']);
    const city = cityForecastView({ result, statuses, asOf: new Date(now), intervalMinutes: 15, withData, roads: fusion.graph.roads });
    expect(city.crossingsWithoutData).toEqual(['D', 'E']);
    const fused = everyFused(result, statuses, withData);
    expect(fused.crossings.map((c) => c.crossingId)).toEqual(['A', 'B', 'C']);
    // The lazy lookup the live path uses: the same views, built once each, null without data.
    const lookup = fusedViewLookup(result, statuses, withData);
    for (const view of fused.crossings) expect(lookup(view.crossingId)).toEqual(view);
    expect(lookup('A')).toBe(lookup('A'));
    expect(lookup('D')).toBeNull();
    expect(lookup('not-a-crossing')).toBeNull();
    expect(fusedViewLookup(null, statuses, withData)('A')).toBeNull();
    const everyone = cityForecastView({ result, statuses, asOf: new Date(now), intervalMinutes: 15, withData: new Set(IDS), roads: fusion.graph.roads });
    for (const [k, h] of city.horizons.entries()) {
      expect(h.crossingsIncluded).toBe(3);
      expect(h.total).toBeCloseTo(fused.crossings.reduce((sum, c) => sum + c.horizons[k].total.mean, 0), 6);
      // Their spread is left out of the band too.
      expect(h.upper80 - h.total).toBeLessThan(everyone.horizons[k].upper80 - everyone.horizons[k].total);
      expect(h.upper80 - h.total).toBeGreaterThan(0);
    }
    // With every crossing included, the band is the library's own.
    for (const [k, h] of everyone.horizons.entries()) {
      expect(h.upper80).toBeCloseTo(result.city[k].hi80, 0);
      expect(h.upper95).toBeCloseTo(result.city[k].hi95, 0);
    }
  });

  it('counts fresh crossings whose newest forecast is too old for a horizon as extended', () => {
    const { fusion, now } = trainedFusion();
    // E's newest forecast is two intervals old: still fresh, but its 4 horizons end before the city's 3rd and 4th.
    const statuses = IDS.map((id) => status(id, 'fresh', 'ok', id === 'E' ? now - 2 * STEP : now));
    const result = fusion.advanceTo(now, fusionStates(statuses));
    const city = cityForecastView({ result, statuses, asOf: new Date(now), intervalMinutes: 15, withData: new Set(IDS), roads: fusion.graph.roads });
    expect(city.horizons.map((h) => h.crossingsExtended)).toEqual([0, 0, 1, 1]);
  });

  it('has no horizons before any fusion run, and says so', () => {
    const statuses = [status('A', 'unknown', null)];
    const city = cityForecastView({ result: null, statuses, asOf: null, intervalMinutes: 15, withData: new Set(), roads: [] });
    expect(city).toMatchObject({ method: 'no-data', horizons: [], corridors: [], crossingsEstimated: 0, crossingsWithoutData: ['A'] });
    expect(city.stale).toHaveLength(1);
    expect(cityOverviewView(city)).toMatchObject({ method: 'no-data', horizons: [], corridors: [], crossingsEstimated: 0, crossingsWithoutDataCount: 1 });
    expect(everyFused(null, statuses, new Set())).toEqual({ crossings: [] });
  });
});
