import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { DECORATORS } from '@nestjs/swagger/dist/constants';
import { FusionApi } from '../../apps/dashboard/src/api/client';
import { CorridorsController } from '../../apps/fusion/src/controllers/corridors.controller';
import { CrossingDetailDto } from '../../apps/fusion/src/dtos/crossing.view.dto';
import { fusionOpenApiDocument } from '../../apps/fusion/src/openapi/offline-document';
import { apiTypesSource, operationsOf } from '../../tools/api-types';
import { codeRoutes, filesUnder, normaliseRoute } from '../support/docs-truth';

/**
 * The fusion service's OpenAPI document, built from the controllers and DTOs without a
 * database (apps/fusion/src/openapi), against the code and the dashboard's client:
 * every route has a success schema and its error answers, the document lists exactly the
 * routes the controllers declare, the committed client types (apps/dashboard/src/api/
 * generated.ts) are what `npm run api:generate` makes of it, and every client method calls
 * a documented operation. The compiler does the rest (`npm run typecheck`): each DTO
 * `implements` its contracts view, each handler returns its DTO, and contract-check.ts
 * compares the generated answer types with the contracts views, names and required-ness.
 */
const ROOT = path.resolve(__dirname, '../..');
const GENERATED = path.join(ROOT, 'apps/dashboard/src/api/generated.ts');

type Operation = { operationId: string; parameters?: Array<{ name: string; in: string }>; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };
/** ErrorResponseDto, or a DTO extending it (a 409 that names the decision already made). */
function isErrorSchema(document: OpenAPIObject, ref: string | undefined): boolean {
  const schema = ref ? (document.components?.schemas?.[ref.slice(ref.lastIndexOf('/') + 1)] as { properties?: Record<string, unknown>; required?: string[] } | undefined) : undefined;
  return !!schema?.properties?.statusCode && !!schema.properties.message && (schema.required ?? []).includes('message');
}

/** Operations whose success answer has no schema (a 204 has no body by definition). */
function withoutSuccessSchema(document: OpenAPIObject): string[] {
  return operationsOf(document)
    .filter(({ operation }) => {
      const responses = (operation as Operation).responses;
      if (responses['204']) return false;
      return !Object.entries(responses).some(([status, r]) => /^2\d\d$/.test(status) && Object.values(r.content ?? {}).some((c) => c.schema));
    })
    .map(({ method, path: p }) => `${method} ${p}`);
}

const errorSchemaOf = (op: Operation, status: string) => (op.responses[status]?.content?.['application/json']?.schema as { $ref?: string } | undefined)?.$ref;

/** "GET /api/crossings/:param" for a document path "/api/crossings/{id}". */
const routeOf = (method: string, documentPath: string) => normaliseRoute(method, documentPath.replace(/\{[^}]+\}/g, ':p'));

/** Runs `body` with a DTO property's @ApiProperty metadata removed (as if the line were deleted), then puts it back. */
async function withoutProperty<T>(dto: { prototype: object }, property: string, body: () => Promise<T>): Promise<T> {
  const original = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, dto.prototype) as string[];
  Reflect.defineMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, original.filter((p) => p !== `:${property}`), dto.prototype);
  try {
    return await body();
  } finally {
    Reflect.defineMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, original, dto.prototype);
  }
}

/** Runs `body` with a handler's @ApiXxxResponse decorators removed, then puts them back. */
async function withoutResponses<T>(handler: object, body: () => Promise<T>): Promise<T> {
  const original = Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) as object;
  Reflect.deleteMetadata(DECORATORS.API_RESPONSE, handler);
  try {
    return await body();
  } finally {
    Reflect.defineMetadata(DECORATORS.API_RESPONSE, original, handler);
  }
}

describe('the OpenAPI document', () => {
  let document: OpenAPIObject;
  beforeAll(async () => {
    document = await fusionOpenApiDocument();
  }, 60_000);

  it('lists exactly the routes the controllers declare', () => {
    const controllers = filesUnder(path.join(ROOT, 'apps'), /\.controller\.ts$/).map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
    const declared = codeRoutes(controllers);
    const documented = new Set(operationsOf(document).map((o) => routeOf(o.method, o.path)));
    expect(documented.size).toBeGreaterThan(30);
    expect([...declared].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((r) => !declared.has(r)).sort()).toEqual([]);
  });

  it('gives every route a success (2xx) answer with a schema', () => {
    expect(withoutSuccessSchema(document)).toEqual([]);
  });

  it('gives every route its error answers: 401 unless public, 403 above viewer, 404 for a path id, 400 for input', () => {
    const problems: string[] = [];
    for (const { method, path: p, operation } of operationsOf(document)) {
      const op = operation as Operation & { security?: unknown[] };
      const where = `${method} ${p}`;
      const codes = Object.keys(op.responses).filter((s) => /^[45]\d\d$/.test(s));
      for (const status of codes) if (status !== '503' && !isErrorSchema(document, errorSchemaOf(op, status))) problems.push(`${where}: ${status} without the error schema`);
      if (op.security?.length && !op.responses['401']) problems.push(`${where}: bearer auth without 401`);
      if (op.parameters?.some((x) => x.in === 'path') && !op.responses['404']) problems.push(`${where}: a path id without 404`);
      if (op.parameters?.length && !op.responses['400']) problems.push(`${where}: parameters without 400`);
    }
    expect(problems).toEqual([]);
    // Spot checks of the roles: an operator route, an admin route, a viewer route, a public one.
    const op = (id: string) => operationsOf(document).find((o) => o.id === id)!.operation as Operation;
    expect(Object.keys(op('DecisionsController_accept').responses).sort()).toEqual(['200', '400', '401', '403', '404', '409']);
    expect(op('AdminController_users').responses['403']).toBeDefined();
    expect(op('CityController_forecast').responses['403']).toBeUndefined();
    expect(Object.keys(op('HealthController_check').responses).sort()).toEqual(['200', '503']);
  });

  it('is what the committed client types were generated from (else run `npm run api:generate`)', () => {
    const committed = fs.readFileSync(GENERATED, 'utf8');
    const current = apiTypesSource(document);
    if (committed !== current) {
      const a = committed.split('\n');
      const b = current.split('\n');
      const first = a.findIndex((line, i) => line !== b[i]);
      throw new Error(`apps/dashboard/src/api/generated.ts is stale from line ${first + 1}: committed ${JSON.stringify(a[first])}, document gives ${JSON.stringify(b[first])}. Run \`npm run api:generate\`.`);
    }
  });

  describe("the dashboard's client", () => {
    const calls: Array<{ method: string; url: string }> = [];
    const realFetch = globalThis.fetch;
    beforeAll(() => {
      globalThis.fetch = (async (input: string | URL, init?: { method?: string }) => {
        calls.push({ method: init?.method ?? 'GET', url: String(input) });
        const body = String(input).includes('/login') ? { token: 't' } : [];
        return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
      }) as typeof fetch;
    });
    afterAll(() => {
      globalThis.fetch = realFetch;
    });

    it('calls, from each of its methods, a documented operation with documented parameters', async () => {
      const api = new FusionApi(() => ({ token: 't', user: { id: '1', username: 'u', displayName: 'U', role: 'operator' }, expiresAt: '' }) as never, () => undefined);
      const exercise: Record<string, () => Promise<unknown>> = {
        login: () => FusionApi.login('u', 'p'),
        cityMap: () => api.cityMap(),
        crossing: () => api.crossing('0970'),
        crossingForecasts: () => api.crossingForecasts('0970', '2006-10-09T00:00:00Z', '2006-10-10T00:00:00Z', 96),
        crossingMeasures: async () => {
          await api.crossingMeasures('0970', { from: '2006-10-10T06:00:00Z', to: '2006-10-10T07:00:00Z', binMinutes: 15 });
          await api.crossingMeasures('0970', { minutes: 240 });
        },
        crossingRecommendation: () => api.crossingRecommendation('0970'),
        cityForecast: () => api.cityForecast(),
        recommendations: () => api.recommendations({ crossing: '0970', status: 'pending', limit: 5 }),
        audit: () => api.audit('0970', 5),
        simulationLatest: () => api.simulationLatest(),
        simulationCrossing: () => api.simulationCrossing('0970', 5),
        decide: async () => {
          await api.decide('12', 'accept', 'ok');
          await api.decide('12', 'reject', '');
        },
        corridors: () => api.corridors(),
        corridorRecommendations: () => api.corridorRecommendations({ status: 'pending', limit: 5 }),
        decideCorridor: async () => {
          await api.decideCorridor('3', 'accept', '');
          await api.decideCorridor('3', 'reject', 'no');
        },
        setAutomatic: () => api.setAutomatic('0970', false),
        alertAcknowledgements: () => api.alertAcknowledgements(50),
        acknowledgeAlert: () => api.acknowledgeAlert('offline:0970'),
      };
      // Every public method of the client is exercised here (not its private helpers and constructor arguments).
      const methods = [...Object.keys(api), ...Object.getOwnPropertyNames(FusionApi.prototype)].filter((k) => typeof (api as unknown as Record<string, unknown>)[k] === 'function' && !['constructor', 'request', 'call', 'session', 'onUnauthorized'].includes(k));
      expect([...methods, 'login'].sort()).toEqual(Object.keys(exercise).sort());
      for (const run of Object.values(exercise)) await run();

      const operations = operationsOf(document);
      const unmatched: string[] = [];
      for (const call of calls) {
        const url = new URL(call.url, 'http://x');
        const op = operations.find((o) => o.method === call.method && new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(url.pathname));
        const queryNames = new Set(((op?.operation as Operation | undefined)?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
        if (!op || [...url.searchParams.keys()].some((k) => !queryNames.has(k))) unmatched.push(`${call.method} ${call.url}`);
      }
      expect(calls.length).toBeGreaterThanOrEqual(Object.keys(exercise).length);
      expect(unmatched).toEqual([]);
    });
  });

  describe('fails when', () => {
    it('a DTO property is removed: the generated client types change (and `npm run typecheck` then fails in the client)', async () => {
      const changed = await withoutProperty(CrossingDetailDto, 'fused', async () => apiTypesSource(await fusionOpenApiDocument()));
      const committed = fs.readFileSync(GENERATED, 'utf8');
      expect(changed).not.toEqual(committed);
      const detail = (source: string) => source.slice(source.indexOf('export interface CrossingDetailDto'), source.indexOf('\n}\n', source.indexOf('export interface CrossingDetailDto')));
      expect(detail(committed)).toContain('  fused: CrossingFusionDto | null;');
      expect(detail(changed)).not.toContain('fused');
    }, 60_000);

    it('a route loses its response DTO: it has no success schema', async () => {
      const missing = await withoutResponses(CorridorsController.prototype.corridors, async () => withoutSuccessSchema(await fusionOpenApiDocument()));
      expect(missing).toEqual(['GET /api/corridors']);
    }, 60_000);
  });
});
