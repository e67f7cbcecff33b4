import { ActuatedPhaseDemand } from './actuated-plan';
import { distanceM } from '@crosscast/network';
import { CorridorMember, corridorAdvice, platoonRatio, platoonRuns, progressionFactor } from './corridor-advice';

/** Crossings due north of each other, `spacing` metres apart (about 1e-5 degrees of latitude per 1.11 m). */
function column(spacings: number[]): Array<{ id: string; lat: number; lon: number }> {
  const out = [{ id: 'c0', lat: -37.8, lon: 145.0 }];
  for (const [i, metres] of spacings.entries()) out.push({ id: `c${i + 1}`, lat: out[i].lat + metres / 111_195, lon: 145.0 });
  return out;
}

const phases = (northSouth: number, eastWest: number): ActuatedPhaseDemand[] => [
  { name: 'north-south', laneGroups: [{ id: 'n', meanVehPerHour: northSouth, upperVehPerHour: northSouth * 1.2, saturationFlowVehPerHour: 3600 }, { id: 's', meanVehPerHour: northSouth, upperVehPerHour: northSouth * 1.2, saturationFlowVehPerHour: 3600 }] },
  { name: 'east-west', laneGroups: [{ id: 'e', meanVehPerHour: eastWest, upperVehPerHour: eastWest * 1.2, saturationFlowVehPerHour: 3600 }, { id: 'w', meanVehPerHour: eastWest, upperVehPerHour: eastWest * 1.2, saturationFlowVehPerHour: 3600 }] },
];

describe('corridor advice', () => {
  it('measures distances on the sphere and cuts a road where platoons would disperse', () => {
    const road = column([400, 500, 1500, 300, 2000]);
    expect(distanceM(road[0], road[1])).toBeCloseTo(400, 0);
    expect(platoonRuns(road, 800).map((run) => run.map((c) => c.id))).toEqual([
      ['c0', 'c1', 'c2'],
      ['c3', 'c4'],
    ]);
    expect(platoonRuns(column([900, 900]), 800)).toEqual([]);
  });

  it('credits progression only when the band supports platoons (HCM arrival types 3, 4, 5)', () => {
    expect(platoonRatio(10, 40)).toBe(1);
    expect(platoonRatio(20, 40)).toBe(1.333);
    expect(platoonRatio(35, 40)).toBe(1.667);
    expect(progressionFactor(1, 30, 60)).toBeCloseTo(1, 9);
    // Rp 1.667, g/C 0.5: P = 0.833, PF = (1 - 0.833) / 0.5.
    expect(progressionFactor(1.667, 30, 60)).toBeCloseTo((1 - 0.8335) / 0.5, 9);
    expect(progressionFactor(2, 40, 60)).toBe(0);
  });

  it('gives every crossing of the corridor one cycle and offsets, and expects less delay than the same splits without coordination', () => {
    const road = column([400, 450]);
    const members: CorridorMember[] = road.map((c) => ({
      ...c,
      phases: phases(900, 300),
      coordinatedPhase: 'north-south',
      // Filled in below with the corridor's own splits, uncoordinated.
      runningPlan: { cycleSeconds: 60, phases: [] },
    }));
    const first = corridorAdvice(members.map((m) => ({ ...m, runningPlan: { cycleSeconds: 60, phases: [{ name: 'north-south', greenSeconds: 30 }, { name: 'east-west', greenSeconds: 20 }] } })));
    expect(new Set(first.crossings.map((c) => c.plan.cycleSeconds))).toEqual(new Set([first.cycleSeconds]));
    expect(first.crossings.map((c) => c.linkToNextMetres)).toEqual([400, 450, null]);
    expect(first.bandwidthSeconds.outbound).toBeGreaterThan(0);
    // Running the very same splits without coordination: the only difference is progression.
    const same = corridorAdvice(
      members.map((m, i) => {
        const plan = first.crossings[i].plan;
        const clearance = plan.amberSeconds + plan.allRedSeconds;
        return { ...m, runningPlan: { cycleSeconds: plan.cycleSeconds, phases: plan.phases.map((p) => ({ name: p.name, greenSeconds: p.splitSeconds - clearance })) } };
      }),
    );
    expect(same.gainSeconds).toBeGreaterThan(0);
    for (const c of same.crossings) expect(c.expectedDelayPlanSeconds).toBeLessThanOrEqual(c.expectedDelayRunningSeconds + 1e-9);
  });

  it('refuses a corridor of one crossing', () => {
    expect(() => corridorAdvice([{ id: 'a', lat: 0, lon: 0, phases: phases(500, 500), coordinatedPhase: 'north-south', runningPlan: { cycleSeconds: 60, phases: [] } }])).toThrow(/at least two crossings/);
  });
});
