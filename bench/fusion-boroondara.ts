/**
 * `npm run bench:fusion`: the city-fusion benchmark on the real Boroondara counts.
 *
 * Edge models are trained as in `bench:forecast` (the deployed `residual-ensemble`,
 * default settings, one per crossing on that crossing's data only), twice:
 *   - validation models on 1-17 October, forecasting 18-24 October: the fusion learns its
 *     stacking weights, neighbour fits and residuals from these out-of-sample forecasts;
 *   - test models on 1-24 October (as bench:forecast), forecasting 25-31 October, where
 *     the fusion keeps learning online from observations that have already happened.
 * The `CityFusion` class is driven exactly as the service will drive it: per interval,
 * each worker's observed total, then its forecast, then `fuse(now)`. Knock-out runs start
 * from the JSON state at the end of the validation week, with a seeded share of workers
 * gone (no forecasts, no observations) for the whole test week.
 *
 * Writes bench/results/fusion.json. `--epochs <n>` trains faster for quick iterations
 * (the committed result uses the defaults); `--cache <file>` keeps the edge forecasts
 * outside the repository between iterations.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BacktestData, LocalCalendar, PreparedCrossing, StepForecast, edgeModel, prepareCrossing } from '@crosscast/forecasting';
import { CityFusion, CityFusionState, CrossingState, FusionResult } from '@crosscast/fusion';
import { selectTfBackend } from '@crosscast/runtime';
import { groupByCrossing, loadCityDefinition, readCountsCsv } from '@crosscast/seed';
import { mulberry32 } from '../test/support/prng';

const CITY_DIR = 'seed-data/boroondara-2006';
const OUT = path.join('bench', 'results', 'fusion.json');
const HORIZONS = 4;
const VALIDATION_FROM = '2006-10-18';
const TEST_FROM = '2006-10-25';
const TEST_TO = '2006-10-31';
const KNOCKOUT_SHARES = [0.1, 0.25, 0.5];

const DEFAULT_KNOCKOUT_DRAWS = 5;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}


/** forecasts[crossing][origin index] = the worker's steps from that origin. */
type ForecastTable = Record<string, Record<number, StepForecast[]>>;

async function trainAndForecast(prepared: PreparedCrossing[], data: BacktestData, trainEnd: number, origins: number[], label: string, epochs: number | undefined): Promise<ForecastTable> {
  const model = edgeModel(epochs ? { epochs } : {});
  const table: ForecastTable = {};
  const started = Date.now();
  for (const [i, p] of prepared.entries()) {
    const fitted = await model.fitCrossing!(p, { ...data, testStart: trainEnd });
    const steps = fitted.forecastMany(p, origins);
    table[p.crossing.id] = {};
    origins.forEach((t, k) => (table[p.crossing.id][t] = steps[k]));
    log(`  ${label}: ${i + 1}/${prepared.length} crossings trained and forecast (${p.crossing.id}), ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return table;
}

async function main(): Promise<void> {
  const epochs = arg('epochs') ? Number(arg('epochs')) : undefined;
  const cacheFile = arg('cache');
  // For quick iterations only: fewer knock-out draws, fusion options other than the defaults.
  const KNOCKOUT_DRAWS = arg('draws') ? Number(arg('draws')) : DEFAULT_KNOCKOUT_DRAWS;
  const fusionOptions = arg('fusion-options') ? JSON.parse(arg('fusion-options')!) : {};
  const city = loadCityDefinition(CITY_DIR);
  const calendar = new LocalCalendar(city.timeZone);
  log(`reading ${CITY_DIR}/counts.csv.gz`);
  const table = await readCountsCsv(path.join(CITY_DIR, 'counts.csv.gz'), {});
  const step = table.intervalMinutes * 60_000;
  const firstMs = table.rows[0].intervalStartMs;
  const n = Math.round((table.rows[table.rows.length - 1].intervalStartMs - firstMs) / step) + 1;
  const dates = Array.from({ length: n }, (_, t) => calendar.localDate(firstMs + t * step));
  const validationStart = dates.findIndex((d) => d >= VALIDATION_FROM);
  const testStart = dates.findIndex((d) => d >= TEST_FROM);
  let testEnd = n - 1;
  while (dates[testEnd] > TEST_TO) testEnd--;
  const grouped = groupByCrossing(table);
  const crossingsDef = city.crossings.filter((c) => grouped.has(c.id));
  const prepared = crossingsDef.map((c) => {
    const byTime = grouped.get(c.id)!;
    const approaches = c.approaches.map((a) => a.id);
    const raw = Array.from({ length: n }, (_, t) => {
      const counts = byTime.get(firstMs + t * step);
      return approaches.map((a) => (counts && counts[a] !== undefined ? counts[a] : null));
    });
    return prepareCrossing({ id: c.id, approaches, raw }, { intervalMinutes: table.intervalMinutes, firstIntervalStartMs: firstMs });
  });
  const data: BacktestData = { intervalMinutes: table.intervalMinutes, firstIntervalStartMs: firstMs, calendar, crossings: prepared.map((p) => p.crossing), testStart, testEnd, horizons: HORIZONS };
  const ids = prepared.map((p) => p.crossing.id);

  // Validation-phase origins end where the test-phase origins begin (H before the test
  // window, as in the forecasting backtest, so every horizon is scored on the same targets).
  const validationOrigins = range(validationStart, testStart - HORIZONS - 1);
  const testOrigins = range(testStart - HORIZONS, testEnd - 1);

  let forecasts: { validation: ForecastTable; test: ForecastTable; backend: string; epochs: number | 'default' };
  if (cacheFile && fs.existsSync(cacheFile)) {
    log(`edge forecasts from ${cacheFile}`);
    forecasts = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
  } else {
    const backend = await selectTfBackend('wasm', log);
    log(`training ${ids.length} validation models (data before ${VALIDATION_FROM}) and ${ids.length} test models (before ${TEST_FROM})`);
    const validation = await trainAndForecast(prepared, data, validationStart, validationOrigins, 'validation models', epochs);
    const test = await trainAndForecast(prepared, data, testStart, testOrigins, 'test models', epochs);
    forecasts = { validation, test, backend, epochs: epochs ?? 'default' };
    if (cacheFile) fs.writeFileSync(cacheFile, JSON.stringify(forecasts));
  }

  const total = (p: PreparedCrossing, t: number) => p.clean[t].reduce((s, v) => s + v, 0);
  const allReal = (p: PreparedCrossing, t: number) => p.crossing.approaches.every((_, a) => p.isReal(t, a));
  const filledShare = (p: PreparedCrossing, t: number) => p.crossing.approaches.filter((_, a) => !p.isReal(t, a)).length / p.crossing.approaches.length;
  // The worker flags `inputs-mostly-filled` below 75 % real inputs over its last 8 intervals.
  const degraded = (p: PreparedCrossing, t: number) => {
    let real = 0;
    for (let l = 0; l < 8; l++) real += 1 - filledShare(p, t - l);
    return real / 8 < 0.75;
  };
  const ms = (t: number) => firstMs + t * step;

  // The city total must be scored against real readings; no test interval has all 140
  // detectors, so it is scored over the crossings that reported fully almost all week.
  const testRange = range(testStart, testEnd);
  const scoredCity = prepared.filter((p) => testRange.filter((t) => allReal(p, t)).length >= 0.95 * testRange.length).map((p) => p.crossing.id);

  const fusion = new CityFusion({
    intervalMinutes: table.intervalMinutes,
    timeZone: city.timeZone,
    crossings: crossingsDef,
    groups: { 'scored-city': scoredCity },
    options: { ...fusionOptions, horizons: HORIZONS },
  });

  const stepInterval = (f: CityFusion, t: number, source: ForecastTable | null, missing: Set<string>): FusionResult => {
    const states: Record<string, CrossingState> = {};
    for (const p of prepared) {
      const id = p.crossing.id;
      if (missing.has(id)) {
        states[id] = 'offline';
        continue;
      }
      f.observe(id, ms(t), total(p, t), undefined, { filledShare: filledShare(p, t) });
      const steps = source?.[id]?.[t];
      if (steps) {
        f.addForecast(id, ms(t), steps.map((s) => ({ horizonMin: s.stepsAhead * table.intervalMinutes, mean: s.total.mean, lo80: s.total.lower80, hi80: s.total.upper80, lo95: s.total.lower95, hi95: s.total.upper95 })), { degraded: degraded(p, t) });
      }
      states[id] = steps ? (degraded(p, t) ? 'degraded' : 'fresh') : 'offline';
    }
    return f.advanceTo(ms(t), states);
  };

  log(`replaying history 1-${VALIDATION_FROM} (observations only), then the validation week`);
  for (let t = 8; t < validationStart; t++) stepInterval(fusion, t, null, new Set());
  for (const t of validationOrigins) stepInterval(fusion, t, forecasts.validation, new Set());
  const endOfValidation: CityFusionState = JSON.parse(JSON.stringify(fusion.toJSON()));
  log(`state at the end of the validation week: ${(JSON.stringify(endOfValidation).length / 1024).toFixed(0)} KiB of JSON`);

  // ---- Test week, every worker present.
  const byId = new Map(prepared.map((p) => [p.crossing.id, p]));
  const acc = () => ({ abs: Array(HORIZONS).fill(0), n: Array(HORIZONS).fill(0), in80: Array(HORIZONS).fill(0), in95: Array(HORIZONS).fill(0), width80: Array(HORIZONS).fill(0) });
  type Acc = ReturnType<typeof acc>;
  const add = (a: Acc, k: number, actual: number, b: { mean: number; lo80: number; hi80: number; lo95?: number; hi95?: number }) => {
    a.abs[k] += Math.abs(b.mean - actual);
    a.n[k]++;
    if (actual >= b.lo80 && actual <= b.hi80) a.in80[k]++;
    if (b.lo95 !== undefined && b.hi95 !== undefined && actual >= b.lo95 && actual <= b.hi95) a.in95[k]++;
    a.width80[k] += b.hi80 - b.lo80;
  };
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const mae = (a: Acc) => a.abs.map((s, k) => r3(s / Math.max(1, a.n[k])));
  const cov80 = (a: Acc) => a.in80.map((s, k) => r3(s / Math.max(1, a.n[k])));
  const cov95 = (a: Acc) => a.in95.map((s, k) => r3(s / Math.max(1, a.n[k])));
  const width80 = (a: Acc) => a.width80.map((s, k) => r3(s / Math.max(1, a.n[k])));

  const own = acc();
  const fused = acc();
  const profileOnly = acc();
  const cityFused = acc();
  const cityNaive = acc();
  const sources: Record<string, number> = {};
  const main = CityFusion.fromJSON(JSON.parse(JSON.stringify(endOfValidation)));
  log('test week, every worker present');
  for (const t of testOrigins) {
    const result = stepInterval(main, t, forecasts.test, new Set());
    for (let k = 0; k < HORIZONS; k++) {
      const target = t + k + 1;
      if (target < testStart || target > testEnd) continue;
      let cityActual = 0;
      let cityComplete = true;
      let naive = { mean: 0, lo80: 0, hi80: 0 };
      for (const id of scoredCity) {
        const p = byId.get(id)!;
        if (!allReal(p, target)) cityComplete = false;
        cityActual += total(p, target);
        const s = forecasts.test[id][t][k].total;
        naive = { mean: naive.mean + s.mean, lo80: naive.lo80 + s.lower80, hi80: naive.hi80 + s.upper80 };
      }
      if (cityComplete) {
        add(cityFused, k, cityActual, result.groups['scored-city'][k]);
        add(cityNaive, k, cityActual, naive);
      }
      for (const p of prepared) {
        const id = p.crossing.id;
        if (!allReal(p, target)) continue;
        const actual = total(p, target);
        const s = forecasts.test[id][t][k].total;
        add(own, k, actual, { mean: s.mean, lo80: s.lower80, hi80: s.upper80, lo95: s.lower95, hi95: s.upper95 });
        const point = result.crossings[id][k];
        add(fused, k, actual, point);
        sources[point.source] = (sources[point.source] ?? 0) + 1;
        const pr = main.profileAt(id, ms(target));
        add(profileOnly, k, actual, { mean: pr, lo80: pr, hi80: pr });
      }
    }
  }

  // ---- Knock-out: a seeded share of the workers gone for the whole test week.
  const knockout = KNOCKOUT_SHARES.map((share) => {
    const estimate = acc();
    const profile = acc();
    const draws: Array<{ seed: number; missing: string[]; estimate_mae: number[]; profile_mae: number[]; estimate_coverage80: number[] }> = [];
    for (let draw = 0; draw < KNOCKOUT_DRAWS; draw++) {
      const seed = 1000 * Math.round(share * 100) + draw;
      const random = mulberry32(seed);
      const shuffled = [...ids].map((id) => ({ id, r: random() })).sort((a, b) => a.r - b.r).map((x) => x.id);
      const missing = new Set(shuffled.slice(0, Math.round(share * ids.length)));
      const drawEstimate = acc();
      const drawProfile = acc();
      const f = CityFusion.fromJSON(JSON.parse(JSON.stringify(endOfValidation)));
      for (const t of testOrigins) {
        const result = stepInterval(f, t, forecasts.test, missing);
        for (let k = 0; k < HORIZONS; k++) {
          const target = t + k + 1;
          if (target < testStart || target > testEnd) continue;
          for (const id of missing) {
            const p = byId.get(id)!;
            if (!allReal(p, target)) continue;
            const actual = total(p, target);
            const point = result.crossings[id][k];
            if (point.source !== 'estimated') throw new Error(`knocked-out ${id} was not estimated`);
            const pr = f.profileAt(id, ms(target));
            for (const [a, b] of [[estimate, point], [drawEstimate, point]] as const) add(a, k, actual, b);
            for (const a of [profile, drawProfile]) add(a, k, actual, { mean: pr, lo80: pr, hi80: pr });
          }
        }
      }
      draws.push({ seed, missing: [...missing].sort(), estimate_mae: mae(drawEstimate), profile_mae: mae(drawProfile), estimate_coverage80: cov80(drawEstimate) });
      log(`  knock-out ${share * 100}% draw ${draw + 1}/${KNOCKOUT_DRAWS}: estimate MAE ${mae(drawEstimate).join(' / ')}, profile ${mae(drawProfile).join(' / ')}, coverage80 ${cov80(drawEstimate).join(' / ')}`);
    }
    return { share, draws: KNOCKOUT_DRAWS, missing_crossings: Math.round(share * ids.length), estimate_mae: mae(estimate), profile_mae: mae(profile), estimate_coverage80: cov80(estimate), estimate_coverage95: cov95(estimate), estimate_width80: width80(estimate), points: estimate.n, per_draw: draws };
  });

  const ownMae = mae(own);
  const fusedMae = mae(fused);
  const pct = (a: number, b: number) => Math.round((10000 * (a - b)) / b) / 100;
  const k25 = knockout.find((k) => k.share === 0.25) ?? { estimate_mae: [NaN], profile_mae: [NaN], estimate_coverage80: [NaN] };
  const cityCov = cov80(cityFused);
  const goals = {
    fused_never_worse_than_own: { met: fusedMae.every((m, k) => m <= ownMae[k]), fused_vs_own_pct: fusedMae.map((m, k) => pct(m, ownMae[k])) },
    fused_5pct_better_at_60min: { met: fusedMae[3] <= 0.95 * ownMae[3], fused_vs_own_pct_60min: pct(fusedMae[3], ownMae[3]), needed_pct: -5 },
    knockout_25pct_estimate_20pct_better_than_profile: { met: k25.estimate_mae.every((m, k) => m <= 0.8 * k25.profile_mae[k]), estimate_vs_profile_pct: k25.estimate_mae.map((m, k) => pct(m, k25.profile_mae[k])), needed_pct: -20 },
    knockout_25pct_coverage80_in_75_85: { met: k25.estimate_coverage80.every((c) => c >= 0.75 && c <= 0.85), coverage80: k25.estimate_coverage80 },
    city_coverage80_in_78_85: { met: cityCov.every((c) => c >= 0.78 && c <= 0.85), coverage80: cityCov },
  };
  const json = {
    dataset: 'boroondara-2006',
    backend: forecasts.backend,
    edge_model: 'residual-ensemble',
    edge_epochs: forecasts.epochs,
    fusion_options: fusionOptions,
    horizons_min: Array.from({ length: HORIZONS }, (_, k) => (k + 1) * table.intervalMinutes),
    phases: {
      history: [dates[0], dates[validationStart - 1]],
      validation: { dates: [VALIDATION_FROM, dates[testStart - 1]], edge_models_trained_on: [dates[0], dates[validationStart - 1]] },
      test: { dates: [TEST_FROM, TEST_TO], edge_models_trained_on: [dates[0], dates[testStart - 1]] },
    },
    leakage: 'Fusion learns only online, from observations of intervals already finished: its profile, stacking weights, neighbour fits and residual histories are fitted on 1-24 October (the validation week uses edge forecasts from models trained on 1-17 October, so the errors it learns are out of sample) and keep updating during the test week from past intervals only. Every fused point is computed before its target is observed. The edge models for the test week are trained on 1-24 October as in bench:forecast; as there, the first 4 origins (before 25 October) use models that saw up to 3 intervals after those origins.',
    crossings: ids.length,
    points_scored: own.n,
    own_mae: ownMae,
    fused_mae: fusedMae,
    profile_only_mae: mae(profileOnly),
    own_coverage80: cov80(own),
    fused_coverage80: cov80(fused),
    fused_coverage95: cov95(fused),
    own_width80: width80(own),
    fused_width80: width80(fused),
    fused_sources: sources,
    knockout,
    city: {
      scope: `the ${scoredCity.length} crossings whose every detector reported on at least 95 % of test intervals (no test interval has all 140 detectors, so the 40-crossing total cannot be scored against real readings); scored where all of them are real`,
      crossing_ids: scoredCity,
      mae: mae(cityFused),
      coverage80: cityCov,
      coverage95: cov95(cityFused),
      width80: width80(cityFused),
      points: cityFused.n,
      naive_sum_of_own: { mae: mae(cityNaive), coverage80: cov80(cityNaive), width80: width80(cityNaive) },
    },
    goals,
    notes: [
      'Scored: targets in 25-31 October whose recorded values are real readings (missing, filled and cleaning-flagged values are not scored), crossing totals only where every approach is real, as in bench:forecast.',
      'own = the workers\' crossing-total forecasts as sent; fused = CityFusion.fuse() output for the same crossing, target and horizon. Degraded workers (under 75 % real inputs over their last 8 intervals) are estimated, as the service would.',
      'profile_only / knock-out profile = the time-of-week profile the fusion learned from observed totals, for the same points.',
      'Knock-out: the missing workers send nothing (no forecasts, no observations) from 4 intervals before the test week to its end; their crossings are estimated from the profile and their neighbours. Metrics pool all draws.',
      'naive_sum_of_own: the sum of the workers\' means and of their 80 % bounds, as the service did before fusion.',
    ],
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(json, null, 2));
  const row = (name: string, xs: number[]) => `${name.padEnd(34)}${xs.map((x) => x.toFixed(3).padStart(10)).join('')}`;
  console.log(`\n${''.padEnd(34)}${json.horizons_min.map((h) => `${h} min`.padStart(10)).join('')}`);
  console.log(row('own MAE', ownMae));
  console.log(row('fused MAE', fusedMae));
  console.log(row('profile-only MAE', json.profile_only_mae));
  console.log(row('own coverage80', json.own_coverage80));
  console.log(row('fused coverage80', json.fused_coverage80));
  for (const k of knockout) {
    console.log(row(`knock-out ${k.share * 100}% estimate MAE`, k.estimate_mae));
    console.log(row(`knock-out ${k.share * 100}% profile MAE`, k.profile_mae));
    console.log(row(`knock-out ${k.share * 100}% coverage80`, k.estimate_coverage80));
  }
  console.log(row('city MAE', json.city.mae));
  console.log(row('city coverage80', json.city.coverage80));
  console.log(row('city naive-sum coverage80', json.city.naive_sum_of_own.coverage80));
  console.log(`\ngoals: ${JSON.stringify(goals, null, 1)}`);
  console.log(`written: ${OUT}`);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

main().catch((error) => {
  console.error(`bench:fusion failed: ${(error as Error).stack}`);
  process.exit(1);
});
