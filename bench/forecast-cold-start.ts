/**
 * `npm run bench:forecast:cold-start`: cold start by federated warm start, on the real
 * Boroondara counts (seed-data/boroondara-2006).
 *
 * A pool of crossings each trains its own full model on 1-24 October 2006 (as in
 * bench:forecast). Leave-one-out over the held-out crossings: each pretends to be new,
 * with only its own 24 October (one day) of history, and is forecast over its first week
 * (25-31 October) by
 *   - seasonal naive: same local time last week when its own history has it, else yesterday;
 *   - last value (for scale);
 *   - scratch: a model trained on its own days alone: coldStart without a snapshot while the
 *     worker's ordinary training cannot run yet (under 3 days), ResidualEnsembleForecaster.train
 *     once it can;
 *   - warm start: the FedAvg average of the OTHER pool crossings' snapshots (never its
 *     own), fine-tuned on its own days (warmStart);
 *   - full model (reference): its own model trained on 24 days of its history.
 * "daily" (default) refits the scratch and warm models every midnight on the days the
 * crossing has by then, as a worker retrains daily; the "(day 1 only)" rows keep the
 * model fitted on the first day for the whole week. Two ablations (daily): the averaged
 * networks without local fine-tuning, and the federated profile alone (no networks). Scored per horizon (15-60 min) at
 * approach level and crossing level on real readings only. Prints a table and writes
 * bench/results/forecast-cold-start.json.
 *
 *   --held-out N   crossings held out (default 10)   --pool N   crossings in the pool (default 14)
 *   --epochs N     epochs of the pool's full models (default 12)   --out FILE   results file
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BacktestCrossing,
  FederatedSnapshot,
  PreparedCrossing,
  ResidualEnsembleForecaster,
  StepForecast,
  averageSnapshots,
  coldStart,
  exportSnapshot,
  intervalsPerDay,
  prepareCrossing,
  snapshotProblems,
} from '@crosscast/forecasting';
import { selectTfBackend } from '@crosscast/runtime';
import { loadBacktestData } from '../tools/backtest';

const outIndex = process.argv.indexOf('--out');
const OUT = outIndex >= 0 ? process.argv[outIndex + 1] : path.join('bench', 'results', 'forecast-cold-start.json');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

interface Acc {
  abs: number[];
  n: number[];
}
const acc = (H: number): Acc => ({ abs: new Array(H).fill(0), n: new Array(H).fill(0) });
const mae = (a: Acc) => a.abs.map((s, h) => Math.round((1000 * s) / Math.max(1, a.n[h])) / 1000);

async function main(): Promise<void> {
  const started = performance.now();
  const heldOutCount = arg('held-out', 10);
  const poolSize = Math.max(heldOutCount, arg('pool', 14));
  const epochs = arg('epochs', 12);
  const backend = await selectTfBackend('wasm', (m) => process.stderr.write(`${m}\n`));
  const { data, labels } = await loadBacktestData({
    file: 'seed-data/boroondara-2006/counts.csv.gz',
    cityDir: 'seed-data/boroondara-2006',
    testFrom: '2006-10-25',
    testTo: '2006-10-31',
    horizons: 4,
    models: [],
    backend: 'wasm',
  });
  const H = data.horizons;
  const day = intervalsPerDay(data.intervalMinutes);
  const stepMs = data.intervalMinutes * 60_000;
  const coldFrom = labels.findIndex((l) => l >= '2006-10-24');
  const prepared = new Map(data.crossings.map((c) => [c.id, prepareCrossing(c, data)]));
  const realShare = (p: PreparedCrossing, from: number, to: number) => {
    let real = 0;
    let all = 0;
    for (let t = from; t < to; t++) for (let a = 0; a < p.crossing.approaches.length; a++) (all++, p.isReal(t, a) && real++);
    return all ? real / all : 0;
  };
  // Crossings whose cold-start day and first week are mostly real readings, spread over the sorted ids.
  const usable = data.crossings.filter((c) => {
    const p = prepared.get(c.id)!;
    return realShare(p, coldFrom, data.testStart) >= 0.9 && realShare(p, data.testStart, data.testEnd + 1) >= 0.7 && realShare(p, 0, coldFrom) >= 0.6;
  });
  const pick = (xs: BacktestCrossing[], k: number) => Array.from({ length: Math.min(k, xs.length) }, (_, i) => xs[Math.floor((i * xs.length) / Math.min(k, xs.length))]);
  const pool = pick(usable, poolSize);
  const heldOut = pick(pool, heldOutCount);
  process.stderr.write(`${usable.length} usable crossings; pool ${pool.map((c) => c.id).join(' ')}; held out ${heldOut.map((c) => c.id).join(' ')}\n`);

  // Every pool crossing's full model (its own 24 days), and the snapshot it would publish.
  const full = new Map<string, ResidualEnsembleForecaster>();
  const snapshots = new Map<string, FederatedSnapshot>();
  const trainSeconds: number[] = [];
  for (const crossing of pool) {
    const p = prepared.get(crossing.id)!;
    const t0 = performance.now();
    const model = await ResidualEnsembleForecaster.train(
      { intervalMinutes: data.intervalMinutes, approaches: crossing.approaches, firstIntervalStartMs: data.firstIntervalStartMs, values: p.clean.slice(0, data.testStart), isReal: p.isReal, calendar: data.calendar },
      { horizons: H, epochs },
    );
    trainSeconds.push((performance.now() - t0) / 1000);
    full.set(crossing.id, model);
    // As it travels: JSON, checked on arrival.
    const snapshot = JSON.parse(JSON.stringify(exportSnapshot(model, data.intervalMinutes))) as FederatedSnapshot;
    const problems = snapshotProblems(snapshot);
    if (problems.length) throw new Error(`${crossing.id}: its own snapshot is refused: ${problems.join('; ')}`);
    snapshots.set(crossing.id, snapshot);
    process.stderr.write(`full model ${crossing.id}: ${trainSeconds[trainSeconds.length - 1].toFixed(1)} s, ${model.trainingSamples} samples\n`);
  }
  const snapshotBytes = Math.max(...[...snapshots.values()].map((s) => Buffer.byteLength(JSON.stringify(s))));

  const methods = ['seasonal-naive', 'last-value', 'scratch', 'scratch (day 1 only)', 'warm-start', 'warm-start (day 1 only)', 'warm, no fine-tuning', 'warm, profile only', 'full-model (24 days)'];
  const pooled = Object.fromEntries(methods.map((m) => [m, { approach: acc(H), crossing: acc(H) }]));
  const perCrossing: Record<string, Record<string, { approach_mae: number[]; crossing_mae: number[]; points: number[] }>> = {};
  const coldSeconds: number[] = [];
  for (const crossing of heldOut) {
    const global = prepared.get(crossing.id)!;
    // The new crossing's own history starts on the cold-start day: cleaning sees nothing earlier.
    const local = prepareCrossing({ ...crossing, raw: crossing.raw.slice(coldFrom, data.testEnd + 1) }, { ...data, firstIntervalStartMs: data.firstIntervalStartMs + coldFrom * stepMs });
    const firstMs = data.firstIntervalStartMs + coldFrom * stepMs;
    const A = crossing.approaches.length;
    const testStart = data.testStart - coldFrom;
    const testEnd = data.testEnd - coldFrom;
    const others = pool.filter((c) => c.id !== crossing.id).map((c) => snapshots.get(c.id)!);
    const average = averageSnapshots(others);
    // Ablation: the federated profile alone (member weights all on "profile only").
    const profileOnly: FederatedSnapshot = { ...average, combination: average.combination.map((row) => row.map((_, i) => (i === 0 ? 1 : 0))) };
    const scored = (t: number, a: number) => local.isReal(t, a) && global.isReal(t + coldFrom, a);
    const own = Object.fromEntries(methods.map((m) => [m, { approach: acc(H), crossing: acc(H) }]));
    const add = (method: string, t: number, h: number, means: number[]) => {
      let complete = true;
      let totalError = 0;
      for (let a = 0; a < A; a++) {
        if (!scored(t, a)) {
          complete = false;
          continue;
        }
        const e = Math.abs(means[a] - local.clean[t][a]);
        for (const target of [own[method], pooled[method]]) (target.approach.abs[h - 1] += e), target.approach.n[h - 1]++;
        totalError += means[a] - local.clean[t][a];
      }
      if (complete) for (const target of [own[method], pooled[method]]) (target.crossing.abs[h - 1] += Math.abs(totalError)), target.crossing.n[h - 1]++;
    };
    const input = (upTo: number) => ({
      intervalMinutes: data.intervalMinutes,
      approaches: crossing.approaches,
      firstIntervalStartMs: firstMs,
      values: local.clean.slice(0, upTo),
      isReal: local.isReal,
      calendar: data.calendar,
    });
    // Origins whose some horizon lands in [from, to]; each forecast step scored if its target does.
    const scoreModel = (method: string, model: ResidualEnsembleForecaster, from: number, to: number) => {
      const origins: number[] = [];
      for (let t = Math.max(model.minOrigin, from - H); t < to; t++) origins.push(t);
      const forecasts: StepForecast[][] = model.forecastMany(local.clean, origins, firstMs, data.calendar);
      origins.forEach((t, k) => {
        for (const step of forecasts[k]) {
          const target = t + step.stepsAhead;
          if (target >= from && target <= to) add(method, target, step.stepsAhead, step.approaches.map((b) => b.mean));
        }
      });
    };
    // Naive baselines: no model, only the crossing's own history at each origin.
    for (let target = testStart; target <= testEnd; target++) {
      const lastWeek = data.calendar.sameLocalTimeIndex(target, 7, firstMs, data.intervalMinutes);
      const source = lastWeek >= 0 ? lastWeek : data.calendar.sameLocalTimeIndex(target, 1, firstMs, data.intervalMinutes);
      for (let h = 1; h <= H; h++) {
        add('seasonal-naive', target, h, local.clean[source]);
        add('last-value', target, h, local.clean[target - h]);
      }
    }
    // Daily: each day's forecasts come from models fitted at the midnight before, on every day so far.
    for (let d = 0; testStart + d * day <= testEnd; d++) {
      const from = testStart + d * day;
      const to = Math.min(testEnd, from + day - 1);
      const t0 = performance.now();
      const warm = await coldStart(input(from), average, { horizons: H });
      coldSeconds.push((performance.now() - t0) / 1000);
      // Scratch: from the second day on, the worker's ordinary training can run (with its own held-out part).
      const scratch = await ResidualEnsembleForecaster.train(input(from), { horizons: H }).catch((error: Error) => {
        if (!/not enough history/.test(error.message)) throw error;
        return coldStart(input(from), null, { horizons: H });
      });
      scoreModel('warm-start', warm, from, to);
      for (const [method, snapshot, fineTuneEpochs] of [['warm, no fine-tuning', average, 0], ['warm, profile only', profileOnly, 0]] as const) {
        const ablation = await coldStart(input(from), snapshot, { horizons: H }, { fineTuneEpochs });
        scoreModel(method, ablation, from, to);
        ablation.dispose();
      }
      scoreModel('scratch', scratch, from, to);
      if (d === 0) {
        scoreModel('warm-start (day 1 only)', warm, testStart, testEnd);
        scoreModel('scratch (day 1 only)', scratch, testStart, testEnd);
      }
      warm.dispose();
      scratch.dispose();
    }
    // Reference: the crossing's own model on 24 days, forecasting on the global timeline.
    const reference = full.get(crossing.id)!;
    const origins: number[] = [];
    for (let t = data.testStart - H; t < data.testEnd; t++) origins.push(t);
    const forecasts = reference.forecastMany(global.clean, origins, data.firstIntervalStartMs, data.calendar);
    origins.forEach((t, k) => {
      for (const step of forecasts[k]) {
        const target = t + step.stepsAhead - coldFrom;
        if (target >= testStart && target <= testEnd) add('full-model (24 days)', target, step.stepsAhead, step.approaches.map((b) => b.mean));
      }
    });
    perCrossing[crossing.id] = Object.fromEntries(methods.map((m) => [m, { approach_mae: mae(own[m].approach), crossing_mae: mae(own[m].crossing), points: own[m].approach.n }]));
    const line = (m: string) => `${m.padEnd(24)} ${mae(own[m].approach).map((x) => x.toFixed(2).padStart(7)).join('')}`;
    process.stderr.write(`${crossing.id} (${others.length} donors, approach MAE 15/30/45/60 min):\n${methods.map(line).join('\n')}\n`);
  }
  for (const model of full.values()) model.dispose();

  const horizonsMin = Array.from({ length: H }, (_, h) => (h + 1) * data.intervalMinutes);
  const table = (level: 'approach' | 'crossing') =>
    [`${level} MAE (vehicles per 15 min), pooled over ${heldOut.length} held-out crossings`, `${'model'.padEnd(24)}${horizonsMin.map((m) => `${m} min`.padStart(9)).join('')}`]
      .concat(methods.map((m) => `${m.padEnd(24)}${mae(pooled[m][level]).map((x) => x.toFixed(2).padStart(9)).join('')}`))
      .join('\n');
  console.log(`\n${table('approach')}\n\n${table('crossing')}`);

  const r1 = (x: number) => Math.round(x * 10) / 10;
  const goals: Record<string, unknown> = {};
  for (const level of ['approach', 'crossing'] as const) {
    const warm = mae(pooled['warm-start'][level]);
    const naive = mae(pooled['seasonal-naive'][level]);
    const scratch = mae(pooled.scratch[level]);
    const wins = (m: string) => heldOut.filter((c) => perCrossing[c.id]['warm-start'][`${level}_mae`].every((x, h) => x < perCrossing[c.id][m][`${level}_mae`][h])).length;
    goals[level] = {
      warm_vs_seasonal_naive_pct: warm.map((w, h) => r1((100 * (w - naive[h])) / naive[h])),
      warm_vs_scratch_pct: warm.map((w, h) => r1((100 * (w - scratch[h])) / scratch[h])),
      warm_vs_full_model_pct: warm.map((w, h) => r1((100 * (w - mae(pooled['full-model (24 days)'][level])[h])) / mae(pooled['full-model (24 days)'][level])[h])),
      warm_beats_seasonal_naive_every_horizon: warm.every((w, h) => w < naive[h]),
      warm_beats_scratch_every_horizon: warm.every((w, h) => w < scratch[h]),
      goal_20pct_below_seasonal_naive: warm.every((w, h) => w <= 0.8 * naive[h]),
      crossings_where_warm_beats_seasonal_naive_every_horizon: wins('seasonal-naive'),
      crossings_where_warm_beats_scratch_every_horizon: wins('scratch'),
    };
  }
  const seconds = (performance.now() - started) / 1000;
  const json = {
    dataset: 'boroondara-2006',
    backend,
    cold_start_day: '2006-10-24',
    first_week: ['2006-10-25', '2006-10-31'],
    full_models_trained_on: [labels[0].slice(0, 10), '2006-10-24'],
    horizons_min: horizonsMin,
    pool: pool.map((c) => c.id),
    held_out: heldOut.map((c) => c.id),
    donors_per_crossing: pool.length - 1,
    pooled: Object.fromEntries(methods.map((m) => [m, { approach_mae: mae(pooled[m].approach), crossing_mae: mae(pooled[m].crossing), points: pooled[m].approach.n }])),
    per_crossing: perCrossing,
    goals,
    snapshot_bytes_max: snapshotBytes,
    full_model_train_seconds: { p50: r1(trainSeconds.sort((a, b) => a - b)[Math.floor(trainSeconds.length / 2)]), max: r1(Math.max(...trainSeconds)) },
    warm_start_seconds: { p50: Math.round(100 * coldSeconds.sort((a, b) => a - b)[Math.floor(coldSeconds.length / 2)]) / 100, max: Math.round(100 * Math.max(...coldSeconds)) / 100 },
    bench_seconds: Math.round(seconds),
    notes: [
      'Leave-one-out: a held-out crossing\'s warm start averages the snapshots of the other pool crossings only; its own snapshot is never in its average.',
      'The new crossing\'s history starts on 2006-10-24 (cleaning and every model see nothing earlier); the full model (reference) sees its 24 days.',
      'seasonal-naive: same local time last week where the crossing\'s own history reaches it (only 2006-10-31), else same local time yesterday.',
      'warm-start and scratch are refitted at each midnight on the days the crossing has by then (the worker retrains daily); "(day 1 only)" keeps the first-day model all week.',
      'scratch is coldStart without a snapshot (local profile, fresh networks, member weights on the newest fifth of the days) while the ordinary ResidualEnsembleForecaster.train refuses the history (under 3 days), then that training on the days so far.',
      'Scored: targets that are real readings both in the crossing\'s own short history and in the full timeline\'s cleaning; crossing level only where every approach is real.',
      'What travels in a snapshot: network weights, member weights, normalised interval widths, a unit-free week shape (mean 1) and a sample count; no counts, scales or approach names.',
    ],
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(json, null, 2));
  console.log(`\ngoals: ${JSON.stringify(goals)}`);
  console.log(`full models: ${json.full_model_train_seconds.p50} s p50; cold start fit ${json.warm_start_seconds.p50} s p50; snapshot ${snapshotBytes} bytes; bench ${Math.round(seconds)} s\nwritten: ${OUT}`);
}

main().catch((error) => {
  console.error(`bench:forecast:cold-start failed: ${(error as Error).stack}`);
  process.exit(1);
});
