import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadWorkerKeys } from '@crosscast/runtime';
import { readFusionConfig } from './config';
import { createFusionApp, migrate } from './fusion-app';

async function bootstrap(): Promise<void> {
  const logger = new Logger('fusion');
  const config = readFusionConfig();
  // Loaded once, here: a bad keys file fails with one clear line before anything starts.
  const keys = loadWorkerKeys(config.WORKER_KEYS_FILE, config.WORKER_KEY_SEED);
  if (config.MIGRATE_ON_START) {
    const { created, applied } = await migrate(config.DATABASE_URL);
    if (created) logger.log('created the database');
    logger.log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema up to date');
  }
  const app = await createFusionApp(config, { keys });
  logger.log(`worker keys: ${keys.source}`);
  await app.listen(config.PORT, config.LISTEN_HOST);
  // The address actually bound (PORT=0 picks one), not the one we hoped for.
  const bound = app.getHttpServer().address() as { address: string; port: number };
  logger.log(`listening on http://${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port} (dashboard /, API docs /api/docs)${config.production ? '' : '; development: loopback only unless HOST is set'}`);
}

bootstrap().catch((error) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(`fusion failed to start: ${(error as Error).message}`);
  process.exit(1);
});
