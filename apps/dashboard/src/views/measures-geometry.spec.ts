import type { PcdPhaseView, SplitMonitorPhaseView } from '@crosscast/contracts';
import { markerPath, niceSteps, pcdGeometry, scale, splitFailureGeometry, splitGeometry, splitTop, timeTicks, volumeGeometry } from './measures-geometry';

const T0 = Date.parse('2006-10-10T07:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const box = { width: 640, height: 200, pad: { l: 40, r: 0, t: 0, b: 20 } };
const window = { fromMs: T0, toMs: T0 + 600_000 };

describe('performance-measure chart geometry', () => {
  it('scales and picks round ticks', () => {
    expect(scale(0, 10, 0, 100)(2.5)).toBe(25);
    expect(scale(0, 90, 180, 0)(45)).toBe(90);
    expect(niceSteps(87, 4)).toEqual({ top: 100, values: [0, 25, 50, 75, 100] });
    expect(niceSteps(0, 4).top).toBe(1);
    expect(timeTicks(T0 + 60_000, T0 + 3_600_000, 6).map((t) => (t - T0) / 60_000)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  describe('Purdue Coordination Diagram', () => {
    // Two 90 s red-to-red cycles: green from 40 s, yellow from 80 s.
    const pcd: PcdPhaseView = {
      phase: 2,
      cycles: [
        { cycleStart: iso(0), cycleSeconds: 90, greenAtSeconds: 40, yellowAtSeconds: 80, arrivalsSeconds: [5, 40, 79.9, 80] },
        { cycleStart: iso(90), cycleSeconds: 90, greenAtSeconds: 40, yellowAtSeconds: 80, arrivalsSeconds: [50] },
      ],
    };
    const g = pcdGeometry(pcd, window, box);

    it('draws one dot per arrival, at its time of day and its second in the cycle', () => {
      expect(g.dots).toHaveLength(5);
      expect(g.yTop).toBe(100);
      const X = scale(window.fromMs, window.toMs, 40, 640);
      const Y = scale(0, 100, 180, 0);
      expect(g.dots[0]).toEqual({ x: Number(X(T0 + 5000).toFixed(1)), y: Number(Y(5).toFixed(1)), onGreen: false });
      expect(g.dots[4]).toEqual({ x: Number(X(T0 + 140_000).toFixed(1)), y: Number(Y(50).toFixed(1)), onGreen: true });
    });

    it('counts arrivals on green as the measures library does: green start included, yellow start excluded', () => {
      expect(g.dots.map((d) => d.onGreen)).toEqual([false, true, true, false, true]);
      expect([g.arrivals, g.arrivalsOnGreen, g.aogShare]).toEqual([5, 3, 0.6]);
    });

    it('shades each cycle between green and yellow and steps the green and yellow lines across cycles', () => {
      expect(g.greenBands).toHaveLength(2);
      expect(g.greenBands[0]).toEqual({ x: 40, width: 90, y: 36, height: 72 });
      // One continuous step line through both cycles' start of green (y = 108 at 40 s).
      expect(g.greenLine).toBe('M40 108L130 108L130 108L220 108');
      expect(g.yellowLine.startsWith('M40 36')).toBe(true);
    });

    it('lifts the pen where a cycle logged no green, and an empty phase has no dots', () => {
      const gap = pcdGeometry({ phase: 4, cycles: [{ ...pcd.cycles[0], greenAtSeconds: null, yellowAtSeconds: null, arrivalsSeconds: [10] }, pcd.cycles[1]] }, window, box);
      expect(gap.greenLine).toBe('M130 108L220 108');
      expect(gap.greenBands).toHaveLength(1);
      expect(gap.dots[0].onGreen).toBe(false);
      const empty = pcdGeometry({ phase: 6, cycles: [] }, window, box);
      expect([empty.dots.length, empty.aogShare, empty.greenLine]).toEqual([0, null, '']);
    });
  });

  describe('split monitor', () => {
    const phase: SplitMonitorPhaseView = {
      phase: 1, cycles: 3, meanGreenSeconds: 30, p85GreenSeconds: 40, meanCycleSeconds: 90, gapOutShare: 1 / 3, maxOutShare: 1 / 3, forceOffShare: 1 / 3, unknownShare: 0,
      greens: [
        { greenStart: iso(0), greenSeconds: 20, yellowSeconds: 4, redClearanceSeconds: 2, cycleSeconds: 90, termination: 'gap-out' },
        { greenStart: iso(90), greenSeconds: 40, yellowSeconds: 4, redClearanceSeconds: 2, cycleSeconds: 90, termination: 'max-out' },
        { greenStart: iso(180), greenSeconds: 30, yellowSeconds: 4, redClearanceSeconds: 2, cycleSeconds: null, termination: 'force-off' },
      ],
    };

    it('puts one bar per green at its start, as tall as the green, shaped by how it ended', () => {
      const g = splitGeometry(phase, window, box, 50); // the axis is rounded up to end on a tick: 60 s
      expect(g.marks).toHaveLength(3);
      expect(g.marks.map((m) => m.shape)).toEqual(['circle', 'square', 'triangle']);
      expect(g.yTop).toBe(60);
      expect(g.marks[1]).toMatchObject({ x: 130, y: 60, base: 180, greenSeconds: 40, termination: 'max-out' });
      expect(g.p85Y).toBe(60);
      expect(g.counts).toEqual({ 'gap-out': 1, 'max-out': 1, 'force-off': 1, unknown: 0 });
      expect(g.yTicks.map((t) => [t.value, t.at])).toEqual([[0, 180], [20, 120], [40, 60], [60, 0]]);
    });

    it('shares one y axis across the phases (the longest green, rounded up)', () => {
      expect(splitTop([phase, { ...phase, greens: [{ ...phase.greens[0], greenSeconds: 61 }] }])).toBe(80);
      expect(splitTop([])).toBe(10);
    });

    it('draws four distinct marker shapes', () => {
      const paths = (['circle', 'square', 'triangle', 'cross'] as const).map((s) => markerPath(s, 10, 10, 3));
      expect(new Set(paths).size).toBe(4);
      expect(paths[1]).toBe('M7 7h6v6h-6Z');
      expect(paths[3]).toBe('M7 7L13 13M13 7L7 13');
    });
  });
});

describe('split failure and approach volume geometry', () => {
  const box2 = { width: 640, height: 120, pad: { l: 40, r: 0, t: 10, b: 10 } };
  it('puts each green in the window at its start, its two occupancy ratios on 0–100 %, and a bar where it failed', () => {
    const g = splitFailureGeometry(
      {
        phase: 2,
        cycles: 3,
        failures: 1,
        failureShare: 1 / 3,
        greens: [
          { greenStart: iso(0), greenOccupancy: 0.5, redOccupancy: 0.1, failed: false },
          { greenStart: iso(300), greenOccupancy: 0.95, redOccupancy: 0.85, failed: true },
          { greenStart: iso(600), greenOccupancy: 1.2, redOccupancy: 0, failed: false }, // at the window's end: out
        ],
      },
      window,
      box2,
    );
    expect(g.gor.map((p) => [p.x, p.y])).toEqual([[40, 60], [340, 15]]); // 50 % half-way down 100 px of plot; 95 % near the top
    expect(g.ror.map((p) => p.y)).toEqual([100, 25]);
    expect(g.failures).toEqual([340]);
    expect(g.thresholdY).toBe(31); // 79 %
    expect(g.yTicks.map((t) => t.value)).toEqual([0, 25, 50, 75, 100]);
  });

  it('draws each approach as veh/h steps across its bins, on one axis topped by the busiest bin', () => {
    const g = volumeGeometry(
      [
        { approachId: 'N', total: 30, vehPerHour: 180, bins: [{ start: iso(300), count: 20 }, { start: iso(0), count: 10 }] },
        { approachId: 'S', total: 5, vehPerHour: 30, bins: [{ start: iso(0), count: 5 }, { start: iso(900), count: 99 }] }, // the second bin is after the window
      ],
      5,
      window,
      box2,
    );
    // 20 vehicles in 5 minutes = 240 veh/h (the 99 after the window does not count): the axis ends on a round 300.
    expect(g.yTop).toBe(300);
    expect(g.series.map((s) => s.bins)).toEqual([2, 1]);
    // Bins in time order, joined where one ends as the next starts.
    expect(g.series[0].path).toBe('M40 70L340 70L340 30L640 30');
    expect(g.series[1].path).toBe('M40 90L340 90');
  });
});
