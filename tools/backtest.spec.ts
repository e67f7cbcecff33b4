import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BacktestCommandOptions, UsageError, formatReport, parseBacktestArgs, runBacktestCommand } from './backtest';

/** Two crossings of hourly counts with a daily pattern, 12 days, in a city at UTC+1. */
function writeHourlyFile(dir: string): string {
  const lines = ['crossing,approach,timestamp,count,comment'];
  const start = Date.parse('2024-03-04T00:00:00+01:00');
  let seed = 5;
  const noise = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 20;
  for (let t = 0; t < 12 * 24; t++) {
    const iso = new Date(start + t * 3600_000).toISOString();
    const level = 300 + 250 * Math.sin((2 * Math.PI * (t % 24)) / 24 - Math.PI / 2);
    for (const [crossing, approaches] of [['A', ['A:1', 'A:2']], ['B', ['B:1']]] as const) {
      for (const approach of approaches) {
        // A missing hour, written as an empty count.
        const count = crossing === 'B' && t === 100 ? '' : String(Math.max(0, Math.round(level + noise())));
        lines.push(`${crossing},${approach},${iso},${count},x`);
      }
    }
  }
  const file = path.join(dir, 'hourly.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('npm run backtest', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-backtest-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('backtests an hourly file in another city and zone: every model scored at every horizon', async () => {
    const file = writeHourlyFile(dir);
    const options: BacktestCommandOptions = { ...parseBacktestArgs(['--file', file, '--time-zone', 'Europe/Paris', '--test-from', '2024-03-13', '--epochs', '2']), backend: 'wasm' };
    const report = await runBacktestCommand(options, () => undefined);
    expect(report.intervalMinutes).toBe(60);
    expect(report.horizonsMin).toEqual([60, 120, 180, 240]);
    expect(report.test).toEqual(['2024-03-13', '2024-03-15']);
    expect(Object.keys(report.results)).toEqual(['last-value', 'same-time-yesterday', 'same-time-last-week', 'historical-average', 'edge-profile-only', 'residual-ensemble']);
    for (const result of Object.values(report.results)) {
      expect(result.approach.points.every((n) => n > 100)).toBe(true);
      expect(result.approach.mae.every((m) => Number.isFinite(m))).toBe(true);
    }
    // The daily pattern is strong: the learned model is far better than the last value 4 hours ahead.
    expect(report.results['residual-ensemble'].approach.mae[3]).toBeLessThan(report.results['last-value'].approach.mae[3] / 2);
    expect(formatReport(report)).toMatch(/crossing level \(2024-03-13\.\.2024-03-15\)/);
  }, 60_000);

  it('takes date-times for the windows, reports each crossing from its own first reading, and counts what cleaning dropped', async () => {
    const file = writeHourlyFile(dir);
    // Crossing B's first two days never reported (its rows are there, counts empty), and one
    // of A's readings is a fault far over what two lanes carry.
    const text = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => {
        const [crossing, approach, timestamp] = line.split(',');
        if (crossing === 'B' && Date.parse(timestamp) < Date.parse('2024-03-06T00:00:00+01:00')) return `${crossing},${approach},${timestamp},,x`;
        if (approach === 'A:1' && timestamp === new Date(Date.parse('2024-03-08T12:00:00+01:00')).toISOString()) return `${crossing},${approach},${timestamp},99999,x`;
        return line;
      })
      .join('\n');
    const late = path.join(dir, 'late.csv');
    fs.writeFileSync(late, text);
    const options: BacktestCommandOptions = {
      ...parseBacktestArgs(['--file', late, '--time-zone', 'Europe/Paris', '--test-from', '2024-03-13T06:00', '--test-to', '2024-03-15T17:00', '--models', 'baselines', '--lanes', '2']),
      backend: 'wasm',
    };
    const report = await runBacktestCommand(options, () => undefined);
    expect(report.testRange).toEqual(['2024-03-13 06:00', '2024-03-15 17:00']);
    expect(report.trainRange).toEqual(['2024-03-04 00:00', '2024-03-13 05:00']);
    expect(report.perCrossing.map((c) => [c.id, c.train?.[0]])).toEqual([
      ['A', '2024-03-04 00:00'],
      ['B', '2024-03-06 00:00'],
    ]);
    const a = report.perCrossing[0];
    expect(a.cleaning.counts['over-capacity']).toBe(1);
    // Under the two lanes' 4,800 an hour: 4 x the detector's own 99.5th percentile (peaks near 550).
    for (const limit of a.limits) expect(limit).toBeGreaterThan(2000);
    for (const limit of a.limits) expect(limit).toBeLessThan(4800);
    expect(report.cleaning.counts.missing).toBe(2 * 24 + 1);
    const table = formatReport(report);
    expect(table).toMatch(/^B\s+2024-03-06 00:00\s+0\.0%/m);
    expect(table).toMatch(/cleaning: .*over-capacity 1/);
    expect(report.results['historical-average'].perCrossing.map((c) => c.id)).toEqual(['A', 'B']);
    expect(report.results['historical-average'].coverageByCrossing.coverage80.min[0]).not.toBeNull();
  }, 60_000);

  it('explains bad options instead of failing later', async () => {
    expect(() => parseBacktestArgs([])).toThrow('--file is required');
    expect(() => parseBacktestArgs(['--file', 'x.csv', '--test-from', '2024-02-30'])).toThrow('--test-from must be a local date YYYY-MM-DD or date-time YYYY-MM-DDTHH:MM, got "2024-02-30"');
    expect(() => parseBacktestArgs(['--file', 'x.csv', '--test-from', '2024-03-13T25:00'])).toThrow('--test-from must be a local date');
    expect(parseBacktestArgs(['--file', 'x.csv', '--test-from', '2024-03-13T06:00', '--lanes', '3', '--max-count', '5000'])).toMatchObject({ testFrom: '2024-03-13 06:00', lanes: 3, maxCount: 5000 });
    expect(() => parseBacktestArgs(['--file', 'x.csv', '--models', 'edge,magic'])).toThrow('unknown model "magic"');
    expect(() => parseBacktestArgs(['--file', 'x.csv', '--time-zone', 'Mars/Olympus'])).toThrow('not an IANA time zone');
    expect(() => parseBacktestArgs(['--file', 'x.csv', '--horizons', '0'])).toThrow('--horizons must be a whole number from 1 to 96');
    expect(() => parseBacktestArgs(['--file', 'x.csv', '--speed', '2'])).toThrow('unknown option --speed');
    await expect(runBacktestCommand({ ...parseBacktestArgs(['--file', path.join(dir, 'missing.csv')]) }, () => undefined)).rejects.toThrow(UsageError);
    const file = writeHourlyFile(dir);
    await expect(runBacktestCommand({ ...parseBacktestArgs(['--file', file, '--interval', '15']) }, () => undefined)).rejects.toThrow(/is --interval 15 right\?/);
    await expect(runBacktestCommand({ ...parseBacktestArgs(['--file', file, '--test-from', '2024-03-06']) }, () => undefined)).rejects.toThrow(/training needs at least 8 days/);
    // A horizon of a day or more would let "same time yesterday" read past the origin.
    await expect(runBacktestCommand({ ...parseBacktestArgs(['--file', file, '--horizons', '24']) }, () => undefined)).rejects.toThrow(/--horizons 24 must be under a day/);
  });
});
