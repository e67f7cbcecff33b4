/**
 * `npm run bench:sim-speed`: how fast is the simulation engine?
 *
 * 4×4, 10×10 and 32×32 grids at moderate demand (600 veh/h per entry, about 40 % of an
 * approach's capacity), one simulated hour each, every scenario in its own Node process so
 * peak memory is its own; the fastest of REPEATS runs counts (the cores are shared), and
 * CPU time is reported beside wall time. Then SUMO on the identical 10×10 scenario (the same vehicles:
 * departure times and routes) for the same simulated hour; netconvert time is reported
 * separately and not counted in SUMO's time.
 *
 * Writes bench/results/sim-speed.json.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SUMO_CALIBRATED, createSimulation, generateGrid } from '@crosscast/simulation';
import { findSumo, runSumo, sumoVersion } from './sim-sumo';

const OUT = path.join('bench', 'results', 'sim-speed.json');
const SIZES = [4, 10, 32];
const DEMAND = 600;
const HOUR = 3600;
const r2 = (x: number) => Math.round(x * 100) / 100;

interface ScenarioResult {
  grid: string;
  crossings: number;
  links: number;
  sim_seconds: number;
  build_seconds: number;
  wall_seconds: number;
  cpu_seconds: number;
  first_run_wall_seconds?: number;
  first_run_cpu_seconds?: number;
  sim_seconds_per_wall_second: number;
  vehicles_entered: number;
  vehicles_completed: number;
  vehicles_per_wall_second: number;
  vehicle_seconds_per_wall_second: number;
  mean_travel_s: number;
  mean_delay_s: number;
  peak_rss_mb: number;
  peak_heap_used_mb: number;
  baseline_rss_mb: number;
}

/** The machine's 2 cores are shared: each scenario runs REPEATS times in its process, the fastest run counts. */
const REPEATS = 3;

function scenario(n: number): ScenarioResult {
  let best: ScenarioResult | null = null;
  let first: ScenarioResult | null = null;
  for (let run = 1; run <= REPEATS; run++) {
    const result = timedRun(n, run);
    first ??= result;
    if (!best || result.wall_seconds < best.wall_seconds) best = result;
  }
  // the first run includes the JIT warming up: the honest figure for a one-off run
  return { ...best!, first_run_wall_seconds: first!.wall_seconds, first_run_cpu_seconds: first!.cpu_seconds, peak_rss_mb: r2(process.resourceUsage().maxRSS / 1024) };
}

function timedRun(n: number, run: number): ScenarioResult {
  const baselineRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const network = generateGrid({ rows: n, cols: n, demandLevel: DEMAND, seed: 1 });
  const sim = createSimulation(network, { seed: 1, ...SUMO_CALIBRATED });
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  let peakHeap = 0;
  let vehicleSeconds = 0;
  for (let t = 60; t <= HOUR; t += 60) {
    sim.advanceTo(t);
    vehicleSeconds += sim.conservation().inside * 60;
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    if (t % 600 === 0) process.stderr.write(`  ${n}×${n} run ${run}/${REPEATS}: ${t / 60} simulated min, ${((performance.now() - t1) / 1000).toFixed(1)} s wall, ${sim.conservation().inside} vehicles inside\n`);
  }
  const wall = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const totals = sim.totals();
  return {
    grid: `${n}x${n}`,
    crossings: network.crossings.length,
    links: network.links.length,
    sim_seconds: HOUR,
    build_seconds: r2((t1 - t0) / 1000),
    wall_seconds: r2(wall),
    cpu_seconds: r2((cpu.user + cpu.system) / 1e6),
    sim_seconds_per_wall_second: Math.round(HOUR / wall),
    vehicles_entered: totals.entered,
    vehicles_completed: totals.exited,
    vehicles_per_wall_second: Math.round(totals.entered / wall),
    vehicle_seconds_per_wall_second: Math.round(vehicleSeconds / wall),
    mean_travel_s: r2(totals.meanTravelSeconds),
    mean_delay_s: r2(totals.meanDelaySeconds),
    peak_rss_mb: r2(process.resourceUsage().maxRSS / 1024),
    peak_heap_used_mb: r2(peakHeap / 1024 / 1024),
    baseline_rss_mb: r2(baselineRss / 1024 / 1024),
  };
}

function runChild(n: number): ScenarioResult {
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', String(n)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.status !== 0) throw new Error(`scenario ${n}×${n} failed`);
  return JSON.parse(child.stdout);
}

function sumoComparison(ours: ScenarioResult) {
  if (!findSumo()) {
    console.log('sumo is not on PATH: SUMO comparison skipped');
    return { skipped: true, reason: 'sumo not on PATH' };
  }
  const n = 10;
  const network = generateGrid({ rows: n, cols: n, demandLevel: DEMAND, seed: 1 });
  // the same seed as the timed run, with recording on: the same vehicles
  const sim = createSimulation(network, { seed: 1, ...SUMO_CALIBRATED, recordVehicles: true });
  sim.advanceTo(HOUR);
  const departures = sim.takeDepartures();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-sim-speed-'));
  console.log(`SUMO on the same ${n}×${n} scenario: ${departures.length} vehicles, one simulated hour (files in ${dir}) ...`);
  const run = runSumo(network, departures, dir, { endSeconds: HOUR, permittedLeft: false });
  const sumoRate = HOUR / run.sumoSeconds;
  const result = {
    skipped: false,
    sumo_version: sumoVersion(),
    grid: `${n}x${n}`,
    vehicles: departures.length,
    sim_seconds: HOUR,
    netconvert_seconds: r2(run.netconvertSeconds),
    sumo_wall_seconds: r2(run.sumoSeconds),
    sumo_sim_seconds_per_wall_second: r2(sumoRate),
    ours_wall_seconds: ours.wall_seconds,
    ours_sim_seconds_per_wall_second: ours.sim_seconds_per_wall_second,
    ours_first_run_wall_seconds: ours.first_run_wall_seconds!,
    speed_ratio_ours_over_sumo: r2(run.sumoSeconds / ours.wall_seconds),
    speed_ratio_first_run_over_sumo: r2(run.sumoSeconds / ours.first_run_wall_seconds!),
    sumo_cpu_seconds: run.sumoCpuSeconds === null ? null : r2(run.sumoCpuSeconds),
    ours_cpu_seconds: ours.cpu_seconds,
    ours_first_run_cpu_seconds: ours.first_run_cpu_seconds!,
    cpu_speed_ratio_ours_over_sumo: run.sumoCpuSeconds === null ? null : r2(run.sumoCpuSeconds / ours.cpu_seconds),
    cpu_speed_ratio_first_run_over_sumo: run.sumoCpuSeconds === null ? null : r2(run.sumoCpuSeconds / ours.first_run_cpu_seconds!),
    sumo_peak_rss_mb: run.sumoPeakRssMb === null ? null : r2(run.sumoPeakRssMb),
    sumo_trips_completed_in_hour: run.trips.size,
    note: 'SUMO time is the sumo process wall time (loading the network and routes included, netconvert excluded); step 1 s, no GUI, tripinfo output on',
  };
  console.log(`  SUMO ${result.sumo_wall_seconds} s wall (${result.sumo_sim_seconds_per_wall_second} sim s per s), netconvert ${result.netconvert_seconds} s; ours ${ours.wall_seconds} s: ${result.speed_ratio_ours_over_sumo}× faster by wall time, ${result.cpu_speed_ratio_ours_over_sumo ?? '?'}× by CPU time (SUMO ${result.sumo_cpu_seconds ?? '?'} s, ours ${ours.cpu_seconds} s); first (cold) run: ${result.speed_ratio_first_run_over_sumo}× by wall, ${result.cpu_speed_ratio_first_run_over_sumo ?? '?'}× by CPU`);
  return result;
}

function main(): void {
  const childIndex = process.argv.indexOf('--child');
  if (childIndex >= 0) {
    process.stdout.write(JSON.stringify(scenario(Number(process.argv[childIndex + 1]))));
    return;
  }
  console.log(`Simulation speed: one simulated hour (fastest of ${REPEATS} runs), ${DEMAND} veh/h per entry, 1 s steps, SUMO-calibrated settings, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'})`);
  const results: ScenarioResult[] = [];
  for (const n of SIZES) {
    console.log(`running ${n}×${n} ...`);
    results.push(runChild(n));
  }
  console.log('\ngrid    crossings  wall s  CPU s  1st run wall s  sim s/wall s  vehicles  veh/wall s  peak RSS MB  peak heap MB');
  for (const r of results) {
    console.log(`${r.grid.padEnd(7)} ${String(r.crossings).padStart(9)} ${r.wall_seconds.toFixed(2).padStart(7)} ${r.cpu_seconds.toFixed(2).padStart(6)} ${r.first_run_wall_seconds!.toFixed(2).padStart(15)} ${String(r.sim_seconds_per_wall_second).padStart(13)} ${String(r.vehicles_entered).padStart(9)} ${String(r.vehicles_per_wall_second).padStart(11)} ${r.peak_rss_mb.toFixed(0).padStart(12)} ${r.peak_heap_used_mb.toFixed(0).padStart(13)}`);
  }
  console.log('');
  const sumo = sumoComparison(results.find((r) => r.grid === '10x10')!);
  const big = results.find((r) => r.grid === '32x32')!;
  const json = {
    generated_by: 'npm run bench:sim-speed',
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    demand_veh_per_hour_per_entry: DEMAND,
    repeats_fastest_counts: REPEATS,
    load_average_at_end: os.loadavg().map(r2),
    scenarios: results,
    sumo,
    goals: {
      grid_32x32_hour_under_10s: big.wall_seconds < 10,
      grid_32x32_hour_under_10s_first_run: big.first_run_wall_seconds! < 10,
      at_least_50x_sumo_on_10x10: 'speed_ratio_first_run_over_sumo' in sumo ? sumo.speed_ratio_first_run_over_sumo >= 50 : null,
      at_least_50x_sumo_on_10x10_by_cpu_time: 'cpu_speed_ratio_first_run_over_sumo' in sumo && sumo.cpu_speed_ratio_first_run_over_sumo !== null ? sumo.cpu_speed_ratio_first_run_over_sumo >= 50 : null,
    },
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(json, null, 2) + '\n');
  console.log(`32×32 hour under 10 s: ${json.goals.grid_32x32_hour_under_10s ? 'met' : 'MISSED'} (${big.wall_seconds} s); at least 50× SUMO: ${json.goals.at_least_50x_sumo_on_10x10 === null ? 'skipped' : json.goals.at_least_50x_sumo_on_10x10 ? 'met' : 'MISSED'}`);
  console.log(`wrote ${OUT}`);
}

main();
