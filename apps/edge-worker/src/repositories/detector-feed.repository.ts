import { Inject, Injectable, Logger } from '@nestjs/common';
import IORedis from 'ioredis';
import { DetectorReading, DetectorReadingSchema, detectorStreamKey, parseMessage } from '@crosscast/contracts';
import { redisConnectionOptions } from '@crosscast/runtime';
import { EDGE_CONFIG, EdgeWorkerConfig } from '../config';

export interface FeedBatch {
  crossingId: string;
  readings: DetectorReading[];
  /** Stream id of the last entry in the batch: the worker's new cursor. */
  lastId: string;
  rejected: number;
}

/**
 * The worker end of the "detector cable": each crossing's readings arrive on its own
 * Redis stream, written by the street (the simulator). One blocking XREAD serves every
 * worker hosted in this process; each worker has its own cursor, persisted with its
 * state, so nothing is missed across a restart.
 */
@Injectable()
export class DetectorFeedRepository {
  private readonly logger = new Logger('detector-feed');
  private connection: IORedis | null = null;
  private stopped = false;

  constructor(@Inject(EDGE_CONFIG) private readonly config: EdgeWorkerConfig) {}

  async run(cursors: Map<string, string>, onBatch: (batch: FeedBatch) => Promise<void>): Promise<void> {
    this.connection = new IORedis({ ...redisConnectionOptions(this.config.REDIS_URL), maxRetriesPerRequest: null });
    let lastErrorLog = 0;
    this.connection.on('error', (error) => {
      if (Date.now() - lastErrorLog > 10_000) {
        lastErrorLog = Date.now();
        this.logger.warn(`Redis unreachable (${error.message}); the workers keep their history and wait`);
      }
    });
    const ids = [...cursors.keys()];
    const keys = ids.map((id) => detectorStreamKey(id, this.config.STREAM_PREFIX));
    await this.warnAboutLostReadings(ids, keys, cursors).catch(() => undefined);
    while (!this.stopped) {
      let result: Array<[string, Array<[string, string[]]>]> | null;
      try {
        result = (await this.connection.xread('COUNT', 2000, 'BLOCK', 1000, 'STREAMS', ...keys, ...ids.map((id) => cursors.get(id) as string))) as typeof result;
      } catch (error) {
        if (this.stopped) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      // Stopping: leave this batch unread; the cursors were not advanced, so the next
      // start reads it again.
      if (!result || this.stopped) continue;
      for (const [key, entries] of result) {
        const crossingId = ids[keys.indexOf(key)];
        const readings: DetectorReading[] = [];
        let rejected = 0;
        for (const [, fields] of entries) {
          const reading = this.decode(crossingId, fields);
          if (reading) readings.push(reading);
          else rejected++;
        }
        const lastId = entries[entries.length - 1][0];
        cursors.set(crossingId, lastId);
        await onBatch({ crossingId, readings, lastId, rejected });
      }
    }
  }

  /**
   * A restarted worker resumes from its saved cursor. Streams drop their oldest entries
   * first (MAXLEN), so if the cursor's own entry is gone while newer ones remain, entries
   * it never read may be gone too (trimmed while it was away, or the stream was reset):
   * say so, since the history may have a gap.
   */
  private async warnAboutLostReadings(ids: string[], keys: string[], cursors: Map<string, string>): Promise<void> {
    for (const [i, id] of ids.entries()) {
      const cursor = cursors.get(id) as string;
      if (cursor === '0') continue;
      const stillThere = (await this.connection!.xrange(keys[i], cursor, cursor)).length > 0;
      const first = (await this.connection!.xrange(keys[i], '-', '+', 'COUNT', 1))[0]?.[0];
      if (!stillThere && first && compareStreamIds(first, cursor) > 0) {
        this.logger.warn(`${id}: the detector stream no longer holds this worker's last reading (${cursor}; oldest now ${first}): readings may have been trimmed or reset before it read them, so its history may have a gap`);
      }
    }
  }

  private decode(crossingId: string, fields: string[]): DetectorReading | null {
    const index = fields.indexOf('reading');
    let data: unknown;
    try {
      data = index >= 0 ? JSON.parse(fields[index + 1]) : undefined;
    } catch {
      data = undefined;
    }
    const parsed = parseMessage(DetectorReadingSchema, data);
    if (!parsed.ok) {
      this.logger.warn(`${crossingId}: unreadable detector entry ignored: ${parsed.reason}`);
      return null;
    }
    if (parsed.value.crossingId !== crossingId) {
      this.logger.warn(`${crossingId}: entry for crossing ${parsed.value.crossingId} on this crossing's cable ignored`);
      return null;
    }
    return parsed.value;
  }

  stop(): void {
    this.stopped = true;
    this.connection?.disconnect();
  }
}

/** Orders Redis stream ids "<ms>-<seq>". */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : (as ?? 0) - (bs ?? 0);
}

