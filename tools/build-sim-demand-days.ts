/**
 * `npm run sim:demand-days`: one simulated demand per recorded day. Every day of the seed
 * counts (weekends and the daylight-saving day included) becomes the targets of its own
 * calibration on the typical-weekday city of `sim-demand.json` (its network, road keep
 * shares and lanes unchanged): boundary entries take that day's counts, local entries are
 * re-estimated from two engine runs of that day (`calibrateDayDemand`), starting from the
 * typical day's local entries scaled by the day's volume. Writes
 * `seed-data/boroondara-2006/sim-demand-days.json` (entries in whole veh/h) and leaves
 * `sim-demand.json` alone. Deterministic: same seed data, same file.
 *
 * Gaps: an approach with no count at all on a day, or a day total below 20 % of its typical
 * day (a failed or stuck detector), takes its typical-day target scaled by the day's
 * network volume; single missing slots are filled from their neighbours. On 2006-10-29
 * the hour 02:00-03:00 did not exist (daylight saving): it gets no demand.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalCalendar } from '@crosscast/forecasting';
import { readCountsCsv } from '@crosscast/seed';
import { CountSample, DayCounts, SimDemandFile, buildCalibratedCity, calibrateDayDemand, typicalDay } from '@crosscast/simulation';
import { CALIBRATION_SEED, loadCalibrationInput } from './sim-calibration-input';

const CITY_DIR = process.argv[2] ?? 'seed-data/boroondara-2006';
const ITERATIONS = 2;
const DST_DAY = '2006-10-29';

export interface SimDemandDaysFile {
  v: 1;
  network: string;
  generatedBy: string;
  source: string;
  intervalSeconds: number;
  /** The typical-weekday calibration whose network (keep shares, lanes) every day runs on. */
  base: string;
  days: Record<string, {
    dayOfWeek: number;
    /** Share of approach-slots with a recorded count. */
    recordedShare: number;
    /** Approaches that took their typical-day target (missing or failed detector that day). */
    substituted: string[];
    realTotal: number;
    fit: Record<string, number>;
    entries: Record<string, number[]>;
  }>;
}

async function main(): Promise<void> {
  const input = await loadCalibrationInput(CITY_DIR);
  const demandFile = JSON.parse(fs.readFileSync(path.join(CITY_DIR, 'sim-demand.json'), 'utf8')) as SimDemandFile;
  const city = buildCalibratedCity(input.city, demandFile);
  const table = await readCountsCsv(path.resolve(CITY_DIR, 'counts.csv.gz'), { intervalMinutes: input.city.intervalMinutes });
  const calendar = new LocalCalendar(input.city.timeZone);
  const byDay = new Map<string, CountSample[]>();
  const dayOfWeek = new Map<string, number>();
  for (const row of table.rows) {
    if (row.count === null) continue;
    const slot = calendar.slotOf(row.intervalStartMs);
    const day = calendar.localDate(row.intervalStartMs);
    dayOfWeek.set(day, slot.dayOfWeek);
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day)!.push({ approachId: row.approachId, day, slot: Math.floor(slot.minuteOfDay / input.city.intervalMinutes), count: row.count });
  }
  const typicalTotal = Object.values(input.targets).reduce((s, c) => s + c.reduce((a, b) => a + b, 0), 0);
  const out: SimDemandDaysFile = {
    v: 1,
    network: 'boroondara',
    generatedBy: 'npm run sim:demand-days (tools/build-sim-demand-days.ts); do not edit by hand',
    source: `${CITY_DIR}/counts.csv.gz (sha256 ${createHash('sha256').update(fs.readFileSync(path.join(CITY_DIR, 'counts.csv.gz'))).digest('hex')}), one calibration per local day`,
    intervalSeconds: input.intervalSeconds,
    base: `${CITY_DIR}/sim-demand.json (typical weekday; network, lanes and road keep shares reused)`,
    days: {},
  };
  for (const day of [...byDay.keys()].sort()) {
    const samples = byDay.get(day)!;
    const recorded = typicalDay(samples, input.slots);
    const slotsSeen = new Map<string, Set<number>>();
    for (const s of samples) (slotsSeen.get(s.approachId) ?? slotsSeen.set(s.approachId, new Set()).get(s.approachId)!).add(s.slot);
    const approaches = Object.keys(input.targets);
    const present = approaches.filter((a) => recorded[a]);
    const dayTotalOf = (a: string) => (recorded[a] ?? []).reduce((s, c) => s + c, 0);
    const typicalOf = (a: string) => input.targets[a].reduce((s, c) => s + c, 0);
    const healthy = present.filter((a) => dayTotalOf(a) >= 0.2 * typicalOf(a));
    const volume = healthy.reduce((s, a) => s + dayTotalOf(a), 0) / Math.max(1, healthy.reduce((s, a) => s + typicalOf(a), 0));
    const targets: DayCounts = {};
    const substituted: string[] = [];
    for (const a of approaches) {
      if (healthy.includes(a)) targets[a] = [...recorded[a]];
      else {
        targets[a] = input.targets[a].map((c) => c * volume);
        substituted.push(a);
      }
      if (day === DST_DAY) for (let k = 8; k < 12; k++) targets[a][k] = 0; // 02:00-03:00 did not exist
    }
    const initial = Object.fromEntries(Object.entries(demandFile.entries).map(([link, rates]) => [link, rates.map((r) => r * volume)]));
    const { demand, fit } = calibrateDayDemand(city, targets, initial, { iterations: ITERATIONS, seed: CALIBRATION_SEED, intervalSeconds: input.intervalSeconds });
    const recordedSlots = approaches.reduce((s, a) => s + (slotsSeen.get(a)?.size ?? 0), 0);
    out.days[day] = {
      dayOfWeek: dayOfWeek.get(day)!,
      recordedShare: Math.round((10_000 * recordedSlots) / (approaches.length * input.slots)) / 10_000,
      substituted,
      realTotal: Math.round(Object.values(targets).reduce((s, c) => s + c.reduce((x, y) => x + y, 0), 0)),
      fit: { ...fit },
      entries: Object.fromEntries(Object.entries(demand).map(([link, rates]) => [link, rates.map((r) => Math.round(r))])),
    };
    console.log(`${day} (dow ${dayOfWeek.get(day)}): volume ${(volume * 100).toFixed(0)} % of typical (${Math.round(typicalTotal)}), substituted ${substituted.length}, GEH<5 ${(fit.gehBelow5Share * 100).toFixed(1)} %, median |daily error| ${fit.medianAbsDailyErrorPct} %`);
  }
  const file = path.join(CITY_DIR, 'sim-demand-days.json');
  fs.writeFileSync(file, `${JSON.stringify(out)}\n`);
  console.log(`wrote ${file} (${fs.statSync(file).size} bytes, ${Object.keys(out.days).length} days)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
