import { flowAtQuantile, normalQuantile } from './demand-scenarios';
import { describeDemandTrend, LaneGroupForecast, planForForecast, PlanningInput, shouldRecommend } from './planner';

const MINUTES = [15, 30, 45, 60];

/** A lane group with the same forecast at every horizon of the hour. */
function steady(id: string, approach: string, phase: string, mean: number, upper80: number): LaneGroupForecast {
  return { id, approach, phase, saturationFlowVehPerHour: 1800, forecast: MINUTES.map((minutesAhead) => ({ minutesAhead, meanVehPerHour: mean, upper80VehPerHour: upper80 })) };
}

/** Two phases, one lane group each; the running plan is a 60 s equal split. */
function crossing(north: [number, number], east: [number, number]): PlanningInput {
  return {
    phases: [{ name: 'north-south' }, { name: 'east-west' }],
    laneGroups: [steady('N', 'north', 'north-south', ...north), steady('E', 'east', 'east-west', ...east)],
    runningPlan: { cycleSeconds: 60, phases: [{ name: 'north-south', greenSeconds: 26 }, { name: 'east-west', greenSeconds: 26 }] },
  };
}

describe('demand scenarios', () => {
  it('inverts the normal CDF', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.9)).toBeCloseTo(1.281552, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });

  it('lognormal: the upper bound is the 90th percentile, the mean is kept and the median sits below it', () => {
    expect(flowAtQuantile(700, 1200, 0.9)).toBeCloseTo(1200, 4);
    const median = flowAtQuantile(700, 1200, 0.5);
    expect(median).toBeLessThan(700);
    // The upper tail is longer than the lower one: skewed towards surges.
    expect(flowAtQuantile(700, 1200, 0.9) - median).toBeGreaterThan(median - flowAtQuantile(700, 1200, 0.1));
    // Mean kept: integrate the quantile function finely.
    const n = 20000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += flowAtQuantile(700, 1200, (i + 0.5) / n);
    expect(sum / n).toBeCloseTo(700, -1);
  });

  it('normal: symmetric around the mean, never negative', () => {
    expect(flowAtQuantile(700, 800, 0.1, 'normal')).toBeCloseTo(600, 4);
    expect(flowAtQuantile(700, 800, 0.5, 'normal')).toBeCloseTo(700, 9);
    expect(flowAtQuantile(700, 800, 0.9, 'normal')).toBeCloseTo(800, 4);
    expect(flowAtQuantile(10, 100, 0.1, 'normal')).toBe(0);
  });

  it('gives the mean at every level when there is no uncertainty, and refuses a bound below the mean', () => {
    expect(flowAtQuantile(500, 500, 0.9)).toBe(500);
    expect(flowAtQuantile(0, 40, 0.9)).toBe(0);
    expect(() => flowAtQuantile(500, 400, 0.5)).toThrow(/upper bound/);
  });
});

describe('planForForecast', () => {
  it('plans for the upper bound when the busy approach may surge, and the gain passes the hysteresis', () => {
    // North: centre 700 veh/h, but the 80 % band reaches 1200 (skewed); east: 300, narrow band.
    const result = planForForecast(crossing([700, 1200], [300, 330]));
    expect(result.chosenBasis).toBe('upper');
    expect(result.candidates.upper.expectedDelaySeconds).toBeLessThan(result.candidates.centre.expectedDelaySeconds);
    // ...although at the centre forecast alone the centre plan is better: uncertainty changed the choice.
    expect(result.candidates.centre.delayAtCentreSeconds).toBeLessThan(result.candidates.upper.delayAtCentreSeconds);
    expect(result.plan).toBe(result.candidates.upper.plan);
    expect(result.candidates.upper.designFlows).toEqual({ N: 1200, E: 330 });
    // The upper-bound plan gives the north-south phase a larger share of the cycle.
    const share = (basis: 'centre' | 'upper') => result.candidates[basis].plan.phases[0].greenSeconds / result.candidates[basis].plan.cycleSeconds;
    expect(share('upper')).toBeGreaterThan(share('centre'));
    expect(result.expectedDelayRecommended).toBe(result.candidates.upper.expectedDelaySeconds);
    expect(result.gainSeconds).toBeCloseTo(result.expectedDelayRunning - result.expectedDelayRecommended, 9);
    expect(result.gainShare).toBeCloseTo(result.gainSeconds / result.expectedDelayRunning, 9);
    expect(result.gainSeconds).toBeGreaterThan(10);
    expect(shouldRecommend(result)).toBe(true);
    expect(result.reason).toMatch(/planned for the upper 80% bound/);
    expect(result.scenarioCount).toBe(4 * 5);
  });

  it('plans for the centre when the upper-bound plan would cost more than it saves', () => {
    // Designing for 1000 veh/h north gives a 64 s cycle; the surge is not likely enough to pay for it.
    const result = planForForecast(crossing([800, 1000], [300, 320]));
    expect(result.candidates.upper.plan.cycleSeconds).toBeGreaterThan(result.candidates.centre.plan.cycleSeconds);
    expect(result.chosenBasis).toBe('centre');
    expect(result.candidates.centre.expectedDelaySeconds).toBeLessThan(result.candidates.upper.expectedDelaySeconds);
    expect(result.plan).toBe(result.candidates.centre.plan);
    expect(result.reason).toMatch(/planned for the centre forecast/);
  });

  it('keeps the running plan when the expected gain is small', () => {
    // Balanced demand: the 60 s equal split is already close to the best plan.
    const result = planForForecast(crossing([500, 800], [500, 520]));
    expect(result.gainSeconds).toBeGreaterThan(0);
    expect(result.gainSeconds).toBeLessThan(2);
    expect(shouldRecommend(result)).toBe(false);
    // A looser threshold lets it through: the thresholds are what decide.
    expect(shouldRecommend(result, { minGainSeconds: 0.5, minGainShare: 0.02 })).toBe(true);
  });

  it('has no gain when the running plan is the recommended one', () => {
    const first = planForForecast(crossing([700, 1200], [300, 330]));
    const again = planForForecast({ ...crossing([700, 1200], [300, 330]), runningPlan: first.plan });
    expect(again.gainSeconds).toBeCloseTo(0, 9);
    expect(shouldRecommend(again)).toBe(false);
  });

  it('without uncertainty the expected delay is the delay at the centre forecast', () => {
    const result = planForForecast(crossing([600, 600], [400, 400]));
    expect(result.candidates.centre.expectedDelaySeconds).toBeCloseTo(result.candidates.centre.delayAtCentreSeconds, 9);
    expect(result.expectedDelayRunning).toBeCloseTo(result.delayAtCentreRunning, 9);
  });

  it('flags congestion when the forecast is above capacity, and still returns a plan', () => {
    const result = planForForecast(crossing([1100, 1300], [700, 800]));
    expect(result.congested).toBe(true);
    expect(result.plan.cycleSeconds).toBe(120);
    expect(result.reason).toMatch(/congested: demand exceeds capacity/);
    // The parts a caller may quote on their own: the trend the reason starts with, the congestion it ends with.
    expect(result.reason.startsWith(`${result.demandTrend}; `)).toBe(true);
    expect(result.reason.endsWith(`; congested: ${result.congestionReason}`)).toBe(true);
    expect(planForForecast(crossing([300, 300], [200, 200])).congestionReason).toBeNull();
    expect(Number.isFinite(result.expectedDelayRecommended)).toBe(true);
  });

  it('designs for the highest horizon when asked to', () => {
    const input = crossing([600, 700], [300, 330]);
    input.laneGroups[0].forecast = MINUTES.map((minutesAhead, i) => ({ minutesAhead, meanVehPerHour: 500 + 100 * i, upper80VehPerHour: 600 + 100 * i }));
    expect(planForForecast(input).candidates.centre.designFlows.N).toBe(650);
    expect(planForForecast({ ...input, designFlow: 'peak' }).candidates.centre.designFlows.N).toBe(800);
  });

  it('says where the demand is heading in the reason', () => {
    const input = crossing([600, 700], [300, 330]);
    input.laneGroups[0].currentVehPerHour = 600;
    input.laneGroups[0].forecast = MINUTES.map((minutesAhead, i) => ({ minutesAhead, meanVehPerHour: 600 + 68 * (i + 1), upper80VehPerHour: 700 + 68 * (i + 1) }));
    input.laneGroups[1].currentVehPerHour = 300;
    // North: 600 -> 872 veh/h in 60 min = +45 %.
    expect(planForForecast({ ...input, localHour: 17 }).reason).toMatch(/^evening peak rising on the north approach: \+45% in 60 min; /);
  });

  it.each([
    ['a lane group in an unknown phase', (i: PlanningInput) => (i.laneGroups[0].phase = 'left-turn'), /lane group N: no phase named left-turn/],
    ['an upper bound below the mean', (i: PlanningInput) => (i.laneGroups[1].forecast[2].upper80VehPerHour = 10), /lane group E: upper bound below the mean at 45 min/],
    ['uneven horizons', (i: PlanningInput) => i.laneGroups[1].forecast.pop(), /lane group E: 3 horizons, expected 4/],
    ['a running plan without a phase', (i: PlanningInput) => (i.runningPlan = { cycleSeconds: 60, phases: [{ name: 'north-south', greenSeconds: 52 }] }), /running plan has no phase named east-west/],
  ])('refuses %s', (_label, spoil, message) => {
    const input = crossing([600, 700], [300, 330]);
    spoil(input);
    expect(() => planForForecast(input)).toThrow(message);
  });
});

describe('shouldRecommend', () => {
  it('needs both the seconds and the share to pass', () => {
    expect(shouldRecommend({ gainSeconds: 3, gainShare: 0.1 })).toBe(true);
    expect(shouldRecommend({ gainSeconds: 3, gainShare: 0.04 })).toBe(false);
    expect(shouldRecommend({ gainSeconds: 1.5, gainShare: 0.3 })).toBe(false);
    expect(shouldRecommend({ gainSeconds: -4, gainShare: -0.2 })).toBe(false);
    expect(shouldRecommend({ gainSeconds: 1.5, gainShare: 0.3 }, { minGainSeconds: 1 })).toBe(true);
  });
});

describe('describeDemandTrend', () => {
  const trend = (approach: string, current: number | undefined, means: number[]) => ({ approach, currentVehPerHour: current, forecast: means.map((m, i) => ({ minutesAhead: 15 * (i + 1), meanVehPerHour: m })) });

  it('names the evening peak rising on the approach that changes most', () => {
    const text = describeDemandTrend([trend('north', 500, [560, 610, 650, 670]), trend('east', 400, [410, 420, 430, 440])], { localHour: 16 });
    expect(text).toBe('evening peak rising on the north approach: +34% in 60 min');
  });

  it('names the morning peak easing, at the furthest point of the change', () => {
    const text = describeDemandTrend([trend('south', 900, [800, 700, 720, 760])], { localHour: 9 });
    expect(text).toBe('morning peak easing on the south approach: -22% in 30 min');
  });

  it('says demand rising or falling outside the peaks, and from the first horizon without a current flow', () => {
    expect(describeDemandTrend([trend('west', undefined, [400, 450, 500, 520])], { localHour: 12 })).toBe('demand rising on the west approach: +30% in 45 min');
    expect(describeDemandTrend([trend('west', 400, [300, 300, 300, 300])])).toBe('demand falling on the west approach: -25% in 15 min');
  });

  it('calls small changes steady and names the busiest approach', () => {
    expect(describeDemandTrend([trend('north', 800, [820, 830, 810, 805]), trend('east', 300, [310, 300, 295, 290])])).toBe(
      'demand steady (within 10% over 60 min); busiest: the north approach at 800 veh/h',
    );
  });

  it('describes demand appearing from nothing without a percentage', () => {
    expect(describeDemandTrend([trend('east', 0, [0, 40, 80, 120])])).toBe('demand rising on the east approach: from 0 to 120 veh/h in 60 min');
  });
});
