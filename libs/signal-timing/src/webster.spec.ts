import { DEFAULT_WEBSTER, PhaseDemand, splitGreen, websterPlan } from './webster';
import { mulberry32 } from '../../../test/support/prng';

/** One phase with one approach whose flow ratio q/s is `ratio` (s = 1800 veh/h). */
function phase(name: string, ratio: number, saturation = 1800): PhaseDemand {
  return { name, approaches: [{ id: `${name}:1`, flowVehPerHour: ratio * saturation, saturationFlowVehPerHour: saturation }] };
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

describe('websterPlan', () => {
  it('gives the textbook cycle for two phases with y = 0.3 and 0.25 and L = 8 s', () => {
    // C0 = (1.5 * 8 + 5) / (1 - 0.55) = 37.78 s -> 38 s
    const plan = websterPlan([phase('ns', 0.3), phase('ew', 0.25)]);
    expect(plan.lostTimeSeconds).toBe(8);
    expect(plan.flowRatioSum).toBeCloseTo(0.55, 10);
    expect(plan.cycleSeconds).toBe(38);
    expect(plan.cycleCapped).toBe(false);
    expect(plan.oversaturated).toBe(false);
    // 30 s of effective green split 0.3 : 0.25 = 16.36 : 13.64 -> whole seconds 16 + 14.
    expect(plan.phases.map((p) => p.greenSeconds)).toEqual([16, 14]);
    expect(sum(plan.phases.map((p) => p.greenSeconds))).toBe(plan.cycleSeconds - plan.lostTimeSeconds);
  });

  it('splits green in proportion to the flow ratios, within a second', () => {
    const ratios = [0.12, 0.2, 0.35];
    const plan = websterPlan(ratios.map((r, i) => phase(`p${i}`, r)));
    const available = plan.cycleSeconds - plan.lostTimeSeconds;
    expect(sum(plan.phases.map((p) => p.greenSeconds))).toBe(available);
    plan.phases.forEach((p, i) => {
      expect(Math.abs(p.greenSeconds - (available * ratios[i]) / sum(ratios))).toBeLessThan(1);
    });
  });

  it('uses the approach with the highest flow ratio as the phase critical one', () => {
    const plan = websterPlan([
      {
        name: 'ns',
        approaches: [
          { id: 'N', flowVehPerHour: 900, saturationFlowVehPerHour: 3600 }, // 0.25
          { id: 'S', flowVehPerHour: 600, saturationFlowVehPerHour: 1800 }, // 0.333
        ],
      },
      phase('ew', 0.2),
    ]);
    expect(plan.phases[0].approaches).toEqual(['N', 'S']);
    expect(plan.phases[0].flowVehPerHour).toBe(600);
    expect(plan.phases[0].saturationFlowVehPerHour).toBe(1800);
    expect(plan.phases[0].flowRatio).toBeCloseTo(1 / 3, 10);
    expect(plan.flowRatioSum).toBeCloseTo(1 / 3 + 0.2, 10);
  });

  it('gives a phase with almost no flow the minimum green and the rest to the busy phase', () => {
    const plan = websterPlan([phase('main', 0.5), phase('side', 0.001)]);
    // C0 = 17 / (1 - 0.501) = 34.07 -> 34; 26 s of green.
    expect(plan.cycleSeconds).toBe(34);
    expect(plan.phases[1].greenSeconds).toBe(DEFAULT_WEBSTER.minGreenSeconds);
    expect(plan.phases[0].greenSeconds).toBe(26 - DEFAULT_WEBSTER.minGreenSeconds);
  });

  it('never goes below the minimum cycle for light traffic', () => {
    // Webster alone would give 17 / 0.9 = 18.9 s.
    const plan = websterPlan([phase('a', 0.05), phase('b', 0.05)]);
    expect(plan.cycleSeconds).toBe(30);
    const custom = websterPlan([phase('a', 0.05), phase('b', 0.05)], { minCycleSeconds: 60 });
    expect(custom.cycleSeconds).toBe(60);
    expect(sum(custom.phases.map((p) => p.greenSeconds))).toBe(60 - 8);
  });

  it('raises the cycle so that every phase gets its minimum green', () => {
    // Four phases: L = 16 s, 4 x 7 s minimum green -> at least 44 s, above the 30 s minimum cycle.
    const plan = websterPlan([phase('a', 0.01), phase('b', 0.01), phase('c', 0.01), phase('d', 0.01)]);
    expect(plan.cycleSeconds).toBe(44);
    expect(plan.phases.map((p) => p.greenSeconds)).toEqual([7, 7, 7, 7]);
  });

  it('never exceeds the maximum cycle', () => {
    // Y = 0.85: Webster gives 17 / 0.15 = 113.3 s, within the default 120 s ...
    expect(websterPlan([phase('a', 0.45), phase('b', 0.4)]).cycleSeconds).toBe(113);
    // ... but not within a 100 s maximum.
    const plan = websterPlan([phase('a', 0.45), phase('b', 0.4)], { maxCycleSeconds: 100 });
    expect(plan.cycleSeconds).toBe(100);
    expect(sum(plan.phases.map((p) => p.greenSeconds))).toBe(92);
  });

  it('caps the cycle at the maximum when Y reaches 0.9, without calling it oversaturated', () => {
    const plan = websterPlan([phase('a', 0.5), phase('b', 0.4)]);
    expect(plan.flowRatioSum).toBeCloseTo(0.9, 10);
    expect(plan.cycleCapped).toBe(true);
    expect(plan.oversaturated).toBe(false);
    expect(plan.cycleSeconds).toBe(120);
    expect(sum(plan.phases.map((p) => p.greenSeconds))).toBe(112);
  });

  it('below Y = 0.9 uses the formula and does not flag the cycle as capped', () => {
    const plan = websterPlan([phase('a', 0.4), phase('b', 0.4)]);
    expect(plan.cycleCapped).toBe(false);
    expect(plan.cycleSeconds).toBe(85); // 17 / 0.2
  });

  it('flags demand at or above capacity (Y >= 1) as oversaturated, with the maximum cycle', () => {
    for (const [a, b] of [
      [0.5, 0.5],
      [0.7, 0.6],
      [1.5, 0.9],
    ]) {
      const plan = websterPlan([phase('a', a), phase('b', b)]);
      expect(plan.oversaturated).toBe(true);
      expect(plan.cycleCapped).toBe(true);
      expect(plan.cycleSeconds).toBe(120);
      const greens = plan.phases.map((p) => p.greenSeconds);
      expect(sum(greens)).toBe(112);
      for (const g of greens) expect(g).toBeGreaterThanOrEqual(7);
    }
  });

  it('gives zero demand the minimum cycle split equally', () => {
    const plan = websterPlan([phase('a', 0), phase('b', 0)]);
    expect(plan.flowRatioSum).toBe(0);
    expect(plan.cycleSeconds).toBe(30);
    expect(plan.phases.map((p) => p.greenSeconds)).toEqual([11, 11]);
    expect(plan.oversaturated).toBe(false);
  });

  it('treats a phase with no approaches as having no demand', () => {
    const plan = websterPlan([phase('a', 0.4), { name: 'side street', approaches: [] }]);
    expect(plan.phases[1].flowRatio).toBe(0);
    expect(plan.phases[1].approaches).toEqual([]);
    expect(plan.phases[1].greenSeconds).toBe(7);
  });

  it.each([
    ['a negative flow', { id: 'north-1', flowVehPerHour: -5, saturationFlowVehPerHour: 1800 }, /north-1.*flow/],
    ['a NaN flow', { id: 'north-1', flowVehPerHour: NaN, saturationFlowVehPerHour: 1800 }, /north-1.*flow/],
    ['an infinite flow', { id: 'north-1', flowVehPerHour: Infinity, saturationFlowVehPerHour: 1800 }, /north-1.*flow/],
    ['a zero saturation flow', { id: 'north-1', flowVehPerHour: 100, saturationFlowVehPerHour: 0 }, /north-1.*saturation/],
    ['a negative saturation flow', { id: 'north-1', flowVehPerHour: 100, saturationFlowVehPerHour: -1800 }, /north-1.*saturation/],
    ['a NaN saturation flow', { id: 'north-1', flowVehPerHour: 100, saturationFlowVehPerHour: NaN }, /north-1.*saturation/],
  ])('rejects %s, naming the approach', (_label, bad, message) => {
    const phases: PhaseDemand[] = [phase('ok', 0.2), { name: 'ns', approaches: [{ id: 'south-2', flowVehPerHour: 300, saturationFlowVehPerHour: 1800 }, bad] }];
    expect(() => websterPlan(phases)).toThrow(message);
  });

  it('rejects a plan with no phases', () => {
    expect(() => websterPlan([])).toThrow(/at least one phase/);
  });
});

describe('splitGreen', () => {
  it('splits exactly in proportion when the shares are whole seconds', () => {
    expect(splitGreen(60, [0.1, 0.2, 0.3], 7)).toEqual([10, 20, 30]);
  });

  it('splits equally when every ratio is zero', () => {
    expect(splitGreen(30, [0, 0, 0], 7)).toEqual([10, 10, 10]);
  });

  it('gives the minimum to every phase below it, then shares the rest by ratio', () => {
    // 0.01 and 0.02 of 50 s would be 0.5 s and 1 s: both get 7 s, the busy phase the other 36 s.
    expect(splitGreen(50, [0.01, 0.02, 0.97], 7)).toEqual([7, 7, 36]);
  });

  it('always sums to the available green and never gives less than the minimum (random ratios)', () => {
    const random = mulberry32(20061029);
    for (let trial = 0; trial < 5000; trial++) {
      const n = 1 + Math.floor(random() * 6);
      const minGreen = 4 + Math.floor(random() * 8);
      const available = n * minGreen + Math.floor(random() * 150);
      const ratios = Array.from({ length: n }, () => {
        const r = random();
        // Plenty of zeros and tiny ratios, which are the ones that hit the minimum.
        return r < 0.2 ? 0 : r < 0.4 ? r * 0.01 : r;
      });
      const greens = splitGreen(available, ratios, minGreen);
      const context = `available=${available} min=${minGreen} ratios=${ratios.join(',')} -> ${greens.join(',')}`;
      expect({ context, sum: sum(greens) }).toEqual({ context, sum: available });
      for (const g of greens) {
        expect({ context, whole: Number.isInteger(g), atLeastMin: g >= minGreen }).toEqual({ context, whole: true, atLeastMin: true });
      }
      // A busier phase never gets less green than a quieter one.
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (ratios[i] > ratios[j] && greens[i] < greens[j]) throw new Error(`order broken: ${context}`);
        }
      }
    }
  });
});
