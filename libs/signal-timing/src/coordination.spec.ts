import { coordinateCorridor, CorridorCrossing, CorridorLink, CorridorPlan } from './coordination';
import { PhaseDemand, TimingPlan } from './webster';

function twoPhase(arterialRatio: number, sideRatio: number, order: 'arterial-first' | 'side-first' = 'arterial-first'): PhaseDemand[] {
  const arterial = { name: 'arterial', approaches: [{ id: 'art', flowVehPerHour: arterialRatio * 1800, saturationFlowVehPerHour: 1800 }] };
  const side = { name: 'side', approaches: [{ id: 'side', flowVehPerHour: sideRatio * 1800, saturationFlowVehPerHour: 1800 }] };
  return order === 'arterial-first' ? [arterial, side] : [side, arterial];
}

// Isolated Webster cycles (L = 8 s): A 17 / 0.5 = 34 s, B 17 / 0.25 = 68 s, C 17 / 0.45 = 37.8 -> 38 s.
const corridor: CorridorCrossing[] = [
  { id: 'A', demand: twoPhase(0.3, 0.2), coordinatedPhase: 'arterial' },
  { id: 'B', demand: twoPhase(0.45, 0.3), coordinatedPhase: 'arterial' },
  { id: 'C', demand: twoPhase(0.35, 0.2), coordinatedPhase: 'arterial' },
];
// 400 m and 600 m at 50 km/h (13.89 m/s): 28.8 s and 43.2 s.
const links: CorridorLink[] = [
  { distanceMetres: 400, speedKmh: 50 },
  { distanceMetres: 600, speedKmh: 50 },
];

/** Is the phase's displayed green on at absolute time t, by walking the plan from its offset? */
function greenAt(plan: TimingPlan, phaseName: string, t: number): boolean {
  let inCycle = (((t - plan.offsetSeconds) % plan.cycleSeconds) + plan.cycleSeconds) % plan.cycleSeconds;
  for (const phase of plan.phases) {
    if (inCycle < phase.displayedGreenSeconds) return phase.name === phaseName;
    inCycle -= phase.displayedGreenSeconds + phase.amberSeconds + phase.allRedSeconds;
    if (inCycle < 0) return false;
  }
  return false;
}

/** Band found by driving test vehicles every 0.05 s through the corridor, independently of the library's interval maths. */
function drivenBand(result: CorridorPlan, direction: 'outbound' | 'inbound'): number {
  const step = 0.05;
  const travel = result.travelTimesSeconds[direction];
  const through: boolean[] = [];
  for (let t = 0; t < result.cycleSeconds; t += step) {
    through.push(result.crossings.every((c, i) => greenAt(c.plan, corridor[i].coordinatedPhase, t + travel[i])));
  }
  // Longest circular run of vehicles that met green everywhere.
  let best = 0;
  let run = 0;
  for (const ok of [...through, ...through]) {
    run = ok ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return Math.min(best, through.length) * step;
}

describe('coordinateCorridor', () => {
  it('uses the critical crossing cycle for all and re-splits every crossing for it', () => {
    const result = coordinateCorridor(corridor, links);
    expect(result.crossings.map((c) => c.isolatedCycleSeconds)).toEqual([34, 68, 38]);
    expect(result.cycleSeconds).toBe(68);
    expect(result.criticalCrossingId).toBe('B');
    // 60 s of green at 68 s: A 0.3 : 0.2 -> 36 + 24; C 0.35 : 0.2 -> 38.2 : 21.8 -> 38 + 22.
    expect(result.crossings.map((c) => c.plan.phases.map((p) => p.greenSeconds))).toEqual([[36, 24], [36, 24], [38, 22]]);
    for (const c of result.crossings) expect(c.plan.cycleSeconds).toBe(68);
  });

  it('bounds the common cycle by the maximum cycle', () => {
    expect(coordinateCorridor(corridor, links, { maxCycleSeconds: 60 }).cycleSeconds).toBe(60);
  });

  it('one-way: offsets are the travel times from the first crossing, mod the cycle', () => {
    const result = coordinateCorridor(corridor, links);
    expect(result.travelTimesSeconds.outbound.map((t) => Math.round(t * 10) / 10)).toEqual([0, 28.8, 72]);
    // 0, 28.8 -> 29, 72 mod 68 = 4; the arterial phase comes first, so offset = green start.
    expect(result.crossings.map((c) => c.plan.offsetSeconds)).toEqual([0, 29, 4]);
    // Outbound band: [0, 36) at A, [0.2, 36.2) from B, [0, 38) from C -> 35.8 s.
    expect(result.bandwidthSeconds.outbound).toBeCloseTo(35.8, 6);
    // Inbound (no wave that way): 17.8 s by the same arithmetic from the last crossing.
    expect(result.bandwidthSeconds.inbound).toBeCloseTo(17.8, 6);
  });

  it('reports the band a driven vehicle actually gets', () => {
    for (const mode of ['one-way', 'two-way'] as const) {
      const result = coordinateCorridor(corridor, links, { mode });
      expect(drivenBand(result, 'outbound')).toBeCloseTo(result.bandwidthSeconds.outbound, 0);
      expect(drivenBand(result, 'inbound')).toBeCloseTo(result.bandwidthSeconds.inbound, 0);
    }
  });

  it('two-way compromise: more inbound band, no less band in total', () => {
    const oneWay = coordinateCorridor(corridor, links, { mode: 'one-way' });
    const twoWay = coordinateCorridor(corridor, links, { mode: 'two-way' });
    expect(twoWay.mode).toBe('two-way');
    expect(twoWay.bandwidthSeconds.inbound).toBeGreaterThan(oneWay.bandwidthSeconds.inbound);
    expect(twoWay.bandwidthSeconds.outbound + twoWay.bandwidthSeconds.inbound).toBeGreaterThanOrEqual(oneWay.bandwidthSeconds.outbound + oneWay.bandwidthSeconds.inbound);
  });

  it('shifts the offset back by the phases that run before the coordinated green', () => {
    const sideFirst = corridor.map((c) => ({ ...c, demand: twoPhase(c.demand[0].approaches[0].flowVehPerHour / 1800, c.demand[1].approaches[0].flowVehPerHour / 1800, 'side-first') }));
    const result = coordinateCorridor(sideFirst, links);
    // Crossing B: side green 24 s + 3 s amber + 1 s all-red before the arterial green, which must start at 29 s.
    expect(result.crossings[1].coordinatedGreenStartSeconds).toBe(29);
    // Offset (when the first phase starts) = 29 - 28 = 1 s; at A, 0 - 28 mod 68 = 40 s.
    expect(result.crossings[1].plan.offsetSeconds).toBe(1);
    expect(result.crossings[0].plan.offsetSeconds).toBe(40);
    expect(result.bandwidthSeconds.outbound).toBeCloseTo(35.8, 6);
  });

  it('gives one crossing its own plan and a full band', () => {
    const result = coordinateCorridor([corridor[1]], []);
    expect(result.cycleSeconds).toBe(68);
    expect(result.bandwidthSeconds.outbound).toBe(36);
  });

  it.each([
    ['a missing link', [links[0]], /needs 2 links, got 1/],
    ['a zero speed', [links[0], { distanceMetres: 600, speedKmh: 0 }], /link 1 \(B -> C\)/],
  ])('refuses %s', (_label, badLinks, message) => {
    expect(() => coordinateCorridor(corridor, badLinks as CorridorLink[])).toThrow(message);
  });

  it('refuses an unknown coordinated phase', () => {
    expect(() => coordinateCorridor([{ ...corridor[0], coordinatedPhase: 'main' }], [])).toThrow(/crossing A: no phase named main/);
  });
});
