import { FixedTimePlan, LoggedEvent, SignalControl, SignalEventLog, SimEventSink, createSimulation, generateIsolatedCrossing } from '@crosscast/simulation';
import { ChannelSpec, SignalEvent, computeMeasures } from './index';

/**
 * The simulator's own controller event log (libs/simulation/src/event-log.ts) fed through
 * the measures, against what the engine and its controller did.
 */
const ORIGIN = Date.UTC(2025, 0, 6, 7, 0, 0);
const PLAN: FixedTimePlan = { greenSeconds: [30, 20], amberSeconds: 3, allRedSeconds: 2, offsetSeconds: 0 }; // cycle 60

const toSignalEvents = (events: LoggedEvent[]): SignalEvent[] => events.map((e) => ({ localMs: ORIGIN + Math.round(e.seconds * 1000), code: e.code, param: e.param }));

function run(demand: [number, number], control: SignalControl | null, seconds: number, drainSeconds: number) {
  const network = generateIsolatedCrossing({ demandVehPerHour: demand, plan: PLAN, approachStorageVehicles: 2000 });
  if (control) network.crossings[0].control = control;
  const log = new SignalEventLog(network);
  // A spy between the engine and the log: every approach vehicle's free-flow stop-line arrival.
  const readyByLink = new Map<number, number[]>();
  const sink: SimEventSink = {
    stage: log.stage,
    arrive: (link, ready) => {
      if (link === 0 || link === 2) readyByLink.set(link, [...(readyByLink.get(link) ?? []), ready]);
      log.arrive(link, ready);
    },
    depart: log.depart,
  };
  const sim = createSimulation(network, { seed: 7, eventSink: sink });
  sim.advanceTo(seconds);
  for (const d of network.demand) sim.setDemand(d.link, 0);
  sim.advanceTo(seconds + drainSeconds);
  const end = seconds + drainSeconds - 1; // exact up to one step before the clock
  const events = toSignalEvents(log.takeUntil(end).get('X')!);
  const channels: ChannelSpec[] = log.channels('X');
  const report = sim.takeIntervalReport();
  return { events, channels, report, readyByLink, end, sim };
}

describe('simulated event log through the performance measures', () => {
  it('fixed time: greens equal the plan, every green is a force-off, volumes equal the vehicles over the stop line, AoG agrees with the engine', () => {
    const { events, channels, report, readyByLink, end } = run([500, 300], null, 1800, 600);
    expect(channels.map((c) => [c.channel, c.approachId, c.phase, c.kind])).toEqual([
      [1, 'N-X', 1, 'advance'], [2, 'N-X', 1, 'stop-bar'], [3, 'W-X', 2, 'advance'], [4, 'W-X', 2, 'stop-bar'],
    ]);
    const view = computeMeasures('X', events, channels, { fromMs: ORIGIN, toMs: ORIGIN + end * 1000, binMinutes: 10 });
    const [p1, p2] = view.splitMonitor;
    expect(p1.cycles).toBeGreaterThanOrEqual(Math.floor(end / 60) - 1);
    expect(new Set(p1.greens.map((g) => g.greenSeconds))).toEqual(new Set([30]));
    expect(new Set(p2.greens.map((g) => g.greenSeconds))).toEqual(new Set([20]));
    expect(new Set([...p1.greens, ...p2.greens].filter((g) => g.cycleSeconds !== null).map((g) => [g.yellowSeconds, g.redClearanceSeconds, g.cycleSeconds].join()))).toEqual(new Set(['3,2,60']));
    expect([p1.forceOffShare, p2.forceOffShare]).toEqual([1, 1]);
    // every vehicle that came crossed the stop line during the run (the demand stopped and the queues drained)
    for (const a of report.approaches) {
      const volume = view.approachVolumes.find((v) => v.approachId === a.approachLinkId)!;
      expect(volume.total).toBe(a.detectorCount);
      expect(volume.total).toBe(readyByLink.get(a.approachLinkId === 'N-X' ? 0 : 2)!.length);
    }
    expect(report.approaches.map((a) => a.detectorCount).every((n) => n > 100)).toBe(true);
    // arrivals on green against the engine's own arrivals: displayed green of phase 1 is [0, 30) of each 60 s cycle, of phase 2 [35, 55)
    const aog = new Map(view.arrivalsOnGreen.map((a) => [a.phase, a]));
    const pcd = new Map(view.pcd.map((p) => [p.phase, p.cycles]));
    for (const [phase, link, greenFrom, greenTo] of [[1, 0, 0, 30], [2, 2, 35, 55]]) {
      const cycles = pcd.get(phase)!;
      const from = (Date.parse(cycles[0].cycleStart) - ORIGIN) / 1000;
      const to = (Date.parse(cycles[cycles.length - 1].cycleStart) - ORIGIN) / 1000 + cycles[cycles.length - 1].cycleSeconds;
      const arrivals = readyByLink.get(link)!.filter((r) => r >= from && r < to);
      const onGreen = arrivals.filter((r) => r % 60 >= greenFrom && r % 60 < greenTo).length;
      expect(Math.abs(aog.get(phase)!.arrivals - arrivals.length)).toBeLessThanOrEqual(1);
      expect(Math.abs(aog.get(phase)!.aogShare! - onGreen / arrivals.length)).toBeLessThan(0.02);
      expect(aog.get(phase)!.greenShare).toBeCloseTo((greenTo - greenFrom) / 60, 9);
    }
  });

  it('split failures: an oversaturated approach fails nearly every cycle, an undersaturated one almost never', () => {
    // Phase 1 capacity 1800 × 30 / 60 = 900 veh/h against 1100 arriving; phase 2 600 against 250.
    const { events, channels } = run([1100, 250], null, 3600, 0);
    const view = computeMeasures('X', events, channels, { fromMs: ORIGIN + 900_000, toMs: ORIGIN + 3_500_000 });
    const [p1, p2] = view.splitFailures;
    expect(p1.phase).toBe(1);
    expect(p1.failureShare!).toBeGreaterThan(0.9);
    expect(p2.failureShare!).toBeLessThan(0.1);
    expect(p1.cycles).toBeGreaterThan(40);
  });

  it('actuated: a green maxes out only at or past its maximum; gap-outs dominate at low demand, max-outs at high', () => {
    const control: SignalControl = { kind: 'actuated', settings: { minGreenSeconds: 8, maxGreenSeconds: 40, gapSeconds: 3, amberSeconds: 3, allRedSeconds: 2, detectorLeadSeconds: 3 } };
    for (const demand of [[250, 200], [900, 700]] as Array<[number, number]>) {
      const { events, channels } = run(demand, control, 3600, 0);
      const view = computeMeasures('X', events, channels, { fromMs: ORIGIN, toMs: ORIGIN + 3_500_000 });
      for (const p of view.splitMonitor) {
        expect(p.unknownShare).toBe(0);
        for (const g of p.greens) {
          // (the engine times the maximum from the start of green, and a green with no rival call rests past it)
          if (g.termination === 'max-out') expect(g.greenSeconds).toBeGreaterThanOrEqual(40);
          expect(g.greenSeconds).toBeGreaterThanOrEqual(8);
        }
      }
      const [p1] = view.splitMonitor;
      if (demand[0] < 500) expect(p1.gapOutShare).toBeGreaterThan(0.9);
      else expect(p1.maxOutShare).toBeGreaterThan(0.5);
    }
  });

  it('a fork of the simulation logs nothing into the original log', () => {
    const network = generateIsolatedCrossing({ demandVehPerHour: [600, 400], plan: PLAN });
    const log = new SignalEventLog(network);
    const sim = createSimulation(network, { seed: 3, eventSink: log });
    sim.advanceTo(600);
    const fork = sim.fork();
    fork.advanceTo(1800);
    expect(log.takeUntil(Infinity).get('X')!.filter((e) => e.seconds > 700)).toEqual([]);
    sim.advanceTo(1800);
    expect(log.takeUntil(Infinity).get('X')!.filter((e) => e.seconds > 700).length).toBeGreaterThan(100);
  });
});
