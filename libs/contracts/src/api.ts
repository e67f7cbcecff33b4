import type { CrossingDefinition } from './crossings';
import type { CrossingFusionView, CrossingStatusView, FusionServerEvents, ForecastView, ObservationView, RecommendationStatus, RecommendationView, Role } from './views';

/**
 * The fusion service's REST paths and socket.io event names, for every client (the
 * dashboard, tests, tools): no client writes a bare path or event name. Plain constants
 * and functions, no Node APIs, so the browser bundle can import them.
 */
const enc = encodeURIComponent;

export const API_PATHS = {
  login: '/api/auth/login',
  logout: '/api/auth/logout',
  me: '/api/auth/me',
  crossings: '/api/crossings',
  crossing: (id: string) => `/api/crossings/${enc(id)}`,
  crossingForecasts: (id: string) => `/api/crossings/${enc(id)}/forecasts`,
  crossingRecommendation: (id: string) => `/api/crossings/${enc(id)}/recommendation`,
  crossingAutomatic: (id: string) => `/api/crossings/${enc(id)}/automatic`,
  cityForecast: '/api/city/forecast',
  recommendations: '/api/recommendations',
  acceptRecommendation: (id: string) => `/api/recommendations/${enc(id)}/accept`,
  rejectRecommendation: (id: string) => `/api/recommendations/${enc(id)}/reject`,
  audit: '/api/audit',
  simulationLatest: '/api/simulation/latest',
  simulationCrossing: (id: string) => `/api/simulation/crossings/${enc(id)}`,
  corridorRecommendations: '/api/corridor-recommendations',
  acceptCorridorRecommendation: (id: string) => `/api/corridor-recommendations/${enc(id)}/accept`,
  rejectCorridorRecommendation: (id: string) => `/api/corridor-recommendations/${enc(id)}/reject`,
  crossingMeasures: (id: string) => `/api/crossings/${enc(id)}/measures`,
  alertAcknowledgements: '/api/alert-acknowledgements',
} as const;

/** What an operator is alerted to, most severe first (the dashboard's alerts list). */
export const ALERT_KINDS = ['offline', 'stale', 'degraded', 'drift', 'congestion', 'pending'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * One acknowledged alert (POST / GET /api/alert-acknowledgements, `alert-acknowledged`
 * event): shared by every operator's dashboard. `alertKey` names the alert's condition
 * (`<kind>:<crossingId>:<since what>`), so an alert that ends and comes back is new.
 */
export interface AlertAcknowledgementView {
  id: string;
  alertKey: string;
  kind: AlertKind;
  crossingId: string;
  note: string | null;
  acknowledgedBy: string;
  acknowledgedByRole: Role;
  acknowledgedAt: string;
}

/** GET /api/crossings: one item (definition, live status and, when not usable, fusion's estimate). */
export type CrossingListItemView = CrossingDefinition & {
  status: CrossingStatusView;
  /** For a crossing without a usable worker forecast (stale, offline, degraded): fusion's estimate. Null otherwise. */
  estimate: CrossingFusionView | null;
};

/** GET /api/crossings/:id. */
export type CrossingDetailView = CrossingListItemView & {
  latestForecast: ForecastView | null;
  latestRecommendation: RecommendationView | null;
  recentObservations: ObservationView[];
  /** Fusion's values for the intervals after the city's now, whatever their source (null: no data yet). */
  fused: CrossingFusionView | null;
};

/** GET /api/crossings/:id/forecasts: the worker's own stored forecasts, and beside them fusion's newest values. */
export interface CrossingForecastsView {
  crossingId: string;
  /** The worker's own forecasts whose based-on interval lies in [from, to], oldest first. */
  forecasts: ForecastView[];
  /** The fused series for the newest interval, with its source per horizon (own, fused, estimated). */
  fused: CrossingFusionView | null;
}

/**
 * `recommendation-status` socket event: pending recommendations that the server moved on
 * without a decision (a newer recommendation for the crossing superseded them, or their
 * planning horizon passed). Decisions have their own event (`recommendation-decided`).
 */
export interface RecommendationStatusChangeView {
  crossingId: string;
  recommendationIds: string[];
  status: Extract<RecommendationStatus, 'superseded' | 'expired'>;
  /** The recommendation that superseded them (null when they expired). */
  byRecommendationId: string | null;
}

/** What dashboards send to the fusion service over socket.io (room membership, viewer role). */
export interface FusionClientEvents {
  'subscribe-crossing': (body: { crossingId: string }, reply?: (answer: CrossingSubscriptionAnswer) => void) => void;
  'unsubscribe-crossing': (body: { crossingId: string }, reply?: (answer: CrossingSubscriptionAnswer) => void) => void;
}

export type CrossingSubscriptionAnswer = { ok: true; crossingId: string; rooms: string[] } | { ok: false; error: string };

/** Every event name of FusionServerEvents, checked by the compiler both ways. */
export const SERVER_EVENT_NAMES = {
  simulationReport: 'simulation-report',
  alertAcknowledged: 'alert-acknowledged',
  recommendationDecided: 'recommendation-decided',
  recommendationStatus: 'recommendation-status',
  forecast: 'forecast',
  observation: 'observation',
  recommendation: 'recommendation',
  corridorRecommendation: 'corridor-recommendation',
  corridorDecided: 'corridor-decided',
  automaticMode: 'automatic-mode',
  crossingStatus: 'crossing-status',
  crossingSummaries: 'crossing-summaries',
  cityForecast: 'city-forecast',
  fusedForecast: 'fused-forecast',
  snapshot: 'snapshot',
} as const satisfies Record<string, keyof FusionServerEvents>;

export const CLIENT_EVENT_NAMES = {
  subscribeCrossing: 'subscribe-crossing',
  unsubscribeCrossing: 'unsubscribe-crossing',
} as const satisfies Record<string, keyof FusionClientEvents>;

// Compile-time check that SERVER_EVENT_NAMES names every server event.
type MissingServerEvent = Exclude<keyof FusionServerEvents, (typeof SERVER_EVENT_NAMES)[keyof typeof SERVER_EVENT_NAMES]>;
export const SERVER_EVENTS_COMPLETE: MissingServerEvent extends never ? true : MissingServerEvent = true;
