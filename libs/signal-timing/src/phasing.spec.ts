import { ApproachForPhasing, Compass, DEFAULT_PHASING, twoPhaseDemand } from './phasing';
import { websterPlan } from './webster';

const ALL: Compass[] = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];

function approach(direction: Compass, flowVehPerHour = 100): ApproachForPhasing {
  return { id: `X:${direction}`, direction, flowVehPerHour };
}

describe('twoPhaseDemand', () => {
  it('puts N, S, NE and SW on north-south and E, W, NW and SE on east-west', () => {
    const phases = twoPhaseDemand(ALL.map((d) => approach(d)));
    expect(phases.map((p) => p.name)).toEqual(['north-south', 'east-west']);
    expect(phases[0].approaches.map((a) => a.id).sort()).toEqual(['X:N', 'X:NE', 'X:S', 'X:SW']);
    expect(phases[1].approaches.map((a) => a.id).sort()).toEqual(['X:E', 'X:NW', 'X:SE', 'X:W']);
  });

  it.each(ALL)('always returns two phases, even with only a %s approach', (direction) => {
    const phases = twoPhaseDemand([approach(direction)]);
    expect(phases).toHaveLength(2);
    expect(phases[0].approaches.length + phases[1].approaches.length).toBe(1);
  });

  it('returns two empty phases for a crossing with no approaches', () => {
    const phases = twoPhaseDemand([]);
    expect(phases).toEqual([
      { name: 'north-south', approaches: [] },
      { name: 'east-west', approaches: [] },
    ]);
  });

  it('carries the flow and a saturation of lanes x per-lane flow (default 2 x 1800)', () => {
    const [ns] = twoPhaseDemand([approach('N', 420)]);
    expect(ns.approaches[0]).toEqual({ id: 'X:N', flowVehPerHour: 420, saturationFlowVehPerHour: DEFAULT_PHASING.saturationFlowPerLane * DEFAULT_PHASING.lanesPerApproach });
    expect(ns.approaches[0].saturationFlowVehPerHour).toBe(3600);
    const [custom] = twoPhaseDemand([approach('S', 420)], { lanesPerApproach: 3 });
    expect(custom.approaches[0].saturationFlowVehPerHour).toBe(5400);
  });

  it('gives the side street of a one-axis crossing the minimum green', () => {
    const plan = websterPlan(twoPhaseDemand([approach('N', 1080), approach('S', 900)]));
    expect(plan.phases[1].name).toBe('east-west');
    expect(plan.phases[1].greenSeconds).toBe(7);
    expect(plan.phases[0].greenSeconds).toBe(plan.cycleSeconds - plan.lostTimeSeconds - 7);
  });
});
