import type {
  AutomaticModeView,
  CityOverviewView,
  CorridorDecisionView,
  CorridorRecommendationView,
  CorridorView,
  CrossingDefinition,
  CrossingFreshness,
  CrossingFusionView,
  CrossingMeasuresView,
  CrossingStatusView,
  CrossingSummaryView,
  DecisionView,
  ForecastView,
  ObservationView,
  PlanningEvaluationView,
  RecommendationStatusChangeView,
  RecommendationView,
  SimulatedCrossingView,
  SimulationSnapshotView,
} from '@crosscast/contracts';
import { ms } from '../ui/format';
import type { MapCrossing } from './city-map';
import { DEFAULT_WINDOW, type MeasuresWindow } from './measures-window';

/** Observed history kept per selected crossing (2 days of 15-min intervals). */
export const MAX_OBSERVATIONS = 192;
/** Simulated intervals kept per selected crossing. */
export const SIM_SERIES = 12;

export type Region = 'header' | 'map' | 'city' | 'crossing' | 'alerts';

/** Everything shown for the selected crossing; replaced wholesale when the selection changes. */
export interface Selection {
  id: string;
  loading: boolean;
  observations: Map<number, ObservationView>;
  latestForecast: ForecastView | null;
  /** ms(intervalStart of the 1-step horizon) → mean. */
  oneStep: Map<number, number>;
  recommendation: RecommendationView | null;
  /** Newest planning period first. */
  recHistory: RecommendationView[];
  lastEvaluation: PlanningEvaluationView | null;
  automatic: AutomaticModeView | null;
  hysteresis: { minGainSeconds: number; minGainShare: number } | null;
  togglingAutomatic: boolean;
  decisions: Map<string, DecisionView>;
  audit: DecisionView[];
  deciding: boolean;
  lastResult: { kind: 'accepted' | 'rejected' | 'error'; text: string } | null;
  simSeries: SimulatedCrossingView[];
  /** Performance measures (PCD, split monitor, split failures, volumes) from the crossing's controller event log. */
  measures: { view: CrossingMeasuresView | null; loading: boolean; error: string | null; loadedAtMs: number; request: number };
}

export function newSelection(id: string): Selection {
  return {
    id, loading: true, observations: new Map(), latestForecast: null, oneStep: new Map(), recommendation: null, recHistory: [],
    lastEvaluation: null, automatic: null, hysteresis: null, togglingAutomatic: false, decisions: new Map(), audit: [],
    deciding: false, lastResult: null, simSeries: [], measures: { view: null, loading: true, error: null, loadedAtMs: 0, request: 0 },
  };
}

/** The dashboard's state: REST gives the starting picture, socket events keep it current. */
export class Store {
  /** Every crossing as the map draws it (GET /api/city/map). */
  crossings: MapCrossing[] = [];
  byId = new Map<string, MapCrossing>();
  /** Full definitions (approaches) of the crossings opened so far (GET /api/crossings/:id). */
  definitions = new Map<string, CrossingDefinition>();
  statuses = new Map<string, CrossingStatusView>();
  /** ms of the newest observation seen live per crossing (orders the map's flow figure). */
  lastObsAt = new Map<string, number>();
  city: CityOverviewView | null = null;
  /** Fused values of the crossings this page follows or opened (`crossing-fused` events, the crossing's detail, the list's estimates). */
  fused = new Map<string, CrossingFusionView>();
  /** Crossings fusion estimates (their summaries' `estimated` flag): the map marks them. */
  estimated = new Set<string>();
  simulation: SimulationSnapshotView | null = null;
  /** Pending recommendations city-wide (for the alerts list), by crossing. */
  pending = new Map<string, RecommendationView>();
  /** Pending corridor plans by id (a newer one for the same corridor replaces the older). */
  corridorPending = new Map<string, CorridorRecommendationView>();
  /** The city's corridors (GET /api/corridors), outlined on the map. */
  corridors: CorridorView[] = [];
  /** The corridor chosen on the map or in the corridor filter (its name), or null. */
  selectedCorridor: string | null = null;
  selectedId: string | null = null;
  sel: Selection | null = null;
  chartHours = 6;
  /** The measures charts' window (kept when another crossing is opened). */
  measuresWindow: MeasuresWindow = DEFAULT_WINDOW;
  liveEvents = 0;
  /** Bumped whenever anything the map draws changes (status, estimate, the crossing set). */
  mapVersion = 0;

  /** The city's crossings (their statuses and estimates come with the socket snapshot and live events). */
  setCrossings(list: MapCrossing[]): void {
    this.crossings = list;
    this.byId = new Map(list.map((c) => [c.id, c]));
    this.mapVersion++;
  }

  /** A crossing's full definition (its approaches), from its detail. */
  setDefinition(c: CrossingDefinition): void {
    const { id, name, lat, lon, approaches } = c;
    this.definitions.set(id, { id, name, lat, lon, approaches });
  }

  setStatus(s: CrossingStatusView): void {
    this.statuses.set(s.crossingId, s);
    this.mapVersion++;
  }

  /** Everyone gets the map's summary of every crossing; the full status only comes for the followed one. */
  setSummary(summary: CrossingSummaryView): void {
    const { estimated, ...s } = summary;
    const prev = this.statuses.get(s.crossingId);
    this.statuses.set(s.crossingId, { lastHeartbeatAt: null, model: null, drift: null, ...prev, ...s });
    if (estimated) this.estimated.add(s.crossingId);
    else this.estimated.delete(s.crossingId);
    this.mapVersion++;
  }

  /** The city overview (socket.io: the snapshot and `city-forecast`, always current, even when a replay restarted and time went back). */
  setCity(city: CityOverviewView): void {
    this.city = city;
  }

  /** One crossing's fused values (its room's `crossing-fused`, or its detail). */
  setCrossingFused(view: CrossingFusionView): void {
    this.fused.set(view.crossingId, view);
  }

  /** Whether fusion estimates the crossing (no usable worker forecast). */
  isEstimated(id: string): boolean {
    return this.estimated.has(id);
  }

  /** An observation of any crossing moves the map's flow figure; returns whether it was newer. */
  noteObservation(o: ObservationView): boolean {
    const t = ms(o.intervalStart);
    if ((this.lastObsAt.get(o.crossingId) ?? -Infinity) > t) return false;
    this.lastObsAt.set(o.crossingId, t);
    const s = this.statuses.get(o.crossingId);
    if (s) this.statuses.set(o.crossingId, { ...s, lastObservedTotal: o.total });
    this.mapVersion++;
    return true;
  }

  /** City-wide pending recommendations (alerts): the newest pending one per crossing. */
  notePending(r: RecommendationView): void {
    const cur = this.pending.get(r.crossingId);
    if (r.status === 'pending') {
      if (!cur || ms(cur.planningPeriodStart) <= ms(r.planningPeriodStart)) this.pending.set(r.crossingId, r);
    } else if (cur?.id === r.id) this.pending.delete(r.crossingId);
  }

  /** A corridor recommendation arrived (or was loaded): only pending ones are kept, the newest per corridor. */
  noteCorridor(r: CorridorRecommendationView): void {
    if (r.status !== 'pending') {
      this.corridorPending.delete(r.id);
      return;
    }
    for (const [id, other] of this.corridorPending) if (other.corridor === r.corridor && ms(other.planningPeriodStart) <= ms(r.planningPeriodStart)) this.corridorPending.delete(id);
    this.corridorPending.set(r.id, r);
  }

  applyCorridorDecision(d: CorridorDecisionView): void {
    this.corridorPending.delete(d.corridorRecommendationId);
  }

  /** The pending corridor plan that includes a crossing (the newest when there are several), or null. */
  corridorFor(crossingId: string): CorridorRecommendationView | null {
    let best: CorridorRecommendationView | null = null;
    for (const r of this.corridorPending.values()) if (r.crossingIds.includes(crossingId) && (!best || ms(best.planningPeriodStart) < ms(r.planningPeriodStart))) best = r;
    return best;
  }

  /** The server superseded or expired pending recommendations, or an operator decided one. */
  recommendationsMoved(crossingId: string, ids: string[], status: RecommendationView['status']): void {
    const idSet = new Set(ids);
    const cur = this.pending.get(crossingId);
    if (cur && idSet.has(cur.id)) this.pending.delete(crossingId);
    if (this.sel?.id === crossingId) for (const r of this.sel.recHistory) if (idSet.has(r.id)) r.status = status;
  }

  applyStatusChange(change: RecommendationStatusChangeView): void {
    this.recommendationsMoved(change.crossingId, change.recommendationIds, change.status);
  }

  applyDecision(d: DecisionView): void {
    this.recommendationsMoved(d.crossingId, [d.recommendationId], d.decidedByRole === 'automatic' ? 'applied-automatically' : d.decision);
  }

  freshnessOf(id: string): CrossingFreshness {
    const f = this.statuses.get(id)?.freshness;
    return f === 'fresh' || f === 'stale' || f === 'offline' ? f : 'unknown';
  }

  /** The fused view of a crossing when fusion estimates it (no usable worker forecast) and this page has its values, else null. */
  estimateOf(id: string): CrossingFusionView | null {
    const f = this.fused.get(id);
    return f?.source === 'estimated' ? f : null;
  }

  nameOf(id: string): string {
    return this.byId.get(id)?.name ?? id;
  }

  allCrossingIds(): string[] {
    const ids = new Set(this.crossings.map((c) => c.id));
    for (const id of this.statuses.keys()) ids.add(id);
    return [...ids];
  }
}

// ---------------------------------------------------------------- selection updates

export function addObservation(sel: Selection, o: ObservationView): void {
  const t = ms(o.intervalStart);
  if (!Number.isFinite(t)) return;
  sel.observations.set(t, o);
  trimOldest(sel.observations, MAX_OBSERVATIONS);
}

export function addForecast(sel: Selection, f: ForecastView): void {
  if (!sel.latestForecast || ms(f.basedOnIntervalStart) >= ms(sel.latestForecast.basedOnIntervalStart)) sel.latestForecast = f;
  const h1 = f.horizons.find((h) => h.stepsAhead === 1);
  if (h1) sel.oneStep.set(ms(h1.intervalStart), h1.total.mean);
  trimOldest(sel.oneStep, MAX_OBSERVATIONS);
}

/** Adds a recommendation to the history; its status is the server's (supersede and expiry arrive as events). */
export function addRecommendation(sel: Selection, r: RecommendationView): void {
  const existing = sel.recHistory.findIndex((x) => x.id === r.id);
  if (existing >= 0) {
    // A later copy (REST after a status change) replaces the earlier one.
    if (r.statusChangedAt && (!sel.recHistory[existing].statusChangedAt || ms(r.statusChangedAt) >= ms(sel.recHistory[existing].statusChangedAt))) sel.recHistory[existing] = r;
  } else sel.recHistory.push(r);
  sel.recHistory.sort((a, b) => ms(b.planningPeriodStart || b.basedOnIntervalStart) - ms(a.planningPeriodStart || a.basedOnIntervalStart) || ms(b.createdAt) - ms(a.createdAt));
  sel.recHistory.length = Math.min(sel.recHistory.length, 12);
  sel.recommendation = sel.recHistory[0] ?? null;
}

export function addDecision(sel: Selection, d: DecisionView): void {
  if (d.crossingId !== sel.id) return;
  sel.decisions.set(d.recommendationId, d);
  if (!sel.audit.some((x) => x.id === d.id)) {
    sel.audit.push(d);
    sel.audit.sort((a, b) => Number(b.id) - Number(a.id));
    sel.audit.length = Math.min(sel.audit.length, 20);
  }
}

/** Merges measured intervals (any order) into sel.simSeries, newest first, one per interval. */
export function addSimulated(sel: Selection, list: SimulatedCrossingView[]): void {
  const byStart = new Map(sel.simSeries.map((m) => [m.intervalStart, m]));
  for (const m of list) {
    const start = new Date(m.intervalStart).toISOString();
    byStart.set(start, { ...m, intervalStart: start });
  }
  sel.simSeries = [...byStart.values()].sort((a, b) => ms(b.intervalStart) - ms(a.intervalStart)).slice(0, SIM_SERIES);
}

export function latestObservation(sel: Selection): ObservationView | null {
  let best = -Infinity;
  for (const t of sel.observations.keys()) if (t > best) best = t;
  return sel.observations.get(best) ?? null;
}

function trimOldest<V>(map: Map<number, V>, max: number): void {
  if (map.size <= max) return;
  const keys = [...map.keys()].sort((a, b) => a - b);
  for (const k of keys.slice(0, keys.length - max)) map.delete(k);
}
