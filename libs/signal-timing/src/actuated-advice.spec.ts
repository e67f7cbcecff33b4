import { ActuatedAdviceInput, AdviceCorridor, AdviceCrossing, actuatedGroups, adviceDemand, adviseActuatedGroups, corridorBandSeconds, evaluationDemand, fixedPlanDelay, laneGroupKey } from './actuated-advice';
import { CrossingOperation } from './actuated-changes';
import { planActuatedGroup } from './actuated-group';
import { SATURATED_DEMAND_STEP, laneGroupCapacities } from './actuated-plan';

/** A two-phase crossing: main road N/S, side street E/W; per horizon the same flows (upper = 1.2 × mean) unless given. */
function crossing(id: string, main: number, side: number, horizons = 2): AdviceCrossing {
  const group = (g: string, phase: string, flow: number) => ({
    id: `${id}-${g}`,
    phase,
    saturationFlowVehPerHour: 3600,
    forecast: Array.from({ length: horizons }, () => ({ meanVehPerHour: flow, upper80VehPerHour: flow * 1.2 })),
  });
  return { id, phases: ['main', 'side'], laneGroups: [group('N', 'main', main), group('S', 'main', main), group('E', 'side', side), group('W', 'side', side)] };
}

const road = (name: string, ids: string[], distancesM: number[], phase = 'main'): AdviceCorridor => ({ name, crossings: ids, distancesM, coordinatedPhases: ids.map(() => phase), speedKmh: 50 });

const none = new Map<string, CrossingOperation | null>();

function operations(advice: ReturnType<typeof adviseActuatedGroups>): Map<string, CrossingOperation> {
  return new Map(advice.groups.flatMap((g) => [...g.advice]));
}

describe('the groups the actuated advice coordinates', () => {
  it('cuts a road where crossings are more than 400 m apart by road and joins corridors that share a crossing', () => {
    const corridors = [road('high st', ['a', 'b', 'c', 'd'], [300, 900, 250]), road('cross st', ['e', 'b'], [350], 'side'), road('far rd', ['x', 'y'], [600])];
    const groups = actuatedGroups(corridors, () => 1);
    expect(groups.map((g) => [...g.crossings].sort())).toEqual([['a', 'b', 'e'], ['c', 'd']]);
    expect(groups[0].corridors.map((c) => c.crossings)).toEqual([['a', 'b'], ['e', 'b']]);
    expect(groups[1].corridors[0].distancesM).toEqual([250]);
  });

  it('orders corridors busiest first: the busiest names the shared crossing\'s coordinated phase', () => {
    const corridors = [road('quiet', ['e', 'b'], [300], 'side'), road('busy', ['a', 'b'], [300])];
    const [group] = actuatedGroups(corridors, (c) => (c.name === 'busy' ? 10 : 1));
    expect(group.corridors.map((c) => c.name)).toEqual(['busy', 'quiet']);
    expect(group.crossings).toEqual(['a', 'b', 'e']);
  });

  it('grows a group to at most maxGroupCrossings, busiest corridors first, cutting the corridor that would join it to more', () => {
    const corridors = [road('side', ['d', 'e', 'f'], [300, 300], 'side'), road('busy', ['a', 'b', 'c', 'd'], [300, 300, 300])];
    const flowOf = (c: { name: string }) => (c.name === 'busy' ? 10 : 1);
    const capped = actuatedGroups(corridors, flowOf, 400, 4);
    expect(capped.map((g) => g.crossings)).toEqual([['a', 'b', 'c', 'd'], ['e', 'f']]);
    expect(capped[1].corridors).toEqual([{ ...corridors[0], crossings: ['e', 'f'], distancesM: [300], coordinatedPhases: ['side', 'side'] }]);
    // With room for everyone, one group, as without a cap.
    expect(actuatedGroups(corridors, flowOf, 400, 6).map((g) => g.crossings)).toEqual([['a', 'b', 'c', 'd', 'e', 'f']]);
    expect(actuatedGroups(corridors, flowOf).map((g) => g.crossings)).toEqual([['a', 'b', 'c', 'd', 'e', 'f']]);
  });
});

describe('the demand the advice plans on', () => {
  it('takes the larger of the next two forecasts, never the third', () => {
    const c = crossing('a', 600, 200, 3);
    c.laneGroups[0].forecast = [
      { meanVehPerHour: 500, upper80VehPerHour: 900 },
      { meanVehPerHour: 700, upper80VehPerHour: 800 },
      { meanVehPerHour: 2000, upper80VehPerHour: 2400 },
    ];
    const [main] = adviceDemand(c, null);
    expect(main.laneGroups[0]).toMatchObject({ meanVehPerHour: 700, upperVehPerHour: 900 });
  });

  it('lets the last count raise the upper bound, and a saturated count a step above itself', () => {
    const c = crossing('a', 800, 300);
    c.laneGroups[2].observedVehPerHour = 500; // side street E, above its upper bound of 360
    expect(adviceDemand(c, null)[1].laneGroups[0]).toMatchObject({ meanVehPerHour: 300, upperVehPerHour: 500 });
    // Running a coordinated plan whose side-street capacity is the count: saturated.
    const plan = operations(adviseActuatedGroups({ crossings: [crossing('a', 800, 300), crossing('b', 800, 300)], corridors: [road('r', ['a', 'b'], [300])], running: none }, { group: { prune: false } })).get('a')!.plan;
    const capacity = laneGroupCapacities(plan, adviceDemand(c, null)).get('a-E')!;
    c.laneGroups[2].observedVehPerHour = capacity;
    const saturated = new Set<string>();
    const [, side] = adviceDemand(c, { plan, coordinated: true }, {}, saturated);
    expect(side.laneGroups[0].upperVehPerHour).toBeCloseTo(capacity * (1 + SATURATED_DEMAND_STEP));
    expect(saturated).toEqual(new Set(['a']));
  });
});

describe('adviseActuatedGroups', () => {
  const peak = (): ActuatedAdviceInput => ({
    crossings: [crossing('a', 1100, 400), crossing('b', 1100, 400), crossing('c', 1100, 400), crossing('lone', 700, 300)],
    corridors: [road('high st', ['a', 'b', 'c'], [300, 300])],
    running: none,
  });

  it('first advice: the corridor coordinated on one cycle, an isolated crossing free, every crossing adopted', () => {
    const advice = adviseActuatedGroups(peak());
    expect(advice.groups.map((g) => g.crossings)).toEqual([['a', 'b', 'c'], ['lone']]);
    const [corridor, lone] = advice.groups;
    const ops = operations(advice);
    expect(['a', 'b', 'c'].every((id) => ops.get(id)!.coordinated)).toBe(true);
    expect(new Set(['a', 'b', 'c'].map((id) => ops.get(id)!.plan.cycleSeconds)).size).toBe(1);
    expect(ops.get('lone')!.coordinated).toBe(false);
    expect(lone.plan).toBeNull();
    expect(corridor.changes.map((c) => [c.crossingId, c.kind])).toEqual([['a', 'adopted'], ['b', 'adopted'], ['c', 'adopted']]);
    expect(lone.changes).toEqual([{ crossingId: 'lone', operation: ops.get('lone'), kind: 'adopted', expectedGainSeconds: null, expectedDelayRunningSeconds: null, expectedDelayPlanSeconds: lone.expected.get('lone')!.delaySeconds, flowVehPerHour: 2000 }]);
    // Expected delays per crossing under the advice: the group planner's coordinated estimate (platoons from its neighbours credited).
    for (const c of corridor.plan!.crossings) expect(corridor.expected.get(c.id)!.delaySeconds).toBeCloseTo(c.expectedCoordinated.delaySeconds, 6);
    expect(lone.expected.get('lone')!.delaySeconds).toBeGreaterThan(0);
  });

  it('is planActuatedGroup on the group: the same plans and choices', () => {
    const input = peak();
    const advice = adviseActuatedGroups(input);
    const direct = planActuatedGroup(advice.demand, advice.groups[0].corridors, {});
    expect(advice.groups[0].plan!.crossings.map((c) => [c.id, c.coordinated, c.plan])).toEqual(direct.crossings.map((c) => [c.id, c.coordinated, c.plan]));
  });

  it('sends nothing when the advice is what runs', () => {
    const first = adviseActuatedGroups(peak());
    const again = adviseActuatedGroups({ ...peak(), running: operations(first) });
    expect(again.groups.flatMap((g) => g.changes)).toEqual([]);
  });

  it('keeps the running common cycle for a small move that does not pay, never for a large one', () => {
    const corridors = [road('high st', ['a', 'b', 'c'], [300, 300])];
    const at = (main: number) => ['a', 'b', 'c'].map((id) => crossing(id, main, 400));
    const running = operations(adviseActuatedGroups({ crossings: at(1100), corridors, running: none }));
    const cycle = running.get('a')!.plan.cycleSeconds;
    // A little more on the main road: its own cycle would be a second longer, which is not worth a transition.
    const slightly = { crossings: at(1250), corridors, running };
    expect(adviseActuatedGroups(slightly, { holdCycle: false }).groups[0].plan!.cycleSeconds).toBe(cycle + 1);
    expect(adviseActuatedGroups(slightly).groups[0].plan!.cycleSeconds).toBe(cycle);
    // A peak that needs a cycle over 10 % longer gets it, and the re-timing is sent.
    const peakAdvice = adviseActuatedGroups({ crossings: at(1600), corridors, running }).groups[0];
    expect(peakAdvice.plan!.cycleSeconds).toBeGreaterThan(1.1 * cycle);
    expect(peakAdvice.changes.map((c) => c.kind)).toEqual(['re-timed', 're-timed', 're-timed']);
  });

  it('judges changes at a saturated lane group\'s raised count, plans the cycle on the forecast mean', () => {
    const demand = { a: adviceDemand(crossing('a', 800, 300), null) };
    const judged = evaluationDemand(demand, new Set([laneGroupKey('a', 'a-E')]));
    expect(judged.a[1].laneGroups[0].meanVehPerHour).toBeCloseTo(360, 6);
    expect(judged.a[1].laneGroups[1].meanVehPerHour).toBe(300);
    expect(judged.a[0]).toEqual(demand.a[0]);
    expect(evaluationDemand(demand, new Set())).toBe(demand);
  });

  it('lets a coordinated corridor go free at night, each change with its expected gain', () => {
    const running = operations(adviseActuatedGroups(peak()));
    const night: ActuatedAdviceInput = { crossings: [crossing('a', 80, 30), crossing('b', 80, 30), crossing('c', 80, 30), crossing('lone', 60, 20)], corridors: peak().corridors, running };
    const changes = adviseActuatedGroups(night).groups.flatMap((g) => g.changes);
    expect(changes.map((c) => [c.crossingId, c.kind])).toEqual([['a', 'to-free'], ['b', 'to-free'], ['c', 'to-free']]);
    expect(changes.every((c) => c.expectedGainSeconds! > 0)).toBe(true);
    for (const c of changes) expect(c.expectedDelayRunningSeconds! - c.expectedDelayPlanSeconds).toBeCloseTo(c.expectedGainSeconds!, 9);
  });

  it('compares a first advice with the fixed-time plan a crossing runs (HCM at the same demand)', () => {
    const input = peak();
    const fixed = { cycleSeconds: 120, phases: [{ name: 'main', greenSeconds: 40 }, { name: 'side', greenSeconds: 72 }] };
    input.crossings[3].runningFixedPlan = fixed;
    const [change] = adviseActuatedGroups(input).groups[1].changes;
    expect(change.expectedDelayRunningSeconds).toBeCloseTo(fixedPlanDelay(adviceDemand(input.crossings[3], null), fixed), 9);
    // A long cycle starving the main road: free operation is expected to do far better.
    expect(change.expectedGainSeconds!).toBeGreaterThan(10);
    expect(change.expectedGainSeconds!).toBeCloseTo(change.expectedDelayRunningSeconds! - change.expectedDelayPlanSeconds, 9);
  });

  it('plans without a crossing that has no forecast: its corridors are cut there', () => {
    const input = peak();
    input.crossings = input.crossings.filter((c) => c.id !== 'b');
    expect(adviseActuatedGroups(input).groups.map((g) => g.crossings)).toEqual([['a'], ['c'], ['lone']]);
  });

  it('starts a whole group together when one of its crossings runs no actuated advice yet', () => {
    const running = new Map<string, CrossingOperation | null>(operations(adviseActuatedGroups(peak())));
    running.set('b', null);
    const [corridor, lone] = adviseActuatedGroups({ ...peak(), running }).groups;
    expect(corridor.changes.map((c) => c.kind)).toEqual(['adopted', 'adopted', 'adopted']);
    expect(lone.changes).toEqual([]);
  });

  it('refuses a lane group without a forecast', () => {
    const input = peak();
    input.crossings[0].laneGroups[0].forecast = [];
    expect(() => adviseActuatedGroups(input)).toThrow(/a-N of crossing a has no forecast/);
  });
});

describe('corridorBandSeconds', () => {
  it('is the narrowest link overlap of the carried coordinated greens, both directions, and none across cycles', () => {
    const input: ActuatedAdviceInput = { crossings: ['a', 'b', 'c'].map((id) => crossing(id, 1000, 300)), corridors: [road('r', ['a', 'b', 'c'], [300, 300])], running: none };
    const [group] = adviseActuatedGroups(input, { group: { prune: false } }).groups;
    const plans = new Map([...group.advice].map(([id, op]) => [id, op.plan]));
    const band = corridorBandSeconds(group.corridors[0], plans);
    const green = plans.get('a')!.phases[0].splitSeconds - plans.get('a')!.amberSeconds - plans.get('a')!.allRedSeconds;
    expect(band.outbound).toBeGreaterThan(0);
    expect(band.inbound).toBeGreaterThan(0);
    expect(Math.max(band.outbound, band.inbound)).toBeLessThanOrEqual(green + 1e-9);
    plans.set('b', { ...plans.get('b')!, cycleSeconds: plans.get('b')!.cycleSeconds + 10 });
    expect(corridorBandSeconds(group.corridors[0], plans)).toEqual({ outbound: 0, inbound: 0 });
  });
});
