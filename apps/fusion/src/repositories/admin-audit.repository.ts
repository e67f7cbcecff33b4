import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface AdminAuditView {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

/** The admin audit log (table admin_audit): append and read, never change. */
@Injectable()
export class AdminAuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(entry: { actor: string; action: string; target: string; details?: Record<string, unknown>; at?: Date }): Promise<void> {
    await this.dataSource.query(`INSERT INTO admin_audit (at, actor, action, target, details) VALUES (COALESCE($1, now()), $2, $3, $4, $5)`, [
      entry.at ?? null,
      entry.actor,
      entry.action,
      entry.target,
      JSON.stringify(entry.details ?? {}),
    ]);
  }

  /** Newest first. */
  async list(limit: number, beforeId?: string): Promise<AdminAuditView[]> {
    const rows = await this.dataSource.query(
      `SELECT * FROM admin_audit WHERE ($2::bigint IS NULL OR id < $2::bigint) ORDER BY id DESC LIMIT $1`,
      [limit, beforeId ?? null],
    );
    return rows.map((r: Record<string, unknown>) => ({
      id: String(r.id),
      at: (r.at as Date).toISOString(),
      actor: r.actor as string,
      action: r.action as string,
      target: r.target as string,
      details: r.details as Record<string, unknown>,
    }));
  }
}
