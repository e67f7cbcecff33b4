import { createSimulation } from './engine';
import { GridLaneLayout, generateGrid, generatePermissiveLeftCrossing } from './grid';
import { acceptGap, permissiveSaturationFlow } from './lanes';
import { FixedTimePlan, Network, validateNetwork } from './network';

function leftAgainstOpposing(opts: { leftVehPerHour: number; opposingVehPerHour: number; plan: FixedTimePlan; protectedLeft: boolean; yields: boolean }): Network {
  return generatePermissiveLeftCrossing(opts);
}

/** Vehicles per hour over the stop line of each approach, measured after a warm-up. */
function stopLineRates(network: Network, seed: number, warmup: number, measure: number): Map<string, number> {
  const sim = createSimulation(network, { seed });
  sim.advanceTo(warmup);
  sim.takeIntervalReport();
  sim.advanceTo(warmup + measure);
  return new Map(sim.takeIntervalReport().approaches.map((a) => [a.approachLinkId, (a.detectorCount * 3600) / measure]));
}

/** Mean delay of the through vehicles (route straight across) of a 1×1 grid. */
function throughDelay(layout: GridLaneLayout, leftTurns: 'unopposed' | 'permissive', bay?: number, demandLevel = 700, lanes = 2): number {
  const network = generateGrid({ rows: 1, cols: 1, seed: 1, demandLevel, lanes, turnShares: { left: 0.2, through: 0.7, right: 0.1 }, laneLayout: layout, leftTurns, leftBayLengthM: bay });
  const sim = createSimulation(network, { seed: 3, recordTrips: true, recordVehicles: true });
  sim.advanceTo(3 * 3600);
  const straight = new Set(['bN0-c0_0 c0_0-bS0', 'bS0-c0_0 c0_0-bN0', 'bW0-c0_0 c0_0-bE0', 'bE0-c0_0 c0_0-bW0']);
  const through = new Set(sim.takeDepartures().filter((d) => straight.has(d.route.join(' '))).map((d) => d.vehicle));
  const trips = sim.takeCompletedTrips().filter((t) => through.has(t.vehicle) && t.entrySeconds > 600);
  expect(trips.length).toBeGreaterThan(1000);
  return trips.reduce((s, t) => s + t.delaySeconds, 0) / trips.length;
}

describe('gap acceptance', () => {
  it('goes at once into a long enough gap, else right behind the last vehicle of a short gap', () => {
    const c = new Float64Array([20, 3, 10]);
    expect(acceptGap(0, 100, c, 3, 4.5)).toBe(3); // 0..3 is too short, 3..10 is long enough
    expect(acceptGap(12, 100, new Float64Array([20, 3, 10]), 3, 4.5)).toBe(12); // 12..20 is free
    expect(acceptGap(0, 100, new Float64Array([1, 4, 7, 10]), 4, 4.5)).toBe(10);
    expect(acceptGap(0, 9, new Float64Array([1, 4, 7, 10]), 4, 4.5)).toBe(Infinity); // the gap opens only after the limit
  });

  it('the HCM permissive saturation flow falls with opposing flow and is 3600/tf without any', () => {
    expect(permissiveSaturationFlow(0)).toBeCloseTo(1440, 6);
    expect(permissiveSaturationFlow(300)).toBeGreaterThan(permissiveSaturationFlow(600));
    expect(permissiveSaturationFlow(600)).toBeCloseTo(831.7, 0);
  });
});

describe('permissive left turns', () => {
  const ALWAYS_GREEN: FixedTimePlan = { greenSeconds: [3595], amberSeconds: 3, allRedSeconds: 2, offsetSeconds: 0 };

  it('a saturated permissive left passes what the HCM formula gives for its opposing flow (within 10 %), less as the opposing flow rises', () => {
    const rates: number[] = [];
    for (const opposing of [300, 600, 900, 1200]) {
      const network = leftAgainstOpposing({ leftVehPerHour: 1800, opposingVehPerHour: opposing, plan: ALWAYS_GREEN, protectedLeft: false, yields: true });
      const measured = stopLineRates(network, 11, 600, 3 * 3600);
      const left = measured.get('S-X')!;
      const hcm = permissiveSaturationFlow(opposing);
      expect(Math.abs(left - hcm) / hcm).toBeLessThan(0.1);
      expect(measured.get('N-X')!).toBeGreaterThan(0.9 * opposing); // the opposing stream does not yield
      rates.push(left);
    }
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThan(rates[i - 1]);
    // without yielding the same left runs at its saturation flow (1,800 veh/h on one lane)
    const unopposed = stopLineRates(leftAgainstOpposing({ leftVehPerHour: 2400, opposingVehPerHour: 900, plan: ALWAYS_GREEN, protectedLeft: false, yields: false }), 11, 600, 3600);
    expect(unopposed.get('S-X')!).toBeGreaterThan(1700);
  });

  it('a movement\'s clearing time lengthens its critical gap: the saturated left passes what the HCM formula gives for tc + clearing, from a stop', () => {
    for (const opposing of [300, 900]) {
      const network = leftAgainstOpposing({ leftVehPerHour: 1800, opposingVehPerHour: opposing, plan: ALWAYS_GREEN, protectedLeft: false, yields: true });
      network.crossings[0].movements[0].clearingSeconds = 3;
      const left = stopLineRates(network, 11, 600, 3 * 3600).get('S-X')!;
      const hcm = permissiveSaturationFlow(opposing, 4.5 + 3);
      expect(Math.abs(left - hcm) / hcm).toBeLessThan(0.1);
      expect(left).toBeLessThan(0.8 * permissiveSaturationFlow(opposing)); // well below the flow without clearing time
      // a saturated queue stands: the clearing time while moving does not apply
      network.crossings[0].movements[0].clearingMovingSeconds = 0;
      expect(Math.abs(stopLineRates(network, 11, 600, 3 * 3600).get('S-X')! - left) / left).toBeLessThan(0.05);
    }
  });

  it('a yielding vehicle that finds its gap as it arrives uses the clearing time while moving', () => {
    const delay = (moving?: number) => {
      const network = leftAgainstOpposing({ leftVehPerHour: 200, opposingVehPerHour: 600, plan: ALWAYS_GREEN, protectedLeft: false, yields: true });
      network.crossings[0].movements[0].clearingSeconds = 4;
      if (moving !== undefined) network.crossings[0].movements[0].clearingMovingSeconds = moving;
      const sim = createSimulation(network, { seed: 4 });
      sim.advanceTo(600);
      sim.takeIntervalReport();
      sim.advanceTo(600 + 4 * 3600);
      return sim.takeIntervalReport().approaches.find((a) => a.approachLinkId === 'S-X')!.meanDelaySeconds;
    };
    const fromStop = delay();
    const moving = delay(0);
    expect(moving).toBeLessThan(0.8 * fromStop);
    expect(moving).toBeGreaterThan(0);
  });

  it('a foe that had stopped keeps its junction path longer: the yielding movement waits for it (its path time from a stop, less for those following out of the queue)', () => {
    // both streams stop at a 15 s red each cycle, so the opposing stream discharges from a queue
    const plan: FixedTimePlan = { greenSeconds: [30], amberSeconds: 3, allRedSeconds: 12, offsetSeconds: 0 };
    const leftRate = (fromStop?: number, inQueue?: number, always = false) => {
      const network = leftAgainstOpposing({ leftVehPerHour: 1800, opposingVehPerHour: 500, plan: always ? ALWAYS_GREEN : plan, protectedLeft: false, yields: true });
      const opposing = network.crossings[0].movements[1];
      expect(opposing.id).toBe('opposing');
      if (fromStop !== undefined) opposing.pathFromStopSeconds = fromStop;
      if (inQueue !== undefined) opposing.pathInQueueSeconds = inQueue;
      return stopLineRates(network, 5, 600, 4 * 3600).get('S-X')!;
    };
    const without = leftRate();
    const fromStop = leftRate(3);
    const followingFast = leftRate(3, 0);
    expect(fromStop).toBeLessThan(0.95 * without);
    expect(followingFast).toBeGreaterThan(fromStop);
    expect(followingFast).toBeLessThan(without);
    // a stream that never has to stop (always green, light opposing flow) keeps no path longer
    expect(Math.abs(leftRate(3, undefined, true) - leftRate(undefined, undefined, true)) / leftRate(undefined, undefined, true)).toBeLessThan(0.03);
  });

  it('a slow movement\'s minimum headway holds the vehicle behind it: a saturated queue discharges at that headway', () => {
    const network = leftAgainstOpposing({ leftVehPerHour: 3000, opposingVehPerHour: 0, plan: ALWAYS_GREEN, protectedLeft: false, yields: false });
    expect(stopLineRates(network, 2, 600, 3600).get('S-X')!).toBeGreaterThan(1750); // 2 s at 1,800 veh/h
    network.crossings[0].movements[0].minHeadwaySeconds = 3;
    const slow = stopLineRates(network, 2, 600, 3600).get('S-X')!;
    expect(slow).toBeGreaterThan(1150);
    expect(slow).toBeLessThanOrEqual(1201);
    network.crossings[0].movements[0].minHeadwaySeconds = 1; // shorter than the saturation headway: no effect
    expect(stopLineRates(network, 2, 600, 3600).get('S-X')!).toBeGreaterThan(1750);
  });

  it('a protected left phase is not slowed by the opposing flow it would yield to', () => {
    const plan: FixedTimePlan = { greenSeconds: [20, 30], amberSeconds: 3, allRedSeconds: 2, offsetSeconds: 0 };
    const run = (yields: boolean) => stopLineRates(leftAgainstOpposing({ leftVehPerHour: 1500, opposingVehPerHour: 1500, plan, protectedLeft: true, yields }), 5, 600, 2 * 3600).get('S-X')!;
    const withYield = run(true);
    expect(withYield).toBeGreaterThan(0.9 * 1800 * (20 / 60)); // effective green 20 s of 60 at 1,800 veh/h
    expect(Math.abs(withYield - run(false))).toBeLessThanOrEqual(1);
  });
});

/** Three one-lane approaches A, B, C into X, each with one movement to its own exit; `yields`: who yields to whom. */
function threeStreams(rates: [number, number, number], yields: Record<string, string[]>): Network {
  const names = ['a', 'b', 'c'];
  return {
    nodes: [{ id: 'X', kind: 'crossing', x: 0, y: 0 }, ...names.flatMap((n, i) => [
      { id: `${n}in`, kind: 'boundary' as const, x: 300 * Math.cos(i * 2), y: 300 * Math.sin(i * 2) },
      { id: `${n}out`, kind: 'boundary' as const, x: 300 * Math.cos(i * 2 + 1), y: 300 * Math.sin(i * 2 + 1) },
    ])],
    links: names.flatMap((n) => [
      { id: `${n}-X`, from: `${n}in`, to: 'X', lengthM: 300, lanes: 1, speedMps: 13.89, storageVehicles: 5000 },
      { id: `X-${n}`, from: 'X', to: `${n}out`, lengthM: 300, lanes: 1, speedMps: 13.89 },
    ]),
    crossings: [{
      id: 'X',
      approaches: names.map((n) => `${n}-X`),
      movements: names.map((n) => ({ id: n, fromLink: `${n}-X`, toLink: `X-${n}`, kind: 'through' as const, share: 1, ...(yields[n] ? { yieldsTo: yields[n] } : {}) })),
      phases: [{ id: 'all', movements: names }],
      control: { kind: 'fixed', plan: { greenSeconds: [3600], amberSeconds: 0, allRedSeconds: 0, offsetSeconds: 0 } },
    }],
    demand: names.map((n, i) => ({ link: `${n}-X`, intervalSeconds: 3600, vehPerHour: [rates[i]] })),
  };
}

/**
 * Two one-lane approaches into X: a's vehicles go straight (a1) or turn (a2, yielding to b's
 * through); b's through yields to a's straight (a1), which queues behind a's turning cars.
 */
function yieldingBehindOwnQueue(rate: number): Network {
  const link = (id: string, from: string, to: string) => ({ id, from, to, lengthM: 300, lanes: 1, speedMps: 13.89 });
  return {
    nodes: [{ id: 'X', kind: 'crossing', x: 0, y: 0 }, ...['ain', 'bin', 'aout', 'a2out', 'bout'].map((id, i) => ({ id, kind: 'boundary' as const, x: 300 * Math.cos(i), y: 300 * Math.sin(i) }))],
    links: [{ ...link('a-X', 'ain', 'X'), storageVehicles: 5000 }, { ...link('b-X', 'bin', 'X'), storageVehicles: 5000 }, link('X-a', 'X', 'aout'), link('X-a2', 'X', 'a2out'), link('X-b', 'X', 'bout')],
    crossings: [{
      id: 'X',
      approaches: ['a-X', 'b-X'],
      movements: [
        { id: 'a1', fromLink: 'a-X', toLink: 'X-a', kind: 'through', share: 0.5 },
        { id: 'a2', fromLink: 'a-X', toLink: 'X-a2', kind: 'right', share: 0.5, yieldsTo: ['b'] },
        { id: 'b', fromLink: 'b-X', toLink: 'X-b', kind: 'through', share: 1, yieldsTo: ['a1'] },
      ],
      phases: [{ id: 'all', movements: ['a1', 'a2', 'b'] }],
      control: { kind: 'fixed', plan: { greenSeconds: [3600], amberSeconds: 0, allRedSeconds: 0, offsetSeconds: 0 } },
    }],
    demand: [{ link: 'a-X', intervalSeconds: 3600, vehPerHour: [rate] }, { link: 'b-X', intervalSeconds: 3600, vehPerHour: [rate] }],
  };
}

describe('a foe that yields only to the vehicles queued behind the yielding one', () => {
  it('goes first, and its queue after it: the turning car waits for a gap in that stream (SUMO: it does not go alongside the foe and so release the cars the foe yields to)', () => {
    expect(() => validateNetwork(yieldingBehindOwnQueue(1200))).not.toThrow();
    const rates = stopLineRates(yieldingBehindOwnQueue(1200), 2, 600, 2 * 3600);
    // b flows nearly as if it had priority; a passes its turning cars only in b's gaps (before: the two took turns, about equal)
    expect(rates.get('b-X')!).toBeGreaterThan(1.5 * rates.get('a-X')!);
    expect(rates.get('b-X')!).toBeGreaterThan(1000);
  });
});

describe('a slow movement', () => {
  it('closes up slowly too: its car crosses no sooner than its following headway behind the one ahead', () => {
    // approach a alone, saturated: half its cars fast (the saturation headway, 2 s at 1,800 veh/h), half slow (3 s)
    const network = yieldingBehindOwnQueue(3000);
    network.demand = [{ link: 'a-X', intervalSeconds: 3600, vehPerHour: [3000] }];
    delete network.crossings[0].movements[1].yieldsTo;
    network.crossings[0].movements[1].minHeadwaySeconds = 3;
    // 3 s behind a slow car and in front of one, 2 s only between two fast ones: 0.25 × 2 + 0.75 × 3 = 2.75 s, 1,309 veh/h
    // (behind a slow car only: 2.5 s, 1,440 veh/h)
    const rate = stopLineRates(network, 2, 600, 2 * 3600).get('a-X')!;
    expect(rate).toBeGreaterThan(1250);
    expect(rate).toBeLessThan(1370);
  });
});

describe('yielding to a stream that yields itself', () => {
  it('a foe at the head of its queue that yields to a third stream still takes gaps from this one', () => {
    // a yields to b; b yields to c, which is empty, so b's vehicles cross at once: a takes gaps in b's 900 veh/h as it would
    // in a stream that does not yield (before, a vehicle of a ignored b's queue whenever b's head yielded: 39 % more)
    const chained = stopLineRates(threeStreams([1800, 900, 0], { a: ['b'], b: ['c'] }), 3, 600, 3 * 3600);
    const plain = stopLineRates(threeStreams([1800, 900, 0], { a: ['b'] }), 3, 600, 3 * 3600);
    expect(Math.abs(chained.get('a-X')! - plain.get('a-X')!) / plain.get('a-X')!).toBeLessThan(0.15);
    expect(plain.get('a-X')!).toBeLessThan(0.8 * permissiveSaturationFlow(0));
    expect(chained.get('b-X')!).toBeGreaterThan(0.9 * 900);
  });

  it('a cycle of yields (a to b, b to c, c to a, as at a right-before-left junction) does not lock: the crossing empties', () => {
    const network = threeStreams([700, 700, 700], { a: ['b'], b: ['c'], c: ['a'] });
    const sim = createSimulation(network, { seed: 5 });
    sim.advanceTo(1800);
    for (const d of network.demand) sim.setDemand(d.link, 0);
    sim.advanceTo(1800 + 3 * 3600);
    const c = sim.conservation();
    expect(c.generated).toBeGreaterThan(900);
    expect(c.inside + c.waitingToEnter).toBe(0);
  });
});

describe('lane groups', () => {
  it('a left turn waiting for a gap holds the through vehicles behind it in a shared lane; a left-turn bay keeps them moving', () => {
    const unopposed = throughDelay('shared', 'unopposed');
    const sharedPermissive = throughDelay('shared', 'permissive');
    const bayPermissive = throughDelay('left-bay', 'permissive', 100);
    expect(sharedPermissive).toBeGreaterThan(1.2 * unopposed);
    expect(bayPermissive).toBeLessThan(0.85 * sharedPermissive);
  });

  it('a full left-turn bay spills back: the left turner waiting beside it holds its through lane', () => {
    // one through lane: held outright
    const longBay = throughDelay('left-bay', 'permissive', 150, 600, 1);
    const shortBay = throughDelay('left-bay', 'permissive', 7, 600, 1);
    expect(shortBay).toBeGreaterThan(1.2 * longBay);
    // two through lanes: the other lane goes on, so the loss is smaller but still there
    const longBay2 = throughDelay('left-bay', 'permissive', 150, 800);
    const shortBay2 = throughDelay('left-bay', 'permissive', 7, 800);
    expect(shortBay2).toBeGreaterThan(longBay2);
    expect(shortBay2 / longBay2).toBeLessThan(shortBay / longBay);
  });

  it('opposing lefts waiting at full bays do not wait for ever for the through traffic the other holds: the crossing empties', () => {
    const network = generateGrid({ rows: 1, cols: 1, seed: 1, demandLevel: 1500, turnShares: { left: 0.4, through: 0.5, right: 0.1 }, laneLayout: 'left-bay', leftTurns: 'permissive', leftBayLengthM: 7 });
    const sim = createSimulation(network, { seed: 4 });
    sim.advanceTo(3600);
    for (const d of network.demand) sim.setDemand(d.link, 0);
    sim.advanceTo(4 * 3600);
    const c = sim.conservation();
    expect(c.generated).toBeGreaterThan(5000);
    expect(c.inside + c.waitingToEnter).toBe(0);
  });

  it('through vehicles use every lane that serves them: a saturated shared two-lane approach passes twice the one-lane flow', () => {
    const rate = (lanes: number) => {
      const network = generateGrid({ rows: 1, cols: 1, seed: 1, demandLevel: 0, lanes, turnShares: { left: 0, through: 1, right: 0 }, laneLayout: 'shared' });
      network.demand = [{ link: 'bN0-c0_0', intervalSeconds: 3600, vehPerHour: [4000] }];
      return stopLineRates(network, 2, 600, 3600).get('bN0-c0_0')!;
    };
    const one = rate(1);
    expect(one).toBeGreaterThan(600);
    expect(rate(2) / one).toBeGreaterThan(1.9);
  });

  it('keeps vehicles, determinism and forks on a permissive grid with shared lanes', () => {
    const network = generateGrid({ rows: 3, cols: 3, seed: 1, demandLevel: 800, laneLayout: 'shared', leftTurns: 'permissive' });
    const run = () => {
      const sim = createSimulation(network, { seed: 9 });
      sim.advanceTo(1800);
      return sim;
    };
    const a = run();
    const b = run();
    expect(b.totals()).toEqual(a.totals());
    const fork = a.fork();
    a.advanceTo(2400);
    fork.advanceTo(2400);
    expect(fork.totals()).toEqual(a.totals());
    for (const d of network.demand) a.setDemand(d.link, 0);
    a.advanceTo(9000);
    const c = a.conservation();
    expect(c.holds).toBe(true);
    expect(c.inside).toBe(0);
    expect(c.exited).toBe(c.generated);
  });

  it('rejects lane groups that do not add up to the link or leave a turn unserved, unknown movements to yield to and clearing or headway times out of range', () => {
    const network = generateGrid({ rows: 1, cols: 1, seed: 1, demandLevel: 100, laneLayout: 'left-lane', leftTurns: 'permissive' });
    expect(() => validateNetwork(network)).not.toThrow();
    const broken = structuredClone(network);
    broken.links.find((l) => l.id === 'bN0-c0_0')!.laneGroups = [{ lanes: 1, turns: ['through', 'right'] }];
    expect(() => validateNetwork(broken)).toThrow(/full-length lane groups have 1 lanes, the link 2.*no lane group of bN0-c0_0 serves left/);
    const unknown = structuredClone(network);
    unknown.crossings[0].movements.find((m) => m.kind === 'left')!.yieldsTo = ['nowhere'];
    expect(() => validateNetwork(unknown)).toThrow(/yields to unknown movement nowhere/);
    const times = structuredClone(network);
    Object.assign(times.crossings[0].movements[0], { clearingSeconds: -1, minHeadwaySeconds: 90 });
    expect(() => validateNetwork(times)).toThrow(/clearing times must be 0 to 60 s.*minimum headway must be 0 to 60 s/);
  });
});
