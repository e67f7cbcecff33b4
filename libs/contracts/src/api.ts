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
  cityMap: '/api/city/map',
  recommendations: '/api/recommendations',
  acceptRecommendation: (id: string) => `/api/recommendations/${enc(id)}/accept`,
  rejectRecommendation: (id: string) => `/api/recommendations/${enc(id)}/reject`,
  audit: '/api/audit',
  simulationLatest: '/api/simulation/latest',
  simulationCrossing: (id: string) => `/api/simulation/crossings/${enc(id)}`,
  corridors: '/api/corridors',
  corridorRecommendations: '/api/corridor-recommendations',
  acceptCorridorRecommendation: (id: string) => `/api/corridor-recommendations/${enc(id)}/accept`,
  rejectCorridorRecommendation: (id: string) => `/api/corridor-recommendations/${enc(id)}/reject`,
  crossingMeasures: (id: string) => `/api/crossings/${enc(id)}/measures`,
  alertAcknowledgements: '/api/alert-acknowledgements',
} as const;

/** What an operator is alerted to, most severe first (the dashboard's alerts list). */
export const ALERT_KINDS = ['offline', 'stale', 'degraded', 'drift', 'congestion', 'pending'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** A worker's recent 1-step error over this many times its validation error is "drifting" (the server's drift verdict). */
export const DRIFT_ALERT_RATIO = 1.5;

/** The alert kinds a crossing's status raises (the rest, `pending`, comes from recommendations). */
export type StatusAlertKind = Exclude<AlertKind, 'pending'>;

/** An alert's key: `<kind>:<crossingId>:<episode>`, the episode being where it began (or a recommendation id). */
export const alertKey = (kind: AlertKind, crossingId: string, episode: string): string => `${kind}:${crossingId}:${episode}`;

/** What of a crossing's status the alert rules read. */
export type AlertStatusFields = Pick<CrossingStatusView, 'crossingId' | 'freshness' | 'congestion' | 'offlineSince' | 'staleSince' | 'degradedSince' | 'driftingSince'>;

/**
 * The alerts a crossing's status raises now, each keyed on the start of its episode, so
 * an acknowledgement stays with the episode an operator acknowledged (new forecasts and
 * heartbeats while it lasts keep the key) and a condition that ends and comes back is a
 * new alert. Offline and stale exclude each other (freshness) and hide degraded (the
 * worker's own word is out of date then); crossings never heard from raise nothing.
 * The episode starts are the server's (CrossingStatusView); a stale crossing that never
 * sent a forecast has the episode `never`.
 */
export function statusAlerts(s: AlertStatusFields): Array<{ kind: StatusAlertKind; key: string }> {
  const out: Array<{ kind: StatusAlertKind; key: string }> = [];
  const add = (kind: StatusAlertKind, since: string | null | undefined) => out.push({ kind, key: alertKey(kind, s.crossingId, since ?? 'never') });
  if (s.freshness === 'offline') add('offline', s.offlineSince);
  else if (s.freshness === 'stale') add('stale', s.staleSince);
  else if (s.degradedSince) add('degraded', s.degradedSince);
  if (s.driftingSince) add('drift', s.driftingSince);
  if (s.congestion) add('congestion', s.congestion.since);
  return out;
}

/**
 * One acknowledged alert (POST / GET /api/alert-acknowledgements, `alert-acknowledged`
 * event): shared by every operator's dashboard. `alertKey` names the alert's episode
 * (`<kind>:<crossingId>:<since when>`, see `statusAlerts`), so an alert that ends and comes back is new.
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

/**
 * GET /api/city/map: what the dashboard's map draws of every crossing, column by column
 * (index i of each array is one crossing, in id order): fixed for a city, so the page's
 * first picture does not wait for statuses and estimates (the socket snapshot brings those)
 * nor carry approaches (GET /api/crossings/:id has them).
 */
export interface CityMapView {
  count: number;
  ids: string[];
  names: string[];
  lat: number[];
  lon: number[];
  /** Every approach road name once; `roads[i]` lists crossing i's roads as indexes into it. */
  roadNames: string[];
  roads: number[][];
  /** The city's corridors (names as GET /api/corridors gives them); `corridors[i]` lists the ones crossing i is on. */
  corridorNames: string[];
  corridors: number[][];
}

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
  crossingFused: 'crossing-fused',
  snapshot: 'snapshot',
} as const satisfies Record<string, keyof FusionServerEvents>;

export const CLIENT_EVENT_NAMES = {
  subscribeCrossing: 'subscribe-crossing',
  unsubscribeCrossing: 'unsubscribe-crossing',
} as const satisfies Record<string, keyof FusionClientEvents>;

// Compile-time check that SERVER_EVENT_NAMES names every server event.
type MissingServerEvent = Exclude<keyof FusionServerEvents, (typeof SERVER_EVENT_NAMES)[keyof typeof SERVER_EVENT_NAMES]>;
export const SERVER_EVENTS_COMPLETE: MissingServerEvent extends never ? true : MissingServerEvent = true;
