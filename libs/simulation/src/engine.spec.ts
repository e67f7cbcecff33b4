import { createSimulation } from './engine';
import { generateGrid, generateIsolatedCrossing } from './grid';
import { FixedTimePlan, Network } from './network';
import { websterDelay } from './theory';

const PLAN_30_10: FixedTimePlan = { greenSeconds: [30, 10], amberSeconds: 3, allRedSeconds: 2, offsetSeconds: 0 }; // cycle 50

describe('simulation engine', () => {
  it('conserves vehicles: entered = exited + inside at every report, and all leave once demand stops', () => {
    const network = generateGrid({ rows: 4, cols: 4, demandLevel: 900, seed: 3, demandSpread: 0.3 });
    network.links.find((l) => l.id === 'bN0-c0_0')!.storageVehicles = 3; // a tight entry: some vehicles wait outside
    const sim = createSimulation(network, { seed: 11 });
    let sawWaiting = false;
    for (let t = 60; t <= 1800; t += 60) {
      sim.advanceTo(t);
      const c = sim.conservation();
      expect(c.entered).toBe(c.exited + c.inside);
      expect(c.generated).toBe(c.entered + c.waitingToEnter);
      expect(c.holds).toBe(true);
      sawWaiting ||= c.waitingToEnter > 0;
    }
    expect(sawWaiting).toBe(true);
    expect(sim.conservation().inside).toBeGreaterThan(100);
    for (const d of network.demand) sim.setDemand(d.link, 0);
    sim.advanceTo(5400);
    const end = sim.conservation();
    expect(end.inside).toBe(0);
    expect(end.waitingToEnter).toBe(0);
    expect(end.exited).toBe(end.generated);
    expect(sim.totals().exited).toBe(end.generated);
  });

  it('is deterministic for a seed, and a different seed gives different vehicles', () => {
    const run = (seed: number) => {
      const sim = createSimulation(generateGrid({ rows: 3, cols: 3, demandLevel: 700, seed: 1 }), { seed, recordTrips: true });
      sim.advanceTo(1200);
      return { totals: sim.totals(), trips: sim.takeCompletedTrips(), report: sim.takeIntervalReport() };
    };
    const a = run(42);
    const b = run(42);
    expect(b).toEqual(a);
    expect(a.trips.length).toBeGreaterThan(500);
    const c = run(43);
    expect(c.totals.generated).not.toBe(a.totals.generated);
  });

  it('discharges a standing queue at the saturation flow, from green + startup lost time to the end of the used amber', () => {
    for (const saturation of [1800, 1200, 1600]) {
      const network = generateIsolatedCrossing({ demandVehPerHour: [3000, 0], plan: PLAN_30_10, approachStorageVehicles: 2000 });
      const sim = createSimulation(network, { seed: 5, recordTrips: true, saturationFlowVehPerHourPerLane: saturation, startupLostSeconds: 2, amberUsedSeconds: 2 });
      sim.advanceTo(1000);
      const exitFreeFlow = 300 / 13.89;
      const stopLine = sim.takeCompletedTrips().map((t) => t.exitSeconds - exitFreeFlow).sort((x, y) => x - y);
      const headway = 3600 / saturation;
      // after the first few cycles the queue never clears: every green is saturated
      const greens = groupBy(stopLine.filter((t) => t >= 200), 5);
      expect(greens.length).toBeGreaterThan(10);
      for (const g of greens.slice(0, -1)) {
        // displayed green starts at 0 in each 50 s cycle, discharge 2 s later (plus green
        // borrowed by the last vehicle of the previous window, always under one headway)
        expect(g[0] % 50).toBeGreaterThanOrEqual(2 - 1e-9);
        expect(g[0] % 50).toBeLessThan(2 + headway);
        expect(Math.abs(g.length - 30 / headway)).toBeLessThan(1); // effective green 30 − 2 + 2 = 30 s
        for (let i = 1; i < g.length; i++) expect(g[i] - g[i - 1]).toBeCloseTo(headway, 6);
      }
      // and exactly saturation × effective green per window on average
      const saturated = greens.slice(0, -1);
      expect(saturated.reduce((n, g) => n + g.length, 0) / saturated.length).toBeCloseTo(30 / headway, 1);
    }
  });

  it('spill-back: a full downstream link stops the upstream stop line from discharging', () => {
    const run = (storage: number) => {
      const sim = createSimulation(twoCrossingsInSeries(storage), { seed: 2 });
      let maxOnLink = 0;
      for (let t = 10; t <= 900; t += 10) {
        sim.advanceTo(t);
        maxOnLink = Math.max(maxOnLink, sim.linkState('A-B').vehicles);
      }
      const report = sim.takeIntervalReport();
      const count = (link: string) => report.approaches.find((a) => a.approachLinkId === link)!.detectorCount;
      return { maxOnLink, throughA: count('W-A'), throughB: count('A-B'), queueA: sim.linkState('W-A').queued };
    };
    const blocked = run(6);
    expect(blocked.maxOnLink).toBe(6);
    expect(blocked.throughA).toBeLessThanOrEqual(blocked.throughB + 6); // A passes only what B lets out
    expect(blocked.queueA).toBeGreaterThan(50);
    const free = run(200);
    expect(free.throughA).toBeGreaterThan(blocked.throughA * 2); // the same stop line, with room downstream
    expect(free.queueA).toBeLessThan(10);
  });

  it('a new plan takes effect at the crossing\'s next cycle boundary, not before', () => {
    const sim = createSimulation(generateIsolatedCrossing({ demandVehPerHour: [300, 300], plan: PLAN_30_10 }), { seed: 1 });
    sim.advanceTo(10);
    sim.setPlan('X', { greenSeconds: [10, 30], amberSeconds: 3, allRedSeconds: 2, offsetSeconds: 0 });
    sim.advanceTo(20);
    expect(sim.signalState('X')).toMatchObject({ phaseIndex: 0, stage: 'green', pending: true }); // old plan: phase 0 green 0-30
    sim.advanceTo(40);
    expect(sim.signalState('X')).toMatchObject({ phaseIndex: 1, stage: 'green', cycleStartSeconds: 0 }); // old: phase 1 green 35-45
    sim.advanceTo(62);
    // new plan from 50: phase 0 green 50-60, amber 60-63, phase 1 green 65-95
    expect(sim.signalState('X')).toMatchObject({ phaseIndex: 0, stage: 'amber', cycleStartSeconds: 50, pending: false });
    sim.advanceTo(80);
    expect(sim.signalState('X')).toMatchObject({ phaseIndex: 1, stage: 'green' });
    expect(sim.signalState('X').plan!.greenSeconds).toEqual([10, 30]);
  });

  it('a replacement plan with another offset holds its first phase once to line up with the offset', () => {
    const sim = createSimulation(generateIsolatedCrossing({ demandVehPerHour: [300, 300], plan: PLAN_30_10 }), { seed: 1 });
    sim.setPlan('X', { ...PLAN_30_10, offsetSeconds: 20 });
    sim.advanceTo(100);
    // boundary at 50, next aligned start at 70: phase 0 green 50-100, then cycles 120, 170, ...
    sim.advanceTo(130);
    expect(sim.signalState('X')).toMatchObject({ cycleStartSeconds: 120, phaseIndex: 0, stage: 'green' });
    sim.advanceTo(171);
    expect(sim.signalState('X').cycleStartSeconds).toBe(170);
  });

  it('actuated control: gaps out on light traffic, runs to max green on heavy traffic, skips phases without demand', () => {
    const settings = { minGreenSeconds: 5, maxGreenSeconds: 40, gapSeconds: 3, amberSeconds: 3, allRedSeconds: 2, detectorLeadSeconds: 3 };
    const greens = (demand: [number, number]) => {
      const network = generateIsolatedCrossing({ demandVehPerHour: demand, plan: PLAN_30_10, approachStorageVehicles: 1000 });
      network.crossings[0].control = { kind: 'actuated', settings };
      const sim = createSimulation(network, { seed: 9 });
      const durations: number[][] = [[], []];
      let current = -1;
      let since = 0;
      for (let t = 1; t <= 3600; t++) {
        sim.advanceTo(t);
        const s = sim.signalState('X');
        const green = s.stage === 'green' ? s.phaseIndex : -1;
        if (green !== current) {
          if (current >= 0 && since > 0) durations[current].push(t - since);
          current = green;
          since = t;
        }
      }
      return durations;
    };
    const light = greens([150, 150]);
    expect(light[0].length).toBeGreaterThan(20);
    // with a rival waiting, a light approach gaps out: many greens end at the 5 s minimum
    // (longer ones rested in green while the rival approach was empty)
    expect(light[0].filter((d) => d === 5).length).toBeGreaterThan(light[0].length / 4);
    expect(median(light[0])).toBeLessThan(20);
    const heavy = greens([1500, 300]);
    expect(mean(light[0])).toBeLessThan(mean(heavy[0]) / 1.5);
    expect(heavy[0].filter((d) => d >= 40).length).toBeGreaterThan(heavy[0].length / 2); // held to max green
    const oneSided = greens([300, 0]);
    expect(oneSided[1]).toEqual([]); // the east-west phase is never shown
    expect(oneSided[0]).toEqual([]); // north-south rests in green the whole hour
    expect(light[1].length).toBeGreaterThan(20);
  });

  it('delay is about zero when every movement always has green', () => {
    const network = generateIsolatedCrossing({ demandVehPerHour: [300, 300], plan: { greenSeconds: [1000], amberSeconds: 0, allRedSeconds: 0, offsetSeconds: 0 } });
    network.crossings[0].phases = [{ id: 'all', movements: ['N-S', 'W-E'] }];
    const sim = createSimulation(network, { seed: 4, startupLostSeconds: 0 });
    sim.advanceTo(3600);
    const totals = sim.totals();
    expect(totals.exited).toBeGreaterThan(500);
    expect(totals.meanDelaySeconds).toBeLessThan(0.3); // only the 2 s saturation headway when two arrive together
    expect(totals.meanTravelSeconds).toBeCloseTo(600 / 13.89, 0);
  });

  it('matches Webster\'s delay at an isolated crossing at x = 0.5 within 15 %', () => {
    // effective green 25 − 2 + 2 = 25 of a 60 s cycle; capacity 1800 × 25/60 = 750 veh/h
    const plan: FixedTimePlan = { greenSeconds: [25, 25], amberSeconds: 3, allRedSeconds: 2, offsetSeconds: 0 };
    const q = 375;
    const sim = createSimulation(generateIsolatedCrossing({ demandVehPerHour: [q, q], plan, approachStorageVehicles: 500 }), { seed: 8 });
    sim.advanceTo(8 * 3600);
    const measured = sim.totals().meanDelaySeconds;
    const expected = websterDelay(60, 25 / 60, q, 0.5);
    expect(Math.abs(measured - expected) / expected).toBeLessThan(0.15);
  });

  it('reports per approach: counts, queues, delay and stops, reset by each take', () => {
    const sim = createSimulation(generateIsolatedCrossing({ demandVehPerHour: [600, 200], plan: PLAN_30_10 }), { seed: 6 });
    sim.advanceTo(900);
    const first = sim.takeIntervalReport();
    expect(first).toMatchObject({ fromSeconds: 0, toSeconds: 900 });
    const north = first.approaches.find((a) => a.approachLinkId === 'N-X')!;
    const west = first.approaches.find((a) => a.approachLinkId === 'W-X')!;
    expect(north.detectorCount).toBeGreaterThan(100);
    expect(north.detectorCount).toBeGreaterThan(2 * west.detectorCount);
    expect(west.meanDelaySeconds).toBeGreaterThan(north.meanDelaySeconds); // 10 s of green in 50 against 30
    expect(north.maxQueue).toBeGreaterThanOrEqual(north.meanQueue);
    expect(north.stops).toBeGreaterThan(0);
    expect(north.stops).toBeLessThanOrEqual(north.detectorCount);
    sim.advanceTo(1800);
    const second = sim.takeIntervalReport();
    expect(second.fromSeconds).toBe(900);
    expect(second.approaches.reduce((s, a) => s + a.detectorCount, 0)).toBeLessThan(north.detectorCount + west.detectorCount + 100);
  });

  it('rejects a plan that does not fit the crossing', () => {
    const sim = createSimulation(generateIsolatedCrossing({ demandVehPerHour: [300, 300], plan: PLAN_30_10 }), { seed: 1 });
    expect(() => sim.setPlan('X', { ...PLAN_30_10, greenSeconds: [30] })).toThrow(/1 greens for 2 phases/);
    expect(() => sim.setPlan('nowhere', PLAN_30_10)).toThrow(/unknown crossing/);
  });
  describe('scheduled vehicles', () => {
    const ALWAYS: FixedTimePlan = { greenSeconds: [3600], amberSeconds: 0, allRedSeconds: 0, offsetSeconds: 0 };
    const crossing = (approachLoss?: number): Network => {
      const n = generateIsolatedCrossing({ demandVehPerHour: [0, 0], plan: ALWAYS });
      n.crossings[0].phases = [{ id: 'all', movements: ['N-S', 'W-E'] }];
      n.crossings[0].control = { kind: 'fixed', plan: { ...ALWAYS, greenSeconds: [3600] } };
      if (approachLoss !== undefined) n.crossings[0].movements[0].approachLossSeconds = approachLoss;
      return n;
    };

    it('run the given routes at the given times, from any link, ids kept on their trips', () => {
      const sim = createSimulation(crossing(), {
        seed: 1, recordTrips: true, startupLostSeconds: 0,
        vehicles: [{ id: 'b', departSeconds: 20, route: ['N-X', 'X-S'] }, { id: 'a', departSeconds: 10, route: ['X-E'] }],
      });
      sim.advanceTo(200);
      const trips = sim.takeCompletedTrips();
      expect(trips.map((t) => t.scheduledId)).toEqual(['a', 'b']);
      expect(trips[0].departSeconds).toBe(10);
      expect(trips[0].travelSeconds).toBeCloseTo(300 / 13.89, 6);
      expect(trips[1].delaySeconds).toBeCloseTo(0, 6);
      expect(sim.conservation().holds).toBe(true);
    });

    it('a movement\'s approach loss is added to its vehicles\' delay without a stop', () => {
      const sim = createSimulation(crossing(3), { seed: 1, recordTrips: true, startupLostSeconds: 0, vehicles: [{ id: 'v', departSeconds: 5, route: ['N-X', 'X-S'] }] });
      sim.advanceTo(200);
      const [trip] = sim.takeCompletedTrips();
      expect(trip.delaySeconds).toBeCloseTo(3, 6);
      expect(trip.stops).toBe(0);
    });

    it('are copied by fork(): both runs go on identically', () => {
      const vehicles = Array.from({ length: 40 }, (_, k) => ({ id: `v${k}`, departSeconds: 3 * k, route: k % 2 ? ['N-X', 'X-S'] : ['W-X', 'X-E'] }));
      const sim = createSimulation(generateIsolatedCrossing({ demandVehPerHour: [0, 0], plan: PLAN_30_10 }), { seed: 1, recordTrips: true, vehicles });
      sim.advanceTo(50);
      const fork = sim.fork();
      sim.advanceTo(600);
      fork.advanceTo(600);
      const ids = (trips: { scheduledId?: string; exitSeconds: number }[]) => trips.map((t) => `${t.scheduledId}@${t.exitSeconds.toFixed(6)}`);
      const a = sim.takeCompletedTrips();
      expect(a.length).toBeGreaterThan(30);
      expect(ids(fork.takeCompletedTrips())).toEqual(ids(a.filter((t) => t.exitSeconds >= 50)));
    });

    it('refuse routes that do not follow movements', () => {
      expect(() => createSimulation(crossing(), { seed: 1, vehicles: [{ id: 'x', departSeconds: 0, route: ['N-X', 'X-E'] }, { id: 'y', departSeconds: 0, route: ['nowhere'] }] }))
        .toThrow('invalid vehicles: vehicle x: no movement from N-X to X-E; vehicle y: unknown link nowhere');
    });
  });
});

/** W → A → B → E, plus a cross street N → B → S that takes most of B's cycle. */
function twoCrossingsInSeries(storageAB: number): Network {
  const link = (from: string, to: string, lengthM: number, storageVehicles?: number) => ({ id: `${from}-${to}`, from, to, lengthM, lanes: 1, speedMps: 13.89, ...(storageVehicles ? { storageVehicles } : {}) });
  return {
    nodes: [
      { id: 'W', kind: 'boundary', x: -200, y: 0 }, { id: 'A', kind: 'crossing', x: 0, y: 0 }, { id: 'B', kind: 'crossing', x: 100, y: 0 },
      { id: 'E', kind: 'boundary', x: 300, y: 0 }, { id: 'N', kind: 'boundary', x: 100, y: 200 }, { id: 'S', kind: 'boundary', x: 100, y: -200 },
    ],
    links: [link('W', 'A', 200, 1000), link('A', 'B', 100, storageAB), link('B', 'E', 200), link('N', 'B', 200), link('B', 'S', 200)],
    crossings: [
      {
        id: 'A', approaches: ['W-A'], movements: [{ id: 'WA-AB', fromLink: 'W-A', toLink: 'A-B', kind: 'through', share: 1 }],
        phases: [{ id: 'all', movements: ['WA-AB'] }], control: { kind: 'fixed', plan: { greenSeconds: [100], amberSeconds: 0, allRedSeconds: 0, offsetSeconds: 0 } },
      },
      {
        id: 'B', approaches: ['A-B', 'N-B'],
        movements: [{ id: 'AB-BE', fromLink: 'A-B', toLink: 'B-E', kind: 'through', share: 1 }, { id: 'NB-BS', fromLink: 'N-B', toLink: 'B-S', kind: 'through', share: 1 }],
        phases: [{ id: 'ew', movements: ['AB-BE'] }, { id: 'ns', movements: ['NB-BS'] }],
        control: { kind: 'fixed', plan: { greenSeconds: [6, 54], amberSeconds: 3, allRedSeconds: 2, offsetSeconds: 0 } },
      },
    ],
    demand: [{ link: 'W-A', intervalSeconds: 3600, vehPerHour: [900] }, { link: 'N-B', intervalSeconds: 3600, vehPerHour: [200] }],
  };
}

function groupBy(sorted: number[], gap: number): number[][] {
  const groups: number[][] = [];
  for (const t of sorted) {
    const last = groups[groups.length - 1];
    if (last && t - last[last.length - 1] < gap) last.push(t);
    else groups.push([t]);
  }
  return groups;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}
