import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@crosscast/persistence';
import { SIMULATOR_LINK_KEY, WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { jwtKey } from './auth/access-config';
import { AccessGuard } from './auth/access.guard';
import { AuthService } from './auth/auth.service';
import { RateLimitGuard, rateLimitThrottlers } from './auth/rate-limit.guard';
import { RedisThrottlerStorage } from './auth/redis-throttler-storage';
import { FUSION_CONFIG, FusionConfig } from './config';
import { AdminController } from './controllers/admin.controller';
import { AuthController } from './controllers/auth.controller';
import { DecisionsController } from './controllers/decisions.controller';
import { CorridorsController } from './controllers/corridors.controller';
import { CorridorRecommendationsRepository } from './repositories/corridor-recommendations.repository';
import { CorridorPlanningService } from './services/corridor-planning.service';
import { CorridorDecisionService } from './services/corridor-decision.service';
import { CityController } from './controllers/city.controller';
import { CrossingsController } from './controllers/crossings.controller';
import { HealthController } from './controllers/health.controller';
import { FederationModule } from './federation/federation.module';
import { SimulationController } from './controllers/simulation.controller';
import { RecommendationsController } from './controllers/recommendations.controller';
import { LiveGateway } from './gateways/live.gateway';
import { QueueConsumers } from './queue/forecast.consumer';
import { MessageCheckPool } from './queue/message-check-pool';
import { SimulationReportConsumer } from './queue/simulation-report.consumer';
import { CityRepository } from './repositories/city.repository';
import { ClockRepository } from './repositories/clock.repository';
import { ForecastStoreRepository } from './repositories/forecast-store.repository';
import { FusionStateRepository } from './repositories/fusion-state.repository';
import { DecisionsRepository } from './repositories/decisions.repository';
import { RecommendationsRepository } from './repositories/recommendations.repository';
import { QueueRepository } from './repositories/queue.repository';
import { SimulationStoreRepository } from './repositories/simulation-store.repository';
import { TimingPlanPublisher } from './repositories/timing-plan-publisher.repository';
import { UsersRepository } from './repositories/users.repository';
import { AdminAuditRepository } from './repositories/admin-audit.repository';
import { LeadershipRepository } from './repositories/leadership.repository';
import { FusionFeedRepository } from './repositories/fusion-feed.repository';
import { LeadershipService } from './services/leadership.service';
import { PartitionsRepository } from './repositories/partitions.repository';
import { PartitionMaintenanceService } from './services/partition-maintenance.service';
import { AccessAdminService } from './services/access-admin.service';
import { AutomaticModeService } from './services/automatic-mode.service';
import { CityForecastService } from './services/city-forecast.service';
import { CityFusionService } from './services/city-fusion.service';
import { CrossingQueryService } from './services/crossing-query.service';
import { CityMapService } from './services/city-map.service';
import { DecisionService } from './services/decision.service';
import { HealthService } from './services/health.service';
import { EventLoopMonitor } from './services/event-loop-monitor';
import { IngestionService } from './services/ingestion.service';
import { LiveUpdatesService } from './services/live-updates.service';
import { CrossingEventsService } from './services/crossing-events.service';
import { IngestEvents } from './services/ingest-events';
import { RecommendationService } from './services/recommendation.service';
import { PlanningService } from './services/planning.service';
import { SimulationMeasurementsService } from './services/simulation-measurements.service';
import { StatusService } from './services/status.service';
import { MEASURES_CONTROLLERS, MEASURES_PROVIDERS } from './measures';
import { ALERTS_CONTROLLERS, ALERTS_PROVIDERS } from './alerts';

@Module({})
export class FusionModule {
  static forRoot(config: FusionConfig, keys: WorkerKeys, simulatorKey: Buffer): DynamicModule {
    const throttlerStorage = new RedisThrottlerStorage(config.REDIS_URL, config.QUEUE_PREFIX);
    return {
      module: FusionModule,
      imports: [
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.DATABASE_URL), retryAttempts: 3, retryDelay: 1000 }),
        JwtModule.register({ secret: jwtKey(config.JWT_SECRET), signOptions: { algorithm: 'HS256', expiresIn: config.TOKEN_TTL } }),
        ThrottlerModule.forRoot({ throttlers: rateLimitThrottlers(config), storage: throttlerStorage }),
        FederationModule.forRoot(config, keys),
      ],
      controllers: [CrossingsController, CityController, HealthController, AuthController, DecisionsController, AdminController, SimulationController, RecommendationsController, CorridorsController, ...MEASURES_CONTROLLERS, ...ALERTS_CONTROLLERS],
      providers: [
        // Order matters: who you are (401/403) first, then how often you may write (429).
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: FUSION_CONFIG, useValue: config },
        // Listed so Nest closes its Redis connection on shutdown.
        { provide: RedisThrottlerStorage, useValue: throttlerStorage },
        { provide: WORKER_KEYS, useValue: keys },
        { provide: SIMULATOR_LINK_KEY, useValue: simulatorKey },
        ClockRepository,
        CityRepository,
        ForecastStoreRepository,
        QueueRepository,
        LiveGateway,
        StatusService,
        FusionStateRepository,
        CityFusionService,
        CityForecastService,
        RecommendationService,
        PlanningService,
        LiveUpdatesService,
        CrossingEventsService,
        IngestEvents,
        IngestionService,
        CrossingQueryService,
        CityMapService,
        HealthService,
        EventLoopMonitor,
        LeadershipRepository,
        FusionFeedRepository,
        LeadershipService,
        PartitionsRepository,
        PartitionMaintenanceService,
        QueueConsumers,
        MessageCheckPool,
        UsersRepository,
        AdminAuditRepository,
        DecisionsRepository,
        TimingPlanPublisher,
        AuthService,
        DecisionService,
        CorridorDecisionService,
        CorridorPlanningService,
        AccessAdminService,
        SimulationStoreRepository,
        SimulationMeasurementsService,
        SimulationReportConsumer,
        RecommendationsRepository,
        CorridorRecommendationsRepository,
        AutomaticModeService,
        ...MEASURES_PROVIDERS,
        ...ALERTS_PROVIDERS,
      ],
    };
  }
}
