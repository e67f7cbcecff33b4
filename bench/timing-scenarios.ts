/**
 * The networks of `npm run bench:timing` and what the planners need to know about them:
 * per crossing its lane groups (one per approach link: the engine keeps one queue per
 * link, shared by its lanes and movements), its phase names, the corridors that
 * coordination works along, and the days: previous days (what plans and forecasts are
 * made from) and test days, each with its own demand.
 *
 * - Boroondara: every day is one real recorded day of October 2006
 *   (`seed-data/boroondara-2006/sim-demand-days.json`, one calibration per day): previous
 *   days 2006-10-09..22 (two full weeks), test days after them (weekdays, a Saturday, the
 *   daylight-saving Sunday). `boroondara_disturbed` is a test weekday with a lane closed
 *   for an hour in the morning peak (saturation halved on the busiest approach) and an
 *   evening surge (+30 % on the entries of the busiest corridor's crossings).
 * - Grids: a tidal day shape with seeded day-to-day variation (network volume ±5 %, each
 *   entry ±10 %, the peaks shifted by up to ±30 min), one draw per day seed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inferNeighbourGraph, normaliseRoad } from '@crosscast/network';
import { CityInput, EntryDemand, GridOptions, Network, SimDemandFile, SimNetworkFile, buildCalibratedCity, generateGrid } from '@crosscast/simulation';
import { mulberry32 } from '../test/support/prng';

/** Saturation flow per lane the planners assume: the engine's SUMO-calibrated discharge rate. */
export const SATURATION_PER_LANE = 1900;
export const SLOTS_PER_DAY = 96;
export const SLOT_SECONDS = 900;

export interface LaneGroupSpec {
  /** The approach link (its stop-line count is the detector). */
  linkId: string;
  phase: string;
  saturationFlowVehPerHour: number;
}

export interface CorridorSpec {
  name: string;
  /** Crossings in order along the road. */
  crossings: string[];
  /** Distance between consecutive crossings, metres. */
  distancesM: number[];
  /** Per crossing, the phase that carries the road. */
  coordinatedPhases: string[];
}

export interface Disturbance {
  description: string;
  /** Saturation flow of one link scaled by `factor` over [from, to) seconds. */
  laneClosure?: { linkId: string; fromSeconds: number; toSeconds: number; factor: number };
  /** The windows the disturbance acts in and the crossings it hits first (for the report). */
  windows: Array<{ name: string; fromSeconds: number; toSeconds: number; crossings: string[] }>;
}

export interface DaySpec {
  /** The recorded date (Boroondara) or 'seed N' (grids). */
  label: string;
  /** Engine seed (vehicles' arrival times and routes). */
  seed: number;
  demand: EntryDemand[];
  weekend: boolean;
  disturbance?: Disturbance;
}

export type ScenarioName = 'boroondara' | 'boroondara_disturbed' | 'grid_4x4' | 'grid_10x10' | `city:${string}`;

export interface TimingScenario {
  name: ScenarioName;
  /** UTC midnight of the first previous day when the days are real dates (the forecaster then knows the day of the week). */
  historyFirstDayMs?: number;
  history: DaySpec[];
  test: DaySpec[];
  /** Run the sensitivity variants and the gain-realised forks on this network. */
  extras: boolean;
  description: string;
  /** The network with its pre-existing control (the plans running before the benchmark's days). */
  network: Network;
  crossingIds: string[];
  phaseNames: Record<string, string[]>;
  laneGroups: Record<string, LaneGroupSpec[]>;
  corridors: CorridorSpec[];
  speedKmh: number;
}

function laneGroupsOf(network: Network): { phaseNames: Record<string, string[]>; laneGroups: Record<string, LaneGroupSpec[]> } {
  const lanes = new Map(network.links.map((l) => [l.id, l.lanes]));
  const phaseNames: Record<string, string[]> = {};
  const laneGroups: Record<string, LaneGroupSpec[]> = {};
  for (const crossing of network.crossings) {
    phaseNames[crossing.id] = crossing.phases.map((p) => p.id);
    laneGroups[crossing.id] = crossing.approaches.map((linkId) => {
      const movement = crossing.movements.find((m) => m.fromLink === linkId);
      const phase = crossing.phases.find((p) => movement && p.movements.includes(movement.id)) ?? crossing.phases[0];
      return { linkId, phase: phase.id, saturationFlowVehPerHour: SATURATION_PER_LANE * (lanes.get(linkId) ?? 1) };
    });
  }
  return { phaseNames, laneGroups };
}

// ------------------------------------------------------------------ Boroondara

const CITY_DIR = path.join('seed-data', 'boroondara-2006');

interface SimDemandDays {
  intervalSeconds: number;
  days: Record<string, { dayOfWeek: number; entries: Record<string, number[]> }>;
}

const DAY_MS = 86_400_000;
const dateMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Which days a run evaluates: 'test' (the benchmark's days), 'tuning' (bench:timing
 * --tuning-days: the days planner settings are chosen on), 'heldout' (bench:timing
 * --held-out: days and seeds no setting was chosen or read on, to validate them) or
 * 'heldout-weekend' (--held-out-weekend: Boroondara's one such weekend day).
 */
export type DaySet = 'test' | 'tuning' | 'heldout' | 'heldout-weekend';

/** The first engine seed (Boroondara) or day seed (grids) of each day set's test days; the next days count up from it. */
export const FIRST_DAY_SEED: Readonly<Record<DaySet, number>> = { test: 101, tuning: 201, heldout: 301, 'heldout-weekend': 311 };

/** Boroondara's held-out days: the weekdays of 2006-10-23..31 the test days leave (every weekend day after 10-15 is a test or tuning day). */
export const BOROONDARA_HELD_OUT_DATES = ['2006-10-23', '2006-10-24', '2006-10-25', '2006-10-27'];
/**
 * Boroondara's held-out weekend day (bench:timing --held-out-weekend): Sun 2006-10-15 after the tuning days' previous days
 * 10-01..14. No run evaluated a strategy on it; it is one of the test days' previous days (its counts under the pre-existing
 * plans fed their forecasts), which is as close to unseen as a weekend day of October 2006 gets.
 */
export const BOROONDARA_HELD_OUT_WEEKEND_DATE = '2006-10-15';

/**
 * `days`: 'test' (the benchmark's days) or 'tuning' (bench:timing --tuning-days): days that
 * end before the test days' previous days start to matter for choosing a planner's settings
 * — previous days 2006-10-01..14 (quick: 08..14), tuning days 2006-10-17 (Tue), 19 (Thu),
 * 21 (Sat), 22 (Sun) (quick: 17 and 21), disturbed: 2006-10-16 (Mon). Planner settings are
 * chosen on these, never on the test days. 'heldout' (bench:timing --held-out): the test
 * days' previous days (2006-10-09..22, quick 16..22) and the weekdays between and after the
 * test days that no run evaluated before, BOROONDARA_HELD_OUT_DATES (Mon 23, Tue 24, Wed 25,
 * Fri 27; quick: 23), engine seeds 301..; disturbed: Mon 2006-10-23 with the test
 * disturbance. 'heldout-weekend' (--held-out-weekend): Sun 2006-10-15 after 10-01..14
 * (quick 08..14), seed 311 (BOROONDARA_HELD_OUT_WEEKEND_DATE).
 */
export function boroondaraScenario(quick: boolean, disturbed = false, days: DaySet = 'test'): TimingScenario {
  const city = JSON.parse(fs.readFileSync(path.join(CITY_DIR, 'crossings.json'), 'utf8')) as CityInput & { crossings: Array<{ approaches: Array<{ road?: string | null }> }> };
  const demand = JSON.parse(fs.readFileSync(path.join(CITY_DIR, 'sim-demand.json'), 'utf8')) as SimDemandFile;
  const recorded = JSON.parse(fs.readFileSync(path.join(CITY_DIR, 'sim-demand-days.json'), 'utf8')) as SimDemandDays;
  const simCity = buildCalibratedCity(city, demand);
  const network = simCity.network;
  const { phaseNames, laneGroups } = laneGroupsOf(network);
  // Corridors: the fusion library's roads (crossings on one road, in order along it).
  const graph = inferNeighbourGraph(city.crossings, { freeFlowKmh: 50 });
  const corridors: CorridorSpec[] = [];
  for (const road of graph.roads) {
    const roadName = normaliseRoad(road.road.replace(/ \(\d+\)$/, ''));
    // The phase that carries the road at each crossing: the phase of an approach on that road.
    const phaseOnRoad = (crossingId: string): string | null => {
      const crossing = city.crossings.find((c) => c.id === crossingId);
      const approach = crossing?.approaches.find((a) => a.road && normaliseRoad(a.road) === roadName);
      if (!approach) return null;
      return laneGroups[crossingId]?.find((g) => g.linkId === approach.id)?.phase ?? null;
    };
    // A crossing with no approach on the road splits the corridor.
    let piece: CorridorSpec | null = null;
    road.crossings.forEach((id, i) => {
      const phase = phaseOnRoad(id);
      if (phase === null) {
        piece = null;
        return;
      }
      if (!piece) {
        piece = { name: road.road, crossings: [], distancesM: [], coordinatedPhases: [] };
        corridors.push(piece);
      } else {
        piece.distancesM.push(road.segments[i - 1].distanceM);
      }
      piece.crossings.push(id);
      piece.coordinatedPhases.push(phase);
    });
  }
  const dayOf = (date: string, seed: number): DaySpec => {
    const day = recorded.days[date];
    if (!day) throw new Error(`no recorded day ${date} in sim-demand-days.json`);
    return {
      label: date,
      seed,
      weekend: day.dayOfWeek >= 5,
      demand: Object.entries(day.entries).map(([link, rates]) => ({ link, intervalSeconds: recorded.intervalSeconds, vehPerHour: rates })),
    };
  };
  if (days === 'heldout-weekend' && disturbed) throw new Error('the held-out weekend day has no disturbance day');
  const tuning = days === 'tuning';
  const early = tuning || days === 'heldout-weekend';
  const firstHistory = early ? (quick ? '2006-10-08' : '2006-10-01') : quick ? '2006-10-16' : '2006-10-09';
  const lastHistory = early ? '2006-10-14' : '2006-10-22';
  const history: DaySpec[] = [];
  for (let ms = dateMs(firstHistory), d = 0; ms <= dateMs(lastHistory); ms += DAY_MS, d++) history.push(dayOf(dateOf(ms), 1 + d));
  const testDates = tuning
    ? disturbed ? ['2006-10-16'] : quick ? ['2006-10-17', '2006-10-21'] : ['2006-10-17', '2006-10-19', '2006-10-21', '2006-10-22']
    : days === 'heldout'
    ? disturbed || quick ? BOROONDARA_HELD_OUT_DATES.slice(0, 1) : BOROONDARA_HELD_OUT_DATES
    : days === 'heldout-weekend'
    ? [BOROONDARA_HELD_OUT_WEEKEND_DATE]
    : disturbed ? ['2006-10-30'] : quick ? ['2006-10-30'] : ['2006-10-26', '2006-10-28', '2006-10-29', '2006-10-30', '2006-10-31'];
  const test = testDates.map((date, i) => dayOf(date, FIRST_DAY_SEED[days] + i));
  let description = `City of Boroondara (${network.crossings.length} crossings, ${network.links.length} links); each day's demand calibrated to that real day of October 2006 (seed-data/boroondara-2006/sim-demand-days.json); previous days ${history[0].label}..${history[history.length - 1].label}, test days ${testDates.join(', ')}; vertical queues as in the simulator app`;
  if (disturbed) {
    // The approach with the highest peak flow of the typical day: its first link (road link or boundary entry) loses a lane.
    const [closedApproach] = Object.entries(demand.approachPeakVehPerHour).sort((x, y) => y[1] - x[1])[0];
    const closed = simCity.approachLinks[closedApproach][0];
    const busiest = [...corridors].sort((a, b) => b.crossings.length - a.crossings.length)[0];
    const surgeCrossings = new Set(busiest?.crossings ?? []);
    const surgeLinks = new Set(network.links.filter((l) => surgeCrossings.has(l.to) && test[0].demand.some((d) => d.link === l.id)).map((l) => l.id));
    test[0] = {
      ...test[0],
      demand: test[0].demand.map((d) => (surgeLinks.has(d.link) ? { ...d, vehPerHour: d.vehPerHour.map((r, k) => (k >= 66 && k < 74 ? Math.round(r * 1.3) : r)) } : d)),
      disturbance: {
        description: `lane closure: saturation flow of ${closed} halved 07:30-08:30; surge: +30 % on the ${surgeLinks.size} entries into the ${busiest?.name ?? '-'} corridor's crossings 16:30-18:30`,
        laneClosure: { linkId: closed, fromSeconds: 7.5 * 3600, toSeconds: 8.5 * 3600, factor: 0.5 },
        windows: [
          { name: 'lane closure 07:30-08:30', fromSeconds: 7.5 * 3600, toSeconds: 8.5 * 3600, crossings: [network.links.find((l) => l.id === closed)!.to].filter((id) => network.crossings.some((c) => c.id === id)) },
          { name: `surge 16:30-18:30 (${busiest?.name ?? '-'})`, fromSeconds: 16.5 * 3600, toSeconds: 18.5 * 3600, crossings: [...surgeCrossings] },
        ],
      },
    };
    description += `; disturbance day: ${test[0].disturbance!.description}`;
  }
  return {
    name: disturbed ? 'boroondara_disturbed' : 'boroondara',
    description: tuning ? `${description} [TUNING DAYS, not the benchmark's test days]` : days.startsWith('heldout') ? `${description} [HELD-OUT DAYS: no setting was chosen or read on them]` : description,
    historyFirstDayMs: dateMs(firstHistory),
    history,
    test,
    extras: !disturbed,
    network,
    crossingIds: network.crossings.map((c) => c.id),
    phaseNames,
    laneGroups,
    corridors: corridors.filter((c) => c.crossings.length >= 2),
    speedKmh: 50,
  };
}

// ------------------------------------------------------------------ 4×4 grid

export const GRID_PEAK_VEH_PER_HOUR = 1300;
export const GRID_SPREAD = 0.25;

const bump = (h: number, centre: number, width: number) => Math.exp(-0.5 * ((h - centre) / width) ** 2);

/**
 * Share of an entry's peak demand at hour h: a night base, an inter-peak hump and the two
 * peaks of `peakShape` (08:00 and 17:30), tidal: the north-south entries carry the heavier
 * morning peak, the east-west entries the heavier evening peak.
 */
export function tidalShape(hour: number, northSouth: boolean, amShiftHours = 0, pmShiftHours = 0): number {
  const morning = northSouth ? 0.85 : 0.5;
  const evening = northSouth ? 0.5 : 0.85;
  return Math.min(1, 0.15 + 0.45 * bump(hour, 13, 4) + morning * bump(hour, 8 + amShiftHours, 1.2) + evening * bump(hour, 17.5 + pmShiftHours, 1.4));
}

/** The grids' day-to-day variation draws from mulberry32, seeded from the day's seed (hashed). */
const random = (seed: number): (() => number) => mulberry32((seed * 2654435761) >>> 0);
const gaussian = (rand: () => number) => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

export const GRID_DAY_VARIATION = { volume: 0.05, entry: 0.1, peakShiftHours: 0.5 };

/** One grid day: the tidal shape with this day's volume, per-entry levels and peak times (seeded). */
export function gridDayDemand(levels: EntryDemand[], daySeed: number): EntryDemand[] {
  const rand = random(daySeed);
  const volume = 1 + GRID_DAY_VARIATION.volume * gaussian(rand);
  const amShift = (rand() - 0.5) * 2 * GRID_DAY_VARIATION.peakShiftHours;
  const pmShift = (rand() - 0.5) * 2 * GRID_DAY_VARIATION.peakShiftHours;
  return levels.map((d) => {
    const northSouth = /^b[NS]/.test(d.link);
    const level = d.vehPerHour[0] * volume * Math.max(0.5, 1 + GRID_DAY_VARIATION.entry * gaussian(rand));
    return { link: d.link, intervalSeconds: SLOT_SECONDS, vehPerHour: Array.from({ length: SLOTS_PER_DAY }, (_, k) => Math.round(level * tidalShape((k + 0.5) / 4, northSouth, amShift, pmShift))) };
  });
}

/**
 * `lanes`: the engine's lane model on the grid (bench:timing --lanes=...); default one queue per approach, unopposed lefts.
 * `days`: 'tuning' (bench:timing --tuning-days) runs day seeds 201.., 'heldout' (--held-out) 301.. (FIRST_DAY_SEED),
 * instead of the test seeds 101.. (same previous days).
 */
export function gridScenario(quick: boolean, size = 4, lanes: Pick<GridOptions, 'laneLayout' | 'leftTurns' | 'leftBayLengthM'> = {}, days: DaySet = 'test'): TimingScenario {
  if (days === 'heldout-weekend') throw new Error('the grids have no weekend days');
  const network = generateGrid({ rows: size, cols: size, demandLevel: GRID_PEAK_VEH_PER_HOUR, seed: 1, demandSpread: GRID_SPREAD, ...lanes });
  const levels = network.demand;
  network.demand = gridDayDemand(levels, 0);
  const { phaseNames, laneGroups } = laneGroupsOf(network);
  const corridors: CorridorSpec[] = [];
  const along = Array.from({ length: size }, (_, i) => i);
  for (let r = 0; r < size; r++) {
    corridors.push({ name: `row ${r}`, crossings: along.map((c) => `c${r}_${c}`), distancesM: along.slice(1).map(() => 200), coordinatedPhases: new Array(size).fill('east-west') });
  }
  for (let c = 0; c < size; c++) {
    corridors.push({ name: `column ${c}`, crossings: along.map((r) => `c${r}_${c}`), distancesM: along.slice(1).map(() => 200), coordinatedPhases: new Array(size).fill('north-south') });
  }
  const day = (seed: number): DaySpec => ({ label: `seed ${seed}`, seed, demand: gridDayDemand(levels, seed), weekend: false });
  const historyDays = size > 4 ? 3 : quick ? 2 : 4;
  const firstSeed = FIRST_DAY_SEED[days];
  const testSeeds = quick || size > 4 ? [firstSeed] : [firstSeed, firstSeed + 1, firstSeed + 2];
  return {
    name: size > 4 ? 'grid_10x10' : 'grid_4x4',
    description: `${days === 'tuning' ? '[TUNING DAYS, not the benchmark\'s test days] ' : days === 'heldout' ? '[HELD-OUT DAYS: day seeds no setting was chosen or read on] ' : ''}${size}×${size} grid, 200 m blocks, 2 lanes, 50 km/h, turns 10/80/10 %, physical link storage with spill-back; entry demand peaks at ${GRID_PEAK_VEH_PER_HOUR} veh/h ±${GRID_SPREAD * 100} % per entry, tidal: morning peak (08:00) heavier north-south, evening peak (17:30) heavier east-west, inter-peak hump at 13:00, night base 15 %; day-to-day variation per day seed: volume ±${GRID_DAY_VARIATION.volume * 100} % (sd), each entry ±${GRID_DAY_VARIATION.entry * 100} % (sd), peaks shifted up to ±${GRID_DAY_VARIATION.peakShiftHours * 60} min`,
    history: Array.from({ length: historyDays }, (_, d) => day(1 + d)),
    test: testSeeds.map(day),
    extras: size === 4,
    network,
    crossingIds: network.crossings.map((c) => c.id),
    phaseNames,
    laneGroups,
    corridors,
    speedKmh: 50,
  };
}

// ------------------------------------------------------------------ an imported city folder

/**
 * A city folder written by `npm run sim:import` (bench:timing --city <dir>): its network
 * with the imported signal programs as the pre-existing control, its signalised crossings
 * timed (unsignalised junctions keep their always-green phase and are left alone), its day
 * of entry demand (sim-network.json) with the grids' seeded day-to-day variation (volume
 * ±5 %, each entry ±10 %). No corridors are known (coordination has none to work along).
 */
export function cityScenario(dir: string, quick: boolean): TimingScenario {
  const file = JSON.parse(fs.readFileSync(path.join(dir, 'sim-network.json'), 'utf8')) as SimNetworkFile;
  const network = file.network;
  const signalised = new Set(file.signalised);
  const levels = Object.entries(file.dailyDemand.entries).map(([link, rates]) => ({ link, intervalSeconds: file.dailyDemand.intervalSeconds, vehPerHour: rates }));
  const dayDemand = (seed: number): EntryDemand[] => {
    const rand = random(seed);
    const volume = 1 + GRID_DAY_VARIATION.volume * gaussian(rand);
    return levels.map((d) => {
      const f = volume * Math.max(0.5, 1 + GRID_DAY_VARIATION.entry * gaussian(rand));
      return { ...d, vehPerHour: d.vehPerHour.map((r) => Math.round(r * f * 1000) / 1000) };
    });
  };
  network.demand = dayDemand(0);
  const { phaseNames, laneGroups } = laneGroupsOf(network);
  for (const id of Object.keys(phaseNames)) if (!signalised.has(id)) { delete phaseNames[id]; delete laneGroups[id]; }
  const day = (seed: number): DaySpec => ({ label: `seed ${seed}`, seed, demand: dayDemand(seed), weekend: false });
  const history = Array.from({ length: quick ? 2 : 4 }, (_, d) => day(1 + d));
  return {
    name: `city:${file.name}`,
    description: `imported ${file.format} city ${file.name} (${file.source}): ${signalised.size} signalised and ${network.crossings.length - signalised.size} unsignalised crossings, ${network.links.length} links; demand: ${file.dailyDemand.how}, with seeded day-to-day variation (volume ±${GRID_DAY_VARIATION.volume * 100} %, each entry ±${GRID_DAY_VARIATION.entry * 100} %)`,
    history,
    test: (quick ? [101] : [101, 102]).map(day),
    extras: false,
    network,
    crossingIds: network.crossings.filter((c) => signalised.has(c.id)).map((c) => c.id),
    phaseNames,
    laneGroups,
    corridors: [],
    speedKmh: Math.round((network.links.reduce((s, l) => s + l.speedMps, 0) / network.links.length) * 3.6),
  };
}
