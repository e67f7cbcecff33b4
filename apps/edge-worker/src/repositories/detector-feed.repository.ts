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
    this.connection = new IORedis({ ...redisConnectionOptions(this.config.detectorRedisUrl), maxRetriesPerRequest: null });
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
    const decoded = decodeDetectorEntry(crossingId, fields);
    if ('reason' in decoded) {
      this.logger.warn(`${crossingId}: detector entry ignored: ${decoded.reason}`);
      return null;
    }
    return decoded.reading;
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


/**
 * One detector stream entry (its field list) as a reading for this crossing, or the reason
 * it is ignored: no `reading` field, not JSON, not a DetectorReading, or naming another
 * crossing. Never throws: whatever arrives on the cable must not stop the worker.
 */
export function decodeDetectorEntry(crossingId: string, fields: unknown): { reading: DetectorReading } | { reason: string } {
  const list = Array.isArray(fields) ? fields : [];
  const index = list.indexOf('reading');
  const text = index >= 0 && index % 2 === 0 ? list[index + 1] : undefined;
  if (typeof text !== 'string') return { reason: 'no "reading" field' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { reason: 'reading is not JSON' };
  }
  const parsed = parseMessage(DetectorReadingSchema, data);
  if (!parsed.ok) return { reason: `unreadable reading: ${parsed.reason}` };
  if (parsed.value.crossingId !== crossingId) return { reason: `reading for crossing ${parsed.value.crossingId} on this crossing's cable` };
  return { reading: parsed.value };
}
