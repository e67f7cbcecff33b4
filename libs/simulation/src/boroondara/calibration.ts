/**
 * Demand calibration: time-varying entry demands so that each approach's simulated
 * stop-line counts over a day follow its real counts, and the measures of how close.
 *
 * - An approach fed from the boundary takes its target as entry demand directly.
 * - An approach fed by an upstream crossing gets, on its local entry, the part of the
 *   target the upstream crossing does not deliver: max(0, target − simulated inflow),
 *   re-estimated over a few runs of the engine (fixed seed), because what one crossing
 *   passes on depends on the local entries upstream of it.
 * Traffic cannot be taken away: where upstream crossings deliver more than an approach's
 * target (turning shares are assumed, not measured), the excess stays and shows in the fit.
 */
import { createSimulation } from '../engine';
import { SimCity } from './city-network';

/** Per approach id, the target (or simulated) vehicles per interval over one day. */
export type DayCounts = Record<string, number[]>;

export interface CountSample {
  approachId: string;
  /** Local date (or any day key). */
  day: string;
  /** Interval of the local day, 0-based. */
  slot: number;
  count: number;
}

/**
 * A typical day per approach: the median over the given days of each slot (robust to a
 * day with a stuck or failed detector); a slot with no sample takes the mean of its
 * nearest filled slots.
 */
export function typicalDay(samples: CountSample[], slotsPerDay: number): DayCounts {
  const bySlot = new Map<string, number[][]>();
  for (const s of samples) {
    if (!(s.slot >= 0 && s.slot < slotsPerDay) || !Number.isFinite(s.count)) continue;
    let slots = bySlot.get(s.approachId);
    if (!slots) bySlot.set(s.approachId, (slots = Array.from({ length: slotsPerDay }, () => [])));
    slots[s.slot].push(s.count);
  }
  const result: DayCounts = {};
  for (const [approach, slots] of bySlot) {
    const medians = slots.map((values) => (values.length ? median(values) : NaN));
    result[approach] = medians.map((v, i) => (Number.isNaN(v) ? fillFromNeighbours(medians, i) : v));
  }
  return result;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fillFromNeighbours(values: number[], i: number): number {
  for (let d = 1; d < values.length; d++) {
    const around = [values[(i - d + values.length) % values.length], values[(i + d) % values.length]].filter((v) => !Number.isNaN(v));
    if (around.length) return around.reduce((s, v) => s + v, 0) / around.length;
  }
  return 0;
}

/** GEH statistic of two hourly flows (veh/h): √(2 (m − c)² / (m + c)); 0 when both are 0. */
export function geh(modelledPerHour: number, countedPerHour: number): number {
  const sum = modelledPerHour + countedPerHour;
  return sum > 0 ? Math.sqrt((2 * (modelledPerHour - countedPerHour) ** 2) / sum) : 0;
}

export function correlation(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  if (n < 2) return NaN;
  const ma = a.slice(0, n).reduce((s, v) => s + v, 0) / n;
  const mb = b.slice(0, n).reduce((s, v) => s + v, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

export interface ApproachFit {
  approachId: string;
  fed: 'boundary' | 'upstream';
  realDailyTotal: number;
  simulatedDailyTotal: number;
  /** (simulated − real) / real × 100 over the day. */
  dailyTotalErrorPct: number;
  /** Share of the day's intervals with GEH < 5 (on hourly-equivalent flows, 4 × the 15-minute count). */
  gehBelow5Share: number;
  meanGeh: number;
  /** Pearson correlation of the simulated and real counts over the day's intervals. */
  correlation: number;
  /** GEH per interval, rounded to 0.01. */
  gehByInterval: number[];
  simulated: number[];
  real: number[];
}

export interface NetworkFit {
  approaches: number;
  intervals: number;
  /** Over every approach-interval. */
  gehBelow5Share: number;
  /** Approaches with GEH < 5 in at least 85 % of their intervals (the usual acceptance criterion). */
  approachesMeeting85Pct: number;
  medianAbsDailyErrorPct: number;
  meanCorrelation: number;
  realDailyTotal: number;
  simulatedDailyTotal: number;
}

export interface FitReport {
  network: NetworkFit;
  approaches: ApproachFit[];
}

export function fitReport(city: SimCity, targets: DayCounts, simulated: DayCounts, intervalSeconds: number): FitReport {
  const perHour = 3600 / intervalSeconds;
  const approaches: ApproachFit[] = [];
  for (const [approachId, real] of Object.entries(targets)) {
    const sim = simulated[approachId];
    if (!sim) continue;
    const gehs = real.map((c, i) => geh(sim[i] * perHour, c * perHour));
    const realTotal = sum(real);
    const simTotal = sum(sim);
    approaches.push({
      approachId,
      fed: city.boundaryEntries[approachId] ? 'boundary' : 'upstream',
      realDailyTotal: Math.round(realTotal),
      simulatedDailyTotal: Math.round(simTotal),
      dailyTotalErrorPct: realTotal > 0 ? round2(((simTotal - realTotal) / realTotal) * 100) : 0,
      gehBelow5Share: round4(gehs.filter((g) => g < 5).length / gehs.length),
      meanGeh: round2(sum(gehs) / gehs.length),
      correlation: round4(correlation(sim, real)),
      gehByInterval: gehs.map(round2),
      simulated: sim.map((v) => Math.round(v * 100) / 100),
      real: real.map((v) => Math.round(v * 100) / 100),
    });
  }
  const allGeh = approaches.flatMap((a) => a.gehByInterval);
  const absErrors = approaches.map((a) => Math.abs(a.dailyTotalErrorPct)).sort((x, y) => x - y);
  const correlations = approaches.map((a) => a.correlation).filter((c) => Number.isFinite(c));
  return {
    network: {
      approaches: approaches.length,
      intervals: allGeh.length,
      gehBelow5Share: round4(allGeh.filter((g) => g < 5).length / Math.max(1, allGeh.length)),
      approachesMeeting85Pct: approaches.filter((a) => a.gehBelow5Share >= 0.85).length,
      medianAbsDailyErrorPct: round2(absErrors.length ? median(absErrors) : 0),
      meanCorrelation: round4(sum(correlations) / Math.max(1, correlations.length)),
      realDailyTotal: Math.round(sum(approaches.map((a) => a.realDailyTotal))),
      simulatedDailyTotal: Math.round(sum(approaches.map((a) => a.simulatedDailyTotal))),
    },
    approaches,
  };
}

export interface DayRun {
  /** Per approach: its detector count (all its links) per interval. */
  detector: DayCounts;
  /** Per approach fed upstream: the count over its road link only (what the upstream crossing delivers). */
  inflow: DayCounts;
}

/** One simulated day of the city with the given entry demands (veh/h per interval, from 0). */
export function simulateDay(city: SimCity, demand: Record<string, number[]>, intervalSeconds: number, slots: number, seed: number): DayRun {
  const sim = createSimulation({ ...city.network, demand: [] }, { seed });
  for (const [link, rates] of Object.entries(demand)) sim.setDemand(link, rates, intervalSeconds);
  const detector: DayCounts = {};
  const inflow: DayCounts = {};
  for (const approach of Object.keys(city.approachLinks)) detector[approach] = [];
  for (const approach of Object.keys(city.localEntries)) inflow[approach] = [];
  const approachOfLink = new Map<string, string>();
  for (const [approach, links] of Object.entries(city.approachLinks)) for (const l of links) approachOfLink.set(l, approach);
  for (let k = 0; k < slots; k++) {
    sim.advanceTo((k + 1) * intervalSeconds);
    const perLink = new Map(sim.takeIntervalReport().approaches.map((a) => [a.approachLinkId, a.detectorCount]));
    for (const [approach, links] of Object.entries(city.approachLinks)) {
      detector[approach].push(links.reduce((s, l) => s + (perLink.get(l) ?? 0), 0));
      if (inflow[approach]) inflow[approach].push(perLink.get(links[0]) ?? 0);
    }
  }
  return { detector, inflow };
}

export interface CalibrationOptions {
  iterations: number;
  seed: number;
  intervalSeconds: number;
}

export interface CalibrationResult {
  /** Entry link id → veh/h per interval. */
  demand: Record<string, number[]>;
  /** Road link id → share of the traffic turning into it that reaches the next crossing. */
  roadKeepShare: Record<string, number>;
  /** The fit after each run (run 1: boundary demand only, every road link kept whole). */
  iterations: Array<{ iteration: number; network: NetworkFit }>;
  final: FitReport;
}

/**
 * Calibrates entry demands and road keep shares to `targets` (vehicles per interval per
 * approach). `build` makes the city with the given keep shares (the topology must not
 * depend on them). After each run, per approach fed by an upstream crossing:
 *   keep ← keep × (target day total / delivered day total), within [0.02, 1]: upstream
 *          crossings deliver too much where traffic really leaves by side streets;
 *   local entry ← max(0, target − delivered × keep ratio), per interval.
 */
export function calibrateDemand(build: (roadKeepShare: Record<string, number>) => SimCity, targets: DayCounts, options: CalibrationOptions): CalibrationResult {
  const slots = Math.max(...Object.values(targets).map((t) => t.length));
  const perHour = 3600 / options.intervalSeconds;
  const roadKeepShare: Record<string, number> = {};
  let city = build(roadKeepShare);
  const demand: Record<string, number[]> = {};
  for (const [approach, entry] of Object.entries(city.boundaryEntries)) {
    demand[entry] = (targets[approach] ?? new Array(slots).fill(0)).map((c) => c * perHour);
  }
  for (const entry of Object.values(city.localEntries)) demand[entry] = new Array(slots).fill(0);
  const iterations: CalibrationResult['iterations'] = [];
  let final: FitReport | null = null;
  for (let iteration = 1; iteration <= options.iterations; iteration++) {
    const run = simulateDay(city, demand, options.intervalSeconds, slots, options.seed);
    final = fitReport(city, targets, run.detector, options.intervalSeconds);
    iterations.push({ iteration, network: final.network });
    if (iteration === options.iterations) break;
    for (const [approach, entry] of Object.entries(city.localEntries)) {
      const target = targets[approach];
      if (!target) continue;
      const delivered = run.inflow[approach];
      const deliveredTotal = sum(delivered);
      const oldKeep = roadKeepShare[approach] ?? 1;
      const newKeep = deliveredTotal > 0 ? Math.min(1, Math.max(0.02, (oldKeep * sum(target)) / deliveredTotal)) : oldKeep;
      roadKeepShare[approach] = newKeep;
      const ratio = newKeep / oldKeep;
      demand[entry] = target.map((c, k) => Math.max(0, c - delivered[k] * ratio) * perHour);
    }
    city = build(roadKeepShare);
  }
  return { demand, roadKeepShare, iterations, final: final! };
}

function sum(values: number[]): number {
  return values.reduce((s, v) => s + v, 0);
}
function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
function round4(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}

/**
 * One recorded day's entry demands on an already calibrated city (its road keep shares
 * and topology fixed): boundary entries take the day's targets directly; local entries
 * start from `initial` (e.g. the typical day's, scaled) and are re-estimated `iterations`
 * times as max(0, target − delivered by the upstream crossing), per interval.
 */
export function calibrateDayDemand(
  city: SimCity,
  targets: DayCounts,
  initial: Record<string, number[]>,
  options: CalibrationOptions,
): { demand: Record<string, number[]>; fit: NetworkFit } {
  const slots = Math.max(...Object.values(targets).map((t) => t.length));
  const perHour = 3600 / options.intervalSeconds;
  const demand: Record<string, number[]> = {};
  for (const [approach, entry] of Object.entries(city.boundaryEntries)) {
    demand[entry] = (targets[approach] ?? initial[entry] ?? new Array(slots).fill(0)).map((c, k) => (targets[approach] ? c * perHour : (initial[entry]?.[k] ?? 0)));
  }
  for (const entry of Object.values(city.localEntries)) demand[entry] = [...(initial[entry] ?? new Array(slots).fill(0))];
  let fit: NetworkFit | null = null;
  for (let iteration = 1; iteration <= options.iterations + 1; iteration++) {
    const run = simulateDay(city, demand, options.intervalSeconds, slots, options.seed);
    fit = fitReport(city, targets, run.detector, options.intervalSeconds).network;
    if (iteration > options.iterations) break;
    for (const [approach, entry] of Object.entries(city.localEntries)) {
      const target = targets[approach];
      if (!target) continue;
      const delivered = run.inflow[approach];
      demand[entry] = target.map((c, k) => Math.max(0, c - delivered[k]) * perHour);
    }
  }
  return { demand, fit: fit! };
}
