/**
 * The plans of strategies (a) fixed and (d) crosscast run in SUMO on the same network with
 * the same vehicles (departure time and full route, as bench/sim-sumo.ts does).
 *
 * Programs: for each crossing, the exact signal sequence our engine ran is rebuilt from
 * the plan requests (`signalCycles`, libs/simulation/src/sumo/timeline.ts) and written as
 * ONE static `<tlLogic>` whose phases are the whole day's cycles back to back
 * (`timelineTlLogic`, offset 0, so SUMO's time t is the program's second t). Loaded as an
 * additional file, the program replaces netconvert's. This is the "time-indexed program"
 * route: it reproduces the engine's plan transitions (dwell to a new offset) exactly,
 * which switching between programs (WAUT) would not.
 *
 * Left turns get priority ('G'): our engine has no opposed left turns.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  FixedTimePlan, Network, SUMO_PASSENGER_CAR, signalCycles, sumoConnectionsXml, sumoEdgesXml, sumoNodesXml, sumoRoutesXml, sumoSafeNetwork, sumoTlsXml, timelineTlLogic,
} from '@crosscast/simulation';
import { readTripinfo, sumoVersion } from './sim-sumo';
import { DayRun, windowMeanDelay } from './timing-run';
import { TimingScenario } from './timing-scenarios';

export { findSumo } from './sim-sumo';

/**
 * A whole day in SUMO takes too long for the time budget (the 4×4 grid's morning alone is
 * ~2 min per run on this machine), so SUMO gets the vehicles of a peak window, starting
 * from an empty network; the engine's delay of the vehicles departing in the same window
 * (from its full-day run) is reported beside it.
 */
export const SUMO_WINDOWS: Partial<Record<TimingScenario['name'], { from: number; to: number; note: string }>> = {
  grid_4x4: { from: 6 * 3600, to: 10 * 3600, note: 'the morning peak: vehicles departing 06:00-10:00 only; SUMO starts from an empty network' },
  boroondara: { from: 7.5 * 3600, to: 8.5 * 3600, note: 'the morning peak hour: vehicles departing 07:30-08:30 only; SUMO starts from an empty network and uses physical link storage (the engine runs Boroondara with vertical queues)' },
};

export interface SumoStrategyResult {
  vehicles: number;
  arrived: number;
  teleports: number;
  /** SUMO timeLoss + departDelay (the wait to get onto the entry, like ours outside a full entry link), s/veh. */
  mean_delay_s: number;
  mean_time_loss_s: number;
  mean_depart_delay_s: number;
  mean_waiting_time_s: number;
  sumo_seconds: number;
}

export interface SumoComparison {
  skipped: false;
  sumo_version: string;
  window: { from_s: number; to_s: number; note: string };
  files: string;
  fixed: SumoStrategyResult;
  crosscast: SumoStrategyResult;
  delay_reduction_pct: number;
  same_ordering_as_engine: boolean;
  goal_15pct: boolean;
  /** Our engine, full-day runs: all vehicles, and the vehicles departing in the SUMO window. */
  engine: {
    full_day: { fixed_mean_delay_s: number; crosscast_mean_delay_s: number; delay_reduction_pct: number };
    same_window_departures: { fixed_mean_delay_s: number; crosscast_mean_delay_s: number; delay_reduction_pct: number };
  };
}

function runSumoWith(network: Network, dir: string, programs: string, routes: string, endSeconds: number): SumoStrategyResult {
  const file = (name: string) => path.join(dir, name);
  fs.writeFileSync(file('programs.add.xml'), `<?xml version="1.0" encoding="UTF-8"?>\n<additional>\n${programs}\n</additional>\n`);
  const started = performance.now();
  const sumo = spawnSync('sumo', [
    '--net-file', path.join(dir, '..', 'net.net.xml'), '--route-files', routes, '--additional-files', file('programs.add.xml'),
    '--tripinfo-output', file('tripinfo.xml'), '--step-length', '1', '--no-step-log', 'true', '--duration-log.disable', 'true', '--seed', '1',
    '--time-to-teleport', '300', '--ignore-route-errors', 'true', '--end', String(endSeconds),
  ], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (sumo.status !== 0) throw new Error(`sumo failed: ${sumo.stderr.slice(0, 2000)}`);
  const trips = [...readTripinfo(fs.readFileSync(file('tripinfo.xml'), 'utf8')).values()];
  const avg = (f: (t: (typeof trips)[number]) => number) => Math.round((100 * trips.reduce((s, t) => s + f(t), 0)) / Math.max(1, trips.length)) / 100;
  return {
    vehicles: trips.length,
    arrived: trips.length,
    teleports: (sumo.stderr.match(/Teleporting vehicle/g) ?? []).length,
    mean_delay_s: avg((t) => t.timeLoss + t.departDelay),
    mean_time_loss_s: avg((t) => t.timeLoss),
    mean_depart_delay_s: avg((t) => t.departDelay),
    mean_waiting_time_s: avg((t) => t.waitingTime),
    sumo_seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}

export function sumoComparison(
  scenario: TimingScenario,
  fixedRun: DayRun,
  crosscastRun: DayRun,
  fixedPlans: Record<string, FixedTimePlan>,
  options: { quick: boolean; log: (...parts: unknown[]) => void; window?: { from: number; to: number; note: string } },
): SumoComparison {
  const window = options.window ?? SUMO_WINDOWS[scenario.name]!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `crosscast-timing-${scenario.name}-`));
  const file = (name: string) => path.join(dir, name);
  const { network, id: sumoId } = sumoSafeNetwork({ ...scenario.network, crossings: scenario.network.crossings.map((c) => ({ ...c, control: { kind: 'fixed', plan: fixedPlans[c.id] } })) });
  fs.writeFileSync(file('net.nod.xml'), sumoNodesXml(network));
  fs.writeFileSync(file('net.edg.xml'), sumoEdgesXml(network));
  fs.writeFileSync(file('net.con.xml'), sumoConnectionsXml(network));
  fs.writeFileSync(file('net.tll.xml'), sumoTlsXml(network, { permittedLeft: false }));
  const netconvert = spawnSync('netconvert', [
    '--node-files', file('net.nod.xml'), '--edge-files', file('net.edg.xml'), '--connection-files', file('net.con.xml'), '--tllogic-files', file('net.tll.xml'),
    '--no-internal-links', 'true', '--no-turnarounds', 'true', '--output-file', file('net.net.xml'),
  ], { encoding: 'utf8' });
  if (netconvert.status !== 0) throw new Error(`netconvert failed: ${netconvert.stderr}`);
  const vehicles = fixedRun.departures.filter((d) => d.departSeconds >= window.from && d.departSeconds < window.to).map((d) => ({ ...d, route: d.route.map(sumoId) }));
  fs.writeFileSync(file('routes.rou.xml'), sumoRoutesXml(vehicles, SUMO_PASSENGER_CAR, network));
  const end = window.to + 4 * 3600;
  options.log(`  SUMO ${scenario.name}: ${vehicles.length} vehicles departing ${window.from / 3600}-${window.to / 3600} h, files in ${dir}`);

  const results: Record<'fixed' | 'crosscast', SumoStrategyResult> = {} as never;
  for (const [name, run] of [['fixed', fixedRun], ['crosscast', crosscastRun]] as const) {
    const programs = scenario.network.crossings.map((c) => {
      const requests = run.requests.filter((r) => r.crossingId === c.id);
      return timelineTlLogic(network, sumoId(c.id), signalCycles(fixedPlans[c.id], requests, end + 600), `bench-${name}`);
    });
    fs.mkdirSync(file(name), { recursive: true });
    results[name] = runSumoWith(network, file(name), programs.join('\n'), file('routes.rou.xml'), end);
    options.log(`  SUMO ${scenario.name} ${name}: ${JSON.stringify(results[name])}`);
  }
  const pct = (before: number, after: number) => Math.round((10_000 * (before - after)) / before) / 100;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const reduction = pct(results.fixed.mean_delay_s, results.crosscast.mean_delay_s);
  const fixedWindow = windowMeanDelay(fixedRun.byDepartureMinute, window.from, window.to);
  const crosscastWindow = windowMeanDelay(crosscastRun.byDepartureMinute, window.from, window.to);
  const engineReduction = pct(fixedWindow, crosscastWindow);
  return {
    skipped: false,
    sumo_version: sumoVersion(),
    window: { from_s: window.from, to_s: window.to, note: window.note },
    files: dir,
    fixed: results.fixed,
    crosscast: results.crosscast,
    delay_reduction_pct: reduction,
    same_ordering_as_engine: Math.sign(reduction) === Math.sign(engineReduction),
    goal_15pct: reduction >= 15,
    engine: {
      full_day: { fixed_mean_delay_s: fixedRun.mean_delay_s, crosscast_mean_delay_s: crosscastRun.mean_delay_s, delay_reduction_pct: pct(fixedRun.mean_delay_s, crosscastRun.mean_delay_s) },
      same_window_departures: { fixed_mean_delay_s: r2(fixedWindow), crosscast_mean_delay_s: r2(crosscastWindow), delay_reduction_pct: engineReduction },
    },
  };
}
