import { createSimulation } from './engine';
import { SimEventSink } from './event-log';
import { generateGrid } from './grid';

/**
 * The controller event log sees every vehicle cross its stop line, whichever discharge path
 * the link takes: one queue per approach, or lane groups with permissive lefts (both paths
 * must report departures, or the measures' volumes and arrivals on green would be empty).
 */
describe('event sink with lane groups', () => {
  it.each(['one-queue', 'shared', 'left-bay'] as const)('%s: every vehicle that arrived at a stop line departed it, once', (laneLayout) => {
    const network = generateGrid({ rows: 2, cols: 2, demandLevel: 400, seed: 3, laneLayout, leftTurns: laneLayout === 'one-queue' ? 'unopposed' : 'permissive' });
    const arrived = new Map<number, number>();
    const departed = new Map<number, number>();
    const sink: SimEventSink = {
      stage: () => undefined,
      arrive: (link) => arrived.set(link, (arrived.get(link) ?? 0) + 1),
      depart: (link) => departed.set(link, (departed.get(link) ?? 0) + 1),
    };
    const sim = createSimulation(network, { seed: 3, eventSink: sink });
    sim.advanceTo(1800);
    for (const d of network.demand) sim.setDemand(d.link, 0);
    sim.advanceTo(3600);
    const approachLinks = new Set(network.crossings.flatMap((c) => c.approaches));
    const linkIndex = new Map(network.links.map((l, i) => [l.id, i]));
    let total = 0;
    for (const id of approachLinks) {
      const i = linkIndex.get(id)!;
      expect(departed.get(i) ?? 0).toBe(arrived.get(i) ?? 0);
      total += departed.get(i) ?? 0;
    }
    expect(total).toBeGreaterThan(500);
  });
});
