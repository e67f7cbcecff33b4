/**
 * `npm run bench:forecast`: the forecasting benchmark on the real Boroondara counts.
 * Train on 1-24 October 2006, test on 25-31 October; the edge model (trained per
 * crossing), the four naive baselines and the central reference (all crossings' raw data
 * at once, plus neighbours), at approach and crossing level. Prints a table and writes
 * bench/results/forecast-boroondara.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { edgeModel } from '@crosscast/forecasting';
import { formatReport, runBacktestCommand } from '../tools/backtest';

const OUT = path.join('bench', 'results', 'forecast-boroondara.json');

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const only = process.argv.includes('--no-central') ? ['edge', 'baselines'] : ['edge', 'baselines', 'central'];
  const report = await runBacktestCommand({
    file: 'seed-data/boroondara-2006/counts.csv.gz',
    cityDir: 'seed-data/boroondara-2006',
    testFrom: '2006-10-25',
    testTo: '2006-10-31',
    horizons: 4,
    models: only,
    backend: 'wasm',
  }, undefined, { edgeOverride: edgeModel({}, () => performance.now()) });
  console.log(formatReport(report));

  const r2 = (x: number) => Math.round(x * 100) / 100;
  const levels: Record<string, unknown> = {};
  const goals: Record<string, unknown> = {};
  const edgeName = 'residual-ensemble';
  for (const level of ['approach', 'crossing'] as const) {
    const models: Record<string, unknown> = {};
    for (const [name, result] of Object.entries(report.results)) {
      const m = result[level];
      models[name] = { kind: result.kind, mae: m.mae, rmse: m.rmse, mape: m.mape, coverage80: m.coverage80, coverage95: m.coverage95, width80: m.width80 };
    }
    const baselines = Object.entries(report.results).filter(([, r]) => r.kind === 'baseline');
    const bestBaseline = report.horizonsMin.map((_, h) => Math.min(...baselines.map(([, r]) => r[level].mae[h])));
    const edge = report.results[edgeName][level];
    const central = report.results['central-reference']?.[level];
    levels[level] = { points_scored: edge.points, best_baseline_mae: bestBaseline, models };
    if (level === 'approach') {
      // Added keys: how coverage varies between crossings (min / median / max per horizon).
      (levels[level] as Record<string, unknown>).coverage_by_crossing = Object.fromEntries(Object.entries(report.results).map(([name, r]) => [name, r.coverageByCrossing]));
    }
    goals[level] = {
      edge_vs_best_baseline_pct: edge.mae.map((m, h) => r2((100 * (m - bestBaseline[h])) / bestBaseline[h])),
      goal_mae_20pct_below_best_baseline: edge.mae.every((m, h) => m <= 0.8 * bestBaseline[h]),
      edge_vs_central_pct: central ? edge.mae.map((m, h) => r2((100 * (m - central.mae[h])) / central.mae[h])) : null,
      goal_within_5pct_of_central: central ? edge.mae.every((m, h) => m <= 1.05 * central.mae[h]) : null,
      coverage80_in_78_85: edge.coverage80.every((c) => c !== null && c >= 0.78 && c <= 0.85),
      coverage95_in_93_97: edge.coverage95.every((c) => c !== null && c >= 0.93 && c <= 0.97),
      mae_at_most_10_14_every_horizon: level === 'approach' ? edge.mae.every((m) => m <= 10.14) : null,
    };
  }
  const edgeResult = report.results[edgeName];
  const train = { p50: r2(quantile(edgeResult.trainSeconds, 0.5)), max: r2(Math.max(...edgeResult.trainSeconds)) };
  const infer = { p50: r2(quantile(edgeResult.singleForecastMs, 0.5)), p99: r2(quantile(edgeResult.singleForecastMs, 0.99)), samples: edgeResult.singleForecastMs.length };
  const modelBytes = Math.max(...edgeResult.modelBytes);
  const json = {
    dataset: 'boroondara-2006',
    train: report.train,
    test: report.test,
    backend: report.backend,
    horizons_min: report.horizonsMin,
    edge_model: edgeName,
    crossings: report.crossings,
    approaches: report.approaches,
    levels,
    train_seconds_per_worker: train,
    infer_ms: infer,
    model_bytes: modelBytes,
    central_train_seconds: report.results['central-reference']?.trainSeconds[0] ?? null,
    cleaning: { ...report.cleaning, warnings: report.warnings },
    level_term_used_by_crossings: report.results[edgeName].levelUsedBy?.length ?? null,
    goals: {
      ...goals,
      train_under_60s: train.max < 60,
      infer_p99_under_5ms: infer.p99 < 5,
      model_under_1mb: modelBytes < 1024 * 1024,
    },
    notes: [
      'Scored: test targets whose recorded value is a real reading (missing detector-days, the 2006-10-29 daylight-saving slots and cleaning-flagged values are not scored, for any model); crossing totals only where every approach is real.',
      'historical-average is the plain mean of the training values at the same weekday and local time; same-time-yesterday/last-week use the same local time across the daylight-saving change.',
      'edge-profile-only (kind ablation) is the edge model without its networks: the shrunk, smoothed time-of-week profile alone. The difference between it and residual-ensemble is what the learned corrections add.',
      'Baseline intervals are split-conformal on the last training week, with the historical-average profile refitted without that week so the errors are out of sample.',
      'Every horizon is scored on the same test intervals (origins start horizons intervals before the test window).',
      'Timing figures come from one process on a shared 2-core machine; compare them within this run only.',
      "The edge model's intervals adapt online to their own misses during the test week (adaptive conformal inference), as a worker runs them; its profile is scaled by a level ratio only where that lowered the held-out error.",
      'Cleaning limits come from physics (lanes x 2,400 veh/h x interval, 6 lanes assumed) and each detector\'s history (4 x its 99.5th percentile); cleaning counts every flagged cell by reason.',
    ],
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(json, null, 2));
  console.log(`\ntraining seconds per worker: p50 ${train.p50}, max ${train.max}; single forecast ms: p50 ${infer.p50}, p99 ${infer.p99}; model ${modelBytes} bytes`);
  console.log(`written: ${OUT}`);
}

main().catch((error) => {
  console.error(`bench:forecast failed: ${(error as Error).stack}`);
  process.exit(1);
});
