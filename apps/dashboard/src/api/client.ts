import type {
  AlertAcknowledgementView,
  AutomaticModeView,
  CityForecastView,
  CorridorDecisionView,
  CorridorRecommendationStatus,
  CorridorRecommendationView,
  CrossingDetailView,
  CrossingForecastsView,
  CrossingListItemView,
  CrossingMeasuresView,
  CrossingRecommendationView,
  DecisionView,
  LoginView,
  RecommendationStatus,
  RecommendationView,
  SimulatedCrossingView,
  SimulationSnapshotView,
} from '@crosscast/contracts';
import { API_PATHS } from '@crosscast/contracts';
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

/**
 * The fusion REST API, typed with the views from @crosscast/contracts. `onUnauthorized`
 * runs when the token is no longer accepted (the app signs out).
 */
export class FusionApi {
  constructor(
    private readonly session: () => Session | null,
    private readonly onUnauthorized: () => void,
  ) {}

  static async login(username: string, password: string): Promise<LoginView> {
    const res = await fetch(API_PATHS.login, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const body: unknown = await res.json().catch(() => ({}));
    if (res.status !== 200) throw new ApiError(res.status, messageOf(body) ?? `HTTP ${res.status}`, body);
    return body as LoginView;
  }

  private async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ data: T; headers: Headers }> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.session()?.token ?? ''}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 401) {
      this.onUnauthorized();
      throw new ApiError(401, 'signed out', null);
    }
    const data: unknown = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, `HTTP ${res.status}: ${messageOf(data) ?? res.statusText}`, data);
    return { data: data as T, headers: res.headers };
  }

  private async get<T>(path: string, query?: Query): Promise<T> {
    return (await this.request<T>('GET', withQuery(path, query))).data;
  }

  /** Every crossing, page by page (the server's Link header gives the next page). */
  async allCrossings(pageSize = 5000): Promise<CrossingListItemView[]> {
    const all: CrossingListItemView[] = [];
    let next: string | null = withQuery(API_PATHS.crossings, { limit: pageSize });
    while (next) {
      const { data, headers }: { data: CrossingListItemView[]; headers: Headers } = await this.request<CrossingListItemView[]>('GET', next);
      all.push(...data);
      const link = /<([^>]+)>;\s*rel="next"/.exec(headers.get('link') ?? '');
      next = link && data.length ? link[1] : null;
    }
    return all;
  }

  crossing = (id: string) => this.get<CrossingDetailView>(API_PATHS.crossing(id));
  crossingForecasts = (id: string, from: string, to: string, limit: number) => this.get<CrossingForecastsView>(API_PATHS.crossingForecasts(id), { from, to, limit });
  crossingRecommendation = (id: string) => this.get<CrossingRecommendationView>(API_PATHS.crossingRecommendation(id));
  cityForecast = () => this.get<CityForecastView>(API_PATHS.cityForecast);
  recommendations = (query: { crossing?: string; status?: RecommendationStatus; limit?: number }) => this.get<RecommendationView[]>(API_PATHS.recommendations, query);
  audit = (crossing: string, limit: number) => this.get<DecisionView[]>(API_PATHS.audit, { crossing, limit });
  simulationLatest = () => this.get<{ latest: SimulationSnapshotView | null }>(API_PATHS.simulationLatest);
  simulationCrossing = (id: string, limit: number) => this.get<SimulatedCrossingView[]>(API_PATHS.simulationCrossing(id), { limit });

  async decide(recommendationId: string, kind: 'accept' | 'reject', reason: string): Promise<DecisionView> {
    const path = kind === 'accept' ? API_PATHS.acceptRecommendation(recommendationId) : API_PATHS.rejectRecommendation(recommendationId);
    return (await this.request<DecisionView>('POST', path, reason ? { reason } : {})).data;
  }

  corridorRecommendations = (query: { crossing?: string; status?: CorridorRecommendationStatus; limit?: number }) => this.get<CorridorRecommendationView[]>(API_PATHS.corridorRecommendations, query);

  /** One decision for every crossing of the corridor. */
  async decideCorridor(id: string, kind: 'accept' | 'reject', reason: string): Promise<CorridorDecisionView> {
    const path = kind === 'accept' ? API_PATHS.acceptCorridorRecommendation(id) : API_PATHS.rejectCorridorRecommendation(id);
    return (await this.request<CorridorDecisionView>('POST', path, reason ? { reason } : {})).data;
  }

  /** The performance measures over [from, to) (default: the hour before the newest stored event log). */
  crossingMeasures = (id: string, query: { from?: string; to?: string } = {}) => this.get<CrossingMeasuresView>(API_PATHS.crossingMeasures(id), query);

  /** Acknowledged alerts, newest first (shared by every operator). */
  alertAcknowledgements = (limit = 2000) => this.get<AlertAcknowledgementView[]>(API_PATHS.alertAcknowledgements, { limit });

  /** Acknowledges an alert for every operator (409 when someone already did: the body names who). */
  async acknowledgeAlert(alertKey: string): Promise<AlertAcknowledgementView> {
    return (await this.request<AlertAcknowledgementView>('POST', API_PATHS.alertAcknowledgements, { alertKey })).data;
  }

  async setAutomatic(crossingId: string, enabled: boolean): Promise<AutomaticModeView> {
    return (await this.request<AutomaticModeView>('PUT', API_PATHS.crossingAutomatic(crossingId), { enabled })).data;
  }
}
