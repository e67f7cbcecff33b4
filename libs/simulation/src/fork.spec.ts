import { createSimulation } from './engine';
import { generateGrid } from './grid';

describe('simulation fork', () => {
  const network = () => generateGrid({ rows: 3, cols: 3, demandLevel: 800, seed: 2, demandSpread: 0.3 });

  it('continues exactly like the original when given the same inputs', () => {
    const sim = createSimulation(network(), { seed: 5, recordTrips: true });
    sim.advanceTo(1800);
    sim.takeCompletedTrips();
    sim.takeIntervalReport();
    const copy = sim.fork();
    sim.advanceTo(3600);
    copy.advanceTo(3600);
    expect(copy.totals()).toEqual(sim.totals());
    expect(copy.takeCompletedTrips()).toEqual(sim.takeCompletedTrips());
    expect(copy.takeIntervalReport()).toEqual(sim.takeIntervalReport());
  });

  it('keeps the original untouched when the fork gets another plan', () => {
    const reference = createSimulation(network(), { seed: 5 });
    const sim = createSimulation(network(), { seed: 5 });
    reference.advanceTo(1800);
    sim.advanceTo(1800);
    const copy = sim.fork();
    // A starved east-west phase everywhere in the fork only.
    for (const c of ['c0_0', 'c0_1', 'c1_1', 'c2_2']) copy.setPlan(c, { greenSeconds: [50, 7], amberSeconds: 3, allRedSeconds: 2, offsetSeconds: 0 });
    sim.advanceTo(3600);
    copy.advanceTo(3600);
    reference.advanceTo(3600);
    expect(sim.totals()).toEqual(reference.totals());
    expect(copy.totals().totalDelaySeconds).not.toBeCloseTo(sim.totals().totalDelaySeconds, 0);
    expect(copy.signalState('c0_0').plan?.greenSeconds).toEqual([50, 7]);
    expect(sim.signalState('c0_0').plan?.greenSeconds).toEqual([25, 25]);
  });

  it('leaves recorded trips and departures with the original, and runs an actuated crossing on its own detectors', () => {
    const net = network();
    net.crossings[0].control = { kind: 'actuated', settings: { minGreenSeconds: 7, maxGreenSeconds: 45, gapSeconds: 3, amberSeconds: 3, allRedSeconds: 1, detectorLeadSeconds: 3 } };
    const sim = createSimulation(net, { seed: 9, recordTrips: true, recordVehicles: true });
    sim.advanceTo(900);
    const copy = sim.fork();
    expect(copy.takeDepartures()).toEqual([]);
    expect(copy.takeCompletedTrips()).toEqual([]);
    expect(sim.takeDepartures().length).toBeGreaterThan(100);
    sim.advanceTo(1800);
    copy.advanceTo(1800);
    expect(copy.totals()).toEqual(sim.totals());
    expect(copy.signalState('c0_0')).toEqual(sim.signalState('c0_0'));
  });
});
