/**
 * `npm run bench:sim-calibrate`: how closely the simulated Boroondara network follows the
 * real counts after demand calibration. Targets: a typical weekday per approach (median of
 * the October 2006 weekdays per local 15-minute slot). Reports per approach, over the day
 * and per 15-minute interval: GEH (hourly-equivalent flows), share of intervals with
 * GEH < 5, daily total error, correlation; the network summary after each iteration; and
 * the fit of the committed sim-demand.json under other seeds (is the fit more than one
 * random draw?). Writes bench/results/sim-boroondara-calibration.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimDemandFile, buildCalibratedCity, buildCityNetwork, calibrateDemand, fitReport, simulateDay } from '@crosscast/simulation';
import { CALIBRATION_ITERATIONS, CALIBRATION_SEED, loadCalibrationInput, meanFlows, peakFlows } from '../tools/sim-calibration-input';

const CITY_DIR = 'seed-data/boroondara-2006';
const OUT = path.join('bench', 'results', 'sim-boroondara-calibration.json');

async function main(): Promise<void> {
  const input = await loadCalibrationInput(CITY_DIR);
  const approachMeanVehPerHour = meanFlows(input.targets, input.intervalSeconds);
  const approachPeakVehPerHour = peakFlows(input.targets, input.intervalSeconds);
  const build = (roadKeepShare: Record<string, number>) => buildCityNetwork(input.city, { approachMeanVehPerHour, approachPeakVehPerHour, roadKeepShare });
  const city = build({});
  const started = process.hrtime.bigint();
  const result = calibrateDemand(build, input.targets, { iterations: CALIBRATION_ITERATIONS, seed: CALIBRATION_SEED, intervalSeconds: input.intervalSeconds });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  const stored: { seed: number; network: unknown }[] = [];
  const demandFile = path.join(CITY_DIR, 'sim-demand.json');
  if (fs.existsSync(demandFile)) {
    const file = JSON.parse(fs.readFileSync(demandFile, 'utf8')) as SimDemandFile;
    const calibrated = buildCalibratedCity(input.city, file);
    for (const seed of [1, 2, 3]) {
      const run = simulateDay(calibrated, file.entries, file.intervalSeconds, input.slots, seed);
      stored.push({ seed, network: fitReport(calibrated, input.targets, run.detector, input.intervalSeconds).network });
    }
  }

  const byCrossing = new Map<string, number>();
  for (const c of input.city.crossings) byCrossing.set(c.id, c.approaches.length);
  const report = {
    generatedAt: new Date().toISOString(),
    command: 'npm run bench:sim-calibrate',
    targets: `typical weekday: median over ${input.weekdays.length} weekdays (${input.weekdays[0]}..${input.weekdays[input.weekdays.length - 1]}) per local 15-minute slot`,
    gehDefinition: 'GEH = sqrt(2 (M - C)^2 / (M + C)) on hourly-equivalent flows (4 x the 15-minute count); acceptance: GEH < 5 in at least 85 % of intervals',
    network: {
      crossings: input.city.crossings.length,
      approaches: Object.keys(city.approachLinks).length,
      links: city.network.links.length,
      roadLinksBetweenCrossings: city.roadLinks.length,
      boundaryFedApproaches: Object.keys(city.boundaryEntries).length,
      upstreamFedApproaches: Object.keys(city.localEntries).length,
    },
    calibration: { seed: CALIBRATION_SEED, iterations: CALIBRATION_ITERATIONS, seconds: Math.round(seconds * 10) / 10, secondsPerSimulatedDay: Math.round((seconds / CALIBRATION_ITERATIONS) * 100) / 100 },
    iterations: result.iterations,
    final: result.final.network,
    storedDemandOtherSeeds: stored,
    approaches: result.final.approaches.map((a) => ({ ...a, crossingId: a.approachId.split(':')[0], keepShare: result.roadKeepShare[a.approachId] ?? null })),
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(report, null, 1)}\n`);
  console.log(`network: ${report.network.crossings} crossings, ${report.network.approaches} approaches (${report.network.boundaryFedApproaches} fed from the boundary, ${report.network.upstreamFedApproaches} by an upstream crossing), ${report.network.links} links`);
  for (const it of result.iterations) {
    const n = it.network;
    console.log(`iteration ${it.iteration}: GEH<5 ${(n.gehBelow5Share * 100).toFixed(1)} % of intervals, ${n.approachesMeeting85Pct}/${n.approaches} approaches >= 85 %, median |daily error| ${n.medianAbsDailyErrorPct} %, mean r ${n.meanCorrelation}`);
  }
  for (const s of stored) console.log(`stored sim-demand.json, seed ${s.seed}: ${JSON.stringify(s.network)}`);
  const worst = [...result.final.approaches].sort((a, b) => a.gehBelow5Share - b.gehBelow5Share).slice(0, 5);
  console.log(`worst approaches: ${worst.map((a) => `${a.approachId} ${(a.gehBelow5Share * 100).toFixed(0)} % (daily ${a.dailyTotalErrorPct} %)`).join(', ')}`);
  console.log(`calibration took ${report.calibration.seconds} s (${report.calibration.secondsPerSimulatedDay} s per simulated day); wrote ${OUT}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
