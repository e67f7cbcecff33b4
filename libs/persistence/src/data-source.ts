import { DataSource, DataSourceOptions } from 'typeorm';
import { CrossingEntity } from './entities/crossing.entity';
import { CrossingStatusEntity } from './entities/crossing-status.entity';
import { DeadLetterEntity } from './entities/dead-letter.entity';
import { ForecastPointEntity } from './entities/forecast-point.entity';
import { ForecastEntity } from './entities/forecast.entity';
import { ObservationEntity } from './entities/observation.entity';
import { PlanningEvaluationEntity } from './entities/planning-evaluation.entity';
import { RecommendationEntity } from './entities/recommendation.entity';
import { RecommendationDecisionEntity } from './entities/recommendation-decision.entity';
import { RunningPlanEntity } from './entities/running-plan.entity';
import { SimulationMeasurementEntity, SimulationReportEntity } from './entities/simulation-measurement.entity';
import { UserEntity } from './entities/user.entity';
import { FusionStateEntity } from './entities/fusion-state.entity';
import { FusionStateRecordEntity } from './entities/fusion-state-record.entity';
import { AdminAuditEntity } from './entities/admin-audit.entity';
import { SignalEventLogEntity } from './entities/signal-event-log.entity';
import { ModelSnapshotEntity } from './entities/model-snapshot.entity';
import { AlertAcknowledgementEntity, CrossingCongestionEntity } from './entities/alert-acknowledgement.entity';
import { InitialSchema1764300000000 } from './migrations/1764300000000-initial-schema';
import { WorkerDrift1764400000000 } from './migrations/1764400000000-worker-drift';
import { OperatorAccess1764500000000 } from './migrations/1764500000000-operator-access';
import { ForecastOncePerInterval1764600000000 } from './migrations/1764600000000-forecast-once-per-interval';
import { ForecastRecommendations1764700000000 } from './migrations/1764700000000-forecast-recommendations';
import { SimulationMeasurements1764800000000 } from './migrations/1764800000000-simulation-measurements';
import { FusionState1764900000000 } from './migrations/1764900000000-fusion-state';
import { SecureByDefault1765000000000 } from './migrations/1765000000000-secure-by-default';
import { FusionStateRecords1765100000000 } from './migrations/1765100000000-fusion-state-records';
import { Leadership1765300000000 } from './migrations/1765300000000-leadership';
import { PartitionedStorage1765400000000 } from './migrations/1765400000000-partitioned-storage';
import { PlanningInputSource1765500000000 } from './migrations/1765500000000-planning-input-source';
import { CorridorRecommendations1765510000000 } from './migrations/1765510000000-corridor-recommendations';
import { ModelSnapshots1765600000000 } from './migrations/1765600000000-model-snapshots';
import { SignalEventLogs1765700000000 } from './migrations/1765700000000-signal-event-logs';
import { AlertAcknowledgements1765810000000 } from './migrations/1765810000000-alert-acknowledgements';
import { AlertEpisodes1765840000000 } from './migrations/1765840000000-alert-episodes';
import { PartitionedSignalEventLogs1765860000000 } from './migrations/1765860000000-partitioned-signal-event-logs';
import { AlertAcknowledgementEpisodes1765880000000 } from './migrations/1765880000000-alert-acknowledgement-episodes';
import { CorridorAutomatic1765890000000 } from './migrations/1765890000000-corridor-automatic';
import { CorridorAdviceOnce1765900000000 } from './migrations/1765900000000-corridor-advice-once';

/** Listed, not globbed: the compiled layout must not decide what the schema is. */
export const ENTITIES = [CrossingEntity, CrossingStatusEntity, ForecastEntity, ForecastPointEntity, ObservationEntity, RecommendationEntity, DeadLetterEntity, UserEntity, RecommendationDecisionEntity, RunningPlanEntity, PlanningEvaluationEntity, SimulationReportEntity, SimulationMeasurementEntity, FusionStateEntity, FusionStateRecordEntity, AdminAuditEntity, ModelSnapshotEntity, SignalEventLogEntity, AlertAcknowledgementEntity, CrossingCongestionEntity];
export const MIGRATIONS = [InitialSchema1764300000000, WorkerDrift1764400000000, OperatorAccess1764500000000, ForecastOncePerInterval1764600000000, ForecastRecommendations1764700000000, SimulationMeasurements1764800000000, FusionState1764900000000, SecureByDefault1765000000000, FusionStateRecords1765100000000, Leadership1765300000000, PartitionedStorage1765400000000, PlanningInputSource1765500000000, CorridorRecommendations1765510000000, ModelSnapshots1765600000000, SignalEventLogs1765700000000, AlertAcknowledgements1765810000000, AlertEpisodes1765840000000, PartitionedSignalEventLogs1765860000000, AlertAcknowledgementEpisodes1765880000000, CorridorAutomatic1765890000000, CorridorAdviceOnce1765900000000];

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/crosscast';

export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    // Schema changes only through migrations.
    synchronize: false,
    migrationsRun: false,
    extra: { max: 10, connectionTimeoutMillis: 5000 },
  };
}

/** An arbitrary but fixed key: replicas starting together take turns to migrate. */
const MIGRATION_LOCK_KEY = 7_364_210_981;

/** Runs pending migrations under a PostgreSQL advisory lock. Returns the names applied. */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * Creates the database named in the URL when it does not exist (local development and
 * tests: the server's trust auth lets us connect to the `postgres` maintenance database).
 */
export async function ensureDatabaseExists(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,63}$/.test(name)) throw new Error(`database name "${name}" must be 1-63 letters, digits or "_"`);
  url.pathname = '/postgres';
  const admin = new DataSource({ type: 'postgres', url: url.toString(), extra: { connectionTimeoutMillis: 5000 } });
  await admin.initialize();
  try {
    const rows: unknown[] = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.length > 0) return false;
    await admin.query(`CREATE DATABASE "${name}"`);
    return true;
  } finally {
    await admin.destroy();
  }
}
