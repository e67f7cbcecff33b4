import { DetectorReadingSchema, SimulationReportSchema } from '@crosscast/contracts';
import { loadSimCity } from './sim-city.loader';
import { SimulatedStreet } from './simulated-street';

function street(network: string, originMs = Date.parse('2006-10-09T00:00:00+10:00')): SimulatedStreet {
  const loaded = loadSimCity(network, 'seed-data/boroondara-2006', 5);
  return new SimulatedStreet(loaded.sim, { seed: 5, originMs, intervalMinutes: loaded.intervalMinutes, dailyDemand: loaded.dailyDemand, runId: 'test' });
}

describe('SimulatedStreet', () => {
  it('produces one reading per crossing per interval, with every approach counted, in the detector format', () => {
    const s = street('grid:2x2');
    const first = s.advance();
    const second = s.advance();
    expect(second.intervalStartMs - first.intervalStartMs).toBe(15 * 60_000);
    expect(first.readings.map((r) => r.crossingId).sort()).toEqual(['c0_0', 'c0_1', 'c1_0', 'c1_1']);
    for (const reading of first.readings) {
      expect(DetectorReadingSchema.parse(reading)).toEqual(reading);
      expect(Object.keys(reading.counts).sort()).toEqual([`${reading.crossingId}:E`, `${reading.crossingId}:N`, `${reading.crossingId}:S`, `${reading.crossingId}:W`]);
    }
    expect(SimulationReportSchema.parse(first.report).intervalStart).toBe('2006-10-08T14:00:00.000Z');
  });

  it('follows the calibrated day on Boroondara: more traffic at 08:00 than at 03:00', () => {
    const s = street('boroondara');
    const totals: number[] = [];
    for (let k = 0; k < 36; k++) totals.push(s.advance().report.city.throughput);
    expect(totals[32]).toBeGreaterThan(3 * totals[12]);
    expect(s.advance().readings).toHaveLength(40);
  });

  it('runs an accepted plan from the next cycle boundary and names it in the reports; refuses one that does not fit', () => {
    const s = street('grid:2x2');
    s.advance();
    const ok = s.applyPlan({ v: 1, crossingId: 'c1_0', planId: 'p-1', recommendationId: '1', acceptedBy: 'operator', acceptedAt: '2006-10-09T08:00:00+10:00', effectiveFrom: 'next-cycle-boundary', cycleSeconds: 90, phases: [{ name: 'north-south', approaches: ['c1_0:N', 'c1_0:S'], greenSeconds: 60 }, { name: 'east-west', approaches: ['c1_0:E', 'c1_0:W'], greenSeconds: 22 }] });
    expect(ok.ok).toBe(true);
    const next = s.advance().report;
    expect(next.crossings.find((c) => c.crossingId === 'c1_0')!.planId).toBe('p-1');
    expect(next.crossings.find((c) => c.crossingId === 'c0_0')!.planId).toBe('grid-fixed');
    expect(s.applyPlan({ v: 1, crossingId: 'nowhere', planId: 'p-2', recommendationId: '2', acceptedBy: 'operator', acceptedAt: '2006-10-09T08:00:00+10:00', effectiveFrom: 'next-cycle-boundary', cycleSeconds: 60, phases: [{ name: 'a', approaches: ['nowhere:N'], greenSeconds: 20 }] })).toMatchObject({ ok: false, reason: expect.stringMatching(/not in the simulated network/) });
  });

  it("runs a corridor's coordinated-actuated plans from the common cycle boundary, and the street changes", () => {
    const corridorPlan = (crossingId: string, offsetSeconds: number) => ({
      v: 1 as const,
      crossingId,
      planId: `cor-7-${crossingId}`,
      recommendationId: '7',
      acceptedBy: 'operator',
      acceptedAt: '2006-10-09T08:00:00+10:00',
      effectiveFrom: 'common-cycle-boundary' as const,
      cycleSeconds: 80,
      phases: [
        { name: 'north-south', approaches: [`${crossingId}:N`, `${crossingId}:S`], greenSeconds: 45 },
        { name: 'east-west', approaches: [`${crossingId}:E`, `${crossingId}:W`], greenSeconds: 25 },
      ],
      coordination: { corridorRecommendationId: '7', offsetSeconds, coordinatedPhase: 'north-south', splitSeconds: [50, 30], minGreenSeconds: 7, passageSeconds: 2.5, amberSeconds: 3, allRedSeconds: 2 },
    });
    const coordinated = street('grid:2x2');
    const plain = street('grid:2x2');
    for (let k = 0; k < 30; k++) {
      coordinated.advance();
      plain.advance();
    }
    expect(coordinated.applyPlan(corridorPlan('c0_0', 0))).toMatchObject({ ok: true, coordinated: { cycleSeconds: 80, offsetSeconds: 0, coordinatedPhase: 0, splitSeconds: [50, 30] } });
    expect(coordinated.applyPlan(corridorPlan('c1_0', 20))).toMatchObject({ ok: true, coordinated: { offsetSeconds: 20 } });
    const withPlan = coordinated.advance().report;
    const without = plain.advance().report;
    expect(withPlan.crossings.find((c) => c.crossingId === 'c0_0')!.planId).toBe('cor-7-c0_0');
    expect(withPlan.crossings.find((c) => c.crossingId === 'c1_0')!.planId).toBe('cor-7-c1_0');
    expect(without.crossings.find((c) => c.crossingId === 'c0_0')!.planId).toBe('grid-fixed');
    // Same seed, same demand: only the two crossings' control differs.
    const delayAt = (report: typeof withPlan, id: string) => report.crossings.find((c) => c.crossingId === id)!.meanDelaySeconds;
    expect(delayAt(withPlan, 'c0_0')).not.toBeCloseTo(delayAt(without, 'c0_0'), 3);
    // Splits that do not add up to the cycle are refused.
    const bad = corridorPlan('c0_1', 0);
    expect(coordinated.applyPlan({ ...bad, coordination: { ...bad.coordination, splitSeconds: [50, 40] } })).toMatchObject({ ok: false, reason: expect.stringMatching(/splits add up to 90 s, the cycle is 80 s/) });
  });
  it("runs a group's free operation (the actuated controller) from the next boundary, and refuses a plan that is both", () => {
    const freePlan = (crossingId: string) => ({
      v: 1 as const,
      crossingId,
      planId: `cor-8-${crossingId}`,
      recommendationId: '8',
      acceptedBy: 'operator',
      acceptedAt: '2006-10-09T08:00:00+10:00',
      effectiveFrom: 'next-cycle-boundary' as const,
      cycleSeconds: 80,
      phases: [
        { name: 'north-south', approaches: [`${crossingId}:N`, `${crossingId}:S`], greenSeconds: 45 },
        { name: 'east-west', approaches: [`${crossingId}:E`, `${crossingId}:W`], greenSeconds: 25 },
      ],
      actuated: { corridorRecommendationId: '8', minGreenSeconds: 7, maxGreenSeconds: 45, passageSeconds: 2.5, amberSeconds: 3, allRedSeconds: 2 },
    });
    const free = street('grid:2x2');
    const plain = street('grid:2x2');
    for (let k = 0; k < 30; k++) {
      free.advance();
      plain.advance();
    }
    expect(free.applyPlan(freePlan('c0_0'))).toMatchObject({ ok: true, actuated: { minGreenSeconds: 7, maxGreenSeconds: 45, gapSeconds: 2.5 } });
    const withPlan = free.advance().report;
    const without = plain.advance().report;
    expect(withPlan.crossings.find((c) => c.crossingId === 'c0_0')!.planId).toBe('cor-8-c0_0');
    const delayAt = (report: typeof withPlan, id: string) => report.crossings.find((c) => c.crossingId === id)!.meanDelaySeconds;
    expect(delayAt(withPlan, 'c0_0')).not.toBeCloseTo(delayAt(without, 'c0_0'), 3);
    const both = { ...freePlan('c0_1'), coordination: { corridorRecommendationId: '8', offsetSeconds: 0, coordinatedPhase: 'north-south', splitSeconds: [50, 30], minGreenSeconds: 7, passageSeconds: 2.5, amberSeconds: 3, allRedSeconds: 2 } };
    expect(free.applyPlan(both)).toMatchObject({ ok: false, reason: expect.stringMatching(/coordinated or free/) });
  });
});
