import 'reflect-metadata';
import { Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { ConfigError } from '@crosscast/runtime';
import { dataSourceOptions, ensureDatabaseExists, runMigrationsLocked } from '@crosscast/persistence';
import { FusionModule } from './app.module';
import { readFusionConfig } from './config';
import { CityRepository } from './repositories/city.repository';
import { ForecastStoreRepository } from './repositories/forecast-store.repository';

export const DASHBOARD_DIR = path.resolve(__dirname, '../../../../apps/dashboard/public');

async function bootstrap(): Promise<void> {
  const logger = new Logger('fusion');
  const config = readFusionConfig();

  if (config.MIGRATE_ON_START) {
    if (await ensureDatabaseExists(config.DATABASE_URL)) logger.log('created the database');
    const migrator = new DataSource(dataSourceOptions(config.DATABASE_URL));
    await migrator.initialize();
    const applied = await runMigrationsLocked(migrator);
    await migrator.destroy();
    logger.log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema up to date');
  }

  const app = await NestFactory.create<NestExpressApplication>(FusionModule.forRoot(config), { bufferLogs: false });
  app.enableShutdownHooks();
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useStaticAssets(DASHBOARD_DIR, { index: 'index.html' });

  const openApi = new DocumentBuilder()
    .setTitle('Crosscast fusion API')
    .setDescription('City forecasts, crossing forecasts and signal-timing recommendations fused from the edge workers.')
    .setVersion('0.1.0')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openApi));

  // The crossings come from the seed data; make sure the database knows them.
  await app.get(ForecastStoreRepository).upsertCrossings(app.get(CityRepository).all());

  await app.listen(config.PORT, '0.0.0.0');
  logger.log(`listening on http://127.0.0.1:${config.PORT} (dashboard /, API docs /api/docs)`);
}

bootstrap().catch((error) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(`fusion failed to start: ${(error as Error).message}`);
  process.exit(1);
});
