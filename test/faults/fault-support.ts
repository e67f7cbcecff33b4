import * as fs from 'node:fs';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { FORECAST_BACKOFF, FORECAST_QUEUE, ForecastMessage } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { forecastMessage } from '../support/forecast-factory';
import { replaceMarkedSection } from '../support/marked-section';

const ROOT = path.resolve(__dirname, '..', '..');
export const CITY = loadCityDefinition(path.join(ROOT, 'seed-data/boroondara-2006'));

/**
 * `count` signed forecasts spread over the city's crossings, as their workers would send
 * them: one per crossing and 15-minute interval from `firstInterval`, seq rising per crossing.
 */
export function burstOfForecasts(count: number, firstInterval = '2006-11-01T00:00:00Z', crossingIds = CITY.crossings.map((c) => c.id)): ForecastMessage[] {
  const startMs = Date.parse(firstInterval);
  const messages: ForecastMessage[] = [];
  for (let i = 0; i < count; i++) {
    const crossing = CITY.crossings.find((c) => c.id === crossingIds[i % crossingIds.length])!;
    const step = Math.floor(i / crossingIds.length);
    messages.push(forecastMessage(crossing.id, crossing.approaches.map((a) => a.id), new Date(startMs + step * 15 * 60_000).toISOString(), { seq: step }));
  }
  return messages;
}

/** Hands the messages to BullMQ with the job options the edge worker's publisher uses. */
export async function enqueueForecasts(redisUrl: string, prefix: string, messages: ForecastMessage[]): Promise<void> {
  const connection = new IORedis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(FORECAST_QUEUE, { connection, prefix });
  try {
    for (let i = 0; i < messages.length; i += 500) {
      await queue.addBulk(
        messages.slice(i, i + 500).map((m) => ({
          name: 'forecast',
          data: m,
          opts: { jobId: m.messageId.replace(/:/g, '_'), attempts: 10_000, backoff: { type: FORECAST_BACKOFF } },
        })),
      );
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

export interface Tally {
  sent: number;
  stored: number;
  lost: number;
  duplicated: number;
}

/** Compares what was sent (by message id) with the forecasts rows in PostgreSQL. */
export async function tally(db: DataSource, messageIds: string[]): Promise<Tally> {
  const rows: Array<{ message_id: string; n: number }> = await db.query(
    `SELECT message_id, count(*)::int AS n FROM forecasts WHERE message_id = ANY($1::text[]) GROUP BY message_id`,
    [messageIds],
  );
  const storedRows = rows.reduce((s, r) => s + r.n, 0);
  // Two rows for one crossing and interval would also be a duplicate, whatever their ids.
  const twins: Array<{ n: number }> = await db.query(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM forecasts GROUP BY crossing_id, based_on_interval_start HAVING count(*) > 1) d`,
  );
  return { sent: messageIds.length, stored: rows.length, lost: messageIds.length - rows.length, duplicated: storedRows - rows.length + twins[0].n };
}

export async function storedCount(db: DataSource, messageIds: string[]): Promise<number> {
  const rows: Array<{ n: number }> = await db.query(`SELECT count(*)::int AS n FROM forecasts WHERE message_id = ANY($1::text[])`, [messageIds]);
  return rows[0].n;
}

/**
 * (Crossing, planning period) pairs advised more than once across crossing and corridor
 * recommendations. The database forbids a second recommendation for the same crossing or
 * corridor name and period, not the same crossing under two group names: this counts that.
 */
export async function crossingPeriodsAdvisedTwice(db: DataSource): Promise<number> {
  const [row] = await db.query(
    `SELECT count(*) AS n FROM (
       SELECT 1 FROM (
         SELECT crossing_id, planning_period_start FROM recommendations
         UNION ALL SELECT unnest(crossing_ids), planning_period_start FROM corridor_recommendations) a
       GROUP BY crossing_id, planning_period_start HAVING count(*) > 1) d`,
  );
  return Number(row.n);
}

export interface FaultResult extends Tally {
  scenario: string;
  /** Seconds from the end of the fault (process back, server back, link restored) until everything was stored. */
  recoverySeconds: number | null;
  notes: string;
  /** A scenario's own figures beside the common ones (e.g. planning across a leader failover), kept in results.json. */
  figures?: Record<string, number>;
  measuredAt?: string;
}

const RESULTS_FILE = path.join(__dirname, 'results.json');
const RELIABILITY_FILE = path.join(ROOT, 'RELIABILITY.md');
const TABLE_START = '<!-- fault-results:start -->';
const TABLE_END = '<!-- fault-results:end -->';

/** Scenario order in the table. */
const ORDER = ['fusion SIGKILL', 'fusion leader SIGKILL', 'Redis restart', 'PostgreSQL down', 'worker city link cut', 'outbox full', 'worker stops', 'worker restart'];

/**
 * Records one scenario's measured figures in test/faults/results.json and re-renders the
 * table in RELIABILITY.md between its markers, so the committed table is what the suite measured.
 */
export function recordFaultResult(result: FaultResult): void {
  const all: FaultResult[] = fs.existsSync(RESULTS_FILE) ? JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) : [];
  const merged = [...all.filter((r) => r.scenario !== result.scenario), { ...result, measuredAt: new Date().toISOString() }];
  const rank = (s: string) => {
    const i = ORDER.findIndex((o) => s.startsWith(o));
    return i < 0 ? ORDER.length : i;
  };
  merged.sort((a, b) => rank(a.scenario) - rank(b.scenario));
  fs.writeFileSync(RESULTS_FILE, JSON.stringify(merged, null, 2) + '\n');
  const table = [
    '| scenario | messages sent | stored | lost | duplicated | time to recover | measured |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...merged.map(
      (r) =>
        `| ${r.scenario} | ${r.sent} | ${r.stored} | ${r.lost} | ${r.duplicated} | ${r.recoverySeconds === null ? '—' : `${r.recoverySeconds.toFixed(1)} s`} | ${r.measuredAt?.slice(0, 10)}; ${r.notes} |`,
    ),
  ].join('\n');
  replaceMarkedSection(RELIABILITY_FILE, TABLE_START, TABLE_END, table);
}

export function withLogs<T>(promise: Promise<T>, logs: () => string): Promise<T> {
  return promise.catch((error) => {
    throw new Error(`${(error as Error).message}\n--- logs ---\n${logs().slice(-8000)}`);
  });
}
