/**
 * Storage that grows for years (issue 16, item 4): does the dashboard's query latency stay
 * flat as the partitioned tables fill up?
 *
 * A fresh database is migrated (partitioned by month of data time) and filled, week by week,
 * with the rows 1,024 crossings produce at 15-minute intervals: one forecast per crossing and
 * interval, 4 horizons × (4 approaches + total) forecast points, 4 approach observations.
 * Rows are generated inside PostgreSQL (INSERT … SELECT generate_series), so the benchmark
 * measures storage, not the client. After each week the queries the dashboard and REST make
 * are timed (median and p95 of repeated runs with random crossings), twice: right after the
 * load and ANALYZE (`latency`: every row read is being read for the first time, so each
 * read also sets its rows' hint bits, a cost that depends on when autovacuum last ran), and
 * after `VACUUM (ANALYZE)` of the three tables (`latency_vacuumed`: the state autovacuum
 * keeps a steadily written table in; the stages are compared on equal terms there):
 *
 *   latest_forecast      a crossing's newest forecast (no time bound: every partition probed)
 *   crossing_day         a crossing's forecasts of the last 24 h of data time
 *   observations_day     a crossing's observations of the last 24 h
 *   points_next_hour     a crossing's forecast points for the next hour
 *
 * Default 8 weeks (two months and more, so several partitions); `--weeks N`, `--crossings N`.
 * A year is extrapolated, not loaded (about 2.5 GB a week at 1,024 crossings, 130 GB a
 * year): each month is its own partition of constant size, so time-bounded queries touch
 * one or two partitions whatever the history; the unbounded "latest" query probes one index
 * per month (12 for a year): each stage reports `forecast_partitions` beside it.
 *
 *   npm run bench:storage [-- --weeks 8 --crossings 1024]
 *
 * Writes bench/results/storage.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions, ensureDatabaseExists, runMigrationsLocked } from '@crosscast/persistence';
import { mulberry32 } from '../test/support/prng';

const OUT = 'bench/results/storage.json';
/** The PostgreSQL server (a user that may create databases): DATABASE_SERVER_URL, as bench:pipeline, or the tests' TEST_POSTGRES_URL. */
const SERVER = (process.env.DATABASE_SERVER_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/$/, '');
const START = Date.parse('2026-01-05T00:00:00Z');
const WEEK_INTERVALS = 7 * 96;
const REPEATS = 60;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** One stage's query latencies for the progress line: `name p50/p95 ms, …`. */
function showLatency(latency: Record<string, { p50_ms: number; p95_ms: number }>): string {
  return Object.entries(latency)
    .map(([k, v]) => `${k} ${v.p50_ms}/${v.p95_ms} ms`)
    .join(', ');
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const weeks = arg('weeks', 8);
  const crossings = arg('crossings', 1024);
  const dbName = `crosscast_bench_storage_${Date.now().toString(36)}`;
  const url = `${SERVER}/${dbName}`;
  await ensureDatabaseExists(url);
  const db = new DataSource(dataSourceOptions(url));
  await db.initialize();
  const random = mulberry32(20260105);
  const stages: Array<Record<string, unknown>> = [];
  try {
    await runMigrationsLocked(db);
    await db.query(
      `INSERT INTO crossings (id, name, lat, lon, approaches)
       SELECT 'c' || g, 'crossing ' || g, -37.8 + g * 0.0001, 145 + g * 0.0001, '[{"id":"N"},{"id":"E"},{"id":"S"},{"id":"W"}]'::jsonb FROM generate_series(1, $1) g`,
      [crossings],
    );
    for (let week = 0; week < weeks; week++) {
      const from = START + week * WEEK_INTERVALS * 900_000;
      const loadStarted = Date.now();
      // Partitions for the months this week touches (as maintenance would have made them ahead).
      for (const t of [from, from + WEEK_INTERVALS * 900_000 + 3_600_000]) {
        for (const [table, column] of [['forecasts', 'based_on_interval_start'], ['forecast_points', 'target_interval_start'], ['observations', 'interval_start']]) {
          await db.query(`SELECT crosscast_ensure_month_partition($1, $2, $3)`, [table, column, new Date(t).toISOString()]);
        }
      }
      const interval = `generate_series(0, ${WEEK_INTERVALS - 1}) AS i`;
      const at = `to_timestamp(${from / 1000} + i * 900)`;
      await db.query(
        `INSERT INTO forecasts (message_id, crossing_id, seq, based_on_interval_start, interval_minutes, model_name, model_version, model_backend,
           trained_on_intervals, real_input_share, quality_flags, sent_at, received_at)
         SELECT 'c' || c || ':' || (${week * WEEK_INTERVALS} + i), 'c' || c, ${week * WEEK_INTERVALS} + i, ${at}, 15, 'residual-ensemble', 1, 'wasm', 2000, 1, '[]', ${at}, ${at}
           FROM generate_series(1, ${crossings}) AS c, ${interval}`,
      );
      await db.query(
        `INSERT INTO forecast_points (forecast_id, steps_ahead, approach_id, crossing_id, horizon_minutes, target_interval_start, mean, lower80, upper80, lower95, upper95)
         SELECT f.id, h, a, f.crossing_id, h * 15, f.based_on_interval_start + h * interval '15 minutes', 50, 40, 60, 30, 70
           FROM forecasts f, generate_series(1, 4) AS h, unnest(ARRAY['N', 'E', 'S', 'W', 'total']) AS a
          WHERE f.based_on_interval_start >= to_timestamp(${from / 1000}) AND f.based_on_interval_start < to_timestamp(${from / 1000 + WEEK_INTERVALS * 900})`,
      );
      await db.query(
        `INSERT INTO observations (crossing_id, interval_start, approach_id, count, filled_share)
         SELECT 'c' || c, ${at}, a, 50, 0 FROM generate_series(1, ${crossings}) AS c, ${interval}, unnest(ARRAY['N', 'E', 'S', 'W']) AS a`,
      );
      await db.query(`ANALYZE forecasts; ANALYZE forecast_points; ANALYZE observations`);
      const loadSeconds = (Date.now() - loadStarted) / 1000;

      const newestMs = from + (WEEK_INTERVALS - 1) * 900_000;
      const crossing = () => `c${1 + Math.floor(random() * crossings)}`;
      const queries: Record<string, () => [string, unknown[]]> = {
        latest_forecast: () => [`SELECT * FROM forecasts WHERE crossing_id = $1 ORDER BY based_on_interval_start DESC LIMIT 1`, [crossing()]],
        crossing_day: () => [`SELECT * FROM forecasts WHERE crossing_id = $1 AND based_on_interval_start > $2 ORDER BY based_on_interval_start`, [crossing(), new Date(newestMs - 86_400_000)]],
        observations_day: () => [`SELECT * FROM observations WHERE crossing_id = $1 AND interval_start > $2 ORDER BY interval_start`, [crossing(), new Date(newestMs - 86_400_000)]],
        points_next_hour: () => [`SELECT * FROM forecast_points WHERE crossing_id = $1 AND target_interval_start > $2 AND target_interval_start <= $3`, [crossing(), new Date(newestMs), new Date(newestMs + 3_600_000)]],
      };
      const timeQueries = async () => {
        const latency: Record<string, { p50_ms: number; p95_ms: number }> = {};
        for (const [name, make] of Object.entries(queries)) {
          const times: number[] = [];
          for (let r = 0; r < REPEATS; r++) {
            const [sql, params] = make();
            const t0 = process.hrtime.bigint();
            await db.query(sql, params);
            times.push(Number(process.hrtime.bigint() - t0) / 1e6);
          }
          latency[name] = { p50_ms: +quantile(times, 0.5).toFixed(3), p95_ms: +quantile(times, 0.95).toFixed(3) };
        }
        return latency;
      };
      const latency = await timeQueries();
      const vacuumStarted = Date.now();
      for (const table of ['forecasts', 'forecast_points', 'observations']) await db.query(`VACUUM (ANALYZE) ${table}`);
      const vacuumSeconds = (Date.now() - vacuumStarted) / 1000;
      const latencyVacuumed = await timeQueries();
      const [counts] = await db.query(
        `SELECT (SELECT count(*) FROM forecasts)::bigint AS forecasts, (SELECT count(*) FROM forecast_points)::bigint AS points, (SELECT count(*) FROM observations)::bigint AS observations,
                (SELECT count(*) FROM pg_inherits WHERE inhparent = 'forecasts'::regclass)::int AS forecast_partitions,
                pg_total_relation_size('forecasts_default')::bigint AS default_bytes`,
      );
      const [size] = await db.query(`SELECT pg_database_size(current_database())::bigint AS bytes`);
      const stage = {
        weeks: week + 1,
        crossings,
        forecasts: Number(counts.forecasts),
        forecast_points: Number(counts.points),
        observations: Number(counts.observations),
        forecast_partitions: counts.forecast_partitions,
        database_mb: Math.round(Number(size.bytes) / 1e6),
        load_seconds: +loadSeconds.toFixed(1),
        latency,
        vacuum_seconds: +vacuumSeconds.toFixed(1),
        latency_vacuumed: latencyVacuumed,
      };
      stages.push(stage);
      process.stdout.write(
        `week ${String(week + 1).padStart(2)}: ${stage.forecasts.toLocaleString()} forecasts, ${stage.forecast_points.toLocaleString()} points, ${stage.forecast_partitions} partitions, ${stage.database_mb} MB, load ${stage.load_seconds} s | ` +
          `${showLatency(latency)} | vacuumed: ${showLatency(latencyVacuumed)}\n`,
      );
    }
  } finally {
    await db.destroy();
    const admin = new DataSource({ type: 'postgres', url: `${SERVER}/postgres` });
    await admin.initialize();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.destroy();
  }
  const growthOf = (key: 'latency' | 'latency_vacuumed') => {
    const first = stages[0][key] as Record<string, { p50_ms: number }>;
    const last = stages[stages.length - 1][key] as Record<string, { p50_ms: number }>;
    return Object.fromEntries(Object.keys(first).map((k) => [k, +(last[k].p50_ms / first[k].p50_ms).toFixed(2)]));
  };
  const growth = growthOf('latency');
  const growthVacuumed = growthOf('latency_vacuumed');
  const result = {
    generated_at: new Date().toISOString(),
    command: `npm run bench:storage -- --weeks ${stages.length} --crossings ${stages[0].crossings}`,
    note: 'latency in ms (median, p95 of 60 runs with random crossings) after each week of data: `latency` right after the load, `latency_vacuumed` after VACUUM (ANALYZE); the machine is shared, compare ratios within the run',
    stages,
    p50_growth_first_to_last_week: growth,
    p50_growth_first_to_last_week_vacuumed: growthVacuumed,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
  const show = (g: Record<string, number>) => Object.entries(g).map(([k, v]) => `${k} ×${v}`).join(', ');
  process.stdout.write(`p50 latency, last week / first week: ${show(growth)}; vacuumed: ${show(growthVacuumed)}\nwrote ${OUT}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench:storage: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
