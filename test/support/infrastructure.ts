import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { DataSource } from 'typeorm';
import IORedis from 'ioredis';
import { deleteKeysMatching } from '@crosscast/runtime';

/**
 * Real PostgreSQL and Redis for tests (never mocked). Each test file gets its own
 * database and its own queue/stream prefixes, so files never see each other's data.
 */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function testDatabaseUrl(name: string): string {
  return `${TEST_POSTGRES_URL}/${name}`;
}

export async function dropDatabase(name: string, serverUrl = TEST_POSTGRES_URL): Promise<void> {
  const admin = new DataSource({ type: 'postgres', url: `${serverUrl}/postgres` });
  await admin.initialize();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.destroy();
  }
}

export async function openDatabase(url: string): Promise<DataSource> {
  const dataSource = new DataSource({ type: 'postgres', url });
  await dataSource.initialize();
  return dataSource;
}

/** Deletes every Redis key under a prefix (queues, streams) after a test file. */
export async function clearRedisPrefix(prefix: string, redisUrl = TEST_REDIS_URL): Promise<void> {
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysMatching(redis, `${prefix}:*`);
  } finally {
    redis.disconnect();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until `probe` returns a truthy value, or fails with the last value seen. */
export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value as T;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

/**
 * Takes a migrated database back to the schema before `migrationName`: undoes the later
 * migrations first, then that one. For tests of a migration's upgrade path.
 */
export async function undoMigrationsThrough(db: DataSource, migrationName: string): Promise<void> {
  const lastApplied = async () => (await db.query(`SELECT name FROM migrations ORDER BY id DESC LIMIT 1`))[0]?.name as string | undefined;
  for (let name = await lastApplied(); name !== migrationName; name = await lastApplied()) {
    if (name === undefined) throw new Error(`${migrationName} is not applied`);
    await db.undoLastMigration();
  }
  await db.undoLastMigration();
}
