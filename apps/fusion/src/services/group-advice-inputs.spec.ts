import { CrossingDefinition, PlanSummaryView } from '@crosscast/contracts';
import { adviseActuatedGroups } from '@crosscast/signal-timing';
import { actuatedView, adviceCrossing, changeView, coordinationView, roadCorridors, runningOperation } from './group-advice-inputs';
import { PlanningForecast } from './planning-inputs';

/** A crossing of MAIN RD (north-south) and a side street, `north` metres north of the first. */
const crossing = (id: string, north: number, side: string): CrossingDefinition => ({
  id,
  name: `MAIN RD / ${side}`,
  lat: -37.8 + north / 111_195,
  lon: 145.0,
  approaches: [
    { id: `${id}:N`, direction: 'N', road: 'Main Rd', location: 'n', lat: null, lon: null },
    { id: `${id}:S`, direction: 'S', road: 'MAIN RD', location: 's', lat: null, lon: null },
    { id: `${id}:E`, direction: 'E', road: side, location: 'e', lat: null, lon: null },
    { id: `${id}:W`, direction: 'W', road: side, location: 'w', lat: null, lon: null },
  ],
});

const a = crossing('a', 0, 'FIRST ST');
const b = crossing('b', 300, 'SECOND ST');
const c = crossing('c', 1200, 'THIRD ST');
const byId = new Map([a, b, c].map((x) => [x.id, x]));

function forecast(x: CrossingDefinition, main: number[], side: number): PlanningForecast {
  const band = (mean: number) => ({ mean, lower80: mean * 0.9, upper80: mean * 1.2, lower95: mean * 0.8, upper95: mean * 1.3 });
  return {
    messageId: `${x.id}:1`,
    crossingId: x.id,
    basedOnIntervalStart: '2006-10-10T07:00:00.000Z',
    intervalMinutes: 15,
    horizons: main.map((m, i) => ({
      stepsAhead: i + 1,
      horizonMinutes: 15 * (i + 1),
      intervalStart: new Date(Date.parse('2006-10-10T07:00:00.000Z') + 15 * 60_000 * (i + 1)).toISOString(),
      total: band(2 * m + 2 * side),
      approaches: { [`${x.id}:N`]: band(m), [`${x.id}:S`]: band(m), [`${x.id}:E`]: band(side), [`${x.id}:W`]: band(side) },
    })),
    observed: { approaches: { [`${x.id}:N`]: 250, [`${x.id}:S`]: 250, [`${x.id}:E`]: 60, [`${x.id}:W`]: null } },
    quality: { flags: [] },
  };
}

describe('group advice inputs', () => {
  it("makes corridors of a road's crossings with road distances and the road's phase at each", () => {
    const [corridor] = roadCorridors([{ road: 'MAIN RD', crossings: ['a', 'b', 'c'] }], (id) => byId.get(id));
    expect(corridor).toMatchObject({ name: 'MAIN RD', crossings: ['a', 'b', 'c'], coordinatedPhases: ['north-south', 'north-south', 'north-south'], speedKmh: 50 });
    expect(corridor.distancesM[0]).toBeCloseTo(300, -1);
    expect(corridor.distancesM[1]).toBeCloseTo(900, -1);
    // A crossing with no approach on the road splits it: a side street's road has one crossing each here.
    expect(roadCorridors([{ road: 'FIRST ST', crossings: ['a', 'b'] }], (id) => byId.get(id))).toEqual([]);
  });

  it('reads a forecast as per-horizon lane groups in veh/h with the last count', () => {
    const x = adviceCrossing(a, forecast(a, [300, 350, 400, 450], 100), 60);
    expect(x.phases).toEqual(['north-south', 'east-west']);
    const north = x.laneGroups.find((g) => g.id === 'a:N')!;
    expect(north).toMatchObject({ phase: 'north-south', observedVehPerHour: 1000 });
    expect(north.forecast.map((f) => f.meanVehPerHour)).toEqual([1200, 1400, 1600, 1800]);
    expect(north.forecast[0].upper80VehPerHour).toBeCloseTo(1440, 9);
    expect(x.laneGroups.find((g) => g.id === 'a:W')!.observedVehPerHour).toBeUndefined();
    expect(x.runningFixedPlan).toBeUndefined();
  });

  it("reads a running plan back as the operation it is: coordinated, free, or none, and the advice's views round-trip", () => {
    const corridors = roadCorridors([{ road: 'MAIN RD', crossings: ['a', 'b', 'c'] }], (id) => byId.get(id));
    const crossings = [a, b, c].map((x) => adviceCrossing(x, forecast(x, [350, 380, 400, 400], 120), 60));
    const advice = adviseActuatedGroups({ crossings, corridors, running: new Map() });
    expect(advice.groups.map((g) => g.crossings)).toEqual([['a', 'b'], ['c']]);
    expect(advice.groups[0].changes.map((x) => x.operation.coordinated)).toEqual([true, true]);
    expect(advice.groups[1].changes.map((x) => x.operation.coordinated)).toEqual([false]);
    for (const group of advice.groups) {
      for (const change of group.changes) {
        const x = byId.get(change.crossingId)!;
        const view = changeView(x, change, 'MAIN RD: a → b', null, 'fused');
        const plan: PlanSummaryView = 'coordinated' in view ? view.coordinated.plan : view.free.plan;
        const back = runningOperation(plan)!;
        expect(back.coordinated).toBe(change.operation.coordinated);
        if (back.coordinated) {
          // What the street runs is what was advised: splits, cycle, offset, coordinated phase.
          expect({ ...back.plan, notes: [], phases: back.plan.phases.map((p) => ({ ...p, designFlowVehPerHour: 0 })) }).toEqual({
            ...change.operation.plan,
            notes: [],
            phases: change.operation.plan.phases.map((p) => ({ ...p, designFlowVehPerHour: 0 })),
          });
        }
      }
    }
    expect(runningOperation(null)).toBeNull();
    expect(runningOperation({ planId: 'p', recommendationId: '1', cycleSeconds: 60, phases: [{ name: 'north-south', approaches: [], greenSeconds: 26 }, { name: 'east-west', approaches: [], greenSeconds: 26 }] })).toBeNull();
  });

  it('names free operation by the plan it would run: minimum green and free passage time from it, the free controller\'s maximum green', () => {
    const advice = adviseActuatedGroups({ crossings: [adviceCrossing(c, forecast(c, [100, 100], 40), 60)], corridors: [], running: new Map() });
    const op = advice.groups[0].advice.get('c')!;
    expect(op.coordinated).toBe(false);
    // Free operation gets the plan's free passage time (2 s), not its coordinated phases' 2.5 s.
    expect(op.plan.passageSeconds).toBe(2.5);
    expect(actuatedView(op.plan, 'c (no corridor)')).toEqual({ corridorRecommendationId: '', corridor: 'c (no corridor)', minGreenSeconds: 7, maxGreenSeconds: 45, passageSeconds: 2, amberSeconds: op.plan.amberSeconds, allRedSeconds: op.plan.allRedSeconds });
    // A crossing running free keeps the passage it was sent.
    const view = { planId: 'p', recommendationId: '1', cycleSeconds: 60, phases: [{ name: 'north-south', approaches: [], greenSeconds: 26 }, { name: 'east-west', approaches: [], greenSeconds: 26 }], actuated: actuatedView(op.plan, 'c (no corridor)') };
    expect(runningOperation(view)!.plan.freePassageSeconds).toBe(2);
    expect(coordinationView(op.plan, 'x').splitSeconds.reduce((s, x) => s + x, 0)).toBe(op.plan.cycleSeconds);
  });
});
