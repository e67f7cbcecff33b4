import { DynamicModule, Module } from '@nestjs/common';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { QueueRepository } from '../repositories/queue.repository';
import { FederationRepository } from './federation.repository';
import { FederationService } from './federation.service';
import { ModelSnapshotConsumer } from './model-snapshot.consumer';
import { WarmStartPublisherRepository } from './warm-start-publisher.repository';

/**
 * Federated warm start: workers' model snapshots in (MODEL_SNAPSHOT_QUEUE), the averaged
 * snapshot out, published into Redis and signed per crossing (warmStartKey), where workers
 * read it over the city link they already have. Self-contained: its own Redis
 * connections, the database through the application's TypeORM data source.
 */
@Module({})
export class FederationModule {
  static forRoot(config: FusionConfig, keys: WorkerKeys): DynamicModule {
    return {
      module: FederationModule,
      providers: [
        { provide: FUSION_CONFIG, useValue: config },
        { provide: WORKER_KEYS, useValue: keys },
        CityRepository,
        ClockRepository,
        QueueRepository,
        FederationRepository,
        WarmStartPublisherRepository,
        FederationService,
        ModelSnapshotConsumer,
      ],
    };
  }
}
