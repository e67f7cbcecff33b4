import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '@crosscast/runtime';
import { SimulatorModule } from './app.module';
import { readSimulatorConfig } from './config';
import { ReplayService } from './replay.service';
import { SimulateService } from './simulate.service';

async function bootstrap(): Promise<void> {
  const config = readSimulatorConfig();
  const app = await NestFactory.createApplicationContext(SimulatorModule.forRoot(config), { logger: ['log', 'warn', 'error'] });
  app.enableShutdownHooks();
  if (config.SIMULATOR_MODE === 'simulate') await app.get(SimulateService).start();
  else await app.get(ReplayService).start();
}

bootstrap().catch((error) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(`simulator failed to start: ${(error as Error).message}`);
  process.exit(1);
});
