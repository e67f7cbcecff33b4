import { DataSource } from 'typeorm';
import { CityForecastView } from '@crosscast/contracts';
import { eventually, openDatabase } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';
import { restGet } from '../support/fusion-rest';
import { recordFaultResult, withLogs } from './fault-support';
import { forecastRows, workerHealth } from './worker-support';

async function cityForecast(baseUrl: string): Promise<CityForecastView> {
  const { status, body } = await restGet(baseUrl, '/api/city/forecast');
  if (status !== 200) throw new Error(`GET /api/city/forecast: ${status}`);
  return body as CityForecastView;
}

/** Forecasts each worker has stored before a fault is injected: it runs in steady state. */
const STEADY_FORECASTS = 8;

/** A worker process stops for good: its crossing turns stale (data time) and the city forecast says so. */
describe('fault: a worker stops', () => {
  let platform: RunningPlatform;
  let db: DataSource;

  beforeAll(async () => {
    platform = await startPlatform(['0970', '2000'], { workerGroups: [['0970'], ['2000']], simulator: { REPLAY_SPEED: '900' } });
    db = await openDatabase(platform.databaseUrl);
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await platform?.stop();
  }, 60_000);

  it('turns its crossing stale after two intervals and lists it in the city forecast', async () => {
    // Steady state before the stop: both fresh, and each worker past its first forecasts (a
    // worker stopped after its third forecast says little about detection in service).
    await withLogs(eventually(async () => {
      const city = await cityForecast(platform.baseUrl);
      if (city.crossingsFresh !== 2 || city.stale.some((s) => s.crossingId === '2000')) return false;
      return (await forecastRows(db, '2000')).length >= STEADY_FORECASTS && (await forecastRows(db, '0970')).length >= STEADY_FORECASTS;
    }, `both crossings fresh with ${STEADY_FORECASTS} forecasts stored each`, 180_000, 500), platform.logs);

    await platform.kill('edge-worker-1', 'SIGTERM');
    const stoppedAt = Date.now();
    const city = await withLogs(eventually(async () => {
      const view = await cityForecast(platform.baseUrl);
      return view.stale.find((s) => s.crossingId === '2000')?.freshness === 'stale' ? view : null;
    }, 'crossing 2000 stale in the city forecast', 60_000, 250), platform.logs);
    const detectSeconds = (Date.now() - stoppedAt) / 1000;

    const entry = city.stale.find((s) => s.crossingId === '2000')!;
    const behindIntervals = (Date.parse(city.asOfIntervalStart!) - Date.parse(entry.lastForecastIntervalStart!)) / (15 * 60_000);
    expect(behindIntervals).toBeGreaterThan(2);
    expect(city.stale.some((s) => s.crossingId === '0970')).toBe(false);
    // The city total now covers only the fresh crossing.
    expect(city.crossingsFresh).toBe(1);
    const rows = await forecastRows(db, '2000');
    const seqs = new Set(rows.map((r) => r.seq));
    recordFaultResult({
      scenario: 'worker stops (SIGTERM, not restarted)',
      sent: Math.max(...rows.map((r) => r.seq)) + 1,
      stored: seqs.size,
      lost: Math.max(...rows.map((r) => r.seq)) + 1 - seqs.size,
      duplicated: rows.length - seqs.size,
      recoverySeconds: null,
      notes: `crossing listed stale in /api/city/forecast ${detectSeconds.toFixed(1)} s after the stop (${behindIntervals} intervals behind, replay at 1 interval/s); no recovery expected`,
    });
  }, 300_000);
});

/** A worker is killed (SIGKILL: no orderly shutdown) and started again on the same disk. */
describe('fault: a worker restarts after SIGKILL', () => {
  const CROSSING = '0970';
  let platform: RunningPlatform;
  let db: DataSource;

  beforeAll(async () => {
    platform = await startPlatform([CROSSING], { simulator: { REPLAY_SPEED: '900' }, worker: { RETRAIN_EVERY_INTERVALS: '2000' } });
    db = await openDatabase(platform.databaseUrl);
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await platform?.stop();
  }, 60_000);

  it('reloads its model, continues its sequence and sends no duplicate forecasts', async () => {
    const health = platform.workerHealthUrl('edge-workers');
    await withLogs(eventually(async () => (await forecastRows(db, CROSSING)).filter((r) => r.model_name === 'residual-ensemble').length >= 3, 'forecasts from the trained model', 180_000, 500), platform.logs);
    const before = await workerHealth(health);
    const modelBefore = before.crossings[0].model!;
    await platform.kill('edge-workers', 'SIGKILL');
    const rowsAtKill = await forecastRows(db, CROSSING);
    // Every seq below this had been journalled before the kill.
    const seqJournalledBeforeKill = before.crossings[0].nextSeq;
    const maxSeqBefore = Math.max(...rowsAtKill.map((r) => r.seq));

    platform.startAgain('edge-workers');
    const restartedAt = Date.now();
    const after = await withLogs(eventually(async () => {
      const rows = (await forecastRows(db, CROSSING)).filter((r) => r.seq > maxSeqBefore && r.received_at.getTime() >= restartedAt - 1000);
      return rows.length >= 3 ? rows : null;
    }, 'new forecasts after the restart', 120_000, 500), platform.logs);
    const recoverySeconds = (Date.now() - restartedAt) / 1000;

    expect(platform.logs()).toMatch(/hosting 1 crossing worker\(s\) \(1 restored/);
    // The first forecast after the restart comes from the reloaded model, not the baseline.
    expect(after[0].model_name).toBe('residual-ensemble');
    expect(after[0].model_version).toBe(modelBefore.version);
    const rows = await forecastRows(db, CROSSING);
    const seqs = rows.map((r) => r.seq);
    const storedSeqs = new Set(seqs);
    const missing = Array.from({ length: seqJournalledBeforeKill }, (_, s) => s).filter((s) => !storedSeqs.has(s));
    const twins: Array<{ n: number }> = await db.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM forecasts GROUP BY crossing_id, based_on_interval_start HAVING count(*) > 1) d`);
    const deadLetters = Number((await db.query(`SELECT count(*) AS n FROM dead_letters`))[0].n);
    recordFaultResult({
      scenario: 'worker restart after SIGKILL',
      sent: seqJournalledBeforeKill,
      stored: seqJournalledBeforeKill - missing.length,
      lost: missing.length,
      duplicated: seqs.length - storedSeqs.size + twins[0].n,
      recoverySeconds,
      notes: `model v${modelBefore.version} reloaded; seq continued from ${maxSeqBefore} to ${after[0].seq}; recovery = restart until 3 new forecasts stored; ${deadLetters} dead letters`,
    });
    expect(missing).toEqual([]);
    expect(twins[0].n).toBe(0);
    expect(seqs.length).toBe(storedSeqs.size);
    expect(deadLetters).toBe(0);
  }, 400_000);
});
