import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import IORedis from 'ioredis';
import { WARM_START_FIELDS, WARM_START_KEY_SEGMENT } from '@crosscast/contracts';
import { redisConnectionOptions } from '@crosscast/runtime';
import { FUSION_CONFIG, FusionConfig } from '../config';

/**
 * One architecture's entry, replaced as a whole in one step unless the entry in Redis was
 * computed from newer snapshots (another fusion instance got there first). KEYS[1]: the
 * entry; ARGV[1]: revision; ARGV[2]: payload ('' = delete the entry); then field, value
 * pairs (the per-crossing signatures). Returns 1 when written or deleted, 0 when kept.
 */
const REPLACE_IF_NOT_OLDER = `
local stored = tonumber(redis.call('HGET', KEYS[1], '${WARM_START_FIELDS.revision}') or '-1')
if stored > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[2] == '' then return 1 end
redis.call('HSET', KEYS[1], '${WARM_START_FIELDS.revision}', ARGV[1], '${WARM_START_FIELDS.payload}', ARGV[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`;

type ReplacingRedis = IORedis & { crosscastReplaceWarmStart(key: string, ...args: string[]): Promise<number> };

export interface WarmStartEntry {
  /** The PublishedWarmStart as JSON text: the bytes the signatures cover. */
  payload: string;
  /** Receipt time (ms) of the newest stored snapshot this was computed from. */
  revision: number;
  /** [crossingId, warmStartSignature(payload, that crossing's key)]. */
  signatures: Array<[string, string]>;
}

/**
 * The warm starts fusion publishes into Redis (libs/contracts `warmStartKey`): one hash
 * per architecture, written and read on the city link. Its own connection, which waits for
 * Redis when it is down (a publication then completes when Redis is back).
 */
@Injectable()
export class WarmStartPublisherRepository implements OnApplicationShutdown {
  private readonly connection: ReplacingRedis;

  constructor(@Inject(FUSION_CONFIG) private readonly config: FusionConfig) {
    this.connection = new IORedis({ ...redisConnectionOptions(config.REDIS_URL), maxRetriesPerRequest: null }) as ReplacingRedis;
    this.connection.on('error', () => undefined);
    this.connection.defineCommand('crosscastReplaceWarmStart', { numberOfKeys: 1, lua: REPLACE_IF_NOT_OLDER });
  }

  /** Replaces the entry at `key`; false when Redis holds one computed from newer snapshots. */
  async publish(key: string, entry: WarmStartEntry): Promise<boolean> {
    const fields = entry.signatures.flatMap(([crossingId, signature]) => [WARM_START_FIELDS.signature(crossingId), signature]);
    return (await this.connection.crosscastReplaceWarmStart(key, String(entry.revision), entry.payload, ...fields)) === 1;
  }

  /** Deletes the entry at `key` unless it was computed from snapshots newer than `revision`. */
  async remove(key: string, revision: number): Promise<boolean> {
    return (await this.connection.crosscastReplaceWarmStart(key, String(revision), '')) === 1;
  }

  /** Every warm-start key under this deployment's prefix (SCAN, never KEYS). */
  async publishedKeys(): Promise<string[]> {
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await this.connection.scan(cursor, 'MATCH', `${this.config.QUEUE_PREFIX}:${WARM_START_KEY_SEGMENT}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) found.add(key);
    } while (cursor !== '0');
    return [...found].sort();
  }

  onApplicationShutdown(): void {
    this.connection.disconnect();
  }
}
