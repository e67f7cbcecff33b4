import { crossingDelay, laneGroupDelay, levelOfService } from './hcm-delay';
import { websterPlan } from './webster';

/** One lane group, s = 1800 veh/h, 27 s of effective green in a 60 s cycle: capacity 810 veh/h. */
const at = (flowVehPerHour: number) => laneGroupDelay({ flowVehPerHour, saturationFlowVehPerHour: 1800, greenSeconds: 27, cycleSeconds: 60 });

describe('laneGroupDelay (HCM control delay, T = 0.25 h, k = 0.5, I = 1)', () => {
  it('X < 1: 600 veh/h against 810 veh/h of capacity', () => {
    // g/C = 0.45, c = 1800 x 0.45 = 810, X = 600 / 810 = 0.7407.
    // d1 = 0.5 x 60 x 0.55^2 / (1 - 0.7407 x 0.45) = 9.075 / 0.66667 = 13.61 s.
    // d2 = 900 x 0.25 x [(-0.2593) + sqrt(0.06722 + 4 x 0.7407 / (810 x 0.25))]
    //    = 225 x [-0.2593 + sqrt(0.08185)] = 225 x 0.02683 = 6.04 s.
    const d = at(600);
    expect(d.capacityVehPerHour).toBeCloseTo(810, 9);
    expect(d.degreeOfSaturation).toBeCloseTo(0.7407, 4);
    expect(d.uniformDelaySeconds).toBeCloseTo(13.6125, 4);
    expect(d.incrementalDelaySeconds).toBeCloseTo(6.037, 3);
    expect(d.controlDelaySeconds).toBeCloseTo(19.65, 2);
    expect(d.levelOfService).toBe('B');
  });

  it('X = 1: the uniform delay reaches its ceiling, the incremental delay is sqrt-sized', () => {
    // d1 = 9.075 / (1 - 0.45) = 16.5 s; d2 = 225 x sqrt(4 / 202.5) = 31.62 s.
    const d = at(810);
    expect(d.uniformDelaySeconds).toBeCloseTo(16.5, 9);
    expect(d.incrementalDelaySeconds).toBeCloseTo(31.623, 3);
    expect(d.controlDelaySeconds).toBeCloseTo(48.12, 2);
  });

  it('X > 1: finite and large (972 veh/h, X = 1.2)', () => {
    // d1 stays 16.5 s (min(1, X)); d2 = 225 x [0.2 + sqrt(0.04 + 4 x 1.2 / 202.5)] = 225 x 0.45240 = 101.79 s.
    const d = at(972);
    expect(d.degreeOfSaturation).toBeCloseTo(1.2, 9);
    expect(d.uniformDelaySeconds).toBeCloseTo(16.5, 9);
    expect(d.incrementalDelaySeconds).toBeCloseTo(101.79, 2);
    expect(Number.isFinite(d.controlDelaySeconds)).toBe(true);
    expect(d.levelOfService).toBe('F');
  });

  it('grows with X without a break, through and far beyond capacity', () => {
    let previous = -1;
    for (let flow = 0; flow <= 810 * 3; flow += 10) {
      const d = at(flow).controlDelaySeconds;
      expect(Number.isFinite(d)).toBe(true);
      expect(d).toBeGreaterThan(previous);
      previous = d;
    }
    // At X = 3 a 15-minute period piles up about 900 x 0.25 x 2 x 2 = 900 s of delay per vehicle.
    expect(previous).toBeGreaterThan(850);
    expect(previous).toBeLessThan(1000);
  });

  it('has only the uniform delay when nothing arrives', () => {
    const d = at(0);
    expect(d.incrementalDelaySeconds).toBe(0);
    expect(d.controlDelaySeconds).toBeCloseTo(9.075, 9);
  });

  it('grows the incremental delay about in proportion to the analysis period above capacity', () => {
    const full = laneGroupDelay({ flowVehPerHour: 972, saturationFlowVehPerHour: 1800, greenSeconds: 27, cycleSeconds: 60 }, { analysisPeriodHours: 1 });
    expect(full.incrementalDelaySeconds).toBeGreaterThan(at(972).incrementalDelaySeconds * 3.5);
  });

  it('applies the progression factor to the uniform delay only', () => {
    const good = laneGroupDelay({ flowVehPerHour: 600, saturationFlowVehPerHour: 1800, greenSeconds: 27, cycleSeconds: 60 }, { progressionFactor: 0.5 });
    expect(good.controlDelaySeconds).toBeCloseTo(13.6125 * 0.5 + 6.037, 3);
  });

  it.each([
    [{ greenSeconds: 0 }, /effective green/],
    [{ greenSeconds: 61 }, /effective green/],
    [{ flowVehPerHour: -1 }, /flow/],
    [{ saturationFlowVehPerHour: 0 }, /saturation/],
    [{ cycleSeconds: NaN }, /cycle/],
  ])('rejects %p', (bad, message) => {
    expect(() => laneGroupDelay({ flowVehPerHour: 600, saturationFlowVehPerHour: 1800, greenSeconds: 27, cycleSeconds: 60, ...bad })).toThrow(message);
  });
});

describe('levelOfService', () => {
  it('uses the HCM signalised thresholds and gives F above capacity', () => {
    expect([5, 15, 30, 50, 70, 90].map((d) => levelOfService(d))).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(levelOfService(10)).toBe('A');
    expect(levelOfService(30, 1.05)).toBe('F');
  });
});

describe('crossingDelay', () => {
  const demand = [
    {
      name: 'north-south',
      approaches: [
        { id: 'N-T', approach: 'north', flowVehPerHour: 600, saturationFlowVehPerHour: 1800 },
        { id: 'N-R', approach: 'north', flowVehPerHour: 200, saturationFlowVehPerHour: 1800 },
        { id: 'S-T', approach: 'south', flowVehPerHour: 400, saturationFlowVehPerHour: 1800 },
      ],
    },
    { name: 'east-west', approaches: [{ id: 'E-T', approach: 'east', flowVehPerHour: 300, saturationFlowVehPerHour: 1800 }] },
  ];
  const plan = { cycleSeconds: 60, phases: [{ name: 'north-south', greenSeconds: 27 }, { name: 'east-west', greenSeconds: 25 }] };

  it('weights lane groups by flow, per approach and for the crossing', () => {
    const result = crossingDelay(plan, demand);
    const lane = (id: string) => result.laneGroups.find((r) => r.id === id)!;
    expect(lane('N-T').controlDelaySeconds).toBeCloseTo(19.65, 2);
    const north = result.approaches.find((a) => a.approach === 'north')!;
    expect(north.flowVehPerHour).toBe(800);
    expect(north.delaySeconds).toBeCloseTo((600 * lane('N-T').controlDelaySeconds + 200 * lane('N-R').controlDelaySeconds) / 800, 9);
    const all = ['N-T', 'N-R', 'S-T', 'E-T'].map(lane);
    expect(result.totalFlowVehPerHour).toBe(1500);
    expect(result.averageDelaySeconds).toBeCloseTo(all.reduce((s, r) => s + r.flowVehPerHour * r.controlDelaySeconds, 0) / 1500, 9);
    expect(result.totalDelayVehHoursPerHour).toBeCloseTo((1500 * result.averageDelaySeconds) / 3600, 9);
    expect(result.worstDegreeOfSaturation).toBeCloseTo(600 / 810, 9);
  });

  it('scores a Webster plan better than a plan that starves the busy phase', () => {
    const webster = websterPlan(demand);
    const starved = { cycleSeconds: webster.cycleSeconds, phases: [{ name: 'north-south', greenSeconds: 8 }, { name: 'east-west', greenSeconds: webster.cycleSeconds - webster.lostTimeSeconds - 8 }] };
    expect(crossingDelay(webster, demand).averageDelaySeconds).toBeLessThan(crossingDelay(starved, demand).averageDelaySeconds);
    expect(crossingDelay(starved, demand).worstDegreeOfSaturation).toBeGreaterThan(1);
  });

  it('refuses a plan without one of the demand phases', () => {
    expect(() => crossingDelay({ cycleSeconds: 60, phases: [{ name: 'north-south', greenSeconds: 50 }] }, demand)).toThrow(/no phase named east-west/);
  });
});
