/**
 * `npm run sim:grid-city -- 4x4 <dir> [--seed n]`: writes the city folder of a generated
 * grid (`<dir>/crossings.json`), so fusion and the workers can be started for the grid
 * the simulator runs with SIM_NETWORK=grid:4x4 (point them at it with CITY_DIR=<dir>).
 * The same seed gives the same city; the simulator builds the same grid from it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CityDefinitionSchema } from '@crosscast/contracts';
import { buildGridCity, parseGridName } from '@crosscast/simulation';

export function writeGridCity(size: string, dir: string, seed: number): string {
  const grid = parseGridName(size.startsWith('grid:') ? size : `grid:${size}`);
  if (!grid) throw new Error(`grid size must look like 4x4 (rows x columns), got "${size}"`);
  const { definition } = buildGridCity({ ...grid, seed });
  const city = CityDefinitionSchema.parse(definition);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'crossings.json');
  fs.writeFileSync(file, `${JSON.stringify(city, null, 2)}\n`);
  return file;
}

if (require.main === module) {
  const [size, dir] = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--seed');
  const seedIndex = process.argv.indexOf('--seed');
  const seed = seedIndex >= 0 ? Number(process.argv[seedIndex + 1]) : 1;
  if (!size || !dir) {
    console.error('usage: npm run sim:grid-city -- <rows>x<cols> <dir> [--seed n]');
    process.exit(2);
  }
  const file = writeGridCity(size, dir, seed);
  console.log(`wrote ${file}: start fusion and the workers with CITY_DIR=${dir}, the simulator with SIMULATOR_MODE=simulate SIM_NETWORK=grid:${size.replace(/^grid:/, '')} SIM_SEED=${seed}`);
}
