/**
 * `npm run bench:forecast:series [-- --quick]`: the forecaster on series that Boroondara's
 * month does not stress. For each series: the edge model against every naive baseline
 * (last value, same time yesterday, same time last week, historical average), approach
 * MAE per horizon, 80%/95% interval coverage (pooled and min/median/max over crossings),
 * and what cleaning dropped, by reason. Writes bench/results/forecast-series.json (or
 * forecast-series-quick.json with --quick: fewer crossings, for a check in a few minutes).
 *
 * Series:
 * - boroondara-15: the real SCATS counts, 15 minutes, train 1-24 Oct 2006, test 25-31 Oct;
 * - boroondara-60: the same counts summed to hours (an hour with any missing quarter is missing);
 * - synthetic (seeded, libs/forecasting syntheticSeries), 4 approaches per crossing:
 *   growth (30% a year over 20 weeks), level-shift (+25% ten days before the test),
 *   big-road (hourly peaks over 5,000 a day, with a few injected faults), gaps (a week
 *   missing, one approach missing two weeks, three days missing just before the test),
 *   new-york (15 minutes, America/New_York, the March daylight-saving change in the test).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BacktestCrossing,
  BacktestData,
  BacktestModel,
  CELL_FLAGS,
  LocalCalendar,
  ModelResult,
  baselineModels,
  edgeModel,
  intervalsPerDay,
  runBacktestDetailed,
  syntheticSeries,
  SyntheticOptions,
  CleaningSummary,
} from '@crosscast/forecasting';
import { selectTfBackend } from '@crosscast/runtime';
import { loadBacktestData, totalCleaning } from '../tools/backtest';

const quick = process.argv.includes('--quick');
const OUT = path.join('bench', 'results', quick ? 'forecast-series-quick.json' : 'forecast-series.json');
const HORIZONS = 4;

interface SeriesCase {
  name: string;
  description: string;
  /** Which horizon index is "1 hour ahead". */
  oneHourIndex: number;
  /** Readings the generator broke on purpose (cleaning should drop exactly these, or more). */
  injectedFaults?: number;
  load(): Promise<BacktestData>;
}

async function boroondara(intervalMinutes: 15 | 60): Promise<BacktestData> {
  const loaded = await loadBacktestData({
    file: 'seed-data/boroondara-2006/counts.csv.gz',
    cityDir: 'seed-data/boroondara-2006',
    testFrom: '2006-10-25',
    testTo: '2006-10-31',
    horizons: HORIZONS,
    models: [],
    backend: 'wasm',
  });
  let data = loaded.data;
  if (quick) data = { ...data, crossings: data.crossings.slice(0, 10) };
  if (intervalMinutes === 15) return data;
  // Sum each hour's four quarters (the file starts on the hour); any missing quarter makes
  // the hour missing, so an hourly total is never a partial count.
  const group = 4;
  const crossings: BacktestCrossing[] = data.crossings.map((c) => ({
    id: c.id,
    approaches: c.approaches,
    raw: Array.from({ length: Math.floor(c.raw.length / group) }, (_, k) =>
      c.approaches.map((_, a) => {
        let sum = 0;
        for (let q = 0; q < group; q++) {
          const v = c.raw[k * group + q][a];
          if (v === null) return null;
          sum += v;
        }
        return sum;
      }),
    ),
  }));
  return { ...data, intervalMinutes: 60, crossings, testStart: Math.ceil(data.testStart / group), testEnd: Math.floor(data.testEnd / group) };
}

function synthetic(base: Omit<SyntheticOptions, 'seed'>, crossingCount: number, testDays: number, seed: number, faults?: (values: Array<Array<number | null>>, c: number) => number): { data: () => Promise<BacktestData>; faults: number } {
  const calendar = new LocalCalendar(base.timeZone);
  let injected = 0;
  const crossings: BacktestCrossing[] = Array.from({ length: crossingCount }, (_, c) => {
    const series = syntheticSeries({ ...base, seed: seed + 1000 * c });
    if (faults) injected += faults(series.values, c);
    return { id: `S${c + 1}`, approaches: series.approaches, raw: series.values };
  });
  const n = crossings[0].raw.length;
  const perDay = intervalsPerDay(base.intervalMinutes);
  const data: BacktestData = { intervalMinutes: base.intervalMinutes, firstIntervalStartMs: base.startMs, calendar, crossings, testStart: n - testDays * perDay, testEnd: n - 1, horizons: HORIZONS };
  return { data: async () => data, faults: injected };
}

function cases(): SeriesCase[] {
  const crossings = quick ? 2 : 3;
  const hourly = { intervalMinutes: 60, startMs: Date.parse('2025-01-06T00:00:00+10:00'), timeZone: 'Australia/Melbourne', approaches: 4 };
  const growth = synthetic({ ...hourly, days: 140, peakPerHour: 900, yearlyGrowth: 0.3 }, crossings, 14, 101);
  const shift = synthetic({ ...hourly, days: 112, peakPerHour: 900, levelShift: { atDay: 112 - 14 - 10, factor: 1.25 } }, crossings, 14, 202);
  const big = synthetic({ ...hourly, days: 84, peakPerHour: 6500, yearlyGrowth: 0.1 }, crossings, 14, 303, (values, c) => {
    // A loop stuck high for three hours, a counter overflow, and a negative count.
    for (let k = 0; k < 3; k++) values[500 + 100 * c + k][1] = 65_535;
    values[900][2] = 250_000;
    values[1100][0] = -1;
    return 5;
  });
  const gaps = synthetic(
    {
      ...hourly,
      days: 84,
      peakPerHour: 900,
      yearlyGrowth: 0.1,
      gaps: [
        { fromDay: 20, days: 7 },
        { fromDay: 40, days: 14, approach: 1 },
        { fromDay: 84 - 14 - 5, days: 3 },
      ],
    },
    crossings,
    14,
    404,
  );
  const newYork = synthetic(
    { intervalMinutes: 15, startMs: Date.parse('2025-01-13T00:00:00-05:00'), timeZone: 'America/New_York', approaches: 4, days: 70, peakPerHour: 1200, yearlyGrowth: 0.3 },
    crossings,
    21,
    505,
  );
  return [
    { name: 'boroondara-15', description: 'real SCATS counts, 15 min, Australia/Melbourne (daylight saving starts in the test week)', oneHourIndex: 3, load: () => boroondara(15) },
    { name: 'boroondara-60', description: 'the same counts summed to hours', oneHourIndex: 0, load: () => boroondara(60) },
    { name: 'synthetic-growth', description: 'hourly, 30% a year growth, 20 weeks, test the last 2', oneHourIndex: 0, load: growth.data },
    { name: 'synthetic-level-shift', description: 'hourly, +25% level shift 10 days before the test, 16 weeks, test the last 2', oneHourIndex: 0, load: shift.data },
    { name: 'synthetic-big-road', description: 'hourly peaks over 5,000 vehicles, 10% a year growth, 5 injected faults per crossing', oneHourIndex: 0, injectedFaults: big.faults, load: big.data },
    { name: 'synthetic-gaps', description: 'hourly, a week missing, one approach missing 2 weeks, 3 days missing just before the test', oneHourIndex: 0, load: gaps.data },
    { name: 'synthetic-new-york', description: '15 min, America/New_York, 30% a year growth, the March daylight-saving change inside the 3-week test', oneHourIndex: 3, load: newYork.data },
  ];
}

async function main(): Promise<void> {
  const backend = await selectTfBackend('wasm', (l) => process.stderr.write(`${l}\n`));
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const out: Record<string, unknown>[] = [];
  const table: string[] = [];
  const started = Date.now();
  for (const c of cases()) {
    const data = await c.load();
    const models: BacktestModel[] = [...baselineModels().filter((m) => m.kind === 'baseline'), edgeModel()];
    process.stderr.write(`${c.name}: ${data.crossings.length} crossings, ${data.intervalMinutes}-minute intervals (${((Date.now() - started) / 1000).toFixed(0)} s so far)\n`);
    const { results, cleaning } = await runBacktestDetailed(data, models);
    const edge = results['residual-ensemble'];
    const baselines = Object.entries(results).filter(([, r]) => r.kind === 'baseline');
    const best = Array.from({ length: HORIZONS }, (_, h) => Math.min(...baselines.map(([, r]) => r.approach.mae[h])));
    const bestName = baselines.reduce((b, [name, r]) => (r.approach.mae[c.oneHourIndex] < results[b].approach.mae[c.oneHourIndex] ? name : b), baselines[0][0]);
    const historical = results['historical-average'].approach.mae;
    const naive = baselines.filter(([name]) => name !== 'historical-average');
    const bestNaive = Array.from({ length: HORIZONS }, (_, h) => Math.min(...naive.map(([, r]) => r.approach.mae[h])));
    const vsNaive = edge.approach.mae.map((m, h) => r2((100 * (m - bestNaive[h])) / bestNaive[h]));
    const h1 = c.oneHourIndex;
    const vsBest = edge.approach.mae.map((m, h) => r2((100 * (m - best[h])) / best[h]));
    const cov80 = edge.approach.coverage80;
    const cov95 = edge.approach.coverage95;
    const inRange = (xs: Array<number | null>, lo: number, hi: number) => xs.every((x) => x !== null && x >= lo && x <= hi);
    const summary: CleaningSummary = totalCleaning(cleaning.map((k) => k.summary));
    const tallied = CELL_FLAGS.reduce((s, f) => s + summary.counts[f], 0);
    const dropped = summary.reported - summary.counts.real;
    const goals: Record<string, unknown> =
      c.name === 'boroondara-15'
        ? { mae_at_most_10_14_every_horizon: edge.approach.mae.every((m) => m <= 10.14) }
        : {
            one_hour_15pct_below_best_baseline: edge.approach.mae[h1] <= 0.85 * best[h1],
            // The issue's wording: "the best naive baseline (last value, same time yesterday,
            // same time last week)", with the historical average a separate bar (below).
            one_hour_15pct_below_best_naive_excluding_historical_average: edge.approach.mae[h1] <= 0.85 * bestNaive[h1],
            never_worse_than_historical_average: edge.approach.mae.every((m, h) => m <= historical[h]),
          };
    goals.coverage80_in_78_85 = inRange(cov80, 0.78, 0.85);
    goals.coverage95_in_93_97 = inRange(cov95, 0.93, 0.97);
    goals.every_cell_tallied = tallied === summary.cells;
    if (c.injectedFaults !== undefined) goals.injected_faults_dropped = dropped >= c.injectedFaults;
    const modelJson: Record<string, unknown> = {};
    for (const [name, r] of Object.entries(results) as Array<[string, ModelResult]>) {
      modelJson[name] = {
        kind: r.kind,
        mae: r.approach.mae,
        rmse: r.approach.rmse,
        coverage80: r.approach.coverage80,
        coverage95: r.approach.coverage95,
        crossing_mae: r.crossing.mae,
        coverage_by_crossing: r.coverageByCrossing,
      };
    }
    out.push({
      series: c.name,
      description: c.description,
      interval_minutes: data.intervalMinutes,
      horizons_min: Array.from({ length: HORIZONS }, (_, h) => (h + 1) * data.intervalMinutes),
      crossings: data.crossings.length,
      approaches: data.crossings.reduce((s, x) => s + x.approaches.length, 0),
      points_scored: edge.approach.points,
      best_baseline_mae: best,
      best_baseline_at_1h: bestName,
      edge_vs_best_baseline_pct: vsBest,
      best_naive_mae_excluding_historical_average: bestNaive,
      edge_vs_best_naive_excluding_historical_average_pct: vsNaive,
      edge_vs_historical_average_pct: edge.approach.mae.map((m, h) => r2((100 * (m - historical[h])) / historical[h])),
      level_term_used_by_crossings: edge.levelUsedBy?.length ?? 0,
      cleaning: { ...summary, injected_faults: c.injectedFaults ?? null, limits_by_crossing: Object.fromEntries(cleaning.map((k) => [k.id, k.limits])) },
      models: modelJson,
      goals,
    });
    const f = (xs: Array<number | null>, d: number) => xs.map((x) => (x === null ? '-' : x.toFixed(d))).join('/');
    table.push(
      [
        c.name.padEnd(22),
        `${data.intervalMinutes}m`.padStart(4),
        f(edge.approach.mae, 2).padStart(28),
        ...['last-value', 'same-time-yesterday', 'same-time-last-week', 'historical-average'].map((b) => results[b].approach.mae[h1].toFixed(2).padStart(10)),
        `${vsBest[h1] > 0 ? '+' : ''}${vsBest[h1].toFixed(1)}%`.padStart(8),
        `${vsNaive[h1] > 0 ? '+' : ''}${vsNaive[h1].toFixed(1)}%`.padStart(9),
        f(cov80, 3).padStart(24),
        f(cov95, 3).padStart(24),
        `${edge.coverageByCrossing.coverage80.min[h1]?.toFixed(2)}-${edge.coverageByCrossing.coverage80.max[h1]?.toFixed(2)}`.padStart(10),
        `${(100 * summary.droppedShare).toFixed(2)}%`.padStart(8),
      ].join(' '),
    );
    process.stderr.write(`${table[table.length - 1]}\n`);
  }
  const header = [
    'series'.padEnd(22),
    'int'.padStart(4),
    'edge MAE by horizon'.padStart(28),
    ...['last@1h', 'yday@1h', 'lastwk@1h', 'histav@1h'].map((h) => h.padStart(10)),
    'vs best'.padStart(8),
    'vs naive3'.padStart(9),
    'edge cov80 by horizon'.padStart(24),
    'edge cov95 by horizon'.padStart(24),
    'cov80 xing'.padStart(10),
    'dropped'.padStart(8),
  ].join(' ');
  console.log(['', header, ...table].join('\n'));
  const json = {
    mode: quick ? 'quick' : 'full',
    backend,
    horizons: HORIZONS,
    level: 'approach',
    series: out,
    notes: [
      '"vs best" compares the edge model with the best of all four baselines, the historical average included (goal key one_hour_15pct_below_best_baseline); "vs naive3" with the best of last value, same time yesterday and same time last week, the issue\'s list of naive baselines, the historical average being its separate "never worse" bar (goal key one_hour_15pct_below_best_naive_excluding_historical_average).',
      'MAE per horizon at approach level; "1h" = 1 step for hourly series, 4 steps for 15-minute series. Baselines: last value, same local time yesterday, same local time last week, historical average by time of week.',
      'Coverage: share of real test readings inside the edge model\'s 80% / 95% intervals, pooled over crossings; coverage_by_crossing gives min/median/max over crossings.',
      'The edge model\'s intervals adapt online to their own misses as the test days are counted (adaptive conformal inference), as a worker runs them; baselines keep split-conformal widths from their last training week.',
      'Synthetic series are seeded (libs/forecasting syntheticSeries): the same run gives the same data. Dropped = reported readings that cleaning flagged; every cell is tallied by reason.',
      quick ? 'Quick mode: Boroondara limited to its first 10 crossings, 2 crossings per synthetic series.' : 'Full mode: all 40 Boroondara crossings, 3 crossings per synthetic series.',
    ],
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(json, null, 2));
  console.log(`\nwritten: ${OUT} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

main().catch((error) => {
  console.error(`bench:forecast:series failed: ${(error as Error).stack}`);
  process.exit(1);
});
