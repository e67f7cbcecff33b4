import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadWorkerKeys } from '@crosscast/runtime';
import { EdgeWorkerModule } from './app.module';
import { readEdgeWorkerConfig } from './config';
import { WorkerHostService } from './services/worker-host.service';

async function bootstrap(): Promise<void> {
  const config = readEdgeWorkerConfig();
  // Loaded once, here: a bad keys file fails with one clear line before anything starts.
  const keys = loadWorkerKeys(config.WORKER_KEYS_FILE, config.WORKER_KEY_SEED);
  const app = await NestFactory.createApplicationContext(EdgeWorkerModule.forRoot(config, keys), { logger: ['log', 'warn', 'error'] });
  app.enableShutdownHooks();
  const host = app.get(WorkerHostService);
  await host.start();
  if (config.HEALTH_PORT > 0) host.startHealthServer(config.HEALTH_PORT, config.LISTEN_HOST);
}

bootstrap().catch((error) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(`edge worker failed to start: ${(error as Error).message}`);
  process.exit(1);
});
