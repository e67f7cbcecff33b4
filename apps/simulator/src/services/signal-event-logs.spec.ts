import { SignalEventLogMessageSchema } from '@crosscast/contracts';
import { computeMeasures } from '@crosscast/performance-measures';
import { FixedTimePlan } from '@crosscast/simulation';
import { loadSimCity } from './sim-city.loader';
import { SimulatedStreet } from './simulated-street';

describe('the simulated street\'s controller event logs', () => {
  const ORIGIN = Date.parse('2006-10-09T00:00:00+10:00');
  const loaded = loadSimCity('grid:2x2', 'seed-data/boroondara-2006', 5);
  const run = (eventLogs: boolean, intervals: number) => {
    const street = new SimulatedStreet(loaded.sim, { seed: 5, originMs: ORIGIN, intervalMinutes: 15, dailyDemand: loaded.dailyDemand, runId: 'test', eventLogs });
    return Array.from({ length: intervals }, () => street.advance());
  };

  it('come one interval late, one valid message per crossing, each event in exactly one interval, and change nothing in the simulation', () => {
    const withLogs = run(true, 30);
    expect(withLogs[0].eventLogs).toEqual([]);
    expect(withLogs.slice(1).every((i) => i.eventLogs.length === 4)).toBe(true);
    for (const [k, interval] of withLogs.slice(1).entries()) {
      for (const m of interval.eventLogs) {
        expect(SignalEventLogMessageSchema.safeParse(m).success).toBe(true);
        expect(m.intervalStart).toBe(new Date(ORIGIN + k * 15 * 60_000).toISOString());
        // each approach (the product's approach id, not the link) has one advance and one stop-bar channel
        expect(m.channels.map((c) => c.channel)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(m.channels.map((c) => c.kind)).toEqual(['advance', 'stop-bar', 'advance', 'stop-bar', 'advance', 'stop-bar', 'advance', 'stop-bar']);
        expect(new Set(m.channels.map((c) => c.approachId))).toEqual(new Set(['N', 'S', 'E', 'W'].map((side) => `${m.crossingId}:${side}`)));
        expect(m.channels.filter((c) => c.kind === 'advance').every((c) => c.travelSeconds > 0 && c.phase !== null)).toBe(true);
      }
    }
    // the same street without logs reports exactly the same
    const without = run(false, 30);
    expect(without.map((i) => i.report)).toEqual(withLogs.map((i) => i.report));

    // across interval boundaries: the greens of the joined logs are the plan's, none lost or doubled at a boundary
    const crossing = loaded.sim.network.crossings[0];
    const plan = (crossing.control as { plan: FixedTimePlan }).plan;
    const messages = withLogs.flatMap((i) => i.eventLogs).filter((m) => m.crossingId === crossing.id);
    const events = messages.flatMap((m) => m.events.map(([offset, code, param]) => ({ localMs: Date.parse(m.intervalStart) + offset, code, param })));
    const view = computeMeasures(crossing.id, events, messages[0].channels, { fromMs: ORIGIN + 60_000, toMs: ORIGIN + 28 * 15 * 60_000 });
    const cycle = plan.greenSeconds.reduce((s, g) => s + g + plan.amberSeconds + plan.allRedSeconds, 0);
    for (const p of view.splitMonitor) {
      expect(p.greens.every((g) => Math.abs(g.greenSeconds - plan.greenSeconds[p.phase - 1]) < 0.002)).toBe(true);
      expect(p.greens.filter((g) => g.cycleSeconds !== null).every((g) => Math.abs(g.cycleSeconds! - cycle) < 0.002)).toBe(true);
      expect(p.cycles).toBeGreaterThanOrEqual(Math.floor((28 * 900 - 60) / cycle) - 1);
    }
    // every vehicle logged by an advance detector is counted once: the day's volume equals the number of detector-ons
    const ons = events.filter((e) => e.code === 82 && e.localMs >= ORIGIN + 60_000 && e.localMs < ORIGIN + 28 * 900_000 && messages[0].channels.find((c) => c.channel === e.param)!.kind === 'advance').length;
    expect(view.approachVolumes.reduce((s, v) => s + v.total, 0)).toBe(ons);
    expect(ons).toBeGreaterThan(100);
  });
});

describe('event logs switched off for a backfill', () => {
  it('returns nothing while off, then after one warm-up interval whole logs again', () => {
    const loaded = loadSimCity('grid:2x2', 'seed-data/boroondara-2006', 5);
    const ORIGIN = Date.parse('2006-10-09T00:00:00+10:00');
    const street = new SimulatedStreet(loaded.sim, { seed: 5, originMs: ORIGIN, intervalMinutes: 15, dailyDemand: loaded.dailyDemand, runId: 'test', eventLogs: true });
    street.recordEventLogs(false);
    const off = Array.from({ length: 30 }, () => street.advance());
    expect(off.every((i) => i.eventLogs.length === 0)).toBe(true);
    street.recordEventLogs(true); // interval 30 warms up
    expect(street.advance().eventLogs).toEqual([]); // (would be interval 29's: not recorded)
    expect(street.advance().eventLogs).toEqual([]); // interval 30: the warm-up
    const first = street.advance().eventLogs; // interval 31
    expect(first.map((m) => m.intervalStart)).toEqual(Array(4).fill(new Date(ORIGIN + 31 * 900_000).toISOString()));
    // whole: the same events as a street that logged all along
    const always = new SimulatedStreet(loaded.sim, { seed: 5, originMs: ORIGIN, intervalMinutes: 15, dailyDemand: loaded.dailyDemand, runId: 'test', eventLogs: true });
    let reference: typeof first = [];
    for (let k = 0; k < 33; k++) reference = always.advance().eventLogs;
    expect(first).toEqual(reference);
  });
});
