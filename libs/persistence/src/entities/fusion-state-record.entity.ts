import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One piece of a saved city-fusion model (CityFusion.toRecords(): `city`,
 * `aggregate:<kind>:<name>` or `crossing:<id>`), as JSON text, so no single text grows
 * with the city. Belongs to the `fusion_state` row of the same name; written with it in
 * one transaction by FusionStateRepository (raw SQL; the entity documents the table).
 */
@Entity({ name: 'fusion_state_records' })
export class FusionStateRecordEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ type: 'text' })
  state: string;
}
