import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ApproachDefinition } from '@crosscast/contracts';

@Entity({ name: 'crossings' })
export class CrossingEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'double precision' })
  lat: number;

  @Column({ type: 'double precision' })
  lon: number;

  @Column({ type: 'jsonb' })
  approaches: ApproachDefinition[];

  /** Set by an admin: when false, operators cannot accept plans for this crossing. */
  @Column({ name: 'plans_enabled', type: 'boolean', default: true })
  plansEnabled: boolean;

  @Column({ name: 'admin_note', type: 'text', nullable: true })
  adminNote: string | null;

  @Column({ name: 'settings_updated_by', type: 'varchar', length: 64, nullable: true })
  settingsUpdatedBy: string | null;

  @Column({ name: 'settings_updated_at', type: 'timestamptz', nullable: true })
  settingsUpdatedAt: Date | null;

  /** Automatic mode: recommendations within the guard rails are applied without an operator. */
  @Column({ name: 'automatic_enabled', type: 'boolean', default: false })
  automaticEnabled: boolean;

  @Column({ name: 'automatic_updated_by', type: 'varchar', length: 64, nullable: true })
  automaticUpdatedBy: string | null;

  @Column({ name: 'automatic_updated_at', type: 'timestamptz', nullable: true })
  automaticUpdatedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
