import * as fs from 'node:fs';
import * as path from 'node:path';
import { CityDefinition, CityDefinitionSchema } from '@crosscast/contracts';
import { SimCity, SimDemandFile, SimNetworkFile, buildCalibratedCity, buildGridCity, parseGridName, simCityFromImport } from '@crosscast/simulation';
import { loadCityDefinition } from '@crosscast/seed';

export interface LoadedSimCity {
  sim: SimCity;
  definition: CityDefinition;
  /** Entry link → veh/h per interval of a day. */
  dailyDemand: Record<string, number[]>;
  intervalMinutes: number;
  source: string;
}

/**
 * The network the simulator runs: "boroondara" = CITY_DIR's crossings with the calibrated
 * demand of its sim-demand.json (`npm run sim:demand`); "grid:RxC" = a generated grid,
 * the same for the same seed as `npm run sim:grid-city`; "imported" = CITY_DIR written by
 * `npm run sim:import` (its sim-network.json: network and a day of entry demand).
 */
export function loadSimCity(network: string, cityDir: string, seed: number): LoadedSimCity {
  if (network === 'imported') {
    const definition = loadCityDefinition(path.resolve(cityDir));
    const networkFile = path.resolve(cityDir, 'sim-network.json');
    if (!fs.existsSync(networkFile)) throw new Error(`${networkFile} is missing: an imported city folder is written by \`npm run sim:import\``);
    const file = JSON.parse(fs.readFileSync(networkFile, 'utf8')) as SimNetworkFile;
    const sim = simCityFromImport(file);
    const known = new Set(definition.crossings.map((c) => c.id));
    const missing = sim.crossings.filter((c) => !known.has(c.id)).map((c) => c.id);
    if (missing.length > 0) throw new Error(`${networkFile}: crossings ${missing.join(', ')} are not in ${cityDir}/crossings.json (import both again)`);
    return { sim, definition, dailyDemand: file.dailyDemand.entries, intervalMinutes: file.dailyDemand.intervalSeconds / 60, source: `${networkFile} (${file.format} import of ${file.source}; ${file.dailyDemand.how})` };
  }
  const grid = parseGridName(network);
  if (grid) {
    const { sim, definition } = buildGridCity({ ...grid, seed });
    const dailyDemand = Object.fromEntries(sim.network.demand.map((d) => [d.link, d.vehPerHour]));
    return { sim, definition: CityDefinitionSchema.parse(definition), dailyDemand, intervalMinutes: 15, source: definition.source };
  }
  const definition = loadCityDefinition(path.resolve(cityDir));
  const demandFile = path.resolve(cityDir, 'sim-demand.json');
  if (!fs.existsSync(demandFile)) throw new Error(`${demandFile} is missing: the calibrated demand is made by \`npm run sim:demand\``);
  const file = JSON.parse(fs.readFileSync(demandFile, 'utf8')) as SimDemandFile;
  const sim = buildCalibratedCity(definition, file);
  return { sim, definition, dailyDemand: file.entries, intervalMinutes: file.intervalSeconds / 60, source: `${demandFile} (${file.source})` };
}

/** Writes the simulated city's crossings.json, so fusion and workers can run on it (CITY_DIR). */
export function writeCityDefinition(dir: string, definition: CityDefinition): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'crossings.json');
  fs.writeFileSync(file, `${JSON.stringify(definition, null, 2)}\n`);
  return file;
}
