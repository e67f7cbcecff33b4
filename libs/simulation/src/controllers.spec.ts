import { createSimulation } from './engine';
import { generateGrid, generateIsolatedCrossing } from './grid';
import { CoordinatedActuatedSettings, FixedTimePlan, MaxPressureSettings, Network } from './network';

const PLAN_30_10: FixedTimePlan = { greenSeconds: [30, 10], amberSeconds: 3, allRedSeconds: 2, offsetSeconds: 0 };

/** Cycle 60 s from 10 + 60k: north-south (coordinated) owns 0-35 of it, east-west 35-60 (force-off at 55). */
const COORDINATED: CoordinatedActuatedSettings = {
  cycleSeconds: 60,
  offsetSeconds: 10,
  coordinatedPhase: 0,
  splitSeconds: [35, 25],
  minGreenSeconds: 5,
  gapSeconds: 3,
  amberSeconds: 3,
  allRedSeconds: 2,
  detectorLeadSeconds: 3,
};

const MAX_PRESSURE: MaxPressureSettings = { decisionSeconds: 5, minGreenSeconds: 5, amberSeconds: 3, allRedSeconds: 2, detectorLeadSeconds: 3 };

interface Green { phase: number; from: number; to: number }

/** Every green of the hour, second by second. */
function greensOf(network: Network, seconds = 3600, seed = 9): Green[] {
  const sim = createSimulation(network, { seed });
  const greens: Green[] = [];
  let current: Green | null = null;
  for (let t = 0; t <= seconds; t++) {
    sim.advanceTo(t);
    const s = sim.signalState('X');
    const phase = s.stage === 'green' ? s.phaseIndex : -1;
    if (current && current.phase !== phase) {
      current.to = t;
      greens.push(current);
      current = null;
    }
    if (!current && phase >= 0) current = { phase, from: t, to: Infinity };
  }
  if (current) greens.push(current);
  return greens;
}

function crossing(demand: [number, number], control: Network['crossings'][0]['control']): Network {
  const network = generateIsolatedCrossing({ demandVehPerHour: demand, plan: PLAN_30_10, approachStorageVehicles: 1000 });
  network.crossings[0].control = control;
  return network;
}

const cyclePosition = (t: number) => (((t - COORDINATED.offsetSeconds) % 60) + 60) % 60;

describe('coordinated-actuated control', () => {
  it('skips the side phase when nobody calls it: the coordinated phase rests in green all hour', () => {
    const greens = greensOf(crossing([300, 0], { kind: 'coordinated-actuated', settings: COORDINATED }));
    expect(greens).toHaveLength(1);
    expect(greens[0].phase).toBe(0);
  });

  it('forces a saturated side phase off where its split ends, every cycle', () => {
    const greens = greensOf(crossing([200, 1500], { kind: 'coordinated-actuated', settings: COORDINATED }));
    const side = greens.filter((g) => g.phase === 1 && g.to !== Infinity);
    expect(side.length).toBeGreaterThan(50);
    // force-off at 55 s into the cycle (split ends at 60, minus 5 s clearance)
    for (const g of side) expect(cyclePosition(g.to)).toBe(55);
    // it started right after the coordinated phase's yield point (30 s) and its clearance
    expect(side.filter((g) => cyclePosition(g.from) === 35).length).toBeGreaterThan(side.length * 0.9);
  });

  it('gaps out a light side phase early and returns the time to the coordinated phase (early return)', () => {
    const greens = greensOf(crossing([300, 150], { kind: 'coordinated-actuated', settings: COORDINATED }));
    const side = greens.filter((g) => g.phase === 1 && g.to !== Infinity);
    expect(side.length).toBeGreaterThan(20);
    const durations = side.map((g) => g.to - g.from);
    // gap-out: most side greens end well before the 20 s they could have had
    expect(durations.filter((d) => d < 12).length).toBeGreaterThan(side.length * 0.7);
    const early = greens.filter((g) => g.phase === 0 && g.from > 0 && cyclePosition(g.from) !== 0);
    expect(early.length).toBeGreaterThan(side.length * 0.7);
  });

  it('maxes out at the phase maximum green before the force-off when one is set', () => {
    const settings = { ...COORDINATED, maxGreenSeconds: [0, 12] };
    const side = greensOf(crossing([200, 1500], { kind: 'coordinated-actuated', settings })).filter((g) => g.phase === 1 && g.to !== Infinity);
    expect(side.length).toBeGreaterThan(50);
    for (const g of side) expect(g.to - g.from).toBe(12);
  });

  it('the coordinated phase is green at the reference point of every cycle, whatever the side demand', () => {
    for (const demand of [[200, 1500], [300, 150], [900, 600]] as Array<[number, number]>) {
      const sim = createSimulation(crossing(demand, { kind: 'coordinated-actuated', settings: COORDINATED }), { seed: 3 });
      let checked = 0;
      for (let k = 1; k < 60; k++) {
        sim.advanceTo(COORDINATED.offsetSeconds + 60 * k);
        const s = sim.signalState('X');
        expect(s).toMatchObject({ phaseIndex: 0, stage: 'green' });
        checked++;
      }
      expect(checked).toBe(59);
    }
  });

  it('takes over from a fixed plan at its cycle boundary, and refuses splits that do not sum to the cycle', () => {
    const sim = createSimulation(crossing([300, 300], { kind: 'fixed', plan: PLAN_30_10 }), { seed: 1 });
    sim.advanceTo(20);
    sim.setControl('X', { kind: 'coordinated-actuated', settings: COORDINATED });
    sim.advanceTo(49);
    expect(sim.signalState('X').control).toBe('fixed');
    sim.advanceTo(51);
    expect(sim.signalState('X').control).toBe('coordinated-actuated');
    expect(() => sim.setControl('X', { kind: 'coordinated-actuated', settings: { ...COORDINATED, splitSeconds: [35, 20] } })).toThrow(/sum to 55/);
  });
});

describe('max-pressure control', () => {
  it('serves the longest queue first and rests on the only phase with demand', () => {
    // Two standing queues built under red (a long all-phase hold), then max-pressure starts.
    const network = crossing([1200, 400], { kind: 'fixed', plan: { greenSeconds: [1, 1], amberSeconds: 0, allRedSeconds: 300, offsetSeconds: 0 } });
    const sim = createSimulation(network, { seed: 5 });
    sim.setControl('X', { kind: 'max-pressure', settings: MAX_PRESSURE });
    sim.advanceTo(300);
    const north = sim.linkState('N-X').queued;
    const west = sim.linkState('W-X').queued;
    expect(north).toBeGreaterThan(west * 2);
    sim.advanceTo(605);
    expect(sim.signalState('X')).toMatchObject({ control: 'max-pressure', phaseIndex: 0, stage: 'green' });
    const oneSided = greensOf(crossing([300, 0], { kind: 'max-pressure', settings: MAX_PRESSURE }));
    expect(oneSided.every((g) => g.phase === 0)).toBe(true);
  });

  it('switches phases as the pressures change, so both approaches are served', () => {
    const greens = greensOf(crossing([600, 500], { kind: 'max-pressure', settings: MAX_PRESSURE }));
    expect(greens.filter((g) => g.phase === 0).length).toBeGreaterThan(20);
    expect(greens.filter((g) => g.phase === 1).length).toBeGreaterThan(20);
    for (const g of greens) if (g.to !== Infinity && g.from > 0) expect(g.to - g.from).toBeGreaterThanOrEqual(MAX_PRESSURE.minGreenSeconds);
  });
});

describe('conservation under the new controllers', () => {
  it('entered = exited + inside throughout, and the grid empties once demand stops', () => {
    for (const control of ['coordinated-actuated', 'max-pressure'] as const) {
      const network = generateGrid({ rows: 3, cols: 3, demandLevel: 800, seed: 4, demandSpread: 0.3 });
      for (const c of network.crossings) {
        c.control = control === 'max-pressure'
          ? { kind: 'max-pressure', settings: MAX_PRESSURE }
          : { kind: 'coordinated-actuated', settings: { ...COORDINATED, offsetSeconds: (Number(c.id.slice(1, 2)) * 15) % 60 } };
      }
      const sim = createSimulation(network, { seed: 8 });
      for (let t = 60; t <= 1800; t += 60) {
        sim.advanceTo(t);
        const c = sim.conservation();
        expect(c.holds).toBe(true);
      }
      expect(sim.totals().exited).toBeGreaterThan(1000);
      for (const d of network.demand) sim.setDemand(d.link, 0);
      sim.advanceTo(5400);
      expect(sim.conservation().inside).toBe(0);
      expect(sim.totals().exited).toBe(sim.conservation().generated);
    }
  });
});

describe('lane closure (setSaturationFactor)', () => {
  it('a halved saturation flow passes half as many vehicles from a standing queue, and 1 restores it', () => {
    const served = (factor: number) => {
      const network = crossing([3000, 0], { kind: 'fixed', plan: { greenSeconds: [1000, 1], amberSeconds: 0, allRedSeconds: 0, offsetSeconds: 0 } });
      const sim = createSimulation(network, { seed: 1 });
      sim.setSaturationFactor('N-X', factor);
      sim.advanceTo(600);
      return sim.takeIntervalReport().approaches.find((a) => a.approachLinkId === 'N-X')!.detectorCount;
    };
    const full = served(1);
    const half = served(0.5);
    expect(full).toBeGreaterThan(250);
    expect(Math.abs(half - full / 2)).toBeLessThanOrEqual(2);
    expect(() => createSimulation(crossing([100, 100], { kind: 'fixed', plan: PLAN_30_10 }), { seed: 1 }).setSaturationFactor('N-X', 0)).toThrow(/positive/);
  });
});
