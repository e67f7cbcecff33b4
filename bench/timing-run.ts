/**
 * One simulated weekday of a scenario under one strategy, and what is measured on it.
 *
 * - The day runs 00:00–24:00 from an empty network with the scenario's demand and the
 *   given seed (the same seed gives every strategy the very same vehicles: arrivals and
 *   routes are drawn per entry, independently of the signals). After 24:00 the demand
 *   stops and the network runs until it is empty (at most 4 h), so every vehicle of the
 *   day counts in the delay.
 * - Delay per vehicle = travel time − free-flow travel time + any wait outside a full
 *   entry link; stops = times held more than 1 s at a stop line.
 * - Queue p95 = 95th percentile, over every approach link and minute of the day, of the
 *   longest stop-line queue in that minute (vehicles); also over the peak minutes only.
 * - Throughput = vehicles that completed their trip by 24:00.
 * - Gain realised (optional): at every decision that changes plans, the simulation is
 *   forked twice; one fork gets the changes, the other keeps the running plans, and both
 *   run one hour with no further change. Per changed crossing, measured gain = its
 *   stop-line delay per vehicle over that hour without the change − with it.
 */
import { FixedTimePlan, Network, SUMO_CALIBRATED, Simulation, VehicleDeparture, createSimulation } from '@crosscast/simulation';
import { PlanRequest, Strategy } from './timing-strategies';
import { DaySpec, SLOTS_PER_DAY, SLOT_SECONDS, TimingScenario } from './timing-scenarios';

const DAY_S = 86_400;
const RUN_OUT_MAX_S = 4 * 3600;

export interface GainSample {
  slot: number;
  crossingId: string;
  /** The control sent: 'fixed' (a fixed-time plan), 'coordinated-actuated', 'actuated' (free operation). */
  kind: string;
  expectedGainSeconds: number;
  measuredGainSeconds: number;
  vehiclesInHour: number;
}

export interface DayRun {
  strategy: string;
  seed: number;
  /** The day (recorded date or 'seed N'). */
  day: string;
  mean_delay_s: number;
  /** Mean travel time per vehicle (trip time + wait outside a full entry link), seconds. */
  mean_travel_s: number;
  stops_per_vehicle: number;
  queue_p95_vehicles: number;
  /** The same, over the minutes of the two peaks only (07:00–09:00, 16:30–18:30). */
  queue_p95_peaks_vehicles: number;
  throughput_vehicles: number;
  vehicles_generated: number;
  vehicles_completed: number;
  vehicles_left_after_run_out: number;
  /** Mean delay of the vehicles that entered in the morning (07:00–09:00) and evening (16:30–18:30) peaks. */
  am_peak_mean_delay_s: number;
  pm_peak_mean_delay_s: number;
  plan_changes: number;
  wall_seconds: number;
  /** Vehicles and their total delay by minute of departure (to compare any window, e.g. with SUMO). */
  byDepartureMinute: { vehicles: Float64Array; delaySeconds: Float64Array; entryWaitSeconds: Float64Array };
  /** Detector counts per link per 15-minute slot (for the next days' forecasts). */
  counts: Record<string, number[]>;
  /** Every plan sent, in order (for the SUMO export). */
  requests: Array<{ atSeconds: number; crossingId: string; plan: FixedTimePlan }>;
  /** Every change sent (plan or control), in order. */
  changes: Array<{ atSeconds: number; crossingId: string; kind: string }>;
  gains: GainSample[];
  departures: VehicleDeparture[];
  /** Per crossing: stop-line delay (s) and vehicles over its approaches, per 15-minute slot of the day. */
  crossingDelay: Record<string, { delaySeconds: number[]; vehicles: number[] }>;
  /** Per approach link: stop-line delay (s) per 15-minute slot (vehicles: `counts`). */
  linkDelay: Record<string, number[]>;
}

export interface DayOptions {
  /** The day to run: its seed, demand and any disturbance. */
  day: DaySpec;
  trackGains?: boolean;
  recordVehicles?: boolean;
}

/** The strategy's control on the timed crossings (all, or `timed`); other crossings (an imported city's unsignalised junctions) keep theirs. */
export function withControl(network: Network, strategy: Strategy, day?: DaySpec, timed?: Set<string>): Network {
  return { ...network, demand: day ? day.demand : network.demand, crossings: network.crossings.map((c) => (timed && !timed.has(c.id) ? c : { ...c, control: strategy.initialControl(c.id) })) };
}

function crossingDelays(sim: Simulation, scenario: TimingScenario, ids: string[]): Map<string, { delay: number; vehicles: number }> {
  const report = sim.takeIntervalReport();
  const wanted = new Set(ids);
  const out = new Map<string, { delay: number; vehicles: number }>();
  for (const a of report.approaches) {
    if (!wanted.has(a.crossingId)) continue;
    const acc = out.get(a.crossingId) ?? { delay: 0, vehicles: 0 };
    acc.delay += a.totalDelaySeconds;
    acc.vehicles += a.detectorCount;
    out.set(a.crossingId, acc);
  }
  return out;
}

/** Paired one-hour what-if runs of a decision: with its changes against without them. */
function measureGains(sim: Simulation, scenario: TimingScenario, slot: number, requests: PlanRequest[]): GainSample[] {
  const ids = requests.map((r) => r.crossingId);
  const without = sim.fork();
  const withChanges = sim.fork();
  for (const r of requests) withChanges.setControl(r.crossingId, r.control ?? { kind: 'fixed', plan: r.plan! });
  const until = sim.nowSeconds + 3600;
  const results = [without, withChanges].map((fork) => {
    fork.takeIntervalReport();
    fork.advanceTo(until);
    return crossingDelays(fork, scenario, ids);
  });
  return requests.map((r) => {
    const a = results[0].get(r.crossingId)!;
    const b = results[1].get(r.crossingId)!;
    const perVehicle = (x: { delay: number; vehicles: number }) => (x.vehicles > 0 ? x.delay / x.vehicles : 0);
    return { slot, crossingId: r.crossingId, kind: r.control?.kind ?? 'fixed', expectedGainSeconds: r.expectedGainSeconds ?? 0, measuredGainSeconds: perVehicle(a) - perVehicle(b), vehiclesInHour: b.vehicles };
  });
}

function percentile(sortedValues: Float64Array, p: number): number {
  if (sortedValues.length === 0) return 0;
  return sortedValues[Math.min(sortedValues.length - 1, Math.max(0, Math.ceil(p * sortedValues.length) - 1))];
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** Mean delay of the vehicles that departed in [from, to) seconds. */
export function windowMeanDelay(byMinute: DayRun['byDepartureMinute'], from: number, to: number): number {
  let vehicles = 0;
  let delay = 0;
  for (let m = Math.floor(from / 60); m < Math.ceil(to / 60); m++) {
    vehicles += byMinute.vehicles[m];
    delay += byMinute.delaySeconds[m];
  }
  return vehicles > 0 ? delay / vehicles : 0;
}

export function runDay(scenario: TimingScenario, strategy: Strategy, options: DayOptions): DayRun {
  const started = performance.now();
  const network = withControl(scenario.network, strategy, options.day, new Set(scenario.crossingIds));
  const sim = createSimulation(network, { seed: options.day.seed, ...SUMO_CALIBRATED, recordTrips: true, recordVehicles: options.recordVehicles ?? false });
  const closure = options.day.disturbance?.laneClosure;
  const links = Object.values(scenario.laneGroups).flat().map((g) => g.linkId);
  const counts: Record<string, number[]> = Object.fromEntries(links.map((l) => [l, new Array<number>(SLOTS_PER_DAY).fill(0)]));
  const crossingDelay: DayRun['crossingDelay'] = Object.fromEntries(scenario.crossingIds.map((id) => [id, { delaySeconds: new Array<number>(SLOTS_PER_DAY).fill(0), vehicles: new Array<number>(SLOTS_PER_DAY).fill(0) }]));
  const linkDelay: Record<string, number[]> = Object.fromEntries(links.map((l) => [l, new Array<number>(SLOTS_PER_DAY).fill(0)]));
  const queueSamples: number[] = [];
  const peakQueueSamples: number[] = [];
  const inPeak = (t: number) => (t >= 7 * 3600 && t < 9 * 3600) || (t >= 16.5 * 3600 && t < 18.5 * 3600);
  const requestsLog: DayRun['requests'] = [];
  const changes: DayRun['changes'] = [];
  let planChanges = 0;
  const gains: GainSample[] = [];
  let trips = 0;
  let delay = 0;
  let travel = 0;
  let stops = 0;
  let throughput = 0;
  const byDepartureMinute = { vehicles: new Float64Array(DAY_S / 60), delaySeconds: new Float64Array(DAY_S / 60), entryWaitSeconds: new Float64Array(DAY_S / 60) };
  const drainTrips = () => {
    for (const trip of sim.takeCompletedTrips()) {
      const d = trip.delaySeconds + (trip.entrySeconds - trip.departSeconds);
      trips++;
      delay += d;
      travel += trip.travelSeconds + (trip.entrySeconds - trip.departSeconds);
      stops += trip.stops;
      const minute = Math.floor(trip.departSeconds / 60);
      if (minute < DAY_S / 60) {
        byDepartureMinute.vehicles[minute]++;
        byDepartureMinute.delaySeconds[minute] += d;
        byDepartureMinute.entryWaitSeconds[minute] += trip.entrySeconds - trip.departSeconds;
      }
    }
  };

  for (let minute = 0; minute < DAY_S / 60; minute++) {
    const t = minute * 60;
    if (closure && t === closure.fromSeconds) sim.setSaturationFactor(closure.linkId, closure.factor);
    if (closure && t === closure.toSeconds) sim.setSaturationFactor(closure.linkId, 1);
    if (t % SLOT_SECONDS === 0) {
      const slot = t / SLOT_SECONDS;
      const requests = strategy.decide(slot, counts);
      if (requests.length > 0) {
        if (options.trackGains) gains.push(...measureGains(sim, scenario, slot, requests.filter((r) => r.expectedGainSeconds !== undefined)));
        for (const r of requests) {
          if (r.control) sim.setControl(r.crossingId, r.control);
          else sim.setPlan(r.crossingId, r.plan!);
          if (r.plan) requestsLog.push({ atSeconds: t, crossingId: r.crossingId, plan: r.plan });
          changes.push({ atSeconds: t, crossingId: r.crossingId, kind: r.control?.kind ?? 'fixed' });
        }
        planChanges += requests.length;
      }
    }
    sim.advanceTo(t + 60);
    const slot = Math.floor(t / SLOT_SECONDS);
    for (const a of sim.takeIntervalReport().approaches) {
      queueSamples.push(a.maxQueue);
      if (inPeak(t)) peakQueueSamples.push(a.maxQueue);
      const c = counts[a.approachLinkId];
      if (c) c[slot] += a.detectorCount;
      const ld = linkDelay[a.approachLinkId];
      if (ld) ld[slot] += a.totalDelaySeconds;
      const x = crossingDelay[a.crossingId];
      if (x) {
        x.delaySeconds[slot] += a.totalDelaySeconds;
        x.vehicles[slot] += a.detectorCount;
      }
    }
    drainTrips();
  }
  throughput = trips;
  for (const d of network.demand) sim.setDemand(d.link, 0);
  for (let t = DAY_S; t < DAY_S + RUN_OUT_MAX_S; t += 600) {
    const c = sim.conservation();
    if (c.inside + c.waitingToEnter === 0) break;
    sim.advanceTo(t + 600);
    drainTrips();
  }
  const left = sim.conservation();
  const sorted = Float64Array.from(queueSamples).sort();
  return {
    strategy: strategy.name,
    seed: options.day.seed,
    day: options.day.label,
    mean_delay_s: r2(delay / Math.max(1, trips)),
    mean_travel_s: r2(travel / Math.max(1, trips)),
    stops_per_vehicle: Math.round((1000 * stops) / Math.max(1, trips)) / 1000,
    queue_p95_vehicles: percentile(sorted, 0.95),
    queue_p95_peaks_vehicles: percentile(Float64Array.from(peakQueueSamples).sort(), 0.95),
    throughput_vehicles: throughput,
    vehicles_generated: left.generated,
    vehicles_completed: trips,
    vehicles_left_after_run_out: left.inside + left.waitingToEnter,
    am_peak_mean_delay_s: r2(windowMeanDelay(byDepartureMinute, 7 * 3600, 9 * 3600)),
    pm_peak_mean_delay_s: r2(windowMeanDelay(byDepartureMinute, 16.5 * 3600, 18.5 * 3600)),
    byDepartureMinute,
    plan_changes: planChanges,
    wall_seconds: r2((performance.now() - started) / 1000),
    counts,
    requests: requestsLog,
    changes,
    gains,
    departures: options.recordVehicles ? sim.takeDepartures() : [],
    crossingDelay,
    linkDelay,
  };
}
