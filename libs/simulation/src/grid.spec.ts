import { generateGrid, peakShape, turnKind } from './grid';
import { cycleSeconds, validateNetwork } from './network';

describe('generateGrid', () => {
  it('builds rows × cols crossings with boundary entries and exits, four approaches each, two phases', () => {
    const rows = 3;
    const cols = 5;
    const network = generateGrid({ rows, cols, demandLevel: 500, seed: 1 });
    expect(() => validateNetwork(network)).not.toThrow();
    expect(network.nodes.filter((n) => n.kind === 'crossing')).toHaveLength(rows * cols);
    expect(network.nodes.filter((n) => n.kind === 'boundary')).toHaveLength(2 * (rows + cols));
    const internal = 2 * (rows * (cols - 1) + cols * (rows - 1));
    expect(network.links).toHaveLength(internal + 4 * (rows + cols));
    expect(network.demand).toHaveLength(2 * (rows + cols)); // one per entry link
    expect(network.demand.every((d) => d.vehPerHour[0] === 500)).toBe(true);
    for (const crossing of network.crossings) {
      expect(crossing.approaches).toHaveLength(4);
      expect(crossing.movements).toHaveLength(12); // left, through, right from each approach
      expect(crossing.phases.map((p) => p.movements.length)).toEqual([6, 6]);
      expect(crossing.control.kind).toBe('fixed');
      if (crossing.control.kind === 'fixed') expect(cycleSeconds(crossing.control.plan)).toBe(60);
    }
    expect(JSON.parse(JSON.stringify(network))).toEqual(network); // plain data
    const link = network.links.find((l) => l.id === 'c0_0-c0_1')!;
    expect(link).toMatchObject({ lengthM: 200, lanes: 2, speedMps: 13.89 });
  });

  it('classifies turns by heading and gives every approach a left, a through and a right', () => {
    expect(turnKind(0, -1, 0, -1)).toBe('through'); // southbound, straight on
    expect(turnKind(0, -1, 1, 0)).toBe('left'); // southbound turning east
    expect(turnKind(0, -1, -1, 0)).toBe('right');
    const network = generateGrid({ rows: 2, cols: 2, demandLevel: 100, seed: 1 });
    const fromNorth = network.crossings[0].movements.filter((m) => m.fromLink === 'bN0-c0_0');
    expect(Object.fromEntries(fromNorth.map((m) => [m.kind, m.toLink]))).toEqual({ through: 'c0_0-c1_0', left: 'c0_0-c0_1', right: 'c0_0-bW0' });
  });

  it('spreads entry demand with the seed and draws a daily profile with two peaks', () => {
    const a = generateGrid({ rows: 2, cols: 2, demandLevel: 600, seed: 7, demandSpread: 0.2 });
    const b = generateGrid({ rows: 2, cols: 2, demandLevel: 600, seed: 7, demandSpread: 0.2 });
    expect(a).toEqual(b);
    const levels = a.demand.map((d) => d.vehPerHour[0]);
    expect(Math.min(...levels)).toBeGreaterThanOrEqual(480);
    expect(Math.max(...levels)).toBeLessThanOrEqual(720);
    expect(new Set(levels).size).toBeGreaterThan(1);
    const day = generateGrid({ rows: 1, cols: 1, demandLevel: 1000, seed: 1, demandProfile: 'peaks' }).demand[0];
    expect(day.vehPerHour).toHaveLength(96);
    expect(peakShape(8)).toBeGreaterThan(0.9);
    expect(peakShape(17.5)).toBeGreaterThan(0.9);
    expect(peakShape(3)).toBeLessThan(0.25);
    expect(day.vehPerHour[32]).toBeGreaterThan(3 * day.vehPerHour[12]); // 08:00 against 03:00
  });
});
