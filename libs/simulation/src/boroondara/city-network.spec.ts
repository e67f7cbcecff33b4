import * as fs from 'node:fs';
import * as path from 'node:path';
import { crossingRoads, normaliseRoad } from '@crosscast/network';
import { ApproachIdSchema, CityDefinitionSchema, CrossingIdSchema } from '@crosscast/contracts';
import { createSimulation } from '../engine';
import { validateNetwork } from '../network';
import { buildCityNetwork, turningShares } from './city-network';
import { buildGridCity, parseGridName } from './grid-city';
import { mapTimingPlan } from './timing-plan';

const city = CityDefinitionSchema.parse(JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../seed-data/boroondara-2006/crossings.json'), 'utf8')));

describe('buildCityNetwork on the Boroondara seed crossings', () => {
  const sim = buildCityNetwork(city);
  const links = new Map(sim.network.links.map((l) => [l.id, l]));

  it('builds a network the engine accepts', () => {
    expect(() => validateNetwork(sim.network)).not.toThrow();
    expect(sim.network.crossings).toHaveLength(city.crossings.length);
  });

  it('gives every approach an incoming link into its own crossing', () => {
    for (const crossing of city.crossings) {
      for (const approach of crossing.approaches) {
        const approachLinks = sim.approachLinks[approach.id];
        expect(approachLinks?.length).toBeGreaterThanOrEqual(1);
        for (const id of approachLinks) expect(links.get(id)?.to).toBe(crossing.id);
        expect(sim.network.crossings.find((c) => c.id === crossing.id)!.approaches).toEqual(expect.arrayContaining(approachLinks));
      }
    }
  });

  it('links crossings only where they share the road of the approach fed', () => {
    const byId = new Map(city.crossings.map((c) => [c.id, c]));
    const crossingIds = new Set(city.crossings.map((c) => c.id));
    const between = sim.network.links.filter((l) => crossingIds.has(l.from) && crossingIds.has(l.to));
    expect(between.length).toBeGreaterThan(40);
    for (const link of between) {
      const approach = byId.get(link.to)!.approaches.find((a) => a.id === link.id)!;
      expect(crossingRoads(byId.get(link.from)!).has(normaliseRoad(approach.road))).toBe(true);
    }
  });

  it('keeps two approaches from the same side apart (site 4335 has two NE approaches)', () => {
    const twoNe = city.crossings.find((c) => c.id === '4335')!;
    expect(twoNe.approaches.filter((a) => a.direction === 'NE')).toHaveLength(2);
    const [a, b] = twoNe.approaches.map((x) => sim.approachLinks[x.id]);
    expect(a[0]).not.toBe(b[0]);
    const engine = createSimulation(sim.network, { seed: 1 });
    engine.setDemand(sim.localEntries['4335:2'] ?? sim.boundaryEntries['4335:2'], 600);
    engine.setDemand(sim.localEntries['4335:6'] ?? sim.boundaryEntries['4335:6'], 300);
    engine.advanceTo(3600);
    const counts = new Map(engine.takeIntervalReport().approaches.map((r) => [r.approachLinkId, r.detectorCount]));
    const count = (id: string) => sim.approachLinks[id].reduce((s, l) => s + (counts.get(l) ?? 0), 0);
    expect(count('4335:2')).toBeGreaterThan(450);
    expect(count('4335:6')).toBeGreaterThan(200);
    expect(count('4335:6')).toBeLessThan(count('4335:2'));
  });

  it("gives every approach's movements turning shares that sum to one, no U-turns where another way exists", () => {
    for (const crossing of sim.network.crossings) {
      for (const approach of crossing.approaches) {
        const movements = crossing.movements.filter((m) => m.fromLink === approach);
        expect(movements.reduce((s, m) => s + m.share, 0)).toBeCloseTo(1, 9);
        if (movements.length > 1) expect(movements.some((m) => m.kind === 'uturn')).toBe(false);
      }
    }
    expect(turningShares(['through', 'left', 'right'], { through: 0.75, left: 0.125, right: 0.125 })).toEqual([0.75, 0.125, 0.125]);
    expect(turningShares(['through', 'through', 'left'], { through: 0.75, left: 0.125, right: 0.125 })).toEqual([0.75 / 0.875 / 2, 0.75 / 0.875 / 2, 0.125 / 0.875]);
  });
});

describe('buildGridCity', () => {
  it('names crossings and approaches as the contracts accept, with a city definition that validates', () => {
    const { sim, definition } = buildGridCity({ ...parseGridName('grid:4x4')!, seed: 1 });
    expect(() => CityDefinitionSchema.parse(definition)).not.toThrow();
    expect(definition.crossings).toHaveLength(16);
    for (const c of definition.crossings) {
      expect(CrossingIdSchema.safeParse(c.id).success).toBe(true);
      for (const a of c.approaches) expect(ApproachIdSchema.safeParse(a.id).success).toBe(true);
    }
    expect(sim.crossings.find((c) => c.id === 'c0_0')!.phases).toEqual([
      { name: 'north-south', approaches: expect.arrayContaining(['c0_0:N', 'c0_0:S']) },
      { name: 'east-west', approaches: expect.arrayContaining(['c0_0:E', 'c0_0:W']) },
    ]);
    expect(parseGridName('grid:0x3')).toBeNull();
    expect(parseGridName('boroondara')).toBeNull();
  });
});

describe('mapTimingPlan', () => {
  const crossing = { id: 'X', approaches: ['X:N', 'X:S', 'X:E'], phases: [{ name: 'north-south', approaches: ['X:N', 'X:S'] }, { name: 'east-west', approaches: ['X:E'] }], basePlanId: 'base' };
  const current = { greenSeconds: [20, 20], amberSeconds: 3, allRedSeconds: 1, offsetSeconds: 12 };

  it('matches phases by their approaches, in any order, and keeps the offset', () => {
    const result = mapTimingPlan(crossing, current, 90, [
      { name: 'EW', approaches: ['X:E'], greenSeconds: 30 },
      { name: 'NS', approaches: ['X:N', 'X:S'], greenSeconds: 52 },
    ]);
    expect(result).toEqual({ ok: true, plan: { greenSeconds: [52, 30], amberSeconds: 3, allRedSeconds: 1, offsetSeconds: 12 } });
  });

  it('refuses foreign approaches, greens longer than the cycle, and phases that mix', () => {
    expect(mapTimingPlan(crossing, current, 60, [{ name: 'a', approaches: ['Y:N'], greenSeconds: 20 }, { name: 'b', approaches: ['X:E'], greenSeconds: 20 }])).toMatchObject({ ok: false, reason: expect.stringMatching(/Y:N do not belong/) });
    expect(mapTimingPlan(crossing, current, 40, [{ name: 'a', approaches: ['X:N'], greenSeconds: 30 }, { name: 'b', approaches: ['X:E'], greenSeconds: 20 }])).toMatchObject({ ok: false, reason: expect.stringMatching(/more than the 40 s cycle/) });
    expect(mapTimingPlan(crossing, current, 60, [{ name: 'a', approaches: ['X:N', 'X:E'], greenSeconds: 20 }, { name: 'b', approaches: ['X:S'], greenSeconds: 20 }])).toMatchObject({ ok: false });
    expect(mapTimingPlan(crossing, current, 60, [{ name: 'a', approaches: ['X:N'], greenSeconds: 40 }])).toMatchObject({ ok: false, reason: expect.stringMatching(/1 phases/) });
  });
});
