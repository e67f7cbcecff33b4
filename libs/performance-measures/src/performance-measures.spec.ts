import { ChannelSpec, SignalEvent, approachVolumes, computeMeasures, inTimeOrder, phaseCycles, purdueCoordination, splitFailures, splitMonitor } from './index';

/**
 * Hand-built logs whose answers are worked out by hand in the comments. Times in seconds
 * after 08:00; phase 2 runs a 60 s cycle:
 *   A: green 0-30 gap out,   yellow 30-34, red clearance 34-36
 *   B: green 60-85 max out,  yellow 85-89, red clearance 89-91
 *   C: green 120-150 force off, yellow 150-154, red clearance 154-156
 *   next green at 180.
 */
const T0 = Date.UTC(2024, 0, 1, 8, 0, 0);
const at = (s: number) => T0 + Math.round(s * 1000);
const ev = (s: number, code: number, param: number): SignalEvent => ({ localMs: at(s), code, param });

const phaseEvents: SignalEvent[] = [
  ev(0, 1, 2), ev(30, 4, 2), ev(30, 8, 2), ev(34, 10, 2), ev(36, 11, 2),
  ev(60, 1, 2), ev(85, 5, 2), ev(85, 8, 2), ev(89, 10, 2), ev(91, 11, 2),
  ev(120, 1, 2), ev(150, 6, 2), ev(150, 8, 2), ev(154, 10, 2), ev(156, 11, 2),
  ev(180, 1, 2),
];
const channels: ChannelSpec[] = [
  { channel: 5, approachId: 'X:N', phase: 2, kind: 'advance', travelSeconds: 2 },
  { channel: 6, approachId: 'X:N', phase: 2, kind: 'count' },
  { channel: 8, approachId: 'X:N', phase: 2, kind: 'stop-bar' },
  { channel: 9, approachId: 'X:N', phase: 2, kind: 'stop-bar' },
  { channel: 7, approachId: 'X:S', phase: 4, kind: 'stop-bar' },
];
const ons = (channel: number, seconds: number[]) => seconds.map((s) => ev(s, 82, channel));
const pulses = (channel: number, pairs: Array<[number, number]>) => pairs.flatMap(([on, off]) => [ev(on, 82, channel), ev(off, 81, channel)]);

describe('performance measures on hand-built logs', () => {
  it('split monitor: green per cycle and the gap-out / max-out / force-off shares', () => {
    const [p2] = splitMonitor(phaseCycles(phaseEvents), at(0), at(180));
    expect(p2.phase).toBe(2);
    expect(p2.greens.map((g) => g.greenSeconds)).toEqual([30, 25, 30]);
    expect(p2.greens.map((g) => g.termination)).toEqual(['gap-out', 'max-out', 'force-off']);
    expect(p2.greens.map((g) => g.yellowSeconds)).toEqual([4, 4, 4]);
    expect(p2.greens.map((g) => g.redClearanceSeconds)).toEqual([2, 2, 2]);
    expect(p2.cycles).toBe(3);
    expect(p2.meanGreenSeconds).toBeCloseTo(85 / 3, 10);
    expect(p2.p85GreenSeconds).toBe(30); // nearest rank ceil(0.85 × 3) = 3rd of [25, 30, 30]
    expect(p2.meanCycleSeconds).toBe(60);
    expect([p2.gapOutShare, p2.maxOutShare, p2.forceOffShare, p2.unknownShare]).toEqual([1 / 3, 1 / 3, 1 / 3, 0]);
  });

  it('split monitor: a log without begin yellow ends greens at green termination (7); events before the first green are ignored', () => {
    const events = [ev(0, 8, 4), ev(1, 10, 4), ev(5, 1, 4), ev(22.5, 4, 4), ev(22.5, 7, 4), ev(30, 11, 4), ev(40, 1, 4), ev(50, 7, 4)];
    const [p4] = splitMonitor(phaseCycles(events), at(0), at(60));
    expect(p4.greens.map((g) => [g.greenSeconds, g.termination, g.cycleSeconds])).toEqual([[17.5, 'gap-out', 35], [10, 'unknown', null]]);
    expect(p4.greens[0].yellowSeconds).toBeNull();
    expect(p4.unknownShare).toBe(0.5);
  });

  it('split monitor: only greens starting in the window count', () => {
    const [p2] = splitMonitor(phaseCycles(phaseEvents), at(60), at(120));
    expect(p2.greens.map((g) => g.greenSeconds)).toEqual([25]);
  });

  it('arrivals on green and the PCD: red-to-red cycles, arrivals moved by the travel time', () => {
    // Advance channel 5 (travel 2 s): ons at 20 40 70 83 100 125 140 149 → arrivals 22 42 72 85 102 127 142 151.
    // Red starts 34, 89, 154: PCD cycles [34, 89) and [89, 154).
    // Cycle 1: 55 s, green at 26, yellow at 51; arrivals 8 (red), 38 (green), 51 (yellow: not green).
    // Cycle 2: 65 s, green at 31, yellow at 61; arrivals 13 (red), 38, 53 (green), 62 (yellow).
    // 22 is before the first whole cycle. AoG 3/7; green share (25 + 30) / 120.
    const events = inTimeOrder([...phaseEvents, ...ons(5, [20, 40, 70, 83, 100, 125, 140, 149]), ...ons(8, [45])]);
    const { pcd, aog } = purdueCoordination(events, phaseCycles(events).get(2)!, channels, 2, at(0), at(180));
    expect(pcd.map((c) => [c.cycleSeconds, c.greenAtSeconds, c.yellowAtSeconds])).toEqual([[55, 26, 51], [65, 31, 61]]);
    expect(pcd.map((c) => c.arrivalsSeconds)).toEqual([[8, 38, 51], [13, 38, 53, 62]]);
    expect(aog.arrivals).toBe(7);
    expect(aog.arrivalsOnGreen).toBe(3);
    expect(aog.aogShare).toBeCloseTo(3 / 7, 12);
    expect(aog.greenShare).toBeCloseTo(55 / 120, 12);
    expect(aog.platoonRatio).toBeCloseTo(3 / 7 / (55 / 120), 12);
  });

  it('approach volume: detector-ons of the counting channels per bin; stop-bar zones only for an approach without counters', () => {
    const events = inTimeOrder([...ons(5, [20, 40, 70, 83, 100, 125]), ...ons(6, [10, 65]), ...ons(8, [1, 2, 3, 61]), ...ons(7, [5, 50, 119.9, 120])]);
    const volumes = approachVolumes(events, channels, at(0), at(120), 60_000);
    expect(volumes.map((v) => [v.approachId, v.bins.map((b) => b.count), v.total, v.vehPerHour])).toEqual([
      ['X:N', [3, 4], 7, 210],
      ['X:S', [2, 1], 3, 90],
    ]);
    expect(volumes[0].bins.map((b) => b.startMs)).toEqual([at(0), at(60)]);
  });

  it('split failures: green and first-5-s-of-red occupancy both at or above 79 %', () => {
    // A: ch8 on 0-10 and 12-30.5 → GOR (10 + 18) / 30 = 0.933; red 34-39: on 34.5-38.5 → ROR5 0.8 → failed.
    // B: ch8 60-79 and ch9 70-79 (overlaps, counted once) → GOR 19 / 25 = 0.76; ROR5 1 → not failed.
    // C: ch8 118-150 → GOR 1; red 154-159: on 154-157.9 → ROR5 0.78 → not failed.
    const detectors = [...pulses(8, [[0, 10], [12, 30.5], [34.5, 38.5], [60, 79], [89, 95], [118, 150], [154, 157.9]]), ...pulses(9, [[70, 79]])];
    const events = inTimeOrder([...phaseEvents, ...detectors]);
    const [p2] = splitFailures(events, phaseCycles(events), channels, at(0), at(180));
    expect(p2.phase).toBe(2);
    expect(p2.greens.map((g) => g.greenOccupancy)).toEqual([28 / 30, 19 / 25, 1]);
    expect(p2.greens.map((g) => g.redOccupancy.toFixed(6))).toEqual(['0.800000', '1.000000', '0.780000']);
    expect(p2.greens.map((g) => g.failed)).toEqual([true, false, false]);
    expect([p2.cycles, p2.failures, p2.failureShare]).toEqual([3, 1, 1 / 3]);
  });

  it('computeMeasures puts it all in the REST view with ISO times', () => {
    const events = [...ons(5, [70]), ...phaseEvents].reverse().sort((a, b) => a.localMs - b.localMs);
    const view = computeMeasures('X', events, channels, { fromMs: at(0), toMs: at(180), binMinutes: 1 });
    expect(view.from).toBe('2024-01-01T08:00:00.000Z');
    expect(view.splitMonitor[0].greens[1].greenStart).toBe('2024-01-01T08:01:00.000Z');
    expect(view.pcd[0].cycles[0].arrivalsSeconds).toEqual([38]);
    expect(view.arrivalsOnGreen[0].aogShare).toBe(1);
    expect(view.approachVolumes.find((a) => a.approachId === 'X:N')!.bins.map((b) => b.count)).toEqual([0, 1, 0]);
    expect(view.channels[1]).toEqual({ channel: 6, approachId: 'X:N', phase: 2, kind: 'count', travelSeconds: 0 });
  });
});
