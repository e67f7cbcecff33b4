/**
 * `npm run secrets:generate -- [--dir secrets] [--force]`: the deployment's secrets, as
 * docker-compose.yml mounts them (all mode 600 and git-ignored):
 *
 * - `jwt-secret` (signs login tokens, 64 random bytes) and `admin-password` (the first
 *   admin's password, 18 random bytes) for fusion;
 * - `postgres-password`: the database user's password (PostgreSQL's POSTGRES_PASSWORD_FILE
 *   and fusion's DATABASE_PASSWORD_FILE);
 * - `redis-<role>-password` for the fusion, worker and simulator Redis users and
 *   `redis-users.acl`, the ACL Redis loads (default user off, each role its own keys;
 *   see tools/redis-acl.ts). The ACL is rewritten from the password files every run.
 *
 * Existing files are kept unless --force: replacing the JWT secret signs everyone out, and
 * a new database password needs the database user changed too.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REDIS_ROLES, RedisRole, renderRedisAcl } from './redis-acl';

const dirIndex = process.argv.indexOf('--dir');
const dir = dirIndex >= 0 && process.argv[dirIndex + 1] ? process.argv[dirIndex + 1] : 'secrets';
const force = process.argv.includes('--force');

fs.mkdirSync(dir, { recursive: true });
const secretFiles: Array<[string, number]> = [
  ['jwt-secret', 64],
  ['admin-password', 18],
  ['postgres-password', 24],
  ...REDIS_ROLES.map((role): [string, number] => [`redis-${role}-password`, 24]),
];
for (const [name, bytes] of secretFiles) {
  const file = path.join(dir, name);
  if (fs.existsSync(file) && !force) {
    console.log(`kept ${file} (exists; --force replaces it)`);
    continue;
  }
  fs.writeFileSync(file, `${randomBytes(bytes).toString('base64url')}\n`, { mode: 0o600 });
  console.log(`wrote ${file} (mode 600)`);
}
const redisPasswords = Object.fromEntries(
  REDIS_ROLES.map((role) => [role, fs.readFileSync(path.join(dir, `redis-${role}-password`), 'utf8').split(/\r?\n/)[0]]),
) as Record<RedisRole, string>;
const aclFile = path.join(dir, 'redis-users.acl');
fs.writeFileSync(aclFile, renderRedisAcl(redisPasswords), { mode: 0o600 });
console.log(`wrote ${aclFile} (Redis users ${REDIS_ROLES.join(', ')}; default user off)`);
console.log(`sign in as admin with the password in ${path.join(dir, 'admin-password')} (ADMIN_USERNAME, default admin); keep these files secret`);
