import {
  AggregateHorizonView,
  CityForecastHorizonView,
  CityForecastView,
  CityOverviewView,
  CorridorForecastView,
  CrossingFusionView,
  CrossingStatusView,
  FusedPointView,
  FusedSource,
} from '@crosscast/contracts';
import { AggregatePoint, CrossingState, FusedPoint, FusionResult } from '@crosscast/fusion';

/**
 * Plain functions between the fusion service's inputs and outputs: crossing statuses →
 * the fusion library's crossing states, and a FusionResult → the views served over REST
 * and socket.io. No I/O, no clock.
 */

/** Quality flags that make a worker's forecast unusable as its own: fusion estimates instead. */
export const DEGRADED_FORECAST_FLAGS = ['inputs-mostly-filled', 'model-failed'] as const;

export function isDegradedForecast(flags: readonly string[]): boolean {
  return flags.some((f) => (DEGRADED_FORECAST_FLAGS as readonly string[]).includes(f));
}

/**
 * A crossing's state for `CityFusion.fuse()`: fresh, stale and offline as the status says;
 * a fresh crossing whose worker reports itself `degraded` (its model failed) is degraded;
 * a crossing nothing has arrived from (`unknown`) counts as offline.
 */
export function fusionStateOf(status: Pick<CrossingStatusView, 'freshness' | 'workerStatus'>): CrossingState {
  switch (status.freshness) {
    case 'fresh':
      return status.workerStatus === 'degraded' ? 'degraded' : 'fresh';
    case 'stale':
      return 'stale';
    default:
      return 'offline';
  }
}

export function fusionStates(statuses: CrossingStatusView[]): Record<string, CrossingState> {
  return Object.fromEntries(statuses.map((s) => [s.crossingId, fusionStateOf(s)]));
}

export function sameStates(a: Record<string, CrossingState>, b: Record<string, CrossingState>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Why a crossing's values are estimated, in words an operator can act on. */
export function estimateReason(status: Pick<CrossingStatusView, 'freshness' | 'workerStatus' | 'lastForecastIntervalStart' | 'lastHeartbeatAt'>): string {
  const how = 'estimated from its historical profile and its neighbours';
  switch (status.freshness) {
    case 'stale':
      return `worker stale (newest forecast ${status.lastForecastIntervalStart ?? 'never'}): ${how}`;
    case 'offline':
      return `worker offline (last heartbeat ${status.lastHeartbeatAt ?? 'never'}): ${how}`;
    case 'unknown':
      return `no worker has reported: ${how}`;
    default:
      return status.workerStatus === 'degraded'
        ? `worker degraded (its model failed): ${how}`
        : `worker forecast not usable (degraded inputs, or too old for this horizon): ${how}`;
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

function pointView(p: FusedPoint, k: number): FusedPointView {
  return {
    stepsAhead: k + 1,
    horizonMinutes: p.horizonMin,
    intervalStart: new Date(p.targetIntervalMs).toISOString(),
    source: p.source,
    total: { mean: round1(p.mean), lower80: round1(p.lo80), upper80: round1(p.hi80), lower95: round1(p.lo95), upper95: round1(p.hi95) },
    ...(p.weights && p.source !== 'estimated'
      ? { weights: { own: round3(p.weights.own), profile: round3(p.weights.profile), neighbours: round3(p.weights.neighbours), bias: round3(p.weights.bias) } }
      : {}),
  };
}

function crossingSource(points: FusedPoint[]): FusedSource {
  if (points.some((p) => p.source === 'estimated')) return 'estimated';
  return points.some((p) => p.source === 'fused') ? 'fused' : 'own';
}

/** One crossing's fused view; null for a crossing fusion has no data for (nothing to estimate from). */
export function crossingFusionView(result: FusionResult, status: CrossingStatusView, hasData: boolean): CrossingFusionView | null {
  const points = result.crossings[status.crossingId];
  if (!points || !hasData) return null;
  const source = crossingSource(points);
  return {
    crossingId: status.crossingId,
    asOfIntervalStart: new Date(result.nowIntervalMs).toISOString(),
    freshness: status.freshness,
    workerStatus: status.workerStatus,
    source,
    reason: source === 'estimated' ? estimateReason(status) : null,
    horizons: points.map(pointView),
  };
}

/**
 * Each crossing's fused view, built when first asked for and kept for this result and these
 * statuses: the live path needs only the followed crossings' views (and REST a page's), so
 * a city step no longer builds 4,096 views nobody reads.
 */
export function fusedViewLookup(result: FusionResult | null, statuses: CrossingStatusView[], withData: ReadonlySet<string>): (crossingId: string) => CrossingFusionView | null {
  if (!result) return () => null;
  let byId: Map<string, CrossingStatusView> | null = null;
  const built = new Map<string, CrossingFusionView | null>();
  return (crossingId) => {
    let view = built.get(crossingId);
    if (view !== undefined) return view;
    byId ??= new Map(statuses.map((s) => [s.crossingId, s]));
    const status = byId.get(crossingId);
    view = status ? crossingFusionView(result, status, withData.has(crossingId)) : null;
    built.set(crossingId, view);
    return view;
  };
}

/**
 * An aggregate's horizon over the members fusion has data for. The library's aggregate
 * covers every member; crossings never heard from carry a meaningless estimate, so they are
 * taken out: the total is the sum of the included members' means as served (rounded to
 * 0.1, so the parts shown add up to the total shown), and the interval keeps the library's
 * learned width per unit of the members' summed 80 % half-widths (conformal on the
 * aggregate's own residuals), applied to the included members only. With every member
 * included this is exactly the library's interval.
 */
function aggregateHorizon(agg: AggregatePoint, k: number, members: AggregateMembers, result: FusionResult): AggregateHorizonView {
  const { present, included } = members;
  const total = round1(included.reduce((sum, id) => sum + round1(result.crossings[id][k].mean), 0));
  const spread = (ids: string[]) => ids.reduce((sum, id) => sum + (result.crossings[id][k].hi80 - result.crossings[id][k].lo80) / 2, 0);
  const spreadAll = spread(present);
  const share = spreadAll > 0 ? spread(included) / spreadAll : 0;
  const half80 = (agg.hi80 - agg.mean) * share;
  const half95 = (agg.hi95 - agg.mean) * share;
  return {
    stepsAhead: k + 1,
    horizonMinutes: agg.horizonMin,
    intervalStart: new Date(agg.targetIntervalMs).toISOString(),
    total,
    lower80: round1(Math.max(0, total - half80)),
    upper80: round1(total + half80),
    lower95: round1(Math.max(0, total - half95)),
    upper95: round1(total + half95),
    crossingsIncluded: included.length,
    crossingsEstimated: included.filter((id) => result.crossings[id][k].source === 'estimated').length,
  };
}

/** An aggregate's members fusion has a result for (`present`) and, of those, the ones with data (`included`): the same for every horizon. */
interface AggregateMembers {
  present: string[];
  included: string[];
}

function aggregateMembers(members: string[], result: FusionResult, withData: ReadonlySet<string>): AggregateMembers {
  const present = members.filter((id) => result.crossings[id]);
  return { present, included: present.filter((id) => withData.has(id)) };
}

export interface CityViewInput {
  result: FusionResult | null;
  statuses: CrossingStatusView[];
  asOf: Date | null;
  intervalMinutes: number;
  /** Crossings fusion has received observations from. */
  withData: ReadonlySet<string>;
  /** The city's corridors (fusion's neighbour graph), crossings in road order. */
  roads: Array<{ road: string; crossings: string[] }>;
}

/** The city forecast served by GET /api/city/forecast and the `city-forecast` event. */
/**
 * The city forecast as every dashboard gets it (`city-forecast`, the snapshot): the totals and
 * each corridor's next interval, without the per-crossing lists (the summaries say which
 * crossings are stale or estimated; GET /api/city/forecast keeps the lists).
 */
export function cityOverviewView(city: CityForecastView): CityOverviewView {
  const { crossingsWithoutData, stale: _stale, estimated: _estimated, corridors, ...totals } = city;
  return {
    ...totals,
    crossingsWithoutDataCount: crossingsWithoutData.length,
    corridors: corridors.filter((c) => c.horizons.length > 0).map((c) => ({ road: c.road, crossingsCount: c.crossings.length, next: c.horizons[0] })),
  };
}

export function cityForecastView(input: CityViewInput): CityForecastView {
  const { result, statuses, asOf, intervalMinutes, withData, roads } = input;
  const byId = new Map(statuses.map((s) => [s.crossingId, s]));
  const allIds = statuses.map((s) => s.crossingId);
  const fresh = statuses.filter((s) => s.freshness === 'fresh');
  const stale = statuses
    .filter((s) => s.freshness !== 'fresh')
    .map((s) => ({ crossingId: s.crossingId, lastForecastIntervalStart: s.lastForecastIntervalStart, freshness: s.freshness }));
  const base = {
    asOfIntervalStart: asOf?.toISOString() ?? null,
    intervalMinutes,
    crossingsTotal: statuses.length,
    crossingsFresh: fresh.length,
    crossingsWithoutData: allIds.filter((id) => !withData.has(id)),
    stale,
  };
  if (!result) return { ...base, method: 'no-data', crossingsEstimated: 0, estimated: [], horizons: [], corridors: [] };

  const estimated = allIds
    .filter((id) => withData.has(id) && result.crossings[id]?.some((p) => p.source === 'estimated'))
    .map((id) => {
      const s = byId.get(id)!;
      return { crossingId: id, freshness: s.freshness, workerStatus: s.workerStatus, reason: estimateReason(s) };
    });
  // Once per city, not per horizon (4,096 crossings × 4 horizons): the members, and each
  // fresh crossing's newest forecast time.
  const cityMembers = aggregateMembers(allIds, result, withData);
  const newestForecastMs = new Map<string, number>();
  for (const id of cityMembers.included) {
    const newest = byId.get(id)!.lastForecastIntervalStart;
    if (newest) newestForecastMs.set(id, Date.parse(newest));
  }
  const stepMs = intervalMinutes * 60_000;
  const horizons: CityForecastHorizonView[] = result.city.map((agg, k) => {
    const view = aggregateHorizon(agg, k, cityMembers, result);
    // A fresh crossing's newest forecast may be an interval or two older than the city's
    // now: its furthest horizon is held flat for the last steps.
    let extended = 0;
    for (const [id, newestMs] of newestForecastMs) {
      const point = result.crossings[id][k];
      if (point && point.source !== 'estimated' && (agg.targetIntervalMs - newestMs) / stepMs > result.horizonsMin.length) extended++;
    }
    return { ...view, crossingsExtended: extended };
  });
  const corridors: CorridorForecastView[] = roads
    .filter((r) => r.crossings.some((id) => withData.has(id)) && result.corridors[r.road])
    .map((r) => {
      const members = aggregateMembers(r.crossings, result, withData);
      return { road: r.road, crossings: r.crossings, horizons: result.corridors[r.road].map((agg, k) => aggregateHorizon(agg, k, members, result)) };
    });
  return { ...base, method: 'city-fusion', crossingsEstimated: estimated.length, estimated, horizons, corridors };
}
