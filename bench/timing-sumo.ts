/**
 * The plans of strategies (a) fixed and (d) crosscast run in SUMO on the same network with
 * the same vehicles (departure time and full route, as bench/sim-sumo.ts does).
 *
 * Programs: for each crossing, the exact signal sequence our engine ran is rebuilt from
 * the plan requests (a new plan starts at the first cycle boundary at or after it was
 * sent; a plan whose offset does not line up lengthens its first green once, as in
 * libs/simulation/src/signals.ts) and written as ONE static `<tlLogic>` whose phases are
 * the whole day's cycles back to back (offset 0, so SUMO's time t is the program's
 * second t). Loaded as an additional file, the program replaces netconvert's. This is the
 * "time-indexed program" route; SUMO 1.15's WAUT switching restarts programs at their
 * first phase, which would not reproduce the engine's transitions.
 *
 * Left turns get priority ('G'): our engine has no opposed left turns.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  FixedTimePlan, Network, SUMO_PASSENGER_CAR, cycleSeconds, sumoConnections, sumoConnectionsXml, sumoEdgesXml, sumoNodesXml, sumoRoutesXml, sumoTlsXml,
} from '@crosscast/simulation';
import { readTripinfo, sumoVersion } from './sim-sumo';
import { DayRun } from './timing-run';
import { TimingScenario } from './timing-scenarios';

export { findSumo } from './sim-sumo';

export interface Cycle {
  start: number;
  plan: FixedTimePlan;
  /** Extra green of the first phase (a dwell transition to a new offset). */
  dwell: number;
}

const mod = (a: number, m: number) => ((a % m) + m) % m;

/** The cycles a crossing runs from time 0 to `until`, given its plan at 0 and the plans sent later (the engine's rules). */
export function signalCycles(initial: FixedTimePlan, requests: Array<{ atSeconds: number; plan: FixedTimePlan }>, until: number): Cycle[] {
  let plan = initial;
  let c = cycleSeconds(plan);
  let start = mod(plan.offsetSeconds, c);
  if (start > 0) start -= c;
  const cycles: Cycle[] = [{ start, plan, dwell: 0 }];
  let end = start + c;
  let next = 0;
  while (end < until) {
    const boundary = end;
    while (next < requests.length && requests[next].atSeconds <= boundary) plan = requests[next++].plan;
    c = cycleSeconds(plan);
    let dwell = mod(plan.offsetSeconds - boundary, c);
    if (dwell < 1e-9 || c - dwell < 1e-9) dwell = 0;
    cycles.push({ start: boundary, plan, dwell });
    end = boundary + c + dwell;
  }
  return cycles;
}

/** One static tlLogic holding the whole sequence of cycles from time 0. */
export function timelineTlLogic(network: Network, crossingId: string, cycles: Cycle[], programId: string): string {
  const crossing = network.crossings.find((c) => c.id === crossingId)!;
  const links = new Map(network.links.map((l) => [l.id, l]));
  const connections = sumoConnections(crossing, links);
  const state = (phase: number, stage: 'green' | 'amber' | 'red') =>
    connections.map((c) => (stage === 'red' || !crossing.phases[phase].movements.includes(c.movementId) ? 'r' : stage === 'amber' ? 'y' : 'G')).join('');
  const phases: Array<{ duration: number; state: string }> = [];
  for (const cycle of cycles) {
    let t = cycle.start;
    cycle.plan.greenSeconds.forEach((green, p) => {
      const steps: Array<[number, string]> = [
        [green + (p === 0 ? cycle.dwell : 0), state(p, 'green')],
        [cycle.plan.amberSeconds, state(p, 'amber')],
        [cycle.plan.allRedSeconds, state(p, 'red')],
      ];
      for (const [duration, s] of steps) {
        const from = Math.max(0, t);
        t += duration;
        if (t > from) phases.push({ duration: t - from, state: s });
      }
    });
  }
  // merge equal neighbours (shorter file, same signals)
  const merged: typeof phases = [];
  for (const p of phases) {
    const last = merged[merged.length - 1];
    if (last && last.state === p.state) last.duration += p.duration;
    else merged.push({ ...p });
  }
  return [
    `  <tlLogic id="${crossingId}" type="static" programID="${programId}" offset="0">`,
    ...merged.map((p) => `    <phase duration="${Math.round(p.duration * 1000) / 1000}" state="${p.state}"/>`),
    '  </tlLogic>',
  ].join('\n');
}

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
  engine_full_day: { fixed_mean_delay_s: number; crosscast_mean_delay_s: number; delay_reduction_pct: number };
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
  const window = options.window ?? (options.quick || scenario.name === 'boroondara'
    ? { from: 6 * 3600, to: 10 * 3600, note: 'the morning: vehicles departing 06:00-10:00 only (a full day in SUMO is too slow for the time budget); both runs start from an empty network at 06:00' }
    : { from: 0, to: 86_400, note: 'the whole day' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `crosscast-timing-${scenario.name}-`));
  const file = (name: string) => path.join(dir, name);
  const network: Network = { ...scenario.network, crossings: scenario.network.crossings.map((c) => ({ ...c, control: { kind: 'fixed', plan: fixedPlans[c.id] } })) };
  fs.writeFileSync(file('net.nod.xml'), sumoNodesXml(network));
  fs.writeFileSync(file('net.edg.xml'), sumoEdgesXml(network));
  fs.writeFileSync(file('net.con.xml'), sumoConnectionsXml(network));
  fs.writeFileSync(file('net.tll.xml'), sumoTlsXml(network, { permittedLeft: false }));
  const netconvert = spawnSync('netconvert', [
    '--node-files', file('net.nod.xml'), '--edge-files', file('net.edg.xml'), '--connection-files', file('net.con.xml'), '--tllogic-files', file('net.tll.xml'),
    '--no-internal-links', 'true', '--no-turnarounds', 'true', '--output-file', file('net.net.xml'),
  ], { encoding: 'utf8' });
  if (netconvert.status !== 0) throw new Error(`netconvert failed: ${netconvert.stderr}`);
  const vehicles = fixedRun.departures.filter((d) => d.departSeconds >= window.from && d.departSeconds < window.to);
  fs.writeFileSync(file('routes.rou.xml'), sumoRoutesXml(vehicles, SUMO_PASSENGER_CAR));
  const end = window.to + 4 * 3600;
  options.log(`  SUMO ${scenario.name}: ${vehicles.length} vehicles departing ${window.from / 3600}-${window.to / 3600} h, files in ${dir}`);

  const results: Record<'fixed' | 'crosscast', SumoStrategyResult> = {} as never;
  for (const [name, run] of [['fixed', fixedRun], ['crosscast', crosscastRun]] as const) {
    const programs = network.crossings.map((c) => {
      const requests = run.requests.filter((r) => r.crossingId === c.id);
      return timelineTlLogic(network, c.id, signalCycles(fixedPlans[c.id], requests, end + 600), `bench-${name}`);
    });
    fs.mkdirSync(file(name), { recursive: true });
    results[name] = runSumoWith(network, file(name), programs.join('\n'), file('routes.rou.xml'), end);
    options.log(`  SUMO ${scenario.name} ${name}: ${JSON.stringify(results[name])}`);
  }
  const reduction = Math.round((10_000 * (results.fixed.mean_delay_s - results.crosscast.mean_delay_s)) / results.fixed.mean_delay_s) / 100;
  const engineReduction = Math.round((10_000 * (fixedRun.mean_delay_s - crosscastRun.mean_delay_s)) / fixedRun.mean_delay_s) / 100;
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
    engine_full_day: { fixed_mean_delay_s: fixedRun.mean_delay_s, crosscast_mean_delay_s: crosscastRun.mean_delay_s, delay_reduction_pct: engineReduction },
  };
}
