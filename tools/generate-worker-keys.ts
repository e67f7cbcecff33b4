/**
 * `npm run keys:generate -- [--city-dir <dir>] [--out <file>]`: a random 32-byte signing
 * key per crossing of the city, as a keys file for WORKER_KEYS_FILE. Give the fusion
 * service the whole file and each worker a file with only its own crossing.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCityDefinition } from '@crosscast/seed';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const cityDir = option('city-dir', 'seed-data/boroondara-2006');
const out = option('out', path.join('.data', 'worker-keys.json'));
const city = loadCityDefinition(cityDir);
const keys = Object.fromEntries(city.crossings.map((c) => [c.id, randomBytes(32).toString('base64')]));
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ city: city.city, keys }, null, 2), { mode: 0o600 });
console.log(`wrote ${Object.keys(keys).length} crossing keys to ${out} (mode 600); keep it secret`);
