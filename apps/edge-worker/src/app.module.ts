import { DynamicModule, Module } from '@nestjs/common';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { EDGE_CONFIG, EdgeWorkerConfig } from './config';
import { DetectorFeedRepository } from './repositories/detector-feed.repository';
import { MessagePublisherRepository } from './repositories/message-publisher.repository';
import { StateStoreRepository } from './repositories/state-store.repository';
import { WarmStartClientRepository } from './repositories/warm-start-client.repository';
import { WorkerHostService } from './services/worker-host.service';

@Module({})
export class EdgeWorkerModule {
  static forRoot(config: EdgeWorkerConfig, keys: WorkerKeys): DynamicModule {
    return {
      module: EdgeWorkerModule,
      providers: [{ provide: EDGE_CONFIG, useValue: config }, { provide: WORKER_KEYS, useValue: keys }, DetectorFeedRepository, MessagePublisherRepository, StateStoreRepository, WarmStartClientRepository, WorkerHostService],
    };
  }
}
