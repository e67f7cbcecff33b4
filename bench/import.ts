/**
 * `npm run bench:import [-- --quick] [-- --networks spider,random]`: bring-your-own-city imports
 * against their own simulators. `--networks` runs only the named SUMO networks, skips the
 * CityFlow part and prints the table without writing the results file (a partial run).
 *
 * 1. SUMO ("same network, same answer"): netgenerate makes a grid, a spider, a random
 *    network and a grid with signalised and unsignalised junctions mixed; randomTrips.py +
 *    duarouter make the vehicles at three demand levels (one routes file per level, the
 *    default passenger car with no speed spread). SUMO runs the original network with that
 *    file; our engine runs the imported network (npm run sim:import's importSumo) with the
 *    very same vehicles (SimulationOptions.vehicles). Per vehicle matched by id: travel time
 *    (SUMO duration) and delay (ours: travel − free flow; SUMO: timeLoss). Goals: mean
 *    travel time within 15 %, mean delay within 25 %.
 * 2. CityFlow: a 4×4 grid written in CityFlow's format by generateCityFlowGrid (we have no
 *    CityFlow files; the generator follows the format of CityFlow's documentation), imported
 *    by importCityFlow, run for 3,600 s under the signal-control benchmarks' protocol (four
 *    phases, decisions every 15 s, 5 s yellow) with the imported fixed-time program and with
 *    max-pressure. Travel time as CityFlow's get_average_travel_time: over every vehicle
 *    that departed, finished ones by their trip, unfinished ones until the end of the run.
 *
 * 3. Junction checks (part of 1): saturated flows on one or two approaches of the spider's
 *    five-arm signal and the random network's six-arm signal only, and on one approach of a
 *    signalised grid junction at four junction radii (the calibration of a slow movement's
 *    headway), vehicles over the stop line per cycle, SUMO against ours (junctionChecks).
 *
 * Needs sumo, netgenerate, duarouter and /usr/share/sumo/tools/randomTrips.py for part 1
 * (skipped with a reason when missing). Writes bench/results/import.json, and the generated
 * CityFlow files to .data/bench-import/cityflow-4x4/ (roadnet.json, flow.json).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CompletedTrip, DEFAULT_MAX_PRESSURE, ImportedNetwork, SUMO_CALIBRATED, SUMO_PASSENGER_CAR, createSimulation, generateCityFlowGrid, importCityFlow, importSumo,
} from '@crosscast/simulation';
import { readTripinfo, sumoVersion } from './sim-sumo';

const OUT = path.join('bench', 'results', 'import.json');
/** Where the generated CityFlow grid is written (roadnet.json, flow.json). */
const CITYFLOW_DIR = path.join('.data', 'bench-import', 'cityflow-4x4');
const QUICK = process.argv.includes('--quick');
const NETWORKS_ARG = process.argv.indexOf('--networks');
/** Only these SUMO networks (by name), or all. */
const ONLY: string[] | null = NETWORKS_ARG >= 0 ? (process.argv[NETWORKS_ARG + 1] ?? '').split(',').filter(Boolean) : null;
const SUMO_HOME = process.env.SUMO_HOME ?? '/usr/share/sumo';
const RANDOM_TRIPS = path.join(SUMO_HOME, 'tools', 'randomTrips.py');
const r2 = (x: number) => Math.round(x * 100) / 100;
const pct = (ours: number, reference: number) => r2((100 * (ours - reference)) / reference);
const env = { ...process.env, SUMO_HOME };

function run(cmd: string, args: string[], cwd: string): string {
  const p = spawnSync(cmd, args, { cwd, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  if (p.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${p.stderr || p.stdout}`);
  return `${p.stdout}${p.stderr}`;
}

function haveSumoTools(): string | null {
  for (const tool of ['sumo', 'netgenerate', 'duarouter']) if (spawnSync(tool, ['--version'], { env }).status !== 0) return `${tool} not on PATH`;
  if (!fs.existsSync(RANDOM_TRIPS)) return `${RANDOM_TRIPS} missing`;
  return null;
}

interface SumoNet { name: string; description: string; netgenerate: string[]; fringeFactor: number }

const NETWORKS: SumoNet[] = [
  {
    name: 'grid', description: 'netgenerate grid 3×3, 200 m, 2 lanes, 150 m fringe roads, every junction signalised (--tls.guess)',
    netgenerate: ['--grid', '--grid.number', '3', '--grid.length', '200', '--grid.attach-length', '150', '--default.lanenumber', '2', '--tls.guess', 'true'], fringeFactor: 20,
  },
  {
    name: 'spider', description: 'netgenerate spider, 5 arms × 3 circles, 150 m, 1 lane, signals guessed (--tls.guess)',
    netgenerate: ['--spider', '--spider.arm-number', '5', '--spider.circle-number', '3', '--spider.space-radius', '150', '--default.lanenumber', '1', '--tls.guess', 'true'], fringeFactor: 5,
  },
  {
    name: 'random', description: 'netgenerate random network (30 iterations, seed 7, 100-250 m), 1 lane, signals guessed (--tls.guess)',
    netgenerate: ['--rand', '--rand.iterations', '30', '--seed', '7', '--rand.min-distance', '100', '--rand.max-distance', '250', '--default.lanenumber', '1', '--tls.guess', 'true'], fringeFactor: 5,
  },
  {
    name: 'mixed', description: 'netgenerate grid 3×3, 200 m, 1 lane, 150 m fringe roads; signals at A0, B1, C2, A2 only (--tls.set), the other junctions priority',
    netgenerate: ['--grid', '--grid.number', '3', '--grid.length', '200', '--grid.attach-length', '150', '--default.lanenumber', '1', '--default-junction-type', 'priority', '--tls.set', 'A0,B1,C2,A2'], fringeFactor: 20,
  },
];

/** Seconds between departures (randomTrips --period) for the three demand levels. */
const LEVELS = [{ name: 'low', period: 4 }, { name: 'medium', period: 2.5 }, { name: 'high', period: 1.6 }];
const DEMAND_S = QUICK ? 600 : 1800;
/** Seconds of saturated demand in each junction check (40 cycles of 90 s). */
const CHECK_S = QUICK ? 600 : 3600;
const CAP_S = DEMAND_S + 3600;

function vTypeXml(): string {
  const t = SUMO_PASSENGER_CAR;
  return `<additional>\n  <vType id="${t.id}" accel="${t.accel}" decel="${t.decel}" sigma="${t.sigma}" length="${t.length}" minGap="${t.minGap}" tau="${t.tau}" maxSpeed="${t.maxSpeed}" speedDev="${t.speedDev}"/>\n</additional>\n`;
}

/**
 * SUMO's Krauss car dawdles: every second it may lose up to sigma × accel of speed, so on
 * a free road it averages v − sigma × accel / 2 (13.89 − 0.5 × 2.6 / 2 = 13.24 m/s at
 * 50 km/h, every netgenerate road here): our vehicles cruise at that share of the speed.
 * Derived from the car's parameters, not fitted to these results.
 */
const KRAUSS_CRUISE = 1 - (SUMO_PASSENGER_CAR.sigma * SUMO_PASSENGER_CAR.accel) / 2 / 13.89;

function oursOn(imported: ImportedNetwork, until: number) {
  const sim = createSimulation({ ...imported.network, demand: [] }, { seed: 1, vehicles: imported.vehicles, recordTrips: true, ...SUMO_CALIBRATED, cruiseSpeedFactor: KRAUSS_CRUISE });
  const last = imported.vehicles.reduce((m, v) => Math.max(m, v.departSeconds), 0);
  sim.advanceTo(last + 1);
  while (sim.conservation().inside + sim.conservation().waitingToEnter > 0 && sim.nowSeconds < until) sim.advanceTo(sim.nowSeconds + 300);
  const c = sim.conservation();
  return { trips: new Map(sim.takeCompletedTrips().map((t) => [t.scheduledId!, t])), stuck: c.inside + c.waitingToEnter };
}

function sumoPart() {
  const missing = haveSumoTools();
  if (missing) {
    console.log(`SUMO comparison skipped: ${missing}`);
    return { skipped: true, reason: missing };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-bench-import-'));
  fs.writeFileSync(path.join(dir, 'car.add.xml'), vTypeXml());
  console.log(`SUMO: ${sumoVersion()}; ${DEMAND_S} s of demand per level, both run until every vehicle has left (ours capped at ${CAP_S} s); files in ${dir}`);
  console.log('network  level   signals unsig. vehicles  TT ours  TT SUMO   err %  delay ours  timeLoss SUMO   err %  teleports');
  const networks = [];
  for (const net of NETWORKS.filter((n) => !ONLY || ONLY.includes(n.name))) {
    const netFile = path.join(dir, `${net.name}.net.xml`);
    run('netgenerate', [...net.netgenerate, '--output-file', netFile], dir);
    const netXml = fs.readFileSync(netFile, 'utf8');
    const levels = [];
    let signals = 0;
    let unsignalised = 0;
    let notes: string[] = [];
    for (const level of LEVELS) {
      const rou = path.join(dir, `${net.name}-${level.name}.rou.xml`);
      run('python3', [
        RANDOM_TRIPS, '-n', netFile, '-o', path.join(dir, `${net.name}-${level.name}.trips.xml`), '-r', rou, '-b', '0', '-e', String(DEMAND_S), '-p', String(level.period),
        '--seed', '1', '--fringe-factor', String(net.fringeFactor), '--min-distance', '300', '--additional-file', path.join(dir, 'car.add.xml'),
        '--trip-attributes', 'type="car" departLane="best" departSpeed="max"', '--validate',
      ], dir);
      const imported = importSumo(netXml, fs.readFileSync(rou, 'utf8'));
      signals = imported.signalised.length;
      unsignalised = imported.network.crossings.length - signals;
      notes = imported.notes;
      const t0 = performance.now();
      const ours = oursOn(imported, CAP_S);
      const oursSeconds = (performance.now() - t0) / 1000;
      const tripinfo = path.join(dir, `${net.name}-${level.name}.tripinfo.xml`);
      const t1 = performance.now();
      const log = run('sumo', ['-n', netFile, '-r', rou, '--tripinfo-output', tripinfo, '--step-length', '1', '--seed', '1', '--time-to-teleport', '300', '--no-step-log', 'true', '--duration-log.disable', 'true', '--xml-validation', 'never'], dir);
      const sumoSeconds = (performance.now() - t1) / 1000;
      const sumoTrips = readTripinfo(fs.readFileSync(tripinfo, 'utf8'));
      const teleports = (log.match(/Teleporting vehicle/g) ?? []).length;
      // tripinfo ids are numeric in randomTrips files; match ours by the same id
      let n = 0; let ttO = 0; let ttS = 0; let dO = 0; let dS = 0;
      for (const [id, s] of sumoTrips) {
        const o: CompletedTrip | undefined = ours.trips.get(String(id));
        if (!o) continue;
        n++; ttO += o.travelSeconds; ttS += s.duration; dO += o.delaySeconds; dS += s.timeLoss;
      }
      const row = {
        level: level.name, randomtrips_period_s: level.period, vehicles: imported.vehicles.length, matched: n,
        ours_completed: ours.trips.size, ours_stuck_at_cap: ours.stuck, sumo_completed: sumoTrips.size, sumo_teleports: teleports,
        tt_ours_s: r2(ttO / n), tt_sumo_s: r2(ttS / n), tt_error_pct: pct(ttO, ttS),
        delay_ours_s: r2(dO / n), time_loss_sumo_s: r2(dS / n), delay_error_pct: pct(dO, dS),
        ours_seconds: r2(oursSeconds), sumo_seconds: r2(sumoSeconds),
      };
      levels.push(row);
      console.log(`${net.name.padEnd(8)} ${level.name.padEnd(7)} ${String(signals).padStart(7)} ${String(unsignalised).padStart(6)} ${String(row.vehicles).padStart(8)} ${row.tt_ours_s.toFixed(1).padStart(8)} ${row.tt_sumo_s.toFixed(1).padStart(8)} ${row.tt_error_pct.toFixed(1).padStart(7)} ${row.delay_ours_s.toFixed(1).padStart(11)} ${row.time_loss_sumo_s.toFixed(1).padStart(14)} ${row.delay_error_pct.toFixed(1).padStart(7)} ${String(teleports).padStart(10)}`);
    }
    networks.push({
      name: net.name, description: net.description, netgenerate: net.netgenerate.join(' '), signals, unsignalised_junctions: unsignalised, import_notes: notes, levels,
      goal_tt_within_15pct: levels.every((l) => Math.abs(l.tt_error_pct) <= 15),
      goal_delay_within_25pct: levels.every((l) => Math.abs(l.delay_error_pct) <= 25),
      worst_tt_error_pct: Math.max(...levels.map((l) => Math.abs(l.tt_error_pct))),
      worst_delay_error_pct: Math.max(...levels.map((l) => Math.abs(l.delay_error_pct))),
    });
  }
  return {
    skipped: false,
    junction_checks: junctionChecks(dir),
    sumo_version: sumoVersion(),
    demand: `randomTrips.py -b 0 -e ${DEMAND_S} -p <period> --seed 1 --fringe-factor <per network> --min-distance 300 --validate (duarouter routes), vType ${JSON.stringify(SUMO_PASSENGER_CAR)}, departLane best, departSpeed max`,
    sumo_settings: 'the netgenerate network as it is (internal junction lanes included), step 1 s, seed 1, time-to-teleport 300 s',
    ours: 'importSumo(net, routes) → createSimulation with the routes file\'s vehicles (SimulationOptions.vehicles), SUMO_CALIBRATED and cruiseSpeedFactor for the Krauss dawdling; link length = lane length + mean internal lane length of its connections, free-flow time including the slower junction lanes, storage the cars that fit standing on its lanes (7.5 m each); per movement an approach loss for braking to the turn speed (minor links: to the speed it can stop from within 4.5 m) and speeding up again, and for a slow movement a following headway (SUMO\'s saturated headway at road speed, 1.9 s, + 7.5 m × (1 / turn speed − 1 / road speed), measured in the calibration checks) behind a car of it and for a car of it behind the one ahead; per yielding movement a clearing time on top of the critical gap: what the junction\'s internal lanes add to SUMO\'s leave times (its own path from a stop, or arriving at its approach speed, and its slowest foe\'s path, at the foe\'s minor approach speed when it yields itself); per movement that others yield to its path times from a stop (its path and length from a standstill at the stop line, or a car spacing behind it, against crossing at speed)',
    yielding: 'a yielding vehicle goes into a gap of its critical gap (SUMO_CALIBRATED 5 s, measured without internal lanes) + its clearing time; a foe at the head of its queue that yields itself still counts from now (not the vehicles behind it), unless it waits for this movement through a cycle of yields; a foe that had stopped keeps its path occupied after crossing the stop line for its path time from a stop (the head of its queue) or from a car spacing back (one following it out of the queue); a foe head that yields only to vehicles queued behind the yielding one goes first, its queue counting behind it, and the yielding vehicle goes before it with a full gap or after it has crossed (heads waiting through the red start together; of two waiting only for each other\'s queues, the one at its stop line first goes first); vehicles on their way to a lane group whose head waits for the yielding movement do not count',
    cruise_speed_factor: Math.round(KRAUSS_CRUISE * 10000) / 10000,
    compared: 'per vehicle matched by id: travel time (SUMO duration) and delay (ours travel − free flow; SUMO timeLoss)',
    networks,
    goal_tt_within_15pct: networks.every((n) => n.goal_tt_within_15pct),
    goal_delay_within_25pct: networks.every((n) => n.goal_delay_within_25pct),
  };
}

/**
 * Junction checks: saturated flows on one or two approaches of the spider's five-arm signal
 * A1 and the random network's six-arm signal 4 only (nothing else on the network), each
 * approach's vehicles taking its movements in the shares its vehicles take in the high
 * level's routes file, each starting on the edge that feeds the approach and leaving one
 * edge after the junction, for an hour. Vehicles over the stop line per 90 s cycle (from the third cycle to the last full one of the demand; SUMO:
 * leaving the approach edge), SUMO against ours on the same vehicles: the junction's
 * capacity by itself, apart from the network's queues and spill-back.
 */
function junctionChecks(dir: string) {
  // the slow-movement headway's calibration: a signalised grid junction (B1) whose approach A1B1 carries right turns only,
  // at four junction radii (turn speeds), and straight through
  const calibration = (radius: number, out: string, what: string) => ({
    name: `calibration, junction radius ${radius} m: approach A1B1 alone, ${what}`, net: `calibration-r${radius}`, approaches: ['A1B1'], throughOnly: false, period: 1.6, only: out,
    netgenerate: ['--grid', '--grid.number', '3', '--grid.length', '200', '--grid.attach-length', '200', '--default.lanenumber', '1', '--default-junction-type', 'priority', '--tls.set', 'B1', '--default.junctions.radius', String(radius)],
  });
  const cases: { name: string; net: string; approaches: string[]; throughOnly: boolean; period: number; only?: string; netgenerate?: string[] }[] = [
    { name: 'spider A1: approach B1A1 alone, through only', net: 'spider', approaches: ['B1A1'], throughOnly: true, period: 1.6 },
    { name: 'spider A1: approach B1A1 alone, its movement mix', net: 'spider', approaches: ['B1A1'], throughOnly: false, period: 1.6 },
    { name: 'spider A1: B1A1 and the opposing B4A1, 1,200 veh/h each', net: 'spider', approaches: ['B1A1', 'B4A1'], throughOnly: false, period: 3 },
    { name: 'random 4: approach 5 alone, its movement mix', net: 'random', approaches: ['5'], throughOnly: false, period: 1.6 },
    calibration(4, 'B1C1', 'through only'),
    ...[4, 8, 12, 16].map((r) => calibration(r, 'B1B0', 'right turns only')),
  ];
  const rows = [];
  for (const c of cases) {
    const netFile = path.join(dir, `${c.net}.net.xml`);
    if (c.netgenerate && !fs.existsSync(netFile)) run('netgenerate', [...c.netgenerate, '--output-file', netFile], dir);
    if (!fs.existsSync(netFile)) continue;
    const netXml = fs.readFileSync(netFile, 'utf8');
    const conns = [...netXml.matchAll(/<connection from="([^":][^"]*)" to="([^"]+)"[^>]*dir="(\w)"/g)].map((m) => ({ from: m[1], to: m[2], dir: m[3] }));
    const edgeEnds = new Map([...netXml.matchAll(/<edge id="([^":][^"]*)" from="([^"]+)" to="([^"]+)"/g)].map((m) => [m[1], { from: m[2], to: m[3] }]));
    const routesXml = c.only ? '' : fs.readFileSync(path.join(dir, `${c.net}-high.rou.xml`), 'utf8');
    // per approach: its movement shares in the high level's routes (or the one movement), and the edge feeding it
    const flows = c.approaches.map((a) => {
      const shares = new Map<string, number>(c.only ? [[c.only, 1]] : []);
      for (const m of routesXml.matchAll(/<route edges="([^"]+)"/g)) {
        const e = m[1].split(' ');
        const i = e.indexOf(a);
        if (i >= 0 && i + 1 < e.length && (!c.throughOnly || conns.some((x) => x.from === a && x.to === e[i + 1] && x.dir === 's'))) shares.set(e[i + 1], (shares.get(e[i + 1]) ?? 0) + 1);
      }
      const feeders = conns.filter((x) => x.to === a && x.dir !== 't');
      const feeder = (feeders.find((x) => x.dir === 's') ?? feeders[0]).from;
      return { approach: a, feeder, shares: [...shares.entries()].sort() };
    });
    const after = (out: string) => conns.find((x) => x.from === out && x.dir !== 't' && edgeEnds.get(x.to)?.to !== edgeEnds.get(out)?.from)?.to;
    // deterministic draws: a fixed linear congruential sequence
    let state = 12345;
    const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    const vehicles: string[] = [];
    let id = 0;
    for (let t = 0; t < CHECK_S; t += c.period) {
      for (const f of flows) {
        const total = f.shares.reduce((sum, [, n]) => sum + n, 0);
        let u = uniform() * total;
        const out = f.shares.find(([, n]) => (u -= n) < 0)?.[0] ?? f.shares[f.shares.length - 1][0];
        const next = after(out);
        vehicles.push(`  <vehicle id="${id++}" type="car" depart="${t.toFixed(2)}" departLane="best" departSpeed="max"><route edges="${[f.feeder, f.approach, out, ...(next ? [next] : [])].join(' ')}"/></vehicle>`);
      }
    }
    const t0 = SUMO_PASSENGER_CAR;
    const rou = path.join(dir, `check-${rows.length}.rou.xml`);
    fs.writeFileSync(rou, `<routes>\n  <vType id="${t0.id}" accel="${t0.accel}" decel="${t0.decel}" sigma="${t0.sigma}" length="${t0.length}" minGap="${t0.minGap}" tau="${t0.tau}" maxSpeed="${t0.maxSpeed}" speedDev="${t0.speedDev}"/>\n${vehicles.join('\n')}\n</routes>\n`);
    const vr = path.join(dir, `check-${rows.length}.vehroutes.xml`);
    run('sumo', ['-n', netFile, '-r', rou, '--vehroute-output', vr, '--vehroute-output.exit-times', 'true', '--end', String(CHECK_S + 300), '--step-length', '1', '--seed', '1', '--time-to-teleport', '300', '--no-step-log', 'true', '--duration-log.disable', 'true', '--xml-validation', 'never'], dir);
    const cycles = (count: Map<string, number[]>) => c.approaches.map((a) => count.get(a)!.slice(2, Math.floor(CHECK_S / 90)));
    const sumoCount = new Map(c.approaches.map((a) => [a, new Array<number>(Math.ceil(CHECK_S / 90) + 10).fill(0)]));
    for (const m of fs.readFileSync(vr, 'utf8').matchAll(/<route edges="([^"]+)" exitTimes="([^"]+)"/g)) {
      const e = m[1].split(' ');
      const x = m[2].split(' ').map(Number);
      for (const a of c.approaches) if (e.includes(a)) sumoCount.get(a)![Math.floor(x[e.indexOf(a)] / 90)]++;
    }
    const imported = importSumo(netXml, fs.readFileSync(rou, 'utf8'));
    const index = new Map(imported.network.links.map((l, i) => [i, l.id]));
    const oursCount = new Map(c.approaches.map((a) => [a, new Array<number>(Math.ceil(CHECK_S / 90) + 10).fill(0)]));
    const sink = { stage: () => undefined, arrive: () => undefined, depart: (link: number, _ready: number, release: number) => { oursCount.get(index.get(link)!)?.splice(Math.floor(release / 90), 1, oursCount.get(index.get(link)!)![Math.floor(release / 90)] + 1); } };
    const sim = createSimulation({ ...imported.network, demand: [] }, { seed: 1, vehicles: imported.vehicles, ...SUMO_CALIBRATED, cruiseSpeedFactor: KRAUSS_CRUISE, eventSink: sink });
    sim.advanceTo(CHECK_S + 200);
    const mean = (xs: number[]) => r2(xs.reduce((a, b) => a + b, 0) / xs.length);
    const sumoCycles = cycles(sumoCount);
    const oursCycles = cycles(oursCount);
    const viaOf = (from: string, to: string) => netXml.match(new RegExp(`<connection from="${from}" to="${to}"[^>]*via="([^"]+)"`))?.[1];
    const turnSpeed = c.only ? Number(netXml.match(new RegExp(`<lane id="${viaOf(c.approaches[0], c.only)}"[^>]*speed="([^"]+)"`))?.[1]) : undefined;
    const row = {
      check: c.name,
      ...(turnSpeed ? { junction_lane_speed_mps: turnSpeed } : {}),
      approaches: flows.map((f, i) => ({
        approach: f.approach, from: f.feeder, movement_shares: Object.fromEntries(f.shares),
        per_cycle_sumo: mean(sumoCycles[i]), per_cycle_ours: mean(oursCycles[i]), error_pct: pct(mean(oursCycles[i]), mean(sumoCycles[i])),
      })),
    };
    rows.push(row);
    console.log(`junction check ${c.name}: ${row.approaches.map((a) => `${a.approach} ${a.per_cycle_ours} vs SUMO ${a.per_cycle_sumo} per cycle (${a.error_pct} %)`).join(', ')}`);
  }
  return rows;
}

function cityflowPart() {
  const rows = 4;
  const cols = 4;
  const horizon = 3600;
  const entry = 300;
  const { roadnet, flow } = generateCityFlowGrid({ rows, cols, entryVehPerHour: entry, greenSeconds: 30, clearanceSeconds: 5, endTimeSeconds: horizon });
  // kept for `npm run sim:import -- --cityflow` (README, Bring your own city)
  fs.mkdirSync(CITYFLOW_DIR, { recursive: true });
  fs.writeFileSync(path.join(CITYFLOW_DIR, 'roadnet.json'), `${JSON.stringify(roadnet, null, 1)}\n`);
  fs.writeFileSync(path.join(CITYFLOW_DIR, 'flow.json'), `${JSON.stringify(flow, null, 1)}\n`);
  const imported = importCityFlow(JSON.stringify(roadnet), JSON.stringify(flow));
  const runWith = (control: 'fixed' | 'max-pressure') => {
    const sim = createSimulation({ ...imported.network, demand: [] }, { seed: 1, vehicles: imported.vehicles.filter((v) => v.departSeconds < horizon), recordTrips: true, recordVehicles: true, ...SUMO_CALIBRATED });
    if (control === 'max-pressure') {
      for (const c of imported.network.crossings) sim.setControl(c.id, { kind: 'max-pressure', settings: { ...DEFAULT_MAX_PRESSURE, decisionSeconds: 15, minGreenSeconds: 15, amberSeconds: 5, allRedSeconds: 0 } });
    }
    sim.advanceTo(horizon);
    const departures = sim.takeDepartures();
    const trips = new Map(sim.takeCompletedTrips().map((t) => [t.vehicle, t]));
    let total = 0;
    let unfinished = 0;
    for (const d of departures) {
      const t = trips.get(d.vehicle);
      if (t) total += t.exitSeconds - d.departSeconds;
      else { total += horizon - d.departSeconds; unfinished++; }
    }
    return { vehicles: departures.length, completed: trips.size, unfinished, mean_travel_time_s: r2(total / departures.length) };
  };
  const fixed = runWith('fixed');
  const mp = runWith('max-pressure');
  const ratio = Math.round((mp.mean_travel_time_s / fixed.mean_travel_time_s) * 1000) / 1000;
  console.log(`\nCityFlow ${rows}×${cols} (${imported.signalised.length} signals), ${entry} veh/h per entry road, ${horizon} s: fixed-time ${fixed.mean_travel_time_s} s (${fixed.unfinished} unfinished), max-pressure ${mp.mean_travel_time_s} s (${mp.unfinished} unfinished); ratio max-pressure / fixed-time ${ratio}`);
  return {
    network: `generateCityFlowGrid ${rows}x${cols}: 300 m roads, 3 lanes (left, straight, right), 11.111 m/s, four light phases (EW straight, EW left, NS straight, NS left; right turns in all) of 30 s, each followed by a 5 s clearance light phase of right turns only`,
    files: `${CITYFLOW_DIR}/roadnet.json and flow.json`,
    why_generated: 'no CityFlow files are in the project or its data; the generator writes the roadnet.json / flow.json format of CityFlow\'s documentation (intersections with roadLinks, laneLinks and trafficLight lightphases; roads with points and lanes; flows with vehicle, route, interval, startTime, endTime)',
    signals: imported.signalised.length,
    flows: flow.length,
    demand: `${entry} veh/h per boundary road: 60 % straight across, 20 % left and 20 % right at the first intersection then straight on; deterministic intervals (CityFlow flows)`,
    protocol: { phases: 4, decision_s: 15, yellow_s: 5, horizon_s: horizon, travel_time: 'mean over every departed vehicle: finished ones exit − departure, unfinished ones horizon − departure (CityFlow get_average_travel_time)' },
    fixed_time: { ...fixed, plan: '30 s green per phase, 5 s amber (the imported clearance), cycle 140 s, offsets 0' },
    max_pressure: { ...mp, settings: 'decision every 15 s after a 15 s minimum green, 5 s amber, no all-red; pressure = queued − downstream vehicles × saturation flow (libs/simulation MaxPressureSettings)' },
    ratio_max_pressure_over_fixed_time: ratio,
    engine: 'SUMO_CALIBRATED (our engine, not CityFlow): the ratio is our engine\'s, under the protocol\'s definitions',
  };
}

function main(): void {
  const t0 = performance.now();
  if (ONLY) {
    const unknown = ONLY.filter((name) => !NETWORKS.some((n) => n.name === name));
    if (unknown.length > 0 || ONLY.length === 0) throw new Error(`--networks: one or more of ${NETWORKS.map((n) => n.name).join(', ')} (comma-separated)${unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''}`);
    sumoPart();
    console.log(`partial run (--networks ${ONLY.join(',')}): ${OUT} not written`);
    return;
  }
  const sumo = sumoPart();
  const cityflow = cityflowPart();
  const json = { generated_by: `npm run bench:import${QUICK ? ' -- --quick' : ''}`, quick: QUICK, demand_seconds: DEMAND_S, sumo, cityflow, wall_seconds: r2((performance.now() - t0) / 1000) };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(json, null, 2)}\n`);
  if ('networks' in sumo && sumo.networks) {
    for (const n of sumo.networks) console.log(`${n.name}: travel time ${n.goal_tt_within_15pct ? 'met' : 'MISSED'} (worst ${n.worst_tt_error_pct} %, goal 15 %), delay ${n.goal_delay_within_25pct ? 'met' : 'MISSED'} (worst ${n.worst_delay_error_pct} %, goal 25 %)`);
  }
  console.log(`wrote ${OUT}`);
}

main();
