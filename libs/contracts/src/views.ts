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

/** Everything the fusion service emits on socket.io, by event name. */
export interface FusionServerEvents {
  forecast: (view: ForecastView) => void;
  observation: (view: ObservationView) => void;
  recommendation: (view: RecommendationView) => void;
  'crossing-status': (view: CrossingStatusView) => void;
  'city-forecast': (view: CityForecastView) => void;
  snapshot: (view: { statuses: CrossingStatusView[]; city: CityForecastView }) => void;
}
