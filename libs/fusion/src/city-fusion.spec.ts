import { mulberry32 } from '../../../test/support/prng';
import { CityFusion, CrossingState, FusionResult, HorizonPoint } from './city-fusion';
import { NeighbourCrossingInput } from '@crosscast/network';

/**
 * A synthetic city with known noise: five crossings along MAIN RD (north to south), each
 * with a daily pattern; every day the whole city runs a few per cent above or below its
 * usual level, and each count has Gaussian noise. Workers' forecasts are the truth plus
 * noise of a chosen size, with honest (Gaussian) intervals.
 */
const STEP = 15 * 60_000;
const MONDAY = Date.UTC(2024, 0, 1);
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

function gaussian(random: () => number): number {
  const u = Math.max(1e-12, random());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

class SyntheticCity {
  private readonly random: () => number;
  private readonly dayLevel = new Map<number, number>();
  private readonly truth = new Map<string, number>();
  private readonly forecasts = new Map<string, HorizonPoint[]>();

  constructor(seed: number, private readonly countNoise = 8) {
    this.random = mulberry32(seed);
  }

  usual(id: string, t: number): number {
    const slot = Math.floor((MONDAY + t * STEP) / STEP) % 96;
    const level = 1 + 0.3 * IDS.indexOf(id);
    return level * (120 + 90 * Math.sin((2 * Math.PI * slot) / 96));
  }

  observed(id: string, t: number): number {
    const key = `${id}:${t}`;
    let y = this.truth.get(key);
    if (y === undefined) {
      const day = Math.floor(t / 96);
      if (!this.dayLevel.has(day)) this.dayLevel.set(day, 0.08 * gaussian(this.random));
      y = Math.max(0, this.usual(id, t) * (1 + this.dayLevel.get(day)!) + this.countNoise * gaussian(this.random));
      this.truth.set(key, y);
    }
    return y;
  }

  /** A worker forecast from origin t: the truth plus N(0, sigma) noise, with matching intervals. */
  forecast(id: string, t: number, sigma: number): HorizonPoint[] {
    const key = `${id}:${t}:${sigma}`;
    const cached = this.forecasts.get(key);
    if (cached) return cached;
    const points = [1, 2, 3, 4].map((h) => {
      const mean = Math.max(0, this.observed(id, t + h) + sigma * gaussian(this.random));
      return { horizonMin: 15 * h, mean, lo80: Math.max(0, mean - 1.2816 * sigma), hi80: mean + 1.2816 * sigma, lo95: Math.max(0, mean - 1.96 * sigma), hi95: mean + 1.96 * sigma };
    });
    this.forecasts.set(key, points);
    return points;
  }
}

function newFusion(): CityFusion {
  return new CityFusion({ intervalMinutes: 15, timeZone: 'UTC', crossings: CROSSINGS, options: { horizons: 4 } });
}

/** Drives the fusion the way the service does: observations, forecasts, then fuse(now). */
function replay(
  fusion: CityFusion,
  city: SyntheticCity,
  from: number,
  to: number,
  sigmaOf: (id: string) => number,
  stateOf: (id: string) => CrossingState = () => 'fresh',
  onResult: (t: number, r: FusionResult) => void = () => undefined,
): void {
  for (let t = from; t < to; t++) {
    const states: Record<string, CrossingState> = {};
    for (const id of IDS) {
      states[id] = stateOf(id);
      if (states[id] === 'offline') continue;
      fusion.observe(id, MONDAY + t * STEP, city.observed(id, t));
      fusion.addForecast(id, MONDAY + t * STEP, city.forecast(id, t, sigmaOf(id)));
    }
    onResult(t, fusion.advanceTo(MONDAY + t * STEP, states));
  }
}

const WEEK = 7 * 96;

describe('CityFusion', () => {
  it('weighs the more accurate source more: a noisy worker leans on the profile, an accurate one is kept', () => {
    const city = new SyntheticCity(1, 4);
    const fusion = newFusion();
    // B's worker is far noisier than the day-to-day variation; D's is very accurate.
    const sigma = (id: string) => (id === 'B' ? 60 : id === 'D' ? 3 : 12);
    let last: FusionResult | null = null;
    replay(fusion, city, 0, 3 * WEEK, sigma, undefined, (_, r) => (last = r));
    const b = last!.crossings.B[0].weights!;
    const d = last!.crossings.D[0].weights!;
    expect(b.own).toBeLessThan(0.5);
    expect(b.profile + b.neighbours).toBeGreaterThan(0.5);
    expect(d.own).toBeGreaterThan(0.8);
    expect(last!.crossings.B[0].source).toBe('fused');
    // And the fused forecast is better than the noisy worker's own.
    let ownError = 0;
    let fusedError = 0;
    replay(fusion, city, 3 * WEEK, 3 * WEEK + 2 * 96, sigma, undefined, (t, r) => {
      const ownMean = city.forecast('B', t, sigma('B'))[0].mean;
      ownError += Math.abs(ownMean - city.observed('B', t + 1));
      fusedError += Math.abs(r.crossings.B[0].mean - city.observed('B', t + 1));
    });
    expect(fusedError).toBeLessThan(0.8 * ownError);
  });

  it('estimates a crossing whose worker is stale, offline or degraded, with wider intervals', () => {
    const city = new SyntheticCity(2);
    const fusion = newFusion();
    replay(fusion, city, 0, 2 * WEEK, () => 10);
    const t = 2 * WEEK;
    for (const id of IDS) {
      fusion.observe(id, MONDAY + t * STEP, city.observed(id, t));
      fusion.addForecast(id, MONDAY + t * STEP, city.forecast(id, t, 10), { degraded: id === 'D' });
    }
    const result = fusion.advanceTo(MONDAY + t * STEP, { A: 'fresh', B: 'stale', C: 'offline', D: 'fresh', E: 'fresh' });
    expect(result.crossings.A[0].source).toBe('fused');
    for (const id of ['B', 'C', 'D']) {
      for (const point of result.crossings[id]) {
        expect(point.source).toBe('estimated');
        expect(point.mean).toBeGreaterThan(0);
        expect(point.hi80 - point.lo80).toBeGreaterThan(result.crossings.A[point.horizonMin / 15 - 1].hi80 - result.crossings.A[point.horizonMin / 15 - 1].lo80);
        expect(point.lo95).toBeLessThanOrEqual(point.lo80);
        expect(point.hi95).toBeGreaterThanOrEqual(point.hi80);
      }
    }
  });

  it('serves its points with the same keys, in the same order, whatever their source (what the API sends)', () => {
    const city = new SyntheticCity(2);
    const fusion = newFusion();
    replay(fusion, city, 0, WEEK, () => 10);
    const t = WEEK;
    for (const id of IDS) {
      fusion.observe(id, MONDAY + t * STEP, city.observed(id, t));
      fusion.addForecast(id, MONDAY + t * STEP, city.forecast(id, t, 10));
    }
    const result = fusion.advanceTo(MONDAY + t * STEP, { A: 'fresh', B: 'stale', C: 'fresh', D: 'fresh', E: 'fresh' });
    const band = ['mean', 'lo80', 'hi80', 'lo95', 'hi95', 'horizonMin', 'targetIntervalMs', 'source'];
    expect(Object.keys(result.crossings.A[0])).toEqual([...band, 'weights']);
    expect(Object.keys(result.crossings.B[0])).toEqual(band);
  });

  it('makes aggregates whose parts sum to the total, corridor and city alike', () => {
    const city = new SyntheticCity(3);
    const fusion = newFusion();
    let last: FusionResult | null = null;
    replay(fusion, city, 0, WEEK, () => 10, (id) => (id === 'C' ? 'offline' : 'fresh'), (_, r) => (last = r));
    const r = last!;
    for (let k = 0; k < 4; k++) {
      const sum = IDS.reduce((s, id) => s + r.crossings[id][k].mean, 0);
      expect(r.city[k].mean).toBeCloseTo(sum, 6);
      expect(r.corridors['MAIN RD'][k].mean).toBeCloseTo(sum, 6);
      expect(r.city[k].estimatedCrossings).toBe(1);
      // Computed, not the naive sum of the parts' bounds.
      const naiveHalf = IDS.reduce((s, id) => s + (r.crossings[id][k].hi80 - r.crossings[id][k].lo80) / 2, 0);
      expect((r.city[k].hi80 - r.city[k].lo80) / 2).toBeLessThan(naiveHalf);
    }
  });

  it('covers about 80 % and 95 % with its intervals on data with known noise, crossings and city', () => {
    const city = new SyntheticCity(4);
    const fusion = newFusion();
    replay(fusion, city, 0, 2 * WEEK, () => 10);
    let n = 0, in80 = 0, in95 = 0, cityN = 0, cityIn80 = 0;
    replay(fusion, city, 2 * WEEK, 4 * WEEK, () => 10, undefined, (t, r) => {
      for (const id of IDS) {
        for (const p of r.crossings[id]) {
          const y = city.observed(id, t + p.horizonMin / 15);
          n++;
          if (y >= p.lo80 && y <= p.hi80) in80++;
          if (y >= p.lo95 && y <= p.hi95) in95++;
        }
      }
      for (const p of r.city) {
        const y = IDS.reduce((s, id) => s + city.observed(id, t + p.horizonMin / 15), 0);
        cityN++;
        if (y >= p.lo80 && y <= p.hi80) cityIn80++;
      }
    });
    expect(in80 / n).toBeGreaterThan(0.75);
    expect(in80 / n).toBeLessThan(0.85);
    expect(in95 / n).toBeGreaterThan(0.92);
    expect(in95 / n).toBeLessThan(0.98);
    expect(cityIn80 / cityN).toBeGreaterThan(0.74);
    expect(cityIn80 / cityN).toBeLessThan(0.86);
  });

  it('round-trips its whole state through JSON: the restored fusion answers exactly like the original', () => {
    const city = new SyntheticCity(5);
    const original = newFusion();
    replay(original, city, 0, WEEK, (id) => (id === 'B' ? 30 : 10));
    const restored = CityFusion.fromJSON(JSON.parse(JSON.stringify(original.toJSON())));
    const fromOriginal: FusionResult[] = [];
    const fromRestored: FusionResult[] = [];
    // Same inputs to both (the synthetic city caches its draws, so replaying twice is identical).
    replay(original, city, WEEK, WEEK + 96, () => 10, (id) => (id === 'E' ? 'offline' : 'fresh'), (_, r) => fromOriginal.push(r));
    replay(restored, city, WEEK, WEEK + 96, () => 10, (id) => (id === 'E' ? 'offline' : 'fresh'), (_, r) => fromRestored.push(r));
    const round = (r: FusionResult) => JSON.parse(JSON.stringify(r, (_, v) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v)));
    expect(fromRestored.map(round)).toEqual(fromOriginal.map(round));
    expect(fromRestored[0].crossings.E[0].source).toBe('estimated');
  });

  it('learns nothing twice from a re-sent observation, and nothing from mostly filled ones', () => {
    const fusion = newFusion();
    const t0 = MONDAY + 10 * STEP;
    fusion.observe('A', t0, 100);
    fusion.observe('A', t0, 500);
    fusion.observe('A', t0 + WEEK * STEP, 100, undefined, { filledShare: 0.5 });
    expect(fusion.profileAt('A', t0)).toBeCloseTo(100, 6);
  });
});
