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
import { DayRun, windowMeanDelay } from './timing-run';
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

/**
 * A whole day in SUMO takes too long for the time budget (the 4×4 grid's morning alone is
 * ~2 min per run on this machine), so SUMO gets the vehicles of a peak window, starting
 * from an empty network; the engine's delay of the vehicles departing in the same window
 * (from its full-day run) is reported beside it.
 */
export const SUMO_WINDOWS: Record<TimingScenario['name'], { from: number; to: number; note: string }> = {
  grid_4x4: { from: 6 * 3600, to: 10 * 3600, note: 'the morning peak: vehicles departing 06:00-10:00 only; SUMO starts from an empty network' },
  boroondara: { from: 7.5 * 3600, to: 8.5 * 3600, note: 'the morning peak hour: vehicles departing 07:30-08:30 only; SUMO starts from an empty network and uses physical link storage (the engine runs Boroondara with vertical queues)' },
};

/**
 * The network with ids SUMO accepts (Boroondara's exit links are named like "0970>exit:E";
 * SUMO rejects '>' in ids): every node and link id with characters other than letters,
 * digits, '_', '-', '.' and ':' replaced, kept unique.
 */
export function sumoSafeNetwork(network: Network): { network: Network; id: (original: string) => string } {
  const renamed = new Map<string, string>();
  const used = new Set<string>();
  const id = (original: string): string => {
    let safe = renamed.get(original);
    if (safe !== undefined) return safe;
    const base = original.replace(/[^A-Za-z0-9_.:-]/g, '_').replace(/^:/, '_');
    safe = base;
    for (let k = 2; used.has(safe); k++) safe = `${base}_${k}`;
    used.add(safe);
    renamed.set(original, safe);
    return safe;
  };
  return {
    network: {
      nodes: network.nodes.map((n) => ({ ...n, id: id(n.id) })),
      links: network.links.map((l) => ({ ...l, id: id(l.id), from: id(l.from), to: id(l.to) })),
      crossings: network.crossings.map((c) => ({
        ...c,
        id: id(c.id),
        approaches: c.approaches.map(id),
        movements: c.movements.map((m) => ({ ...m, fromLink: id(m.fromLink), toLink: id(m.toLink) })),
      })),
      demand: network.demand.map((d) => ({ ...d, link: id(d.link) })),
    },
    id,
  };
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
  const window = options.window ?? SUMO_WINDOWS[scenario.name];
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
  fs.writeFileSync(file('routes.rou.xml'), sumoRoutesXml(vehicles, SUMO_PASSENGER_CAR));
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
