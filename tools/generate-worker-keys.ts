/**
 * `npm run keys:generate -- [--city-dir <dir>] [--out <file>] [--split <dir>]`: a random
 * 32-byte signing key per crossing of the city, as a keys file for WORKER_KEYS_FILE. Give
 * the fusion service the whole file and each worker a file with only its own crossing:
 * `--split <dir>` writes `<dir>/worker-keys.json` (all) and `<dir>/worker-<id>.json` (one
 * each), the layout docker-compose.yml mounts as secrets.
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
const split = option('split', '');
const out = split ? path.join(split, 'worker-keys.json') : option('out', path.join('.data', 'worker-keys.json'));
const city = loadCityDefinition(cityDir);
const keys = Object.fromEntries(city.crossings.map((c) => [c.id, randomBytes(32).toString('base64')]));
const write = (file: string, content: object) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(content, null, 2), { mode: 0o600 });
};
write(out, { city: city.city, keys });
if (split) for (const [id, key] of Object.entries(keys)) write(path.join(split, `worker-${id}.json`), { keys: { [id]: key } });
console.log(`wrote ${Object.keys(keys).length} crossing keys to ${out}${split ? ` and one file per crossing in ${split}/` : ''} (mode 600); keep them secret`);
