import { DynamicModule, INestApplication, Module, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule, getSchemaPath } from '@nestjs/swagger';
import { ROLES, type Role } from '@crosscast/contracts';
import { PUBLIC_KEY, ROLES_KEY } from '../auth/decorators';
import { ErrorResponseDto } from '../dtos/common.view.dto';

/**
 * The fusion service's OpenAPI document: what `/api/docs` shows and `/api/docs-json`
 * serves, what `npm run api:generate` turns into the dashboard's client types
 * (apps/dashboard/src/api/generated.ts) and what test/static/openapi.spec.ts checks.
 */
const DESCRIPTION = new DocumentBuilder()
  .setTitle('Crosscast fusion API')
  .setDescription('City forecasts, crossing forecasts and signal-timing recommendations fused from the edge workers.')
  .setVersion('0.1.0')
  .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'POST /api/auth/login gives the token' })
  .build();

type ResponsesObject = Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
interface OperationObject {
  operationId?: string;
  parameters?: Array<{ in?: string }>;
  requestBody?: unknown;
  responses: ResponsesObject;
}

/** The document of a running (or document-only) application: its controllers, DTOs and the error answers of each route. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(app, DESCRIPTION, { extraModels: [ErrorResponseDto] });
  describeErrorResponses(document, controllersOf(app));
  return document;
}

/** Every controller class the application registered (in every module). */
function controllersOf(app: INestApplication): Array<Type<unknown>> {
  const controllers: Array<Type<unknown>> = [];
  for (const module of app.get(ModulesContainer).values()) for (const wrapper of module.controllers.values()) controllers.push(wrapper.metatype as Type<unknown>);
  return controllers;
}

/**
 * The error answers every route can give, derived from what decides them, so they cannot
 * drift from behaviour: 401 unless the route is @Public (AccessGuard), 403 when it needs
 * more than the viewer role, 400 when it takes parameters or a body (ValidationPipe), 404
 * when it names something in its path. A route's own @ApiXxxResponse wins.
 */
export function describeErrorResponses(document: OpenAPIObject, controllers: Array<Type<unknown>>): void {
  const operations = new Map<string, OperationObject>();
  for (const item of Object.values(document.paths)) for (const op of Object.values(item as Record<string, OperationObject>)) if (op?.operationId) operations.set(op.operationId, op);
  const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } } });
  for (const controller of controllers) {
    for (const key of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[key];
      if (typeof handler !== 'function' || key === 'constructor' || Reflect.getMetadata(PATH_METADATA, handler) === undefined || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      const op = operations.get(`${controller.name}_${key}`);
      if (!op) continue;
      const isPublic = Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, controller) ?? false;
      const role: Role | undefined = Reflect.getMetadata(ROLES_KEY, handler) ?? Reflect.getMetadata(ROLES_KEY, controller);
      const add = (status: string, description: string) => (op.responses[status] ??= error(description));
      if ((op.parameters?.length ?? 0) > 0 || op.requestBody) add('400', 'Invalid parameters or body (the message lists what is wrong)');
      if (!isPublic) add('401', 'No bearer token, or it is no longer valid');
      if (!isPublic && role && ROLES.indexOf(role) > 0) add('403', `Needs the ${role} role or higher`);
      if (op.parameters?.some((p) => p.in === 'path')) add('404', 'Nothing with that id');
    }
  }
}

/**
 * The controllers a module definition declares, with those of the modules it imports
 * (FusionModule.forRoot's own and its feature modules'): what the real application serves.
 */
export function controllersDeclared(definition: DynamicModule): Array<Type<unknown>> {
  const own = (definition.controllers ?? []) as Array<Type<unknown>>;
  const imported = (definition.imports ?? []).flatMap((m) => (m && typeof m === 'object' && 'module' in m ? controllersDeclared(m as DynamicModule) : []));
  return [...own, ...imported];
}

/**
 * The document without a database, Redis or queues: the same controllers in a module whose
 * providers are empty stand-ins, constructed only so Nest can list the routes (no handler
 * runs). Used by `npm run api:generate` and the static OpenAPI test.
 */
export async function documentWithoutServices(controllers: Array<Type<unknown>>): Promise<OpenAPIObject> {
  const dependencies = new Set<unknown>();
  for (const controller of controllers) for (const dep of (Reflect.getMetadata('design:paramtypes', controller) ?? []) as unknown[]) dependencies.add(dep);
  @Module({ controllers, providers: [...dependencies].map((dep) => ({ provide: dep as Type<unknown>, useValue: {} })) })
  class DocumentOnlyModule {}
  const app = await NestFactory.create(DocumentOnlyModule, { logger: false, abortOnError: false });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
