import type { OpenAPIObject } from '@nestjs/swagger';
import { loadSimulatorLinkKey, loadWorkerKeys } from '@crosscast/runtime';
import { FusionModule } from '../app.module';
import { readFusionConfig } from '../config';
import { controllersDeclared, documentWithoutServices } from './document';

/**
 * The fusion service's OpenAPI document built from FusionModule's own definition (so a
 * controller added there is in it) with the development defaults, without starting
 * anything: no database, Redis or queue is touched.
 */
export async function fusionOpenApiDocument(): Promise<OpenAPIObject> {
  const config = readFusionConfig({ NODE_ENV: 'development' });
  const definition = FusionModule.forRoot(config, loadWorkerKeys(undefined, config.WORKER_KEY_SEED), loadSimulatorLinkKey(undefined, config.WORKER_KEY_SEED));
  return documentWithoutServices(controllersDeclared(definition));
}
