import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@crosscast/persistence';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { FUSION_CONFIG, FusionConfig } from './config';
import { CityController } from './controllers/city.controller';
import { CrossingsController } from './controllers/crossings.controller';
import { HealthController } from './controllers/health.controller';
import { LiveGateway } from './gateways/live.gateway';
import { QueueConsumers } from './queue/forecast.consumer';
import { CityRepository } from './repositories/city.repository';
import { ClockRepository } from './repositories/clock.repository';
import { ForecastStoreRepository } from './repositories/forecast-store.repository';
import { QueueRepository } from './repositories/queue.repository';
import { CityForecastService } from './services/city-forecast.service';
import { CrossingQueryService } from './services/crossing-query.service';
import { HealthService } from './services/health.service';
import { IngestionService } from './services/ingestion.service';
import { LiveUpdatesService } from './services/live-updates.service';
import { RecommendationService } from './services/recommendation.service';
import { StatusService } from './services/status.service';

@Module({})
export class FusionModule {
  static forRoot(config: FusionConfig, keys: WorkerKeys): DynamicModule {
    return {
      module: FusionModule,
      imports: [TypeOrmModule.forRoot({ ...dataSourceOptions(config.DATABASE_URL), retryAttempts: 3, retryDelay: 1000 })],
      controllers: [CrossingsController, CityController, HealthController],
      providers: [
        { provide: FUSION_CONFIG, useValue: config },
        { provide: WORKER_KEYS, useValue: keys },
        ClockRepository,
        CityRepository,
        ForecastStoreRepository,
        QueueRepository,
        LiveGateway,
        StatusService,
        CityForecastService,
        RecommendationService,
        LiveUpdatesService,
        IngestionService,
        CrossingQueryService,
        HealthService,
        QueueConsumers,
      ],
    };
  }
}
