import { createSimulation } from '../engine';
import { generateGrid } from '../grid';
import { FixedTimePlan, validateNetwork } from '../network';
import { Cycle, signalCycles, sumoSafeNetwork, timelineTlLogic } from './timeline';

/** Phase and stage at time t according to a list of cycles. */
function stageAt(cycles: Cycle[], t: number): { phase: number; stage: string } {
  const cycle = [...cycles].reverse().find((c) => c.start <= t)!;
  let pos = cycle.start;
  for (let p = 0; p < cycle.plan.greenSeconds.length; p++) {
    for (const [stage, duration] of [
      ['green', cycle.plan.greenSeconds[p] + (p === 0 ? cycle.dwell : 0)],
      ['amber', cycle.plan.amberSeconds],
      ['allRed', cycle.plan.allRedSeconds],
    ] as const) {
      if (t < pos + duration) return { phase: p, stage };
      pos += duration;
    }
  }
  throw new Error(`time ${t} is past the cycle starting at ${cycle.start}`);
}

describe('SUMO timeline of changing plans', () => {
  const initial: FixedTimePlan = { greenSeconds: [20, 20], amberSeconds: 3, allRedSeconds: 1, offsetSeconds: 0 };
  const requests = [
    { atSeconds: 300, plan: { greenSeconds: [40, 12], amberSeconds: 3, allRedSeconds: 1, offsetSeconds: 0 } },
    { atSeconds: 900, plan: { greenSeconds: [30, 30], amberSeconds: 3, allRedSeconds: 1, offsetSeconds: 17 } }, // needs a dwell
    { atSeconds: 1500, plan: { greenSeconds: [9, 9], amberSeconds: 3, allRedSeconds: 1, offsetSeconds: 5 } },
  ];

  it('rebuilds, second by second, the signals the engine ran (plan changes at cycle boundaries, dwell to a new offset)', () => {
    const network = generateGrid({ rows: 1, cols: 1, demandLevel: 300, seed: 1 });
    network.crossings[0].control = { kind: 'fixed', plan: initial };
    const sim = createSimulation(network, { seed: 1 });
    const cycles = signalCycles(initial, requests, 2400);
    expect(cycles.some((c) => c.dwell > 0)).toBe(true);
    let next = 0;
    for (let t = 0; t < 2400; t++) {
      while (next < requests.length && requests[next].atSeconds === t) sim.setPlan('c0_0', requests[next++].plan);
      const engine = sim.signalState('c0_0');
      expect({ t, ...stageAt(cycles, t) }).toEqual({ t, phase: engine.phaseIndex, stage: engine.stage });
      sim.advanceTo(t + 1);
    }
  });

  it('writes one static program from time 0 whose phases add up to the timeline', () => {
    const network = generateGrid({ rows: 1, cols: 1, demandLevel: 300, seed: 1 });
    const cycles = signalCycles(initial, requests, 2400);
    const xml = timelineTlLogic(network, 'c0_0', cycles, 'day');
    expect(xml).toContain('<tlLogic id="c0_0" type="static" programID="day" offset="0">');
    const phases = [...xml.matchAll(/duration="([\d.]+)" state="([GyRr]+)"/g)].map((m) => ({ duration: Number(m[1]), state: m[2] }));
    const last = cycles[cycles.length - 1];
    const end = last.start + last.dwell + last.plan.greenSeconds.reduce((s, g) => s + g + last.plan.amberSeconds + last.plan.allRedSeconds, 0);
    expect(phases.reduce((s, p) => s + p.duration, 0)).toBeCloseTo(end, 6);
    // the first phase is north-south green: its movements 'G', the others red
    expect(phases[0].state).toMatch(/^[Gr]+$/);
    expect(phases[0].state).toContain('G');
    expect(phases.some((p) => /y/.test(p.state))).toBe(true);
  });

  it('renames ids SUMO rejects, keeping them unique and the network valid', () => {
    const network = generateGrid({ rows: 1, cols: 2, demandLevel: 300, seed: 1 });
    network.links[0].id = 'a>b';
    network.links[1].id = 'a_b';
    for (const c of network.crossings) {
      c.approaches = c.approaches.map((l) => (l === 'c0_0-c0_1' ? 'a>b' : l === 'c0_1-c0_0' ? 'a_b' : l));
      c.movements = c.movements.map((m) => ({ ...m, fromLink: m.fromLink === 'c0_0-c0_1' ? 'a>b' : m.fromLink === 'c0_1-c0_0' ? 'a_b' : m.fromLink, toLink: m.toLink === 'c0_0-c0_1' ? 'a>b' : m.toLink === 'c0_1-c0_0' ? 'a_b' : m.toLink }));
    }
    validateNetwork(network);
    const { network: safe, id } = sumoSafeNetwork(network);
    expect(safe.links.every((l) => /^[A-Za-z0-9_.:-]+$/.test(l.id))).toBe(true);
    expect(new Set(safe.links.map((l) => l.id)).size).toBe(safe.links.length);
    expect(id('a>b')).not.toBe(id('a_b'));
    expect(() => validateNetwork(safe)).not.toThrow();
  });
});
