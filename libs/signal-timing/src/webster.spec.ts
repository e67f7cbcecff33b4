import { DEFAULT_WEBSTER, PhaseDemand, pedestrianMinGreenSeconds, planForCycle, shortestFeasibleCycle, splitGreen, TimingPlan, websterPlan } from './webster';
import { mulberry32 } from '../../../test/support/prng';

/** One phase with one approach whose flow ratio q/s is `ratio` (s = 1800 veh/h). */
function phase(name: string, ratio: number, saturation = 1800): PhaseDemand {
  return { name, approaches: [{ id: `${name}:1`, flowVehPerHour: ratio * saturation, saturationFlowVehPerHour: saturation }] };
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
/** What the signal head shows over one cycle: displayed green + amber + all-red of every phase. */
const shownCycle = (plan: TimingPlan) => sum(plan.phases.map((p) => p.displayedGreenSeconds + p.amberSeconds + p.allRedSeconds));

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

describe('websterPlan: textbook examples', () => {
  it('two phases, critical y = 0.35 and 0.25, 4 s lost per phase', () => {
    // Hand calculation: L = 2 x (2 start-up + 3 amber + 1 all-red - 2 used) = 8 s, Y = 0.60,
    // C0 = (1.5 x 8 + 5) / (1 - 0.60) = 17 / 0.4 = 42.5 s -> 43 s (rounded half up);
    // effective green 43 - 8 = 35 s split 0.35 : 0.25 -> 20.42 : 14.58 -> 20 + 15 (largest remainder).
    const plan = websterPlan([phase('ns', 630 / 1800), phase('ew', 450 / 1800)]);
    expect(plan.cycleSeconds).toBe(43);
    expect(plan.phases.map((p) => p.greenSeconds)).toEqual([20, 15]);
    // Default clearances: the green shown equals the effective green.
    expect(plan.phases.map((p) => p.displayedGreenSeconds)).toEqual([20, 15]);
    expect(shownCycle(plan)).toBe(43);
    // X = y C / g: 0.35 x 43 / 20 = 0.7525 and 0.25 x 43 / 15 = 0.7167.
    expect(plan.phases[0].degreeOfSaturation).toBeCloseTo(0.7525, 4);
    expect(plan.phases[1].degreeOfSaturation).toBeCloseTo(0.7167, 4);
    expect(plan.congested).toBe(false);
    expect(plan.congestionReason).toBeNull();
  });

  it('lane groups: the critical flow ratio of a phase is the highest of its lane groups', () => {
    // North-south: N through 1000/3600 = 0.278, S through 550/1800 = 0.306 (critical);
    // east-west: E 300/1800 = 0.167, W right-turn lane 320/1600 = 0.200 (critical).
    // Y = 0.5056, L = 8 s: C0 = 17 / 0.4944 = 34.38 -> 34 s; 26 s of green split 0.306 : 0.2
    // -> 15.72 : 10.28 -> 16 + 10.
    const plan = websterPlan([
      { name: 'north-south', approaches: [
        { id: 'N-T', approach: 'north', flowVehPerHour: 1000, saturationFlowVehPerHour: 3600 },
        { id: 'S-T', approach: 'south', flowVehPerHour: 550, saturationFlowVehPerHour: 1800 },
      ] },
      { name: 'east-west', approaches: [
        { id: 'E-T', approach: 'east', flowVehPerHour: 300, saturationFlowVehPerHour: 1800 },
        { id: 'W-R', approach: 'west', flowVehPerHour: 320, saturationFlowVehPerHour: 1600 },
      ] },
    ]);
    expect(plan.flowRatioSum).toBeCloseTo(550 / 1800 + 0.2, 10);
    expect(plan.cycleSeconds).toBe(34);
    expect(plan.phases.map((p) => p.greenSeconds)).toEqual([16, 10]);
    expect(plan.phases[1].flowVehPerHour).toBe(320);
  });
});

describe('websterPlan: lost time from the clearances', () => {
  it('derives the lost time per phase from start-up, amber, all-red and the amber used', () => {
    // l = 2 + 4 + 2 - 2 = 6 s per phase, L = 12 s; C0 = (18 + 5) / (1 - 0.5) = 46 s.
    const plan = websterPlan([phase('a', 0.3), phase('b', 0.2)], { amberSeconds: 4, allRedSeconds: 2 });
    expect(plan.lostTimeSeconds).toBe(12);
    expect(plan.cycleSeconds).toBe(46);
    expect(plan.phases.map((p) => [p.amberSeconds, p.allRedSeconds, p.lostTimeSeconds])).toEqual([[4, 2, 6], [4, 2, 6]]);
    expect(shownCycle(plan)).toBe(46);
  });

  it('shows a longer green than the effective one when start-up loss exceeds the amber used', () => {
    // l = 3 + 3 + 1 - 2 = 5 s; G = g + l - amber - all-red = g + 1.
    const plan = websterPlan([phase('a', 0.3), phase('b', 0.2)], { startUpLostSeconds: 3 });
    expect(plan.lostTimeSeconds).toBe(10);
    for (const p of plan.phases) expect(p.displayedGreenSeconds).toBe(p.greenSeconds + 1);
    expect(shownCycle(plan)).toBe(plan.cycleSeconds);
  });

  it('takes a phase-specific amber and all-red (a wide road needs a longer all-red)', () => {
    const plan = websterPlan([{ ...phase('wide', 0.3), allRedSeconds: 3 }, phase('narrow', 0.2)]);
    expect(plan.phases[0].lostTimeSeconds).toBe(6);
    expect(plan.phases[1].lostTimeSeconds).toBe(4);
    expect(plan.lostTimeSeconds).toBe(10);
    expect(shownCycle(plan)).toBe(plan.cycleSeconds);
  });

  it('keeps a fixed lost time per phase when one is given', () => {
    expect(websterPlan([phase('a', 0.3), phase('b', 0.2)], { lostTimePerPhaseSeconds: 5 }).lostTimeSeconds).toBe(10);
  });

  it('always shows exactly one cycle: greens, ambers and all-reds add up to the cycle (random plans)', () => {
    const random = mulberry32(5150);
    for (let trial = 0; trial < 500; trial++) {
      const phases = Array.from({ length: 2 + Math.floor(random() * 3) }, (_, i) => ({
        ...phase(`p${i}`, random() * 0.5),
        amberSeconds: 3 + Math.floor(random() * 3),
        allRedSeconds: Math.floor(random() * 3),
        pedestrianMinGreenSeconds: random() < 0.3 ? 10 + Math.floor(random() * 15) : undefined,
      }));
      const plan = websterPlan(phases, { startUpLostSeconds: 1 + Math.floor(random() * 3) });
      expect(shownCycle(plan)).toBe(plan.cycleSeconds);
      plan.phases.forEach((p, i) => expect(p.displayedGreenSeconds).toBeGreaterThanOrEqual(Math.max(7, phases[i].pedestrianMinGreenSeconds ?? 0)));
    }
  });
});

describe('websterPlan: pedestrian and phase minimum greens', () => {
  it('holds a quiet phase at its pedestrian minimum and takes the time from the busy one', () => {
    // Without pedestrians: C0 = 17 / (1 - 0.45) = 30.9 -> 31 s; side street 0.05/0.45 of 23 s = 2.6 -> 7 s minimum.
    const plain = websterPlan([phase('main', 0.4), phase('side', 0.05)]);
    expect(plain.phases[1].displayedGreenSeconds).toBe(7);
    // A 15 m crossing on the side-street phase: 6 s walk + 15 / 1.2 = 18.5 -> 19 s of green.
    const walk = pedestrianMinGreenSeconds(15);
    expect(walk).toBe(19);
    const plan = websterPlan([phase('main', 0.4), { ...phase('side', 0.05), pedestrianMinGreenSeconds: walk }]);
    expect(plan.phases[1].displayedGreenSeconds).toBe(19);
    expect(plan.phases[1].minGreenSeconds).toBe(19);
    // The cycle must hold 8 s lost + 7 s + 19 s = 34 s, so it is raised from 31 s.
    expect(plan.cycleSeconds).toBe(34);
    expect(plan.phases[0].displayedGreenSeconds).toBe(34 - 8 - 19);
    expect(plan.notes.join(' ')).toMatch(/side: green held at the 19 s pedestrian minimum/);
    expect(plan.notes.join(' ')).toMatch(/cycle raised to 34 s/);
  });

  it('uses a phase-specific minimum green when it is larger than the plan-wide one', () => {
    const plan = websterPlan([phase('main', 0.4), { ...phase('side', 0.05), minGreenSeconds: 12 }]);
    expect(plan.phases[1].displayedGreenSeconds).toBe(12);
  });

  it('computes the pedestrian minimum from the walk and the walking speed', () => {
    expect(pedestrianMinGreenSeconds(12, { walkSeconds: 7, walkingSpeedMps: 1.0 })).toBe(19);
    expect(() => pedestrianMinGreenSeconds(-1)).toThrow(/non-negative/);
  });
});

describe('websterPlan: demand near or above capacity', () => {
  it('caps the cycle at Y = 0.95, splits by demand and says why it is congested', () => {
    const plan = websterPlan([phase('a', 0.6), phase('b', 0.35)]);
    expect(plan.cycleSeconds).toBe(120);
    expect(plan.cycleCapped).toBe(true);
    expect(plan.oversaturated).toBe(false);
    expect(plan.congested).toBe(true);
    expect(plan.congestionReason).toMatch(/Y = 0\.95 >= 0\.9: cycle capped at 120 s, green split by demand/);
    // 112 s split 0.6 : 0.35 = 70.7 : 41.3 -> 71 + 41.
    expect(plan.phases.map((p) => p.greenSeconds)).toEqual([71, 41]);
  });

  it('flags demand above capacity (Y >= 1) as queues that will grow', () => {
    const plan = websterPlan([phase('a', 0.7), phase('b', 0.5)]);
    expect(plan.congested).toBe(true);
    expect(plan.oversaturated).toBe(true);
    expect(plan.congestionReason).toMatch(/demand exceeds capacity \(flow ratio sum Y = 1\.20 >= 1\).*queues will grow/);
    for (const p of plan.phases) expect(p.degreeOfSaturation).toBeGreaterThan(1);
  });

  it('flags a phase over capacity when a low maximum cycle leaves too little green', () => {
    // Y = 0.85 but at most 40 s: X = 0.85 x 40 / 32 = 1.06 for both phases.
    const plan = websterPlan([phase('a', 0.45), phase('b', 0.4)], { maxCycleSeconds: 40 });
    expect(plan.cycleCapped).toBe(false);
    expect(plan.cycleSeconds).toBe(40);
    expect(plan.congested).toBe(true);
    expect(plan.congestionReason).toMatch(/phase a over capacity \(X = 1\.0\d\)/);
    expect(plan.notes.join(' ')).toMatch(/cut to the 40 s maximum/);
  });
});

describe('planForCycle', () => {
  it('re-splits the greens for a given cycle', () => {
    // 80 - 8 = 72 s split 0.3 : 0.2 -> 43.2 : 28.8 -> 43 + 29.
    const plan = planForCycle([phase('a', 0.3), phase('b', 0.2)], 80);
    expect(plan.cycleSeconds).toBe(80);
    expect(plan.phases.map((p) => p.greenSeconds)).toEqual([43, 29]);
  });

  it('refuses a cycle too short for the minimum greens', () => {
    expect(shortestFeasibleCycle([phase('a', 0.3), phase('b', 0.2), phase('c', 0.1), phase('d', 0.1)])).toBe(44);
    expect(() => planForCycle([phase('a', 0.3), phase('b', 0.2), phase('c', 0.1), phase('d', 0.1)], 40)).toThrow(/40 s cycle cannot hold 16 s of lost time plus 28 s/);
  });
});

describe('splitGreen', () => {
  it('takes one minimum per phase', () => {
    expect(splitGreen(60, [0.1, 0.1, 0.4], [20, 7, 7])).toEqual([20, 8, 32]);
  });

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
