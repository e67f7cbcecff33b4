/**
 * `npm run keys:generate -- [--city-dir <dir>] [--out <file>] [--split <dir>]`: a random
 * 32-byte signing key per crossing of the city, as a keys file for WORKER_KEYS_FILE. Give
 * the fusion service the whole file and each worker a file with only its own crossing:
 * `--split <dir>` writes `<dir>/worker-keys.json` (all) and `<dir>/worker-<id>.json` (one
 * each), the layout docker-compose.yml mounts as secrets. Also writes the street link's key
 * (SIMULATOR_KEY_FILE: fusion signs timing plans and the simulator signs its reports with
 * it) next to the keys file as `simulator-key.json`, unless one exists (replacing it only
 * means restarting fusion and the simulator together, but keeping it is the safe default).
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
const simulatorKeyFile = path.join(path.dirname(out), 'simulator-key.json');
if (fs.existsSync(simulatorKeyFile)) console.log(`kept ${simulatorKeyFile} (the street link key: exists)`);
else {
  write(simulatorKeyFile, { key: randomBytes(32).toString('base64') });
  console.log(`wrote ${simulatorKeyFile} (the street link key for fusion and the simulator, SIMULATOR_KEY_FILE; mode 600)`);
}
