import type {
  AlertAcknowledgementView,
  AutomaticModeView,
  CityForecastView,
  CityMapView,
  CorridorDecisionView,
  CorridorRecommendationStatus,
  CorridorRecommendationView,
  CorridorView,
  CrossingDetailView,
  CrossingForecastsView,
  CrossingMeasuresView,
  CrossingRecommendationView,
  DecisionView,
  LoginView,
  RecommendationStatus,
  RecommendationView,
  SimulatedCrossingView,
  SimulationSnapshotView,
} from '@crosscast/contracts';
import { API_OPERATIONS, type ApiOperations, type OperationId } from './generated';
import type { Session } from './session';

/** A refused request, with the server's message ("HTTP 409: recommendation 12 was superseded …"). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function messageOf(body: unknown): string | null {
  const m = body && typeof body === 'object' ? (body as { message?: unknown }).message : null;
  return Array.isArray(m) ? m.join('; ') : typeof m === 'string' ? m : null;
}

/** What an operation takes: its path parameters (required when it has any), query and JSON body, as the OpenAPI document declares them. */
type Input<K extends OperationId> = { query?: ApiOperations[K]['query']; body?: ApiOperations[K]['body'] } & (Record<string, never> extends ApiOperations[K]['path'] ? { path?: ApiOperations[K]['path'] } : { path: ApiOperations[K]['path'] });
/** The input argument: optional only for an operation without path parameters. */
type InputArgument<K extends OperationId> = Record<string, never> extends Input<K> ? [input?: Input<K>] : [input: Input<K>];

/** The URL of an operation: its path template (from the OpenAPI document) with the parameters filled in, and the query. */
export function operationUrl<K extends OperationId>(operation: K, ...[input]: InputArgument<K>): string {
  const { path: given, query } = (input ?? {}) as { path?: Record<string, string>; query?: Query };
  const params = given ?? {};
  const path = API_OPERATIONS[operation].path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`${operation}: no value for path parameter ${name}`);
    return encodeURIComponent(params[name]);
  });
  return withQuery(path, query);
}

/**
 * The fusion REST API. Every call names its operation (operationId in the OpenAPI
 * document): the method, path template, parameters and answer type come from
 * `generated.ts` (`npm run api:generate`), and each method's declared return type is the
 * @crosscast/contracts view the rest of the dashboard uses, so the compiler checks the
 * document's schema against it (see contract-check.ts for names and required-ness).
 * `onUnauthorized` runs when the token is no longer accepted (the app signs out).
 */
export class FusionApi {
  constructor(
    private readonly session: () => Session | null,
    private readonly onUnauthorized: () => void,
  ) {}

  static async login(username: string, password: string): Promise<LoginView> {
    const operation = API_OPERATIONS.AuthController_login;
    const body: ApiOperations['AuthController_login']['body'] = { username, password };
    const res = await fetch(operationUrl('AuthController_login'), {
      method: operation.method,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const answer: unknown = await res.json().catch(() => ({}));
    if (res.status !== 200) throw new ApiError(res.status, messageOf(answer) ?? `HTTP ${res.status}`, answer);
    return answer as ApiOperations['AuthController_login']['response'];
  }

  private async request<T>(method: string, url: string, body?: unknown): Promise<{ data: T; headers: Headers }> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.session()?.token ?? ''}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 401) {
      this.onUnauthorized();
      throw new ApiError(401, 'signed out', null);
    }
    const data: unknown = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, `HTTP ${res.status}: ${messageOf(data) ?? res.statusText}`, data);
    return { data: data as T, headers: res.headers };
  }

  /** One operation, with its answer typed from the OpenAPI document. */
  private async call<K extends OperationId>(operation: K, ...args: InputArgument<K>): Promise<{ data: ApiOperations[K]['response']; headers: Headers }> {
    const body = (args[0] as { body?: unknown } | undefined)?.body;
    return this.request<ApiOperations[K]['response']>(API_OPERATIONS[operation].method, operationUrl(operation, ...args), body);
  }

  /** What the map draws of every crossing (one request, column by column): GET /api/city/map. */
  cityMap = async (): Promise<CityMapView> => (await this.call('CityController_map')).data;
  crossing = async (id: string): Promise<CrossingDetailView> => (await this.call('CrossingsController_detail', { path: { id } })).data;
  crossingForecasts = async (id: string, from: string, to: string, limit: number): Promise<CrossingForecastsView> =>
    (await this.call('CrossingsController_forecasts', { path: { id }, query: { from, to, limit } })).data;
  crossingRecommendation = async (id: string): Promise<CrossingRecommendationView> => (await this.call('RecommendationsController_forCrossing', { path: { id } })).data;
  cityForecast = async (): Promise<CityForecastView> => (await this.call('CityController_forecast')).data;
  recommendations = async (query: { crossing?: string; status?: RecommendationStatus; limit?: number }): Promise<RecommendationView[]> =>
    (await this.call('RecommendationsController_list', { query })).data;
  audit = async (crossing: string, limit: number): Promise<DecisionView[]> => (await this.call('DecisionsController_audit', { query: { crossing, limit } })).data;
  simulationLatest = async (): Promise<{ latest: SimulationSnapshotView | null }> => (await this.call('SimulationController_latest')).data;
  /** ATSPM performance measures over [from, to) (defaults: the hour before the newest stored log). */
  crossingMeasures = async (id: string, query: ApiOperations['MeasuresController_measures']['query'] = {}): Promise<CrossingMeasuresView> =>
    (await this.call('MeasuresController_measures', { path: { id }, query })).data;
  simulationCrossing = async (id: string, limit: number): Promise<SimulatedCrossingView[]> => (await this.call('SimulationController_crossing', { path: { id }, query: { limit } })).data;

  async decide(recommendationId: string, kind: 'accept' | 'reject', reason: string): Promise<DecisionView> {
    const input = { path: { id: recommendationId }, body: reason ? { reason } : {} };
    return (await (kind === 'accept' ? this.call('DecisionsController_accept', input) : this.call('DecisionsController_reject', input))).data;
  }

  /** The city's corridors (runs of crossings along one road), in road order: the map outlines them. */
  corridors = async (): Promise<CorridorView[]> => (await this.call('CorridorsController_corridors')).data;
  corridorRecommendations = async (query: { crossing?: string; status?: CorridorRecommendationStatus; limit?: number }): Promise<CorridorRecommendationView[]> =>
    (await this.call('CorridorsController_list', { query })).data;

  /** One decision for every crossing of the corridor. */
  async decideCorridor(id: string, kind: 'accept' | 'reject', reason: string): Promise<CorridorDecisionView> {
    const input = { path: { id }, body: reason ? { reason } : {} };
    return (await (kind === 'accept' ? this.call('CorridorsController_accept', input) : this.call('CorridorsController_reject', input))).data;
  }

  /** Acknowledged alerts, newest first (shared by every operator). */
  alertAcknowledgements = async (limit = 2000): Promise<AlertAcknowledgementView[]> => (await this.call('AlertsController_list', { query: { limit } })).data;

  /** Acknowledges an alert for every operator (409 when someone already did: the body names who). */
  async acknowledgeAlert(alertKey: string): Promise<AlertAcknowledgementView> {
    return (await this.call('AlertsController_acknowledge', { body: { alertKey } })).data;
  }

  async setAutomatic(crossingId: string, enabled: boolean): Promise<AutomaticModeView> {
    return (await this.call('RecommendationsController_setAutomatic', { path: { id: crossingId }, body: { enabled } })).data;
  }
}
