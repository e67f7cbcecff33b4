import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import IORedis from 'ioredis';
import { createHash } from 'node:crypto';
import { redisConnectionOptions } from '@crosscast/runtime';

/**
 * One window counter and one block per key, atomically: INCR (the first hit starts the
 * window), and past the limit a block of blockDuration with the counter cleared, so the
 * next window starts fresh when the block ends. Returns hits, window ms left, blocked
 * (0/1), block ms left.
 */
const INCREMENT_SCRIPT = `
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return {tonumber(ARGV[2]) + 1, blockLeft, 1, blockLeft}
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local windowLeft = redis.call('PTTL', KEYS[1])
if windowLeft < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  windowLeft = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return {hits, tonumber(ARGV[3]), 1, tonumber(ARGV[3])}
end
return {hits, windowLeft, 0, 0}
`;

/**
 * The throttler's counters in Redis, so login and write limits hold across every fusion
 * instance (an attacker spreading guesses over instances gets no more tries). Keys are
 * `<prefix>:throttle:<throttler>:<sha256 of the tracker>`: a username or address never
 * appears in Redis, and no input can shape a key. While Redis cannot be reached the limits
 * still hold, per instance, from an in-process store (logged once per outage).
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly redis: IORedis;
  private readonly fallback = new ThrottlerStorageService();
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private usingFallback = false;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
  ) {
    // Fail fast rather than queue: a request waits for its limit check, and Redis being
    // away must not hang logins (health reports Redis).
    this.redis = new IORedis({ ...redisConnectionOptions(redisUrl), maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: true });
    this.redis.on('error', () => undefined);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 32);
    const base = `${this.prefix}:throttle:${throttlerName}:${digest}`;
    let result: number[];
    try {
      result = (await this.redis.eval(INCREMENT_SCRIPT, 2, `${base}:hits`, `${base}:block`, ttl, limit, blockDuration || ttl)) as number[];
    } catch (error) {
      if (!this.usingFallback) this.logger.warn(`rate limits kept in this process only until Redis answers again: ${(error as Error).message}`);
      this.usingFallback = true;
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
    if (this.usingFallback) this.logger.log('rate limits are shared through Redis again');
    this.usingFallback = false;
    const [hits, windowLeft, blocked, blockLeft] = result;
    return { totalHits: hits, timeToExpire: Math.ceil(windowLeft / 1000), isBlocked: blocked === 1, timeToBlockExpire: Math.ceil(blockLeft / 1000) };
  }

  async onApplicationShutdown(): Promise<void> {
    this.fallback.onApplicationShutdown();
    this.redis.disconnect();
  }
}
