import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AlertAcknowledgementView, AlertKind, Role } from '@crosscast/contracts';

export type AcknowledgeOutcome = { status: 'acknowledged'; acknowledgement: AlertAcknowledgementView } | { status: 'already-acknowledged'; acknowledgement: AlertAcknowledgementView };

export interface Acknowledger {
  userId: string;
  username: string;
  role: Role;
}

/** alert_acknowledgements: append and read; the unique alert key makes a second acknowledgement a conflict. */
@Injectable()
export class AlertAcknowledgementsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async acknowledge(alertKey: string, kind: AlertKind, crossingId: string, note: string | null, by: Acknowledger, at: Date): Promise<AcknowledgeOutcome> {
    const inserted = await this.dataSource.query(
      `INSERT INTO alert_acknowledgements (alert_key, kind, crossing_id, note, acknowledged_by_user_id, acknowledged_by_username, acknowledged_by_role, acknowledged_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (alert_key) DO NOTHING RETURNING *`,
      [alertKey, kind, crossingId, note, by.userId, by.username, by.role, at],
    );
    if (inserted.length) return { status: 'acknowledged', acknowledgement: toView(inserted[0]) };
    const [existing] = await this.dataSource.query(`SELECT * FROM alert_acknowledgements WHERE alert_key = $1`, [alertKey]);
    return { status: 'already-acknowledged', acknowledgement: toView(existing) };
  }

  /** Newest first. */
  async list(crossingId: string | undefined, limit: number): Promise<AlertAcknowledgementView[]> {
    const rows = await this.dataSource.query(
      `SELECT * FROM alert_acknowledgements WHERE ($1::varchar IS NULL OR crossing_id = $1) ORDER BY acknowledged_at DESC, id DESC LIMIT $2`,
      [crossingId ?? null, limit],
    );
    return rows.map(toView);
  }
}

function toView(r: Record<string, unknown>): AlertAcknowledgementView {
  return {
    id: String(r.id),
    alertKey: r.alert_key as string,
    kind: r.kind as AlertKind,
    crossingId: r.crossing_id as string,
    note: (r.note as string | null) ?? null,
    acknowledgedBy: r.acknowledged_by_username as string,
    acknowledgedByRole: r.acknowledged_by_role as Role,
    acknowledgedAt: (r.acknowledged_at as Date).toISOString(),
  };
}
