import IORedis from 'ioredis';
import { DetectorReading, detectorStreamKey } from '@crosscast/contracts';

/**
 * The detector cable: writes each crossing's readings only to that crossing's stream, in
 * the DetectorReading format. Replay and simulate mode both write through this class, so
 * a worker cannot tell recorded counts from simulated ones.
 */
export class DetectorStreamWriter {
  constructor(
    private readonly redis: IORedis,
    private readonly prefix: string,
    private readonly maxLength: number,
  ) {}

  /** Deletes the crossings' streams, so a new run does not mix with an old one. */
  async reset(crossingIds: string[]): Promise<void> {
    if (crossingIds.length > 0) await this.redis.del(...crossingIds.map((id) => detectorStreamKey(id, this.prefix)));
  }

  async write(readings: DetectorReading[]): Promise<void> {
    if (readings.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const reading of readings) {
      pipeline.xadd(detectorStreamKey(reading.crossingId, this.prefix), 'MAXLEN', '~', String(this.maxLength), '*', 'reading', JSON.stringify(reading));
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }
}
