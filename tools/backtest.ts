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
  CELL_FLAGS,
  CellFlag,
  CleaningOptions,
  CleaningSummary,
  LocalCalendar,
  ModelResult,
  baselineModels,
  centralModel,
  cleaningWarning,
  edgeModel,
  intervalsPerDay,
  runBacktestDetailed,
} from '@crosscast/forecasting';
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
  /** Cleaning: one fixed count ceiling per interval instead of the derived ones. */
  maxCount?: number;
  /** Cleaning: lanes per approach (default unknown: 6 assumed). */
  lanes?: number;
  /** Cleaning: saturation flow, vehicles per hour per lane (default 2400). */
  saturationFlow?: number;
}

export interface BacktestReport {
  file: string;
  intervalMinutes: number;
  timeZone: string;
  train: [string, string];
  test: [string, string];
  backend: string;
  /** Local date-times of the first and last interval of training and of the test window. */
  trainRange: [string, string];
  testRange: [string, string];
  horizonsMin: number[];
  crossings: number;
  approaches: number;
  results: Record<string, ModelResult>;
  /** Each crossing's own training range (from its first reading), cleaning tally and count ceilings. */
  perCrossing: Array<{ id: string; approaches: number; train: [string, string] | null; cleaning: CleaningSummary; limits: number[] }>;
  /** All crossings' cleaning tallies added up. */
  cleaning: CleaningSummary;
  /** Crossings where cleaning dropped more than 5% of the readings. */
  warnings: string[];
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
  --test-from <when>       start of the test window (default: the last 7 days)
  --test-to <when>         end of the test window, inclusive (default: the last date):
                           a date covers its whole day, a date-time is the last
                           interval start scored
  --train-from <when>      first interval used for training (default: all before test)
                           <when> is a local date YYYY-MM-DD or date-time
                           YYYY-MM-DDTHH:MM in the city's zone
  --horizons <n>           steps ahead (default 4)
  --models <list>          comma list of: edge, baselines, central (default edge,baselines)
  --crossings <list>       only these crossing ids
  --epochs <n>             training epochs of the edge/central networks (default 12)
  --backend <name>         auto | wasm | cpu | tensorflow (default auto)
  --out <file.json>        where to write the results (default bench/results/backtest-<file>.json)

Cleaning (what counts as a fault; every dropped reading is counted per reason in the
report, and a warning is printed for a crossing where more than 5% are dropped):
  --lanes <n>              lanes per approach (default unknown: 6 assumed, generously)
  --saturation-flow <n>    vehicles per hour per lane at saturation (default 2400); a
                           count over lanes x this x interval hours is over-capacity
  --max-count <n>          one fixed ceiling per interval instead (default: derived
                           from lanes and from each detector's own history: 4 x its
                           99.5th percentile, never under half a lane's flow)
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
  const known = ['file', 'interval', 'time-zone', 'city-dir', 'test-from', 'test-to', 'train-from', 'horizons', 'models', 'crossings', 'epochs', 'out', 'backend', 'lanes', 'saturation-flow', 'max-count'];
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
  // A local date, or a local date-time (returned as "YYYY-MM-DD HH:MM", which compares
  // as text with the interval labels).
  const date = (key: string) => {
    const raw = values.get(key);
    if (raw === undefined) return undefined;
    const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2}))?$/.exec(raw);
    const day = match?.[1];
    const parsed = day ? Date.parse(`${day}T00:00:00Z`) : NaN;
    const okTime = !match?.[2] || (Number(match[2]) < 24 && Number(match[3]) < 60);
    if (!match || Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== day || !okTime) {
      throw new UsageError(`--${key} must be a local date YYYY-MM-DD or date-time YYYY-MM-DDTHH:MM, got "${raw}"`);
    }
    return match[2] ? `${day} ${match[2]}:${match[3]}` : day;
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
    lanes: int('lanes', 1, 12),
    saturationFlow: int('saturation-flow', 300, 4000),
    maxCount: int('max-count', 1, 10_000_000),
  };
}

export class UsageError extends Error {}

/** A counts file loaded and split for a backtest. */
export interface LoadedBacktest {
  data: BacktestData;
  timeZone: string;
  /** Local date-time label ("YYYY-MM-DD HH:MM") of every interval of data's timeline. */
  labels: string[];
  locations: Array<{ id: string; lat: number; lon: number }>;
}

/** Reads the file and builds the chronological train/test split the options ask for. */
export async function loadBacktestData(options: BacktestCommandOptions, log: (line: string) => void = () => undefined): Promise<LoadedBacktest> {
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
  // Local "YYYY-MM-DD HH:MM" of each interval start: dates and date-times compare as text.
  const labels = Array.from({ length: n }, (_, t) => localLabel(calendar, firstMs + t * stepMs));
  const lastDate = labels[n - 1].slice(0, 10);
  const testFrom = options.testFrom ?? addDays(lastDate, -6);
  const testTo = options.testTo ?? lastDate;
  const testStart = labels.findIndex((d) => d >= testFrom);
  // An inclusive end: a date covers its whole day, a date-time is the last interval start.
  const testEndIndex = findLastIndex(labels, (d) => (testTo.length === 10 ? d.slice(0, 10) <= testTo : d <= testTo));
  if (testStart < 0 || testEndIndex < testStart) throw new UsageError(`the test window ${testFrom}..${testTo} holds no intervals of ${options.file} (${labels[0]}..${labels[n - 1]})`);
  const trainStart = options.trainFrom ? labels.findIndex((d) => d >= options.trainFrom!) : 0;
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
  const cleaning: Partial<CleaningOptions> = {};
  if (options.maxCount !== undefined) cleaning.maxCountPerInterval = options.maxCount;
  if (options.lanes !== undefined) cleaning.lanes = options.lanes;
  if (options.saturationFlow !== undefined) cleaning.saturationFlowPerLane = options.saturationFlow;
  const data: BacktestData = {
    intervalMinutes,
    firstIntervalStartMs: firstMs + trainStart * stepMs,
    calendar,
    crossings,
    testStart: testStart - trainStart,
    testEnd: testEndIndex - trainStart,
    horizons: options.horizons,
    cleaning,
  };
  return { data, timeZone, labels: labels.slice(trainStart), locations: city ? city.crossings.map((c) => ({ id: c.id, lat: c.lat, lon: c.lon })) : [] };
}

/** Loads the file, runs the models, returns the report (printing progress to stderr). */
export async function runBacktestCommand(
  options: BacktestCommandOptions,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  overrides: { edgeOverride?: BacktestModel; loaded?: LoadedBacktest } = {},
): Promise<BacktestReport> {
  const loaded = overrides.loaded ?? (await loadBacktestData(options, log));
  const { data, labels, timeZone } = loaded;
  const { crossings, intervalMinutes } = data;
  const backend = await selectTfBackend(options.backend, log);
  const models: BacktestModel[] = [];
  const modelOptions = options.epochs ? { epochs: options.epochs } : {};
  if (options.models.includes('baselines')) models.push(...baselineModels());
  if (options.models.includes('edge')) models.push(overrides.edgeOverride ?? edgeModel(modelOptions));
  if (options.models.includes('central')) models.push(centralModel(loaded.locations, modelOptions));
  log(`${crossings.length} crossings, ${crossings.reduce((s, c) => s + c.approaches.length, 0)} approaches, ${intervalMinutes}-minute intervals, zone ${timeZone}`);
  log(`test ${labels[data.testStart]}..${labels[data.testEnd]}, horizons ${data.horizons}, ${models.length} models`);
  const started = Date.now();
  let lastLine = 0;
  let modelStarted = started;
  let lastModel = '';
  const { results, cleaning } = await runBacktestDetailed(
    data,
    models,
    (p) => {
      if (p.model !== lastModel) {
        lastModel = p.model;
        modelStarted = Date.now();
      }
      if (p.done === p.total || Date.now() - lastLine > 2000) {
        lastLine = Date.now();
        const elapsed = (Date.now() - started) / 1000;
        // Models differ a lot in cost (a baseline takes a second, the edge model minutes):
        // the estimate is for the model running now, from its own pace.
        const modelElapsed = (Date.now() - modelStarted) / 1000;
        const left = p.done > 0 && p.done < p.total ? ` (${p.model}: about ${((modelElapsed * (p.total - p.done)) / p.done).toFixed(0)} s left)` : '';
        log(`  ${p.model}: ${p.done}/${p.total} crossings${p.crossingId ? ` (${p.crossingId})` : ''}, ${elapsed.toFixed(0)} s${left}`);
      }
    },
    () => performance.now(),
  );
  // Each crossing's own training range: from its first real reading, not the file's first day.
  const crossingRanges = crossings.map((c, i) => {
    const flags = cleaning[i];
    let first = -1;
    for (let t = 0; t < data.testStart && first < 0; t++) if (c.raw[t].some((v) => v !== null)) first = t;
    return {
      id: c.id,
      approaches: c.approaches.length,
      train: first < 0 ? null : ([labels[first], labels[data.testStart - 1]] as [string, string]),
      cleaning: flags.summary,
      limits: flags.limits,
    };
  });
  const droppedWarnings = crossingRanges.map((r) => cleaningWarning(r.cleaning, `crossing ${r.id}`)).filter((w): w is string => w !== null);
  for (const w of droppedWarnings) log(`warning: ${w}`);
  return {
    file: options.file,
    intervalMinutes,
    timeZone,
    train: [labels[0].slice(0, 10), labels[data.testStart - 1].slice(0, 10)],
    test: [labels[data.testStart].slice(0, 10), labels[data.testEnd].slice(0, 10)],
    trainRange: [labels[0], labels[data.testStart - 1]],
    testRange: [labels[data.testStart], labels[data.testEnd]],
    backend,
    horizonsMin: Array.from({ length: data.horizons }, (_, h) => (h + 1) * intervalMinutes),
    crossings: crossings.length,
    approaches: crossings.reduce((s, c) => s + c.approaches.length, 0),
    results,
    perCrossing: crossingRanges,
    cleaning: totalCleaning(crossingRanges.map((r) => r.cleaning)),
    warnings: droppedWarnings,
  };
}

/** The cleaning tallies of several crossings added up. */
export function totalCleaning(summaries: CleaningSummary[]): CleaningSummary {
  const counts = Object.fromEntries(CELL_FLAGS.map((f) => [f, 0])) as Record<CellFlag, number>;
  for (const s of summaries) for (const f of CELL_FLAGS) counts[f] += s.counts[f];
  const cells = CELL_FLAGS.reduce((x, f) => x + counts[f], 0);
  const reported = cells - counts.missing;
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    cells,
    reported,
    counts,
    shares: Object.fromEntries(CELL_FLAGS.map((f) => [f, cells ? r4(counts[f] / cells) : 0])) as Record<CellFlag, number>,
    droppedShare: reported ? r4((reported - counts.real) / reported) : 0,
  };
}

function localLabel(calendar: LocalCalendar, ms: number): string {
  const slot = calendar.slotOf(ms);
  const hh = String(Math.floor(slot.minuteOfDay / 60)).padStart(2, '0');
  const mm = String(slot.minuteOfDay % 60).padStart(2, '0');
  return `${calendar.localDate(ms)} ${hh}:${mm}`;
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
  lines.push('', 'interval coverage between crossings (approach level), min / median / max per horizon:');
  for (const [name, result] of Object.entries(report.results)) {
    const c = result.coverageByCrossing;
    const cell = (s: typeof c.coverage80, h: number) => [s.min[h], s.median[h], s.max[h]].map((x) => (x === null ? '-' : x.toFixed(2))).join('/');
    lines.push(`${name.padEnd(22)} cov80 ${horizons.map((h, i) => `${h} ${cell(c.coverage80, i)}`).join('  ')}   cov95 ${horizons.map((h, i) => `${h} ${cell(c.coverage95, i)}`).join('  ')}`);
  }
  if (report.perCrossing) {
    const models = Object.keys(report.results);
    const edge = models.find((m) => report.results[m].kind === 'edge');
    const baselines = models.filter((m) => report.results[m].kind === 'baseline');
    lines.push('', `per crossing (approach level, ${horizons[0]} ahead): training range, readings dropped by cleaning, MAE, coverage`);
    lines.push(
      ['crossing'.padEnd(10), 'train from'.padEnd(17), 'dropped'.padStart(8), ...(edge ? [`${edge} MAE`.padStart(24), 'cov80'.padStart(7), 'cov95'.padStart(7)] : []), ...baselines.map((b) => `${b}`.padStart(22))].join(' '),
    );
    for (const c of report.perCrossing) {
      const of = (m: string) => report.results[m].perCrossing.find((p) => p.id === c.id)?.approach;
      const e = edge ? of(edge) : undefined;
      const num = (x: number | null | undefined, d: number) => (x === null || x === undefined ? '-' : x.toFixed(d));
      lines.push(
        [
          c.id.padEnd(10),
          (c.train?.[0] ?? 'no readings').padEnd(17),
          `${(100 * c.cleaning.droppedShare).toFixed(1)}%`.padStart(8),
          ...(edge ? [num(e?.mae[0], 2).padStart(24), num(e?.coverage80[0], 3).padStart(7), num(e?.coverage95[0], 3).padStart(7)] : []),
          ...baselines.map((b) => num(of(b)?.mae[0], 2).padStart(22)),
        ].join(' '),
      );
    }
    const t = report.cleaning;
    const reasons = CELL_FLAGS.filter((f) => f !== 'real').map((f) => `${f} ${t.counts[f]}`).join(', ');
    lines.push('', `cleaning: ${t.cells} cells, ${t.reported} readings, ${(100 * t.droppedShare).toFixed(2)}% dropped (${reasons})`);
    for (const w of report.warnings ?? []) lines.push(`warning: ${w}`);
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
