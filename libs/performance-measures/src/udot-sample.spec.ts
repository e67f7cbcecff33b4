import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEventLog } from '@crosscast/controller-events';
import { ChannelSpec, computeMeasures } from './index';

/**
 * Real controller logs of UDOT signal 7115 (Apache-2.0, copied with their notice in
 * seed-data/udot-atspm-samples/SOURCE.md). The exact values were checked with a separate
 * script over the CSV rows (greens = begin green to the next green termination of the
 * phase; PCD cycles = end yellow to the next end yellow).
 */
const SAMPLES = path.join(__dirname, '..', '..', '..', 'seed-data', 'udot-atspm-samples');
const read = (file: string) => {
  const parsed = parseEventLog(fs.readFileSync(path.join(SAMPLES, file), 'utf8'));
  expect(parsed.problems).toEqual([]);
  return parsed.events;
};
const local = (h: number, m = 0) => Date.UTC(2023, 3, 17, h, m);
const channels: ChannelSpec[] = [
  { channel: 2, approachId: '7115:P2', phase: 2, kind: 'advance' },
  { channel: 6, approachId: '7115:P6', phase: 6, kind: 'advance' },
];

describe('measures on UDOT signal 7115', () => {
  it('split monitor from the termination log (19:00-23:00: codes 1, 4/5/6, 7, 11)', () => {
    const view = computeMeasures('7115', read('7115TerminationData.csv'), channels, { fromMs: local(19), toMs: local(23) });
    const byPhase = new Map(view.splitMonitor.map((p) => [p.phase, p]));
    expect([...byPhase.keys()]).toEqual([2, 4]);
    for (const p of view.splitMonitor) {
      // invariants: every green positive and shorter than its cycle; shares add up to 1
      expect(p.greens.every((g) => g.greenSeconds > 0 && (g.cycleSeconds === null || g.greenSeconds < g.cycleSeconds))).toBe(true);
      expect(p.gapOutShare + p.maxOutShare + p.forceOffShare + p.unknownShare).toBeCloseTo(1, 12);
      expect(p.p85GreenSeconds).toBeGreaterThanOrEqual(p.meanGreenSeconds * 0.5);
    }
    const p2 = byPhase.get(2)!;
    const p4 = byPhase.get(4)!;
    expect(p2.cycles).toBe(178);
    expect(p2.greens.filter((g) => g.termination === 'gap-out').length).toBe(119);
    expect(p2.greens.filter((g) => g.termination === 'force-off').length).toBe(59);
    expect(p2.greens[0]).toMatchObject({ greenStart: '2023-04-17T19:00:38.900Z', greenSeconds: 87.9, termination: 'force-off' });
    expect(p2.p85GreenSeconds).toBe(80.2);
    expect(p4.cycles).toBe(177);
    expect([p4.gapOutShare, p4.maxOutShare, p4.forceOffShare].map((s) => Math.round(s * 177))).toEqual([174, 2, 1]);
    expect(p4.p85GreenSeconds).toBe(21);
    expect(Math.min(...p4.greens.map((g) => g.greenSeconds))).toBe(5);
    expect(Math.max(...p4.greens.map((g) => g.greenSeconds))).toBe(40);
    // no stop-bar channels configured: no split failures claimed
    expect(view.splitFailures).toEqual([]);
  });

  it('arrivals on green, PCD and approach volume (08:00-09:00: phase 2 cycle events with channel 2 and 6 detector-ons)', () => {
    const events = [...read('CycleEvents.csv'), ...read('ApproachVolumeTestLogs.csv')];
    const view = computeMeasures('7115', events, channels, { fromMs: local(8), toMs: local(9), binMinutes: 15 });
    const aog = view.arrivalsOnGreen.find((a) => a.phase === 2)!;
    expect(aog).toMatchObject({ cycles: 23, arrivals: 2069, arrivalsOnGreen: 885 });
    expect(aog.greenShare).toBeCloseTo(0.39235, 4);
    const pcd = view.pcd.find((p) => p.phase === 2)!;
    expect(pcd.cycles[0].cycleStart).toBe('2023-04-17T08:01:48.800Z');
    for (const c of pcd.cycles) {
      expect(c.greenAtSeconds! < c.yellowAtSeconds! && c.yellowAtSeconds! < c.cycleSeconds).toBe(true);
      expect(c.arrivalsSeconds.every((s) => s >= 0 && s < c.cycleSeconds)).toBe(true);
    }
    expect(pcd.cycles.reduce((s, c) => s + c.arrivalsSeconds.length, 0)).toBe(aog.arrivals);
    // phase 6 has detector-ons but no phase events in these files: no cycles, no AoG claimed
    expect(view.arrivalsOnGreen.find((a) => a.phase === 6)).toMatchObject({ cycles: 0, arrivals: 0, aogShare: null });
    const volumes = new Map(view.approachVolumes.map((v) => [v.approachId, v]));
    expect(volumes.get('7115:P2')!.total).toBe(2144);
    expect(volumes.get('7115:P2')!.bins[0].count).toBe(576);
    expect(volumes.get('7115:P6')!.total).toBe(889);
    expect(volumes.get('7115:P6')!.bins[0].count).toBe(181);
    expect(volumes.get('7115:P2')!.bins.reduce((s, b) => s + b.count, 0)).toBe(2144);
  });
});
