import type { CrossingStatusView } from '@crosscast/contracts';

/**
 * A crossing's status view for specs: fresh, its worker ok, nothing reported, no episode;
 * `over` sets what the spec is about.
 */
export function crossingStatus(crossingId: string, over: Partial<CrossingStatusView> = {}): CrossingStatusView {
  return {
    crossingId,
    freshness: 'fresh',
    workerStatus: 'ok',
    lastForecastIntervalStart: null,
    lastHeartbeatAt: null,
    model: null,
    lastObservedTotal: null,
    drift: null,
    congestion: null,
    offlineSince: null,
    staleSince: null,
    degradedSince: null,
    driftingSince: null,
    ...over,
  };
}
