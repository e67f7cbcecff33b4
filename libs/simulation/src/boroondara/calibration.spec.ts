import * as fs from 'node:fs';
import * as path from 'node:path';
import { CityDefinitionSchema } from '@crosscast/contracts';
import { peakShape } from '../grid';
import { buildCityNetwork } from './city-network';
import { calibrateDemand, geh, typicalDay } from './calibration';

const city = CityDefinitionSchema.parse(JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../seed-data/boroondara-2006/crossings.json'), 'utf8')));

describe('geh and typicalDay', () => {
  it('computes the GEH statistic of hourly flows', () => {
    expect(geh(100, 100)).toBe(0);
    expect(geh(0, 0)).toBe(0);
    expect(geh(1100, 1000)).toBeCloseTo(Math.sqrt((2 * 100 ** 2) / 2100), 9);
  });

  it('takes the median over days per slot and fills a slot nobody counted', () => {
    const day = typicalDay(
      [
        { approachId: 'a', day: 'd1', slot: 0, count: 10 },
        { approachId: 'a', day: 'd2', slot: 0, count: 500 }, // one faulty day does not move the median much
        { approachId: 'a', day: 'd3', slot: 0, count: 12 },
        { approachId: 'a', day: 'd1', slot: 2, count: 20 },
      ],
      4,
    );
    expect(day.a).toEqual([12, 16, 20, 16]);
  });
});

describe('calibrateDemand on a Burke Road subset', () => {
  // Five neighbouring crossings; targets shaped like a day with two peaks, distinct per approach.
  const subset = { crossings: city.crossings.filter((c) => ['4030', '4032', '4034', '4035', '3120'].includes(c.id)) };
  const targets: Record<string, number[]> = {};
  subset.crossings.flatMap((c) => c.approaches).forEach((a, i) => {
    const level = 60 + ((i * 37) % 90); // vehicles per 15 minutes at the peak
    targets[a.id] = Array.from({ length: 96 }, (_, k) => Math.round(level * peakShape((k + 0.5) / 4)));
  });

  it('fits the real-shaped targets better with every round of local entries (GEH share goes up)', () => {
    const result = calibrateDemand((keep) => buildCityNetwork(subset, { roadKeepShare: keep }), targets, { iterations: 4, seed: 3, intervalSeconds: 900 });
    const shares = result.iterations.map((it) => it.network.gehBelow5Share);
    expect(shares[shares.length - 1]).toBeGreaterThan(shares[0] + 0.1);
    expect(shares[shares.length - 1]).toBeGreaterThan(0.85);
    expect(Math.abs(result.final.network.medianAbsDailyErrorPct)).toBeLessThan(10);
    // every upstream-fed approach got a local entry; boundary entries carry their target directly
    const sim = buildCityNetwork(subset);
    for (const entry of Object.values(sim.localEntries)) expect(result.demand[entry]).toHaveLength(96);
    for (const [approach, entry] of Object.entries(sim.boundaryEntries)) expect(result.demand[entry][40]).toBeCloseTo(targets[approach][40] * 4, 9);
  });
});
