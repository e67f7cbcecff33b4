/**
 * `npm run secrets:generate -- [--dir secrets] [--force]`: the fusion service's operator
 * access secrets for production, as docker-compose.yml mounts them: `<dir>/jwt-secret`
 * (signs login tokens, 64 random bytes) and `<dir>/admin-password` (the first admin's
 * password, 18 random bytes). Existing files are kept unless --force: replacing the JWT
 * secret signs everyone out. Both files are mode 600 and git-ignored.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const dirIndex = process.argv.indexOf('--dir');
const dir = dirIndex >= 0 && process.argv[dirIndex + 1] ? process.argv[dirIndex + 1] : 'secrets';
const force = process.argv.includes('--force');

fs.mkdirSync(dir, { recursive: true });
for (const [name, bytes] of [['jwt-secret', 64], ['admin-password', 18]] as const) {
  const file = path.join(dir, name);
  if (fs.existsSync(file) && !force) {
    console.log(`kept ${file} (exists; --force replaces it)`);
    continue;
  }
  fs.writeFileSync(file, `${randomBytes(bytes).toString('base64url')}\n`, { mode: 0o600 });
  console.log(`wrote ${file} (mode 600)`);
}
console.log(`sign in as admin with the password in ${path.join(dir, 'admin-password')} (ADMIN_USERNAME, default admin); keep both files secret`);
