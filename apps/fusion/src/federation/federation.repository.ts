import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface StoredSnapshot {
  crossingId: string;
  modelVersion: number;
  samples: number;
  /** The snapshot JSON as stored. */
  snapshot: string;
  sentAt: Date;
}

const MAX_DEAD_LETTER_PAYLOAD = 64 * 1024;

/** model_snapshots (newest per crossing) and the dead letters of refused snapshots. */
@Injectable()
export class FederationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Keeps the snapshot unless the crossing already has one sent later (a redelivery or an
   * older message arriving late changes nothing). Returns whether it was stored.
   */
  async upsertLatest(row: StoredSnapshot & { format: string; receivedAt: Date }): Promise<boolean> {
    const result: unknown[] = await this.dataSource.query(
      `INSERT INTO model_snapshots (crossing_id, model_version, format, samples, snapshot, sent_at, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (crossing_id) DO UPDATE SET
         model_version = EXCLUDED.model_version, format = EXCLUDED.format, samples = EXCLUDED.samples,
         snapshot = EXCLUDED.snapshot, sent_at = EXCLUDED.sent_at, received_at = EXCLUDED.received_at
       WHERE model_snapshots.sent_at < EXCLUDED.sent_at
       RETURNING crossing_id`,
      [row.crossingId, row.modelVersion, row.format, row.samples, row.snapshot, row.sentAt, row.receivedAt],
    );
    return result.length > 0;
  }

  /** The newest snapshot of every crossing in one format (one row per crossing), with when fusion stored it. */
  async latestAll(format: string): Promise<Array<StoredSnapshot & { receivedAt: Date }>> {
    const rows: Array<{ crossing_id: string; model_version: number; samples: number; snapshot: string; sent_at: Date; received_at: Date }> = await this.dataSource.query(
      `SELECT crossing_id, model_version, samples, snapshot, sent_at, received_at FROM model_snapshots
       WHERE format = $1 ORDER BY crossing_id`,
      [format],
    );
    return rows.map((r) => ({
      crossingId: r.crossing_id,
      modelVersion: r.model_version,
      samples: r.samples,
      snapshot: r.snapshot,
      sentAt: new Date(r.sent_at),
      receivedAt: new Date(r.received_at),
    }));
  }

  async recordDeadLetter(queue: string, jobId: string, reason: string, payload: unknown, receivedAt: Date): Promise<void> {
    let text: string;
    try {
      text = JSON.stringify(payload) ?? String(payload);
    } catch {
      text = String(payload);
    }
    const clean = (s: string) => s.replace(/\u0000/g, '');
    await this.dataSource.query(
      `INSERT INTO dead_letters (queue, job_id, reason, payload, received_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (queue, job_id) DO NOTHING`,
      [queue, jobId.slice(0, 128), clean(reason).slice(0, 4000), clean(text).slice(0, MAX_DEAD_LETTER_PAYLOAD), receivedAt],
    );
  }
}
