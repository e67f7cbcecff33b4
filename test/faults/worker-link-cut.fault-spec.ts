import { DataSource } from 'typeorm';
import { TEST_REDIS_URL, eventually, openDatabase } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';
import { TcpProxy, startTcpProxy } from '../support/tcp-proxy';
import { recordFaultResult, withLogs } from './fault-support';
import { forecastRows, missingObservations, newestForecastInterval, workerHealth } from './worker-support';

const CROSSING = '0970';
/** The long pole of the suite: 5 minutes, as the issue asks (FAULT_OUTAGE_SECONDS shortens it for a quick local run). */
const OUTAGE_SECONDS = Number(process.env.FAULT_OUTAGE_SECONDS ?? 300);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A network cut between one edge worker and the city's Redis (a TCP proxy in between is
 * cut; Redis itself keeps running, and the worker's detector feed is not cut). The worker
 * must keep forecasting into its local outbox and deliver everything, in order, when the
 * link returns. Fusion consumes one job at a time here, so arrival order is send order.
 */
async function startCutPlatform(proxy: TcpProxy, bufferLimit?: number): Promise<RunningPlatform> {
  return startPlatform([CROSSING], {
    fusion: { FORECAST_CONCURRENCY: '1' },
    // One 15-minute interval per wall second.
    simulator: { REPLAY_SPEED: '900' },
    worker: { REDIS_URL: proxy.url, DETECTOR_REDIS_URL: TEST_REDIS_URL, RETRAIN_EVERY_INTERVALS: '400', ...(bufferLimit ? { BUFFER_LIMIT: String(bufferLimit) } : {}) },
  });
}

describe(`fault: worker's city link cut for ${OUTAGE_SECONDS} s`, () => {
  let proxy: TcpProxy;
  let platform: RunningPlatform;
  let db: DataSource;

  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(TEST_REDIS_URL).port || 6379), new URL(TEST_REDIS_URL).hostname);
    platform = await startCutPlatform(proxy);
    db = await openDatabase(platform.databaseUrl);
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await platform?.stop();
    await proxy?.close();
  }, 60_000);

  it('keeps forecasting into the disk outbox and delivers everything in order afterwards', async () => {
    const health = platform.workerHealthUrl('edge-workers');
    await withLogs(eventually(async () => (await forecastRows(db, CROSSING)).length >= 3, 'first forecasts stored', 120_000), platform.logs);

    const since = await newestForecastInterval(db, CROSSING);
    proxy.cut();
    const storedAtCut = (await forecastRows(db, CROSSING)).length;
    const cutAt = Date.now();
    let maxBuffered = 0;
    while (Date.now() - cutAt < OUTAGE_SECONDS * 1000) {
      await sleep(2000);
      const h = await workerHealth(health).catch(() => null);
      if (h) maxBuffered = Math.max(maxBuffered, h.buffered);
    }
    const atRestore = await workerHealth(health);
    const storedDuringCut = (await forecastRows(db, CROSSING)).length - storedAtCut;
    proxy.restore();
    const restoredAt = Date.now();

    await withLogs(eventually(async () => (await workerHealth(health)).buffered === 0, 'outbox drained', 120_000), platform.logs);
    // Stop the street, let the last forecasts land, then compare sent (seq 0..next-1) with stored.
    await platform.kill('simulator', 'SIGTERM');
    const sent = await withLogs(eventually(async () => {
      const h = await workerHealth(health);
      const rows = await forecastRows(db, CROSSING);
      return h.buffered === 0 && rows.length === h.crossings[0].nextSeq ? h.crossings[0].nextSeq : null;
    }, 'every forecast the worker made stored', 120_000, 500), platform.logs).catch(async (error) => {
      const h = await workerHealth(health);
      throw new Error(`${error.message}; worker next seq ${h.crossings[0].nextSeq}, stored ${(await forecastRows(db, CROSSING)).length}`);
    });
    const recoverySeconds = (Date.now() - restoredAt) / 1000;
    const rows = await forecastRows(db, CROSSING);
    const seqs = rows.map((r) => r.seq);
    const distinct = new Set(seqs).size;
    const inOrder = seqs.every((s, i) => i === 0 || s > seqs[i - 1]);
    const observations = await missingObservations(db, CROSSING, since);
    recordFaultResult({
      scenario: `worker city link cut ${OUTAGE_SECONDS} s`,
      sent,
      stored: distinct,
      lost: sent - distinct,
      duplicated: rows.length - distinct,
      recoverySeconds,
      notes: `${atRestore.buffered} forecasts (${Math.round(atRestore.bufferedBytes / 1024)} KiB) in the disk outbox at restore, ${storedDuringCut} stored during the cut; arrival order = seq order: ${inOrder}; observations ${observations.present}/${observations.expected}`,
    });
    expect(storedDuringCut).toBe(0);
    expect(atRestore.buffered).toBeGreaterThan(Math.min(50, OUTAGE_SECONDS / 4));
    expect(atRestore.dropped).toBe(0);
    expect(distinct).toBe(sent);
    expect(rows.length).toBe(distinct);
    expect(inOrder).toBe(true);
    expect(observations.present).toBe(observations.expected);
  }, (OUTAGE_SECONDS + 420) * 1000);
});

describe('fault: worker outbox full during a cut (BUFFER_LIMIT=10)', () => {
  const CUT_SECONDS = 40;
  let proxy: TcpProxy;
  let platform: RunningPlatform;
  let db: DataSource;

  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(TEST_REDIS_URL).port || 6379), new URL(TEST_REDIS_URL).hostname);
    platform = await startCutPlatform(proxy, 10);
    db = await openDatabase(platform.databaseUrl);
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await platform?.stop();
    await proxy?.close();
  }, 60_000);

  it('drops the oldest forecasts, counts them, and still delivers every observation', async () => {
    const health = platform.workerHealthUrl('edge-workers');
    await withLogs(eventually(async () => (await forecastRows(db, CROSSING)).length >= 3, 'first forecasts stored', 120_000), platform.logs);
    const since = await newestForecastInterval(db, CROSSING);
    proxy.cut();
    await sleep(CUT_SECONDS * 1000);
    const atRestore = await workerHealth(health);
    proxy.restore();
    const restoredAt = Date.now();
    await platform.kill('simulator', 'SIGTERM');
    const final = await withLogs(eventually(async () => {
      const h = await workerHealth(health);
      const rows = await forecastRows(db, CROSSING);
      return h.buffered === 0 && rows.length === h.crossings[0].nextSeq - h.dropped ? h : null;
    }, 'every kept forecast stored', 120_000, 500), platform.logs);
    const recoverySeconds = (Date.now() - restoredAt) / 1000;
    const rows = await forecastRows(db, CROSSING);
    const observations = await missingObservations(db, CROSSING, since);
    recordFaultResult({
      scenario: 'outbox full (BUFFER_LIMIT=10, 40 s cut)',
      sent: final.crossings[0].nextSeq,
      stored: rows.length,
      lost: final.crossings[0].nextSeq - rows.length - final.dropped,
      duplicated: rows.length - new Set(rows.map((r) => r.seq)).size,
      recoverySeconds,
      notes: `${final.dropped} oldest forecasts dropped by design (counted on the worker's /health), their observations carried forward: observations ${observations.present}/${observations.expected}, ${final.observationsLost} lost`,
    });
    expect(atRestore.buffered).toBeLessThanOrEqual(10);
    expect(final.dropped).toBeGreaterThan(0);
    expect(final.observationsLost).toBe(0);
    expect(observations.present).toBe(observations.expected);
  }, 300_000);
});
