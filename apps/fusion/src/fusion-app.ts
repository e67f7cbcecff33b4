import { dashboardFiles } from './http/dashboard-files';
import { InputSafetyPipe } from './http/input-safety';
import { SafeErrorsFilter } from './http/safe-errors.filter';
import { Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions, ensureDatabaseExists, runMigrationsLocked } from '@crosscast/persistence';
import { WorkerKeys, loadSimulatorLinkKey, loadWorkerKeys } from '@crosscast/runtime';
import { FusionModule } from './app.module';
import { ConfiguredIoAdapter } from './auth/socket-auth';
import { FusionConfig } from './config';
import { buildOpenApiDocument } from './openapi/document';
import { CityRepository } from './repositories/city.repository';
import { ForecastStoreRepository } from './repositories/forecast-store.repository';

/** The dashboard's static files (apps/dashboard/public, with the bundle `npm run build` puts in its dist/), from source or from dist/. */
export const DASHBOARD_DIR = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../../apps/dashboard/public' : '../../dashboard/public');

/**
 * The dashboard and the API docs load only their own scripts, styles and images; the
 * dashboard sets style attributes (bar widths), hence 'unsafe-inline' for styles only.
 * socket.io connects to the same origin ('self' covers ws: on it). No upgrade to https:
 * the service may be reached over plain http on a private network.
 */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
};

/** Creates the database if needed and applies pending migrations under an advisory lock. */
export async function migrate(databaseUrl: string): Promise<{ created: boolean; applied: string[] }> {
  const created = await ensureDatabaseExists(databaseUrl);
  const migrator = new DataSource(dataSourceOptions(databaseUrl));
  await migrator.initialize();
  try {
    return { created, applied: await runMigrationsLocked(migrator) };
  } finally {
    await migrator.destroy();
  }
}

/**
 * Builds the fusion application (REST with validation, OpenAPI at /api/docs, dashboard at
 * /, socket.io, queue consumers) without listening, so tests start exactly what runs.
 */
export async function createFusionApp(config: FusionConfig, options: { logger?: false; keys?: WorkerKeys; simulatorKey?: Buffer } = {}): Promise<NestExpressApplication> {
  const keys = options.keys ?? loadWorkerKeys(config.WORKER_KEYS_FILE, config.WORKER_KEY_SEED);
  const simulatorKey = options.simulatorKey ?? loadSimulatorLinkKey(config.SIMULATOR_KEY_FILE, config.WORKER_KEY_SEED);
  const app = await NestFactory.create<NestExpressApplication>(FusionModule.forRoot(config, keys, simulatorKey), options.logger === false ? { logger: false } : {});
  app.enableShutdownHooks();
  // Only the configured proxy may say who the client is (X-Forwarded-For): rate limits and
  // logs use that address.
  if (config.TRUST_PROXY) app.set('trust proxy', config.TRUST_PROXY.split(',').map((v) => v.trim()).filter(Boolean));
  app.use(helmet({ contentSecurityPolicy: { useDefaults: true, directives: CONTENT_SECURITY_POLICY } }));
  // No CORS_ORIGINS: no Access-Control-Allow-Origin header at all, so only the same origin can read answers.
  app.enableCors({ origin: config.CORS_ORIGINS.length ? config.CORS_ORIGINS : false, allowedHeaders: ['Authorization', 'Content-Type'], maxAge: 600 });
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app, config.CORS_ORIGINS, config.SOCKET_ADAPTER === 'redis' ? { url: config.REDIS_URL, prefix: config.QUEUE_PREFIX } : null));
  // Input safety first (NUL characters, absurd nesting), then the DTOs' validation.
  app.useGlobalPipes(new InputSafetyPipe(), new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new SafeErrorsFilter(app.getHttpAdapter()));
  // The dashboard's files from memory, gzipped, with ETags (http/dashboard-files.ts).
  app.use(dashboardFiles(DASHBOARD_DIR));
  if (!fs.existsSync(path.join(DASHBOARD_DIR, 'dist', 'dashboard.js'))) new Logger('Dashboard').warn(`${path.join(DASHBOARD_DIR, 'dist')} has no bundle: the page will not work until \`npm run build\` (or \`npm run build:dashboard\`) makes it`);

  // The document (apps/fusion/src/openapi) is built on the first request for it.
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app));

  // The crossings come from the seed data; make sure the database knows them.
  await app.get(ForecastStoreRepository).upsertCrossings(app.get(CityRepository).all());
  return app;
}
