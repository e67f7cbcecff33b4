/** BullMQ queue carrying ForecastMessage jobs from edge workers to the fusion service. */
export const FORECAST_QUEUE = 'crosscast-forecasts';
/**
 * Name of the retry backoff of forecast jobs: exponential from 1 s, capped at 30 s. The
 * producer names it; the consumer (fusion) implements it with forecastRetryDelayMs.
 */
export const FORECAST_BACKOFF = 'capped-exponential';

export function forecastRetryDelayMs(attemptsMade: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attemptsMade - 1));
}

/** BullMQ queue carrying HeartbeatMessage jobs from edge workers to the fusion service. */
export const HEARTBEAT_QUEUE = 'crosscast-heartbeats';
/** BullMQ queue carrying TimingPlanMessage jobs from the fusion service to the simulator. */
export const TIMING_PLAN_QUEUE = 'crosscast-timing-plans';
/** BullMQ queue carrying SimulationReport jobs from the simulator (simulate mode) to the fusion service. */
export const SIMULATION_REPORT_QUEUE = 'crosscast-sim-reports';

/**
 * The "detector cable": one Redis stream per crossing, written by the simulator (the
 * street) and read only by that crossing's worker. The fusion service never reads it,
 * so raw readings never pass through the city.
 */
export function detectorStreamKey(crossingId: string, prefix = 'crosscast'): string {
  return `${prefix}:detector:${crossingId}`;
}

/** socket.io events the fusion service emits to dashboards (see FusionServerEvents). */
export const SOCKET_EVENTS = {
  forecast: 'forecast',
  observation: 'observation',
  recommendation: 'recommendation',
  crossingStatus: 'crossing-status',
  cityForecast: 'city-forecast',
  crossingFused: 'crossing-fused',
  snapshot: 'snapshot',
  recommendationDecided: 'recommendation-decided',
  automaticMode: 'automatic-mode',
  corridorRecommendation: 'corridor-recommendation',
  corridorDecided: 'corridor-decided',
} as const;
