import type { ForecastBand, ModelInfo, WorkerDrift, WorkerStatus } from './messages';

/**
 * Shapes the fusion service serves over REST and streams over socket.io. They are
 * produced by the fusion service only, so they are plain types rather than schemas.
 */
export type CrossingFreshness = 'fresh' | 'stale' | 'offline' | 'unknown';

export interface CrossingStatusView {
  crossingId: string;
  freshness: CrossingFreshness;
  workerStatus: WorkerStatus | null;
  lastForecastIntervalStart: string | null;
  lastHeartbeatAt: string | null;
  model: ModelInfo | null;
  /** Latest observed total (vehicles in the last finished interval), if any. */
  lastObservedTotal: number | null;
  /** From the newest heartbeat: recent 1-step error against validation error (null until measured). */
  drift: WorkerDrift | null;
}

export interface ForecastPointView {
  stepsAhead: number;
  horizonMinutes: number;
  intervalStart: string;
  total: ForecastBand;
  approaches: Record<string, ForecastBand>;
}

export interface ForecastView {
  messageId: string;
  crossingId: string;
  basedOnIntervalStart: string;
  intervalMinutes: number;
  receivedAt: string;
  model: ModelInfo;
  realInputShare: number;
  qualityFlags: string[];
  horizons: ForecastPointView[];
}

export interface ObservationView {
  crossingId: string;
  intervalStart: string;
  total: number | null;
  approaches: Record<string, number | null>;
  filledShare: number;
}

export interface PhaseTimingView {
  name: string;
  approaches: string[];
  flowVehPerHour: number;
  saturationFlowVehPerHour: number;
  flowRatio: number;
  greenSeconds: number;
}

export interface RecommendationView {
  id: string;
  crossingId: string;
  basedOnIntervalStart: string;
  method: string;
  cycleSeconds: number;
  lostTimeSeconds: number;
  flowRatioSum: number;
  oversaturated: boolean;
  phases: PhaseTimingView[];
  createdAt: string;
}

export interface CityForecastHorizonView {
  stepsAhead: number;
  horizonMinutes: number;
  intervalStart: string;
  /** Sum of the fresh crossings' central forecasts (vehicles per interval). */
  total: number;
  /** Naive 80% band: sums of bounds; a conservative (wide) interval. */
  lower80: number;
  upper80: number;
  crossingsIncluded: number;
  /** Of those, crossings whose forecast was an interval or two older and held flat at its furthest horizon. */
  crossingsExtended: number;
}

export interface CityForecastView {
  /** The newest interval any worker has reported on: the city's "now" in data time. */
  asOfIntervalStart: string | null;
  intervalMinutes: number;
  crossingsTotal: number;
  crossingsFresh: number;
  stale: Array<{ crossingId: string; lastForecastIntervalStart: string | null; freshness: CrossingFreshness }>;
  horizons: CityForecastHorizonView[];
}

/** A message the fusion service refused, with the reason (GET /api/dead-letters). */
export interface DeadLetterView {
  id: string;
  queue: string;
  jobId: string;
  reason: string;
  /** The message as received, cut to 2 KiB. */
  payload: string;
  receivedAt: string;
}

/** Operator access: roles are ordered, each includes the ones before it. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A user as the API shows it: never the password hash. */
export interface UserView {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** POST /api/auth/login answer: a bearer token (HS256 JWT) and who it is for. */
export interface LoginView {
  token: string;
  tokenType: 'Bearer';
  expiresAt: string;
  user: Pick<UserView, 'id' | 'username' | 'displayName' | 'role'>;
}

/** A timing plan as it was decided or is running: cycle and greens, per phase. */
export interface PlanSummaryView {
  planId: string | null;
  recommendationId: string;
  cycleSeconds: number;
  phases: Array<{ name: string; approaches: string[]; greenSeconds: number }>;
}

export type DecisionKind = 'accepted' | 'rejected';

/** One audit row: who decided what about which recommendation, and what was running before. */
export interface DecisionView {
  id: string;
  recommendationId: string;
  crossingId: string;
  decision: DecisionKind;
  reason: string | null;
  decidedBy: string;
  decidedByRole: Role;
  decidedAt: string;
  /** The recommendation's plan (for a rejection: the plan that was turned down). */
  plan: PlanSummaryView;
  /** The plan that was running at the crossing when the decision was made (null: none accepted yet). */
  previousPlan: PlanSummaryView | null;
  /** Accepted plans only: when the TimingPlanMessage went onto the queue (null: not yet, retried). */
  publishedAt: string | null;
}

/** The plan an operator last accepted for a crossing (the "running plan" record). */
export interface RunningPlanView extends PlanSummaryView {
  crossingId: string;
  acceptedBy: string;
  acceptedAt: string;
  decisionId: string;
}

/** A crossing's administrative settings (PATCH /api/admin/crossings/:id). */
export interface CrossingSettingsView {
  crossingId: string;
  name: string;
  /** When false, operators cannot accept plans for this crossing (e.g. under maintenance). */
  plansEnabled: boolean;
  adminNote: string | null;
  settingsUpdatedBy: string | null;
  settingsUpdatedAt: string | null;
}

/** A configured worker signing key, identified by fingerprint only (never the key). */
export interface WorkerKeyView {
  crossingId: string;
  /** First 16 hex digits of SHA-256 over the key; null when no key is provisioned. */
  fingerprint: string | null;
}

/** Everything the fusion service emits on socket.io, by event name. */
/** One simulated crossing's measured figures for one interval (from a SimulationReport). */
export interface SimulatedCrossingView {
  crossingId: string;
  intervalStart: string;
  throughput: number;
  meanDelaySeconds: number;
  stopsPerVehicle: number;
  meanQueue: number;
  maxQueue: number;
  /** The timing plan the simulated street ran at the end of the interval. */
  planId: string;
}

/** The newest simulated interval of the newest simulation run, city totals and crossings. */
export interface SimulationSnapshotView {
  runId: string;
  network: string;
  intervalStart: string;
  intervalMinutes: number;
  city: { throughput: number; meanDelaySeconds: number; stopsPerVehicle: number; meanQueue: number; maxQueue: number; vehiclesInside: number };
  crossings: SimulatedCrossingView[];
}

export interface FusionServerEvents {
  /** The simulator measured another interval (simulate mode only). */
  'simulation-report': (view: SimulationSnapshotView) => void;
  'recommendation-decided': (view: DecisionView) => void;
  forecast: (view: ForecastView) => void;
  observation: (view: ObservationView) => void;
  recommendation: (view: RecommendationView) => void;
  'crossing-status': (view: CrossingStatusView) => void;
  'city-forecast': (view: CityForecastView) => void;
  snapshot: (view: { statuses: CrossingStatusView[]; city: CityForecastView }) => void;
}
