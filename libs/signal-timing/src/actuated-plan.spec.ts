import { ActuatedPhaseDemand, actuatedCycle, coordinatedActuatedCorridor, coordinatedActuatedPlan } from './actuated-plan';

const crossing = (main: number, side: number, upperFactor = 1.3): ActuatedPhaseDemand[] => [
  { name: 'main', laneGroups: [{ id: 'N', meanVehPerHour: main, upperVehPerHour: main * upperFactor, saturationFlowVehPerHour: 3800 }, { id: 'S', meanVehPerHour: main * 0.8, upperVehPerHour: main, saturationFlowVehPerHour: 3800 }] },
  { name: 'side', laneGroups: [{ id: 'E', meanVehPerHour: side, upperVehPerHour: side * upperFactor, saturationFlowVehPerHour: 1900 }] },
];

describe('coordinated-actuated plans', () => {
  it('splits sum to the cycle, the side phase is sized for its upper bound and the main road gets the rest', () => {
    const plan = coordinatedActuatedPlan(crossing(1400, 300), undefined, { cycleSeconds: 60 });
    expect(plan.coordinatedPhase).toBe('main');
    expect(plan.notes).toEqual([]);
    expect(plan.phases.reduce((s, p) => s + p.splitSeconds, 0)).toBe(plan.cycleSeconds);
    const side = plan.phases[1];
    // green serves 390 veh/h of 1,900 at X = 0.7
    expect(side.maxGreenSeconds).toBe(Math.max(7, Math.ceil(((390 / 1900) * plan.cycleSeconds) / 0.7)));
    expect(side.forceOffSeconds).toBe(plan.cycleSeconds - 4);
    expect(plan.phases[0].forceOffSeconds).toBe(plan.phases[0].splitSeconds - 4);
    expect(plan.phases[0].splitSeconds).toBeGreaterThan(side.splitSeconds);
  });

  it('a wider forecast band gives the side phase a longer split, a heavier main road a longer cycle', () => {
    const narrow = coordinatedActuatedPlan(crossing(1400, 300, 1.05), 'main', { cycleSeconds: 60 });
    const wide = coordinatedActuatedPlan(crossing(1400, 300, 1.6), 'main', { cycleSeconds: 60 });
    expect(wide.phases[1].splitSeconds).toBeGreaterThan(narrow.phases[1].splitSeconds);
    expect(actuatedCycle(crossing(2600, 500))).toBeGreaterThan(actuatedCycle(crossing(800, 200)));
    expect(actuatedCycle(crossing(2000, 500), { cycleBasis: 'upper' })).toBeGreaterThan(actuatedCycle(crossing(2000, 500)));
  });

  it('carries a shorter passage time for free operation (2 s) than for its coordinated phases (2.5 s), both settable', () => {
    const plan = coordinatedActuatedPlan(crossing(1400, 300), undefined, { cycleSeconds: 60 });
    expect(plan.passageSeconds).toBe(2.5);
    expect(plan.freePassageSeconds).toBe(2);
    // At least one lane's saturation headway (3600 / 1,900 veh/h).
    expect(plan.freePassageSeconds).toBeGreaterThanOrEqual(3600 / 1900);
    expect(coordinatedActuatedPlan(crossing(1400, 300), undefined, { freePassageSeconds: 3, passageSeconds: 2 })).toMatchObject({ passageSeconds: 2, freePassageSeconds: 3 });
  });

  it('falls back to Webster shares when the upper flows do not fit the cycle, and refuses an unknown phase', () => {
    const plan = coordinatedActuatedPlan(crossing(3000, 900), 'main', { cycleSeconds: 40 });
    expect(plan.notes.join(' ')).toMatch(/do not fit/);
    expect(plan.phases.reduce((s, p) => s + p.splitSeconds, 0)).toBe(40);
    expect(() => coordinatedActuatedPlan(crossing(1000, 200), 'nope')).toThrow(/no phase named nope/);
  });

  it('a corridor shares one cycle (the longest own cycle) and its reference points follow the travel times', () => {
    const plans = coordinatedActuatedCorridor(
      [
        { id: 'a', phases: crossing(900, 200), coordinatedPhase: 'main' },
        { id: 'b', phases: crossing(1800, 400), coordinatedPhase: 'main' },
        { id: 'c', phases: crossing(900, 200), coordinatedPhase: 'main' },
      ],
      [{ distanceMetres: 400, speedKmh: 50 }, { distanceMetres: 400, speedKmh: 50 }],
      { mode: 'one-way' },
    );
    const own = Math.max(...[crossing(900, 200), crossing(1800, 400)].map((p) => actuatedCycle(p)));
    expect(plans.cycleSeconds).toBe(own);
    for (const c of plans.crossings) expect(c.plan.cycleSeconds).toBe(own);
    const offsets = plans.crossings.map((c) => c.plan.offsetSeconds);
    const travel = 400 / (50 / 3.6);
    expect(((offsets[1] - offsets[0] + own) % own)).toBeCloseTo(Math.round(travel) % own, 0);
    expect(plans.bandwidthSeconds.outbound).toBeGreaterThan(0);
  });
});
