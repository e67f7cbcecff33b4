/**
 * `npm run backtest -- --file <counts.csv[.gz]> [options]`: backtests the edge model, the
 * naive baselines and (optionally) the central reference on any counts file in the long
 * CSV format, with a chronological train/test split. Prints a table per level and writes
 * the results as JSON. Run with --help for the options.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BacktestCrossing,
  BacktestData,
  BacktestModel,
  LocalCalendar,
  ModelResult,
  baselineModels,
  centralModel,
  edgeModel,
  intervalsPerDay,
} from '@crosscast/forecasting';
import { runBacktest } from '@crosscast/forecasting';
import { selectTfBackend } from '@crosscast/runtime';
import { groupByCrossing, loadCityDefinition, readCountsCsv } from '@crosscast/seed';

export interface BacktestCommandOptions {
  file: string;
  intervalMinutes?: number;
  timeZone?: string;
  cityDir?: string;
  /** First local date of the test window (YYYY-MM-DD); default: the last 7 days. */
  testFrom?: string;
  /** Last local date of the test window, inclusive; default: the last date in the file. */
  testTo?: string;
  /** First local date used for training; default: the start of the file. */
  trainFrom?: string;
  horizons: number;
  models: string[];
  crossings?: string[];
  epochs?: number;
  out?: string;
  backend: 'auto' | 'wasm' | 'cpu' | 'tensorflow';
}

export interface BacktestReport {
  file: string;
  intervalMinutes: number;
  timeZone: string;
  train: [string, string];
  test: [string, string];
  backend: string;
  horizonsMin: number[];
  crossings: number;
  approaches: number;
  results: Record<string, ModelResult>;
}

const USAGE = `Usage: npm run backtest -- --file <counts.csv|counts.csv.gz> [options]

The file is the long CSV format: a header with timestamp,crossing,approach,count (any
order, extra columns ignored); timestamp ISO 8601 with offset or Z (interval start);
count a non-negative integer, or empty when missing.

Options:
  --interval <minutes>     interval length (default: inferred from the timestamps)
  --time-zone <IANA zone>  the city's zone, for time of day and dates (default: from
                           --city-dir, else UTC)
  --city-dir <dir>         a seed city folder (crossings.json): zone and coordinates
  --test-from <YYYY-MM-DD> first local date of the test window (default: last 7 days)
  --test-to <YYYY-MM-DD>   last local date of the test window (default: last date)
  --train-from <YYYY-MM-DD> first local date used for training (default: all before test)
  --horizons <n>           steps ahead (default 4)
  --models <list>          comma list of: edge, baselines, central (default edge,baselines)
  --crossings <list>       only these crossing ids
  --epochs <n>             training epochs of the edge/central networks (default 12)
  --backend <name>         auto | wasm | cpu | tensorflow (default auto)
  --out <file.json>        where to write the results (default bench/results/backtest-<file>.json)
`;

export function parseBacktestArgs(argv: string[]): BacktestCommandOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') throw new UsageError('');
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const [key, inline] = arg.slice(2).split('=', 2);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${key} needs a value`);
    values.set(key, value);
  }
  const known = ['file', 'interval', 'time-zone', 'city-dir', 'test-from', 'test-to', 'train-from', 'horizons', 'models', 'crossings', 'epochs', 'out', 'backend'];
  for (const key of values.keys()) if (!known.includes(key)) throw new UsageError(`unknown option --${key}`);
  const file = values.get('file');
  if (!file) throw new UsageError('--file is required');
  const int = (key: string, min: number, max: number) => {
    const raw = values.get(key);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  const date = (key: string) => {
    const raw = values.get(key);
    const parsed = raw === undefined ? NaN : Date.parse(`${raw}T00:00:00Z`);
    if (raw !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== raw)) {
      throw new UsageError(`--${key} must be a date YYYY-MM-DD, got "${raw}"`);
    }
    return raw;
  };
  const models = (values.get('models') ?? 'edge,baselines').split(',').map((m) => m.trim());
  for (const m of models) if (!['edge', 'baselines', 'central'].includes(m)) throw new UsageError(`--models: unknown model "${m}" (use edge, baselines, central)`);
  const backend = values.get('backend') ?? 'auto';
  if (!['auto', 'wasm', 'cpu', 'tensorflow'].includes(backend)) throw new UsageError(`--backend must be auto, wasm, cpu or tensorflow`);
  const timeZone = values.get('time-zone');
  if (timeZone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone });
    } catch {
      throw new UsageError(`--time-zone "${timeZone}" is not an IANA time zone (e.g. Australia/Melbourne, Europe/Paris, UTC)`);
    }
  }
  return {
    file,
    intervalMinutes: int('interval', 1, 1440),
    timeZone,
    cityDir: values.get('city-dir'),
    testFrom: date('test-from'),
    testTo: date('test-to'),
    trainFrom: date('train-from'),
    horizons: int('horizons', 1, 96) ?? 4,
    models,
    crossings: values.get('crossings')?.split(',').map((s) => s.trim()).filter(Boolean),
    epochs: int('epochs', 1, 1000),
    out: values.get('out'),
    backend: backend as BacktestCommandOptions['backend'],
  };
}

export class UsageError extends Error {}

/** Loads the file, runs the models, returns the report (printing progress to stderr). */
export async function runBacktestCommand(
  options: BacktestCommandOptions,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  overrides: { edgeOverride?: BacktestModel } = {},
): Promise<BacktestReport> {
  if (!fs.existsSync(options.file)) throw new UsageError(`--file ${options.file}: no such file`);
  const city = options.cityDir ? loadCityDefinition(options.cityDir) : null;
  const timeZone = options.timeZone ?? city?.timeZone ?? 'UTC';
  const calendar = new LocalCalendar(timeZone);
  log(`reading ${options.file}`);
  const table = await readCountsCsv(options.file, { intervalMinutes: options.intervalMinutes });
  const intervalMinutes = table.intervalMinutes;
  const stepMs = intervalMinutes * 60_000;
  const distinctTimes = new Set(table.rows.map((r) => r.intervalStartMs)).size;
  const span = Math.round((table.rows[table.rows.length - 1].intervalStartMs - table.rows[0].intervalStartMs) / stepMs) + 1;
  if (distinctTimes < 0.3 * span) {
    throw new UsageError(`only ${distinctTimes} of the ${span} ${intervalMinutes}-minute intervals in ${options.file} have rows: is --interval ${intervalMinutes} right? (leave it out to infer it from the timestamps)`);
  }
  const grouped = groupByCrossing(table);
  const crossingIds = [...grouped.keys()].filter((id) => !options.crossings || options.crossings.includes(id)).sort();
  if (options.crossings) for (const id of options.crossings) if (!grouped.has(id)) throw new UsageError(`--crossings: "${id}" is not in ${options.file}`);
  if (crossingIds.length === 0) throw new UsageError(`${options.file} has no rows`);

  const firstMs = table.rows[0].intervalStartMs;
  const lastMs = table.rows[table.rows.length - 1].intervalStartMs;
  const n = Math.round((lastMs - firstMs) / stepMs) + 1;
  const dates = Array.from({ length: n }, (_, t) => calendar.localDate(firstMs + t * stepMs));
  const lastDate = dates[n - 1];
  const testFrom = options.testFrom ?? addDays(lastDate, -6);
  const testTo = options.testTo ?? lastDate;
  const testStart = dates.findIndex((d) => d >= testFrom);
  const testEndIndex = findLastIndex(dates, (d) => d <= testTo);
  if (testStart < 0 || testEndIndex < testStart) throw new UsageError(`the test window ${testFrom}..${testTo} holds no intervals of ${options.file} (${dates[0]}..${lastDate})`);
  const trainStart = options.trainFrom ? dates.findIndex((d) => d >= options.trainFrom!) : 0;
  const day = intervalsPerDay(intervalMinutes);
  if (options.horizons >= day) throw new UsageError(`--horizons ${options.horizons} must be under a day (${day} intervals of ${intervalMinutes} minutes)`);
  if (trainStart < 0 || testStart - trainStart < 8 * day) {
    throw new UsageError(`training needs at least 8 days before the test window; ${options.file} has ${((testStart - Math.max(0, trainStart)) / day).toFixed(1)} days before ${testFrom}`);
  }

  const crossings: BacktestCrossing[] = crossingIds.map((id) => {
    const byTime = grouped.get(id)!;
    const approachSet = new Set<string>();
    for (const counts of byTime.values()) for (const a of Object.keys(counts)) approachSet.add(a);
    const approaches = city?.crossings.find((c) => c.id === id)?.approaches.map((a) => a.id).filter((a) => approachSet.has(a)) ?? [...approachSet].sort();
    const raw = Array.from({ length: n - trainStart }, (_, t) => {
      const counts = byTime.get(firstMs + (t + trainStart) * stepMs);
      return approaches.map((a) => (counts && counts[a] !== undefined ? counts[a] : null));
    });
    return { id, approaches, raw };
  });

  const backend = await selectTfBackend(options.backend, log);
  const data: BacktestData = {
    intervalMinutes,
    firstIntervalStartMs: firstMs + trainStart * stepMs,
    calendar,
    crossings,
    testStart: testStart - trainStart,
    testEnd: testEndIndex - trainStart,
    horizons: options.horizons,
  };
  const models: BacktestModel[] = [];
  const modelOptions = options.epochs ? { epochs: options.epochs } : {};
  if (options.models.includes('baselines')) models.push(...baselineModels());
  if (options.models.includes('edge')) models.push(overrides.edgeOverride ?? edgeModel(modelOptions));
  if (options.models.includes('central')) {
    models.push(centralModel(city ? city.crossings.map((c) => ({ id: c.id, lat: c.lat, lon: c.lon })) : [], modelOptions));
  }
  log(`${crossings.length} crossings, ${crossings.reduce((s, c) => s + c.approaches.length, 0)} approaches, ${intervalMinutes}-minute intervals, zone ${timeZone}`);
  log(`train ${dates[trainStart]}..${dates[testStart - 1]}, test ${dates[testStart]}..${dates[testEndIndex]}, horizons ${options.horizons}`);
  const started = Date.now();
  let lastLine = 0;
  const results = await runBacktest(
    data,
    models,
    (p) => {
      if (p.done === p.total || Date.now() - lastLine > 2000) {
        lastLine = Date.now();
        log(`  ${p.model}: ${p.done}/${p.total} crossings${p.crossingId ? ` (${p.crossingId})` : ''}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
    },
    () => performance.now(),
  );
  return {
    file: options.file,
    intervalMinutes,
    timeZone,
    train: [dates[trainStart], dates[testStart - 1]],
    test: [dates[testStart], dates[testEndIndex]],
    backend,
    horizonsMin: Array.from({ length: options.horizons }, (_, h) => (h + 1) * intervalMinutes),
    crossings: crossings.length,
    approaches: crossings.reduce((s, c) => s + c.approaches.length, 0),
    results,
  };
}

/** A fixed-width table per level: one row per model, MAE / RMSE / MAPE / coverage per horizon. */
export function formatReport(report: BacktestReport): string {
  const lines: string[] = [];
  const horizons = report.horizonsMin.map((m) => `${m}m`);
  for (const level of ['approach', 'crossing'] as const) {
    lines.push('', `${level} level (${report.test[0]}..${report.test[1]}), points scored per horizon: ${Object.values(report.results)[0]?.[level].points.join(' / ')}`);
    const header = ['model'.padEnd(22), ...['MAE', 'RMSE', 'MAPE%', 'cov80', 'cov95'].map((m) => horizons.map((h) => `${m} ${h}`.padStart(11)).join(''))].join('');
    lines.push(header);
    for (const [name, result] of Object.entries(report.results)) {
      const m = result[level];
      const fmt = (xs: Array<number | null>, digits: number) => xs.map((x) => (x === null ? '-' : x.toFixed(digits)).padStart(11)).join('');
      lines.push([name.padEnd(22), fmt(m.mae, 2), fmt(m.rmse, 2), fmt(m.mape, 1), fmt(m.coverage80, 3), fmt(m.coverage95, 3)].join(''));
    }
  }
  return lines.join('\n');
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function findLastIndex<T>(xs: T[], predicate: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (predicate(xs[i])) return i;
  return -1;
}

async function main(): Promise<void> {
  let options: BacktestCommandOptions;
  try {
    options = parseBacktestArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) console.error(`backtest: ${error.message}\n`);
      console.error(USAGE);
      process.exit(error.message ? 2 : 0);
    }
    throw error;
  }
  try {
    const report = await runBacktestCommand(options);
    console.log(formatReport(report));
    const out = options.out ?? path.join('bench', 'results', `backtest-${path.basename(options.file).replace(/\.csv(\.gz)?$/i, '')}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(report, null, 2));
    console.log(`\nwritten: ${out}`);
  } catch (error) {
    console.error(`backtest: ${(error as Error).message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
}

if (require.main === module) void main();
