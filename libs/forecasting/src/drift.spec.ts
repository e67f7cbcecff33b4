import { selectTfBackend } from '@crosscast/runtime';
import { BacktestData, baselineModels, runBacktestDetailed } from './backtest';
import { edgeModel } from './backtest-models';
import { LocalCalendar } from './calendar';
import { syntheticSeries } from './synthetic';

/**
 * The edge model on a street that keeps growing (hourly counts, peaks over 5,000, 60% a
 * year): nothing is dropped as "impossible", the forecasts beat
 * the historical average, and the intervals cover close to their nominal share.
 */
describe('edge model on a growing series', () => {
  const timeZone = 'America/New_York';
  const series = syntheticSeries({
    seed: 42,
    intervalMinutes: 60,
    startMs: Date.parse('2025-01-06T00:00:00-05:00'),
    days: 63,
    timeZone,
    approaches: 3,
    peakPerHour: 6000,
    yearlyGrowth: 0.6,
  });
  const data: BacktestData = {
    intervalMinutes: 60,
    firstIntervalStartMs: series.firstIntervalStartMs,
    calendar: new LocalCalendar(timeZone),
    crossings: [{ id: 'G', approaches: series.approaches, raw: series.values }],
    testStart: series.values.length - 14 * 24,
    testEnd: series.values.length - 1,
    horizons: 2,
  };

  it('keeps every big count, follows the growth and keeps coverage near nominal', async () => {
    await selectTfBackend('wasm');
    const models = [...baselineModels().filter((m) => m.name === 'historical-average'), edgeModel({ epochs: 4 })];
    const { results, cleaning } = await runBacktestDetailed(data, models);
    expect(Math.max(...series.values.flat().map((v) => v ?? 0))).toBeGreaterThan(5000);
    expect(cleaning[0].summary.droppedShare).toBe(0);

    const edge = results['residual-ensemble'];
    for (let h = 0; h < 2; h++) expect(edge.approach.mae[h]).toBeLessThan(results['historical-average'].approach.mae[h]);
    // 14 days x 24 hours x 3 approaches = 1,008 scored points per horizon.
    expect(edge.approach.points).toEqual([1008, 1008]);
    for (const c of edge.approach.coverage80) {
      expect(c).toBeGreaterThan(0.74);
      expect(c).toBeLessThan(0.87);
    }
    for (const c of edge.approach.coverage95) {
      expect(c).toBeGreaterThan(0.91);
      expect(c).toBeLessThan(0.99);
    }
  }, 300_000);
});
