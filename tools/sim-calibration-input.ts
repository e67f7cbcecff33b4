/**
 * The calibration targets from a city folder's recorded counts: a typical weekday per
 * approach (median over the weekdays of each local 15-minute slot). Shared by
 * `npm run sim:demand` (writes sim-demand.json) and `npm run bench:sim-calibrate`.
 */
import * as path from 'node:path';
import { LocalCalendar } from '@crosscast/forecasting';
import { loadCityDefinition, readCountsCsv } from '@crosscast/seed';
import { CountSample, DayCounts, typicalDay } from '@crosscast/simulation';
import type { CityDefinition } from '@crosscast/contracts';

export const CALIBRATION_SEED = 20061009;
export const CALIBRATION_ITERATIONS = 8;

export async function loadCalibrationInput(cityDir: string): Promise<{ city: CityDefinition; targets: DayCounts; weekdays: string[]; intervalSeconds: number; slots: number }> {
  const city = loadCityDefinition(path.resolve(cityDir));
  const table = await readCountsCsv(path.resolve(cityDir, 'counts.csv.gz'), { intervalMinutes: city.intervalMinutes });
  const calendar = new LocalCalendar(city.timeZone);
  const slots = (24 * 60) / city.intervalMinutes;
  const samples: CountSample[] = [];
  const weekdays = new Set<string>();
  for (const row of table.rows) {
    if (row.count === null) continue;
    const slot = calendar.slotOf(row.intervalStartMs);
    if (slot.dayOfWeek >= 5) continue; // Saturday, Sunday
    const day = calendar.localDate(row.intervalStartMs);
    weekdays.add(day);
    samples.push({ approachId: row.approachId, day, slot: Math.floor(slot.minuteOfDay / city.intervalMinutes), count: row.count });
  }
  return { city, targets: typicalDay(samples, slots), weekdays: [...weekdays].sort(), intervalSeconds: city.intervalMinutes * 60, slots };
}

/** Mean flow over the day per approach, veh/h: the Webster base plans use it. */
export function meanFlows(targets: DayCounts, intervalSeconds: number): Record<string, number> {
  const flows: Record<string, number> = {};
  for (const [approach, counts] of Object.entries(targets)) {
    flows[approach] = Math.round((counts.reduce((s, c) => s + c, 0) / counts.length) * (3600 / intervalSeconds));
  }
  return flows;
}

/** Peak flow of the typical day per approach, veh/h: sizes the approaches' lanes. */
export function peakFlows(targets: DayCounts, intervalSeconds: number): Record<string, number> {
  const flows: Record<string, number> = {};
  for (const [approach, counts] of Object.entries(targets)) flows[approach] = Math.round(Math.max(...counts) * (3600 / intervalSeconds));
  return flows;
}
