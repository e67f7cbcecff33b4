import type IORedis from 'ioredis';

/** Deletes every key matching a pattern (SCAN, not KEYS, so a large Redis is not blocked). */
export async function deleteKeysMatching(redis: IORedis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
