/**
 * What the fusion service's CityFusionService costs on Boroondara (40 crossings): a cold
 * rebuild by replaying 7 days of stored data (what start-up does without a saved state),
 * one fusion run, one preview run (a read-only fuse, for crossing states that changed without
 * data time moving), and saving / restoring the JSON state.
 *
 * Observed totals are the seed counts (1-7 October 2006); workers' forecasts are the next
 * observed totals plus seeded noise (the cost does not depend on their quality).
 *
 *   npm run build && node -r ./tools/register-aliases.js dist/bench/fusion-service-state.js
 *
 * Writes bench/results/fusion-service-state.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CityFusion, CrossingState } from '@crosscast/fusion';
import { groupByCrossing, loadCityDefinition, readCountsCsv } from '@crosscast/seed';
import { mulberry32 } from '../test/support/prng';

const CITY_DIR = 'seed-data/boroondara-2006';
const DAYS = 7;
const OUT = 'bench/results/fusion-service-state.json';


async function main(): Promise<void> {
  const city = loadCityDefinition(CITY_DIR);
  const table = await readCountsCsv(path.join(CITY_DIR, 'counts.csv.gz'), {});
  const step = table.intervalMinutes * 60_000;
  const firstMs = table.rows[0].intervalStartMs;
  const grouped = groupByCrossing(table);
  const intervals = DAYS * 96;
  const total = (id: string, t: number): number | null => {
    const counts = grouped.get(id)?.get(firstMs + t * step);
    if (!counts) return null;
    const values = Object.values(counts).filter((v): v is number => v !== null);
    return values.length ? values.reduce((a, b) => a + b, 0) : null;
  };
  const random = mulberry32(20061001);
  const fusion = new CityFusion({ intervalMinutes: city.intervalMinutes, timeZone: city.timeZone, crossings: city.crossings });

  const fuseMs: number[] = [];
  const started = process.hrtime.bigint();
  let lastStates: Record<string, CrossingState> = {};
  for (let t = 0; t < intervals; t++) {
    const states: Record<string, CrossingState> = {};
    for (const c of city.crossings) {
      const y = total(c.id, t);
      if (y === null) {
        states[c.id] = 'stale';
        continue;
      }
      fusion.observe(c.id, firstMs + t * step, y, undefined, { filledShare: 0 });
      fusion.addForecast(c.id, firstMs + t * step, [1, 2, 3, 4].map((k) => {
        const mean = Math.max(0, (total(c.id, t + k) ?? y) + 30 * (random() - 0.5));
        return { horizonMin: k * 15, mean, lo80: Math.max(0, mean - 25), hi80: mean + 25, lo95: Math.max(0, mean - 40), hi95: mean + 40 };
      }));
      states[c.id] = 'fresh';
    }
    const f0 = process.hrtime.bigint();
    fusion.advanceTo(firstMs + t * step, states);
    fuseMs.push(Number(process.hrtime.bigint() - f0) / 1e6);
    lastStates = states;
  }
  const replayMs = Number(process.hrtime.bigint() - started) / 1e6;

  const s0 = process.hrtime.bigint();
  const text = JSON.stringify(fusion.toJSON());
  const saveMs = Number(process.hrtime.bigint() - s0) / 1e6;
  const r0 = process.hrtime.bigint();
  const restored = CityFusion.fromJSON(JSON.parse(text));
  const restoreMs = Number(process.hrtime.bigint() - r0) / 1e6;
  const exact = JSON.stringify(restored.toJSON()) === text;

  // A preview: one worker goes offline without data time moving. fuse() only reads, so no copy is needed.
  const p0 = process.hrtime.bigint();
  fusion.fuse(firstMs + (intervals - 1) * step, { ...lastStates, [city.crossings[0].id]: 'offline' });
  const previewMs = Number(process.hrtime.bigint() - p0) / 1e6;

  const sorted = [...fuseMs].sort((a, b) => a - b);
  const result = {
    generatedBy: 'node -r ./tools/register-aliases.js dist/bench/fusion-service-state.js',
    city: city.city,
    crossings: city.crossings.length,
    replayedDays: DAYS,
    replayedIntervals: intervals,
    coldReplayMs: Math.round(replayMs),
    fuseMsMedian: Number(sorted[Math.floor(sorted.length / 2)].toFixed(2)),
    fuseMsP95: Number(sorted[Math.floor(sorted.length * 0.95)].toFixed(2)),
    stateJsonBytes: text.length,
    saveToJsonMs: Math.round(saveMs),
    restoreFromJsonMs: Math.round(restoreMs),
    restoreIsExact: exact,
    previewCopyAndFuseMs: Math.round(previewMs),
    note: 'Cold replay excludes reading the rows from PostgreSQL; times on the development machine (2 cores, shared).',
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
