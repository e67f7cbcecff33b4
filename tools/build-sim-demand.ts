/**
 * `npm run sim:demand`: calibrates the Boroondara network's demand to the seed counts
 * (a typical weekday) and writes `seed-data/boroondara-2006/sim-demand.json`, so the
 * simulator does not recompute it at start. Deterministic: same seed data, same file.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimDemandFile, buildCityNetwork, calibrateDemand } from '@crosscast/simulation';
import { CALIBRATION_ITERATIONS, CALIBRATION_SEED, loadCalibrationInput, meanFlows, peakFlows } from './sim-calibration-input';

const CITY_DIR = process.argv[2] ?? 'seed-data/boroondara-2006';

async function main(): Promise<void> {
  const input = await loadCalibrationInput(CITY_DIR);
  const approachMeanVehPerHour = meanFlows(input.targets, input.intervalSeconds);
  const approachPeakVehPerHour = peakFlows(input.targets, input.intervalSeconds);
  const result = calibrateDemand(
    (roadKeepShare) => buildCityNetwork(input.city, { approachMeanVehPerHour, approachPeakVehPerHour, roadKeepShare }),
    input.targets,
    { iterations: CALIBRATION_ITERATIONS, seed: CALIBRATION_SEED, intervalSeconds: input.intervalSeconds },
  );
  const counts = fs.readFileSync(path.join(CITY_DIR, 'counts.csv.gz'));
  const file: SimDemandFile = {
    v: 1,
    network: 'boroondara',
    generatedBy: 'npm run sim:demand (tools/build-sim-demand.ts); do not edit by hand',
    source: `${CITY_DIR}/counts.csv.gz (sha256 ${createHash('sha256').update(counts).digest('hex')}): typical weekday = per approach, the median over ${input.weekdays.length} weekdays (${input.weekdays[0]}..${input.weekdays[input.weekdays.length - 1]}) of each local 15-minute slot`,
    intervalSeconds: input.intervalSeconds,
    calibration: { seed: CALIBRATION_SEED, iterations: CALIBRATION_ITERATIONS, fit: { ...result.final.network } },
    approachMeanVehPerHour,
    approachPeakVehPerHour,
    roadKeepShare: Object.fromEntries(Object.entries(result.roadKeepShare).map(([k, v]) => [k, Math.round(v * 10_000) / 10_000])),
    entries: Object.fromEntries(Object.entries(result.demand).map(([link, rates]) => [link, rates.map((r) => Math.round(r * 10) / 10)])),
  };
  const out = path.join(CITY_DIR, 'sim-demand.json');
  fs.writeFileSync(out, `${JSON.stringify(file)}\n`);
  const fit = result.final.network;
  console.log(`wrote ${out} (${fs.statSync(out).size} bytes): ${Object.keys(file.entries).length} entries; GEH < 5 in ${(fit.gehBelow5Share * 100).toFixed(1)} % of approach-intervals, ${fit.approachesMeeting85Pct}/${fit.approaches} approaches meet 85 %, median |daily error| ${fit.medianAbsDailyErrorPct} %`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
