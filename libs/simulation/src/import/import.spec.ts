import * as fs from 'node:fs';
import * as path from 'node:path';
import { CityDefinitionSchema } from '@crosscast/contracts';
import { inferNeighbourGraph } from '@crosscast/network';
import { createSimulation } from '../engine';
import { validateNetwork } from '../network';
import { buildImportedCityFolder, cityFolderFiles, simCityFromImport } from './city-folder';
import { generateCityFlowGrid, importCityFlow } from './cityflow';
import { ImportError } from './report';
import { followingHeadway, importSumo, junctionClearing, pathFromStop } from './sumo';
import { parseXml } from './xml';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
const NET = fixture('two-junctions.net.xml');
const ROUTES = fixture('two-junctions.rou.xml');
const ROADNET = fixture('one-intersection.roadnet.json');
const FLOW = fixture('one-intersection.flow.json');

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the import to be refused');
}

describe('parseXml', () => {
  it('reads elements, attributes, entities and comments', () => {
    const root = parseXml('<?xml version="1.0"?>\n<!-- c -->\n<a x="1 &amp; 2"><b y=\'&lt;\'/>\n<b/></a>\n');
    expect(root).toEqual({ name: 'a', attrs: { x: '1 & 2' }, line: 3, children: [{ name: 'b', attrs: { y: '<' }, children: [], line: 3 }, { name: 'b', attrs: {}, children: [], line: 4 }] });
  });

  it('refuses what is outside the subset, with the line', () => {
    expect(() => parseXml('<a>\n<b></c></a>')).toThrow('XML line 2: end tag </c> does not close <b>');
    expect(() => parseXml('<a>text</a>')).toThrow('text content "text"');
    expect(() => parseXml('<a x=1/>')).toThrow('not quoted');
    expect(() => parseXml('<a><![CDATA[x]]></a>')).toThrow('CDATA');
  });
});

describe('importSumo', () => {
  const imported = importSumo(NET, ROUTES);
  const { network } = imported;

  it('imports junctions, links with lengths and speeds, and car lanes only', () => {
    expect(network.nodes.map((n) => `${n.id}:${n.kind}`)).toEqual(['E:boundary', 'J1:crossing', 'J2:crossing', 'N1:boundary', 'S2:boundary', 'W:boundary']);
    const w = network.links.find((l) => l.id === 'W_J1')!;
    expect(w).toMatchObject({ from: 'W', to: 'J1', lengthM: 190, lanes: 2, speedMps: 13.89 });
    // a queue stands on the lanes only: floor((190 + 2.5) / 7.5) = 25 cars of SUMO's (5 m + 2.5 m gap) per lane
    expect(w.storageVehicles).toBe(50);
    // lane 0 through, lane 1 through + left: two lane groups, right to left
    expect(w.laneGroups).toEqual([{ lanes: 1, turns: ['through'] }, { lanes: 1, turns: ['left', 'through'] }]);
    expect(imported.signalised).toEqual(['J1']);
    expect(imported.notes.some((n) => n.startsWith('SUMO lanes closed to passenger cars left out') && n.includes('W_J1_2'))).toBe(true);
    expect(() => validateNetwork(network)).not.toThrow();
  });

  it('maps the tlLogic to phases and a fixed-time plan, the permissive left yielding', () => {
    const j1 = network.crossings.find((c) => c.id === 'J1')!;
    expect(j1.phases).toEqual([
      { id: 'p0', movements: ['J2_J1>J1_N1', 'J2_J1>J1_W', 'W_J1>J1_J2', 'W_J1>J1_N1'] },
      { id: 'p1', movements: ['N1_J1>J1_J2', 'N1_J1>J1_W'] },
    ]);
    expect(j1.control).toEqual({ kind: 'fixed', plan: { greenSeconds: [30, 20], amberSeconds: 3, allRedSeconds: 2, offsetSeconds: 10 } });
    expect(j1.movements.find((m) => m.id === 'W_J1>J1_N1')).toMatchObject({ kind: 'left', yieldsTo: ['J2_J1>J1_W'] });
  });

  it('runs an unsignalised junction always green, minor movements yielding as its response bits say', () => {
    const j2 = network.crossings.find((c) => c.id === 'J2')!;
    expect(j2.phases).toHaveLength(1);
    expect(j2.control).toEqual({ kind: 'fixed', plan: { greenSeconds: [3600], amberSeconds: 0, allRedSeconds: 0, offsetSeconds: 0 } });
    const yields = Object.fromEntries(j2.movements.filter((m) => m.yieldsTo).map((m) => [m.id, m.yieldsTo]));
    expect(yields).toEqual({
      'E_J2>J2_S2': ['J1_J2>J2_E', 'J1_J2>J2_S2'],
      'S2_J2>J2_E': ['J1_J2>J2_E'],
      'S2_J2>J2_J1': ['E_J2>J2_J1', 'E_J2>J2_S2', 'J1_J2>J2_E', 'J1_J2>J2_S2'],
    });
  });

  it('junction clearing: the time a longer junction path adds to SUMO\'s leave time of a yielding car (from a stop, or arriving at speed) and its foe\'s', () => {
    const car = { accel: 2.6, length: 5 };
    // 14 m at up to 8 m/s from a stop: (14 + 5) / (8 / 2) − 5 / (√(2 × 2.6 × 5) / 2); the slowest foe: 14 m at 8 m/s
    const fromStop = 19 / 4 - 5 / (Math.sqrt(26) / 2) + 14 / 8;
    expect(junctionClearing([{ length: 14, speed: 8 }], [[{ length: 20, speed: 13.89 }], [{ length: 14, speed: 8 }]], car, 0)).toBeCloseTo(fromStop, 6);
    // arriving at 7 m/s it leaves at 8 m/s either way (√(7² + 2 × 2.6 × 5) > 8): (19 − 5) / 7.5
    expect(junctionClearing([{ length: 14, speed: 8 }], [[{ length: 14, speed: 8 }]], car, 7)).toBeCloseTo(14 / 7.5 + 14 / 8, 6);
    // a foe that yields itself arrives at its minor link's approach speed (5 m/s) and speeds up to 8 m/s after 7.5 m
    expect(junctionClearing([{ length: 14, speed: 8 }], [[{ length: 14, speed: 8 }]], car, 7, [5])).toBeCloseTo(14 / 7.5 + 3 / 2.6 + 6.5 / 8, 6);
    // a junction without internal lanes adds nothing (the calibrated critical gap is for those)
    expect(junctionClearing([], [[]], car, 0)).toBe(0);
    // a foe that had stopped: 20 m + its 5 m from a standstill (√(2 × 25 / 2.6), below 13.89 m/s all along) against 25 m at 13.89 m/s
    expect(pathFromStop([{ length: 20, speed: 13.89 }], car)).toBeCloseTo(Math.sqrt(50 / 2.6) - 25 / 13.89, 6);
    // ... from a standstill a car spacing (7.5 m) behind the line it crosses faster and keeps its path less long
    expect(pathFromStop([{ length: 20, speed: 13.89 }], car, 7.5)).toBeCloseTo(Math.sqrt(65 / 2.6) - Math.sqrt(15 / 2.6) - 25 / 13.89, 6);
    // against arriving at 5 m/s (a foe that yields itself): 25 m from 5 m/s take (√(25 + 130) − 5) / 2.6
    expect(pathFromStop([{ length: 20, speed: 13.89 }], car, 0, 5)).toBeCloseTo(Math.sqrt(50 / 2.6) - (Math.sqrt(155) - 5) / 2.6, 6);
    expect(pathFromStop([], car)).toBe(0);
    // Krauss following at 6 m/s: 1 s + 7.5 m / 6 m/s
    expect(followingHeadway(6, {})).toBeCloseTo(2.25, 6);
    // measured at road speed: 1.9 s at 13.89 m/s, plus 7.5 m × (1/6 − 1/13.89) at 6 m/s; no slower than the road: the Krauss headway
    expect(followingHeadway(6, { saturationHeadwaySeconds: 1.9 }, 13.89)).toBeCloseTo(1.9 + 7.5 * (1 / 6 - 1 / 13.89), 6);
    expect(followingHeadway(6, { saturationHeadwaySeconds: 1.9 })).toBeCloseTo(2.25, 6);
  });

  it('gives yielding movements the clearing times of the junction\'s internal lanes, and slow movements their following headway', () => {
    // J2 with internal lanes, as netgenerate writes them: straight 20 m at 13.89 m/s, right turns 8 m at 6, left turns 14 m at 8
    const paths: Record<string, [number, number]> = { s: [20, 13.89], r: [8, 6], l: [14, 8] };
    let k = 0;
    const internal: string[] = [];
    const net = NET.replace(/<connection from="(J1_J2|E_J2|S2_J2)" ([^>]*)dir="(\w)"/g, (_all, from: string, rest: string, dir: string) => {
      const [length, speed] = paths[dir];
      internal.push(`<edge id=":J2_${k}" function="internal"><lane id=":J2_${k}_0" index="0" speed="${speed}" length="${length}" shape="0,0 1,1"/></edge>`);
      return `<connection from="${from}" ${rest}via=":J2_${k++}_0" dir="${dir}"`;
    }).replace('incLanes="J1_J2_0 E_J2_0 S2_J2_0" intLanes=""', `incLanes="J1_J2_0 E_J2_0 S2_J2_0" intLanes="${internal.map((_, i) => `:J2_${i}_0`).join(' ')}"`)
      .replace('<junction id="J2"', `${internal.join('\n')}\n<junction id="J2"`);
    expect(k).toBe(6);
    const j2 = importSumo(net, ROUTES).network.crossings.find((c) => c.id === 'J2')!;
    const left = j2.movements.find((m) => m.id === 'S2_J2>J2_J1')!;
    // it yields to E_J2>J2_J1, E_J2>J2_S2 (14 m at 8 m/s, the slowest foe), J1_J2>J2_E and J1_J2>J2_S2
    const car = { accel: 2.6, length: 5 };
    const visibility = Math.sqrt(2 * 4.5 * 4.5); // the speed a minor car approaches with
    // (E_J2>J2_S2 yields itself: it crosses at the minor approach speed)
    expect(left.clearingSeconds).toBeCloseTo(junctionClearing([{ length: 14, speed: 8 }], [[{ length: 14, speed: 8 }]], car, 0, [visibility]), 3);
    expect(left.clearingMovingSeconds).toBeCloseTo(junctionClearing([{ length: 14, speed: 8 }], [[{ length: 14, speed: 8 }]], car, visibility, [visibility]), 3);
    expect(left.clearingSeconds!).toBeGreaterThan(4);
    // SUMO's saturated headway at road speed (1,900 veh/h) plus the car spacing's longer time at the slower speed
    const saturated = 3600 / 1900;
    expect(left.minHeadwaySeconds).toBeCloseTo(saturated + 7.5 * (1 / visibility - 1 / 11.11), 3); // (the minor road S2_J2: 11.11 m/s)
    // the major road's through movement neither yields nor slows: no clearing, no headway of its own
    const major = j2.movements.find((m) => m.id === 'J1_J2>J2_E')!;
    expect(major.clearingSeconds).toBeUndefined();
    expect(major.minHeadwaySeconds).toBeUndefined();
    // but when it had stopped it keeps its 20 m path longer for those yielding to it, less so following out of a queue
    expect(major.pathFromStopSeconds).toBeCloseTo(pathFromStop([{ length: 20, speed: 13.89 }], car), 3);
    expect(major.pathInQueueSeconds).toBeCloseTo(pathFromStop([{ length: 20, speed: 13.89 }], car, 7.5), 3);
    expect(major.pathInQueueSeconds!).toBeLessThan(major.pathFromStopSeconds!);
    // its right turn slows to 6 m/s
    expect(j2.movements.find((m) => m.id === 'J1_J2>J2_S2')!.minHeadwaySeconds).toBeCloseTo(saturated + 7.5 * (1 / 6 - 1 / 13.89), 3);
    // a car without a measured saturated headway keeps the Krauss car's following headway τ + (length + minGap) / v
    const krauss = importSumo(net, ROUTES, { car: { accel: 2.6, decel: 4.5 } }).network.crossings.find((c) => c.id === 'J2')!;
    expect(krauss.movements.find((m) => m.id === 'J1_J2>J2_S2')!.minHeadwaySeconds).toBeCloseTo(1 + 7.5 / 6, 3);
    // without internal lanes (the fixture as netconvert wrote it) no clearing time
    expect(network.crossings.find((c) => c.id === 'J2')!.movements.find((m) => m.id === 'S2_J2>J2_J1')!.clearingSeconds).toBeUndefined();
  });

  it('reads vehicles, named routes and flows, in departure order, and the demand and turning shares they make', () => {
    expect(imported.vehicles.map((v) => `${v.id}@${v.departSeconds}`)).toEqual(['v0@0', 'f.0@0', 'v1@5', 'f.1@20', 'v2@30', 'f.2@40']);
    expect(imported.vehicles[0].route).toEqual(['W_J1', 'J1_J2', 'J2_E']);
    const w = network.demand.find((d) => d.link === 'W_J1')!;
    expect(w.vehPerHour[0]).toBeCloseTo((4 * 3600) / 900);
    expect(network.crossings.find((c) => c.id === 'J1')!.movements.find((m) => m.id === 'W_J1>J1_J2')!.share).toBe(1);
  });

  it('runs in the engine with the exact vehicles', () => {
    const sim = createSimulation({ ...network, demand: [] }, { seed: 1, vehicles: imported.vehicles, recordTrips: true });
    sim.advanceTo(600);
    const trips = sim.takeCompletedTrips();
    expect(trips.map((t) => t.scheduledId).sort()).toEqual(['f.0', 'f.1', 'f.2', 'v0', 'v1', 'v2']);
    expect(sim.conservation().holds).toBe(true);
  });

  it('is deterministic: the same input gives byte-identical city files', () => {
    const files = () => cityFolderFiles(buildImportedCityFolder(importSumo(NET, ROUTES), { name: 'two', source: 'two-junctions.net.xml + two-junctions.rou.xml' }));
    const a = files();
    const b = files();
    expect(Object.keys(a)).toEqual(['crossings.json', 'sim-network.json', 'vehicles.json']);
    for (const name of Object.keys(a)) expect(b[name]).toBe(a[name]);
  });

  it('refuses unsupported elements, naming them and their lines', () => {
    const withCrossing = NET.replace('</net>', '    <prohibition prohibitor="W_J1->J1_J2" prohibited="N1_J1->J1_J2"/>\n</net>');
    const message = refusal(() => importSumo(withCrossing));
    expect(message).toContain('import refused: 1 problem');
    expect(message).toMatch(/<prohibition> \(line \d+\) is not supported in a SUMO network/);
    const zipper = NET.replace('<junction id="J2" type="priority"', '<junction id="J2" type="zipper"');
    expect(refusal(() => importSumo(zipper))).toContain('junction J2: type "zipper" is not supported');
    const nema = NET.replace('type="static"', 'type="NEMA"');
    expect(refusal(() => importSumo(nema))).toContain('tlLogic J1: type "NEMA" is not supported');
    const trip = ROUTES.replace('</routes>', '<trip id="t" depart="1" from="W_J1" to="J2_E"/>\n</routes>');
    expect(refusal(() => importSumo(NET, trip))).toMatch(/<trip> \(line \d+\) is not supported in a routes file/);
    const badRoute = ROUTES.replace('edges="S2_J2 J2_J1 J1_W"', 'edges="S2_J2 J2_S2"');
    expect(refusal(() => importSumo(NET, badRoute))).toContain('vehicle v1: no imported movement from S2_J2 to J2_S2');
    expect(() => importSumo(withCrossing)).toThrow(ImportError);
  });
});

describe('importCityFlow', () => {
  const imported = importCityFlow(ROADNET, FLOW);
  const { network } = imported;

  it('imports intersections, roads, lane groups and light phases (clearance phases become the amber)', () => {
    expect(network.nodes.filter((n) => n.kind === 'crossing').map((n) => n.id)).toEqual(['i']);
    const w = network.links.find((l) => l.id === 'w_i')!;
    expect(w).toMatchObject({ lengthM: 300, lanes: 2, speedMps: 11.111 });
    // CityFlow lane 0 is the inner (left) lane: right to left, through + right, then left
    expect(w.laneGroups).toEqual([{ lanes: 1, turns: ['right', 'through'] }, { lanes: 1, turns: ['left'] }]);
    const i = network.crossings[0];
    expect(i.phases).toEqual([
      { id: 'p0', movements: ['e_i>i_w', 'w_i>i_e', 'w_i>i_n', 'w_i>i_s'] },
      { id: 'p1', movements: ['n_i>i_s', 's_i>i_n', 'w_i>i_s'] },
    ]);
    // phases played from the first one with more than right turns: offset −5 s in a 55 s cycle
    expect(i.control).toEqual({ kind: 'fixed', plan: { greenSeconds: [25, 20], amberSeconds: 5, allRedSeconds: 0, offsetSeconds: 50 } });
    expect(() => validateNetwork(network)).not.toThrow();
  });

  it('expands flows as CityFlow does (startTime + k × interval up to endTime)', () => {
    expect(imported.vehicles.map((v) => `${v.id}@${v.departSeconds}`)).toEqual(['flow_0_0@0', 'flow_1_0@5', 'flow_0_1@10', 'flow_0_2@20', 'flow_1_1@20', 'flow_0_3@30', 'flow_1_2@35']);
  });

  it('refuses unsupported fields and road link types, naming them', () => {
    const roadnet = JSON.parse(ROADNET);
    roadnet.intersections[0].roadLinks[0].type = 'turn_u';
    roadnet.roads[0].shape = 'curvy';
    const message = refusal(() => importCityFlow(JSON.stringify(roadnet)));
    expect(message).toContain('road w_i: "shape" is not supported');
    const roadnet2 = JSON.parse(ROADNET);
    roadnet2.intersections[0].roadLinks[0].type = 'turn_u';
    expect(refusal(() => importCityFlow(JSON.stringify(roadnet2)))).toContain('intersection i: roadLink 0 has type "turn_u"');
    expect(refusal(() => importCityFlow(ROADNET, JSON.stringify([{ route: ['w_i', 'nowhere'], interval: 5, startTime: 0, endTime: 10 }])))).toContain('flow 0: route must list known roads');
  });

  it('imports a generated CityFlow grid of 16 signals that runs under max-pressure', () => {
    const { roadnet, flow } = generateCityFlowGrid({ rows: 4, cols: 4, endTimeSeconds: 300 });
    const grid = importCityFlow(JSON.stringify(roadnet), JSON.stringify(flow));
    expect(grid.signalised).toHaveLength(16);
    expect(grid.network.crossings.every((c) => c.phases.length === 4)).toBe(true);
    const sim = createSimulation({ ...grid.network, demand: [] }, { seed: 1, vehicles: grid.vehicles });
    for (const c of grid.network.crossings) sim.setControl(c.id, { kind: 'max-pressure', settings: { decisionSeconds: 15, minGreenSeconds: 15, amberSeconds: 5, allRedSeconds: 0, detectorLeadSeconds: 3 } });
    sim.advanceTo(900);
    expect(sim.totals().exited).toBeGreaterThan(0.9 * grid.vehicles.length);
  });
});

describe('imported city folder', () => {
  it('names approaches by side and gives the simulator its view of the city', () => {
    const folder = buildImportedCityFolder(importSumo(NET, ROUTES), { name: 'two', source: 'fixture' });
    expect(folder.definition.crossings.map((c) => c.id)).toEqual(['J1']);
    expect(folder.definition.crossings[0].approaches.map((a) => a.id)).toEqual(['J1:W', 'J1:E', 'J1:N']);
    expect(folder.simNetwork.dailyDemand.entries.W_J1).toHaveLength(96);
    const sim = simCityFromImport(folder.simNetwork);
    expect(sim.crossings).toEqual([{ id: 'J1', approaches: ['J1:W', 'J1:E', 'J1:N'], phases: [{ name: 'p0', approaches: ['J1:E', 'J1:W'] }, { name: 'p1', approaches: ['J1:N'] }], basePlanId: 'imported-fixed' }]);
    expect(sim.boundaryEntries).toEqual({ 'J1:W': 'W_J1', 'J1:N': 'N1_J1' });
    // roads: W_J1 and J1_J2 continue straight through J1 (and J2), each with its opposite
    expect(folder.definition.crossings[0].approaches.map((a) => a.road)).toEqual(['road E_J2', 'road E_J2', 'road J1_N1']);
    // the imported program (30 + 3 + 2, 20 + 3 + 2) is the plan fusion must beat, by fusion's phase names
    expect(folder.definition.basePlans).toEqual({
      J1: { planId: 'imported-fixed', cycleSeconds: 60, phases: [{ name: 'north-south', greenSeconds: 20 }, { name: 'east-west', greenSeconds: 30 }] },
    });
    expect(CityDefinitionSchema.parse(folder.definition).basePlans?.J1.cycleSeconds).toBe(60);
  });

  it('maps a program of more phases onto fusion\'s two axes: phases of one axis add up, with the clearances between them', () => {
    // the CityFlow grid: EW straight, EW left, NS straight, NS left, 30 s each, each followed by a 5 s clearance (cycle 140 s)
    const { roadnet, flow } = generateCityFlowGrid({ rows: 1, cols: 1, greenSeconds: 30, clearanceSeconds: 5 });
    const imported = importCityFlow(JSON.stringify(roadnet), JSON.stringify(flow));
    const folder = buildImportedCityFolder(imported, { name: 'one', source: 'generated' });
    // each axis: 30 + 5 (its straight-to-left clearance) + 30; the two axis changes keep their 5 s
    expect(folder.definition.basePlans).toEqual({
      intersection_1_1: { planId: 'imported-fixed', cycleSeconds: 140, phases: [{ name: 'north-south', greenSeconds: 65 }, { name: 'east-west', greenSeconds: 65 }] },
    });
    expect(CityDefinitionSchema.parse(folder.definition).basePlans?.intersection_1_1.cycleSeconds).toBe(140);
    expect(folder.simNetwork.notes.join('\n')).not.toMatch(/not given to fusion/);
  });

  it('gives fusion no base plan for a program with a phase that serves both axes, and says so', () => {
    const { roadnet, flow } = generateCityFlowGrid({ rows: 1, cols: 1 });
    const imported = importCityFlow(JSON.stringify(roadnet), JSON.stringify(flow));
    const crossing = imported.network.crossings[0];
    // the first phase also lets a north-south straight movement go
    const northSouth = crossing.phases[2].movements.find((id) => crossing.movements.find((m) => m.id === id)!.kind === 'through')!;
    crossing.phases[0].movements.push(northSouth);
    const folder = buildImportedCityFolder(imported, { name: 'one', source: 'generated' });
    expect(folder.definition.basePlans).toBeUndefined();
    expect(folder.simNetwork.notes.join('\n')).toMatch(/programs that are not fixed-time with every phase serving one axis .* are not given to fusion .* \(1\): intersection_1_1/);
  });

  it("writes roads from which fusion's road graph (@crosscast/network) finds the network's links and corridors", () => {
    const { roadnet, flow } = generateCityFlowGrid({ rows: 3, cols: 3, spacingM: 300 });
    const imported = importCityFlow(JSON.stringify(roadnet), JSON.stringify(flow));
    const folder = buildImportedCityFolder(imported, { name: 'grid', source: 'generated' });
    const graph = inferNeighbourGraph(folder.definition.crossings);
    // every link between two signalised crossings, and no other, feeds the approach it is
    const signalised = new Set(imported.signalised);
    const approachOf = new Map(Object.entries(folder.simNetwork.approachLinks).map(([a, l]) => [l, a]));
    const expected = imported.network.links.filter((l) => signalised.has(l.from) && signalised.has(l.to)).map((l) => `${l.from}>${l.to}@${approachOf.get(l.id)}`).sort();
    expect(expected).toHaveLength(24);
    expect(graph.links.map((l) => `${l.from}>${l.to}@${l.feedsApproach}`).sort()).toEqual(expected);
    for (const l of graph.links) expect(Math.abs(l.distanceM - 300)).toBeLessThanOrEqual(5);
    // the corridors: three rows and three columns of three crossings
    expect(graph.roads).toHaveLength(6);
    for (const road of graph.roads) expect(road.crossings).toHaveLength(3);
    // in order along the road (either way round)
    const runs = graph.roads.map((r) => r.crossings.map((id) => /_(\d+)_(\d+)$/.exec(id)!.slice(1).join(','))).map((run) => (run[0] < run[2] ? run : [...run].reverse()));
    for (const k of [1, 2, 3]) {
      expect(runs).toContainEqual([`1,${k}`, `2,${k}`, `3,${k}`]);
      expect(runs).toContainEqual([`${k},1`, `${k},2`, `${k},3`]);
    }
  });
});
