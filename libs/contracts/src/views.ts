import type { ForecastBand, ModelInfo, SimulationReport, WorkerDrift, WorkerStatus } from './messages';
import type { CrossingSummaryColumns } from './summary-columns';

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
  /** The server's congestion verdict (see CongestionView); null when the crossing is not congested. */
  congestion: CongestionView | null;
  /**
   * Where each worker alert's episode began (the server's; the alert key carries it, see
   * `statusAlerts` in api.ts), null while the condition does not hold:
   * - `offlineSince`: the last heartbeat before the worker went silent (while offline);
   * - `staleSince`: the crossing's newest forecast interval when it went stale (kept while it
   *   stays stale, even when late forecasts arrive);
   * - `degradedSince`: the first heartbeat of the unbroken run reporting `degraded`;
   * - `driftingSince`: the first heartbeat of the unbroken run whose drift ratio is over
   *   DRIFT_ALERT_RATIO (the server's drift verdict).
   */
  offlineSince: string | null;
  staleSince: string | null;
  degradedSince: string | null;
  driftingSince: string | null;
}

/**
 * A congested crossing, decided by the fusion service: the crossing's newest planning
 * evaluation (its fused forecast for the next planning horizon against the signal's
 * capacity, libs/signal-timing: critical flow ratio Y >= 0.9, or a phase over capacity,
 * X > 1) found it congested, and that evaluation is for a planning period at most two
 * periods before the city's data time. `since` is the first period of the unbroken run
 * of congested evaluations (it keys the alert: a run that ends and starts again is a new alert).
 */
export interface CongestionView {
  since: string;
  /** The newest (congested) planning period. */
  periodStart: string;
  /** Why, in the planner's words ("cycle capped at 120 s: Y = 0.93 >= 0.9"). */
  reason: string;
}

/**
 * What the city map and the alerts list need of every crossing; sent to every dashboard
 * (the full status only to the crossing's room), column by column (CrossingSummaryColumns).
 * The episode starts (`…Since`, `congestion`) key the alerts, so every dashboard names an
 * alert alike (shared acknowledgements).
 */
export type CrossingSummaryView = Pick<
  CrossingStatusView,
  'crossingId' | 'freshness' | 'workerStatus' | 'lastObservedTotal' | 'lastForecastIntervalStart' | 'congestion' | 'offlineSince' | 'staleSince' | 'degradedSince' | 'driftingSince'
> & {
  /** Fusion estimates the crossing now (no usable worker forecast): the city forecast's `estimated` list, per crossing. */
  estimated: boolean;
};

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

/**
 * Life of a recommendation: `pending` until an operator accepts or rejects it, automatic
 * mode applies it, a newer recommendation for the crossing supersedes it, or its planning
 * horizon passes (in data time) without a decision.
 */
export const RECOMMENDATION_STATUSES = ['pending', 'accepted', 'rejected', 'superseded', 'expired', 'applied-automatically'] as const;
export type RecommendationStatus = (typeof RECOMMENDATION_STATUSES)[number];

/** The plan a recommendation was judged against (effective greens, as the delay model uses them). */
export interface ComparedPlanView {
  /**
   * `running-plan`: the plan last accepted at the crossing (running_plans);
   * `base-plan`: none accepted yet, the plan the city folder says the controller runs (crossings.json `basePlans`: an imported program);
   * `observed-webster`: none accepted and no base plan, Webster on the flows observed over the last planning horizon;
   * `default`: none accepted, no base plan and nothing observed, the documented default (60 s, equal greens).
   */
  source: 'running-plan' | 'base-plan' | 'observed-webster' | 'default';
  planId: string | null;
  cycleSeconds: number;
  phases: Array<{ name: string; greenSeconds: number }>;
}

/** What automatic mode did, or would not do, with a recommendation (null: automatic mode was off). */
export interface AutomaticOutcomeView {
  /** `apply`: within the guard rails (possibly clipped), applied as user `automatic`; `hold`: left to the operators. */
  action: 'apply' | 'hold';
  /** Why, in operator words: "crossing is stale", "cycle clipped from 84 s to 72 s (±20% per period)". */
  note: string;
  /** The plan automatic mode sends (the recommendation's, or clipped by the guard rails); null when held. */
  plan: Pick<PlanSummaryView, 'cycleSeconds' | 'phases'> | null;
  clipped: boolean;
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
  /** The planning period it is for (one recommendation per crossing and period at most). */
  planningPeriodStart: string;
  /** End of the planning horizon it was computed over: after this (data time) a pending one expires. */
  validUntil: string | null;
  status: RecommendationStatus;
  statusChangedAt: string | null;
  /** Which Webster candidate won on expected delay: designed for the forecast's centre or its upper 80 % bound. */
  basis: 'centre' | 'upper' | null;
  /** Expected HCM control delay over the forecast's demand scenarios, s/veh: running plan and recommended plan. */
  expectedDelayRunningSeconds: number | null;
  expectedDelayRecommendedSeconds: number | null;
  /** expectedDelayRunning - expectedDelayRecommended, s/veh, and as a share of the running delay. */
  gainSeconds: number | null;
  gainShare: number | null;
  congested: boolean | null;
  /** Operator text: the demand trend, the basis chosen and why, the gain, congestion. */
  reason: string | null;
  /** The forecast it came from (ForecastMessage.messageId). */
  forecastMessageId: string | null;
  /** What it was planned from: the city fusion's fused values, its estimate, or the worker's forecast as sent. */
  inputSource: PlanningInputSource;
  comparedWith: ComparedPlanView | null;
  automatic: AutomaticOutcomeView | null;
}

/** One planning evaluation per crossing and period, whether or not it passed the hysteresis (the explanation trail). */
export interface PlanningEvaluationView {
  crossingId: string;
  planningPeriodStart: string;
  basedOnIntervalStart: string;
  forecastMessageId: string;
  /** `recommended`: the gain passed both thresholds; `not-needed`: the running plan stays. */
  outcome: 'recommended' | 'not-needed';
  gainSeconds: number;
  gainShare: number;
  expectedDelayRunningSeconds: number;
  expectedDelayRecommendedSeconds: number;
  basis: 'centre' | 'upper';
  congested: boolean;
  reason: string;
  /** What it was planned from (see RecommendationView.inputSource). */
  inputSource: PlanningInputSource;
  recommendationId: string | null;
  evaluatedAt: string;
}

/**
 * `fused`: the crossing's values from the city fusion step that held its forecast;
 * `estimate`: the fusion's estimate (the worker's forecast was flagged degraded);
 * `worker-forecast`: the worker's forecast as sent (it reached fusion after the city step
 * for its interval, or was planned before fusion fed planning).
 */
export type PlanningInputSource = 'fused' | 'estimate' | 'worker-forecast';

/** A crossing's automatic mode and its guard rails (PUT /api/crossings/:id/automatic). */
export interface AutomaticModeView {
  crossingId: string;
  enabled: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
  /** The planning period of the last plan automatic mode applied (data time), if any. */
  lastAppliedPeriodStart: string | null;
  guardRails: {
    minCycleSeconds: number;
    maxCycleSeconds: number;
    maxCycleChangeShare: number;
    maxGreenChangeShare: number;
    minMinutesBetweenChanges: number;
  };
}

/** GET /api/crossings/:id/recommendation: what the crossing's recommendation panel shows. */
export interface CrossingRecommendationView {
  crossingId: string;
  /** The recommendation waiting for a decision, if any. */
  pending: RecommendationView | null;
  /** The newest recommendation whatever its status (e.g. just applied automatically). */
  latest: RecommendationView | null;
  /** The newest planning evaluation: says why there is no recommendation when the gain was too small. */
  lastEvaluation: PlanningEvaluationView | null;
  automatic: AutomaticModeView;
  hysteresis: { minGainSeconds: number; minGainShare: number; planningPeriodMinutes: number; planningHorizonMinutes: number };
}

/**
 * Where a served value comes from: `own` = the worker's forecast passed through, `fused` =
 * the worker's forecast stacked with the city's profile and the neighbours (city fusion),
 * `estimated` = no usable worker forecast (stale, offline or degraded): the crossing's
 * historical profile moved by what its neighbours and the city forecast now.
 */
export type FusedSource = 'own' | 'fused' | 'estimated';

/** One horizon of a crossing's fused (or estimated) forecast, crossing total only. */
export interface FusedPointView {
  stepsAhead: number;
  horizonMinutes: number;
  intervalStart: string;
  source: FusedSource;
  /** Mean and the 80 % / 95 % interval computed by the fusion (split-conformal). */
  total: ForecastBand;
  /** How the mean was made (fused points): own × w.own + profile × w.profile + neighbours × w.neighbours + bias. */
  weights?: { own: number; profile: number; neighbours: number; bias: number };
}

/** A crossing's fused picture for the intervals after the city's "now". */
export interface CrossingFusionView {
  crossingId: string;
  /** The city's data time this was fused at: horizons are the intervals after it. */
  asOfIntervalStart: string;
  freshness: CrossingFreshness;
  workerStatus: WorkerStatus | null;
  /** `estimated` when any horizon is estimated, else `fused` when any is fused, else `own`. */
  source: FusedSource;
  /** Why the crossing is estimated ("worker stale: …"); null when it is not. */
  reason: string | null;
  horizons: FusedPointView[];
}

/** One horizon of an aggregate (the city, or one corridor): parts add up to `total`. */
export interface AggregateHorizonView {
  stepsAhead: number;
  horizonMinutes: number;
  intervalStart: string;
  /** Sum of the included crossings' fused or estimated means (vehicles per interval). */
  total: number;
  /** The aggregate's own 80 % / 95 % interval: conformal on its own residuals, not a sum of bounds. */
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
  /** Crossings in the total (every crossing fusion has data for, fresh or estimated). */
  crossingsIncluded: number;
  /** Of those, crossings whose value is estimated (no usable worker forecast). */
  crossingsEstimated: number;
}

export interface CityForecastHorizonView extends AggregateHorizonView {
  /** Of the included crossings, fresh ones whose newest forecast did not reach this far (its furthest horizon held flat). */
  crossingsExtended: number;
}

/** The crossings of one road, in order along it, and their summed forecast. */
export interface CorridorForecastView {
  road: string;
  /** All crossings on the road, in road order. */
  crossings: string[];
  horizons: AggregateHorizonView[];
}

export interface CityForecastView {
  /** The newest interval any worker has reported on: the city's "now" in data time. */
  asOfIntervalStart: string | null;
  intervalMinutes: number;
  /**
   * How the numbers are made. `city-fusion`: crossings fused (fresh workers) or estimated
   * from profile and neighbours (stale, offline, degraded), city and corridor intervals
   * conformal on their own residuals. `no-data`: nothing has arrived yet.
   */
  method: 'city-fusion' | 'no-data';
  crossingsTotal: number;
  crossingsFresh: number;
  /** Crossings whose values are estimated now (their worker is stale, offline or degraded). */
  crossingsEstimated: number;
  /** Crossings fusion has never received data from: left out of every total. */
  crossingsWithoutData: string[];
  /** Not-fresh crossings (stale, offline, unknown), as before fusion. */
  stale: Array<{ crossingId: string; lastForecastIntervalStart: string | null; freshness: CrossingFreshness }>;
  /** The estimated crossings and why ("worker offline: estimated from its historical profile and its neighbours"). */
  estimated: Array<{ crossingId: string; freshness: CrossingFreshness; workerStatus: WorkerStatus | null; reason: string }>;
  horizons: CityForecastHorizonView[];
  /** Per road with at least one crossing fusion has data for. */
  corridors: CorridorForecastView[];
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
  /** Present when the plan is a corridor's coordinated-actuated plan (greens are then the force-off greens). */
  coordination?: PlanCoordinationView;
  /** Present when the plan is free operation: the actuated controller, no cycle (cycle and greens are then what it would run coordinated, for the record). */
  actuated?: PlanActuatedView;
}

/** How a crossing runs free (actuated, no common cycle) as part of a group's advice: in force from its next cycle boundary. */
export interface PlanActuatedView {
  corridorRecommendationId: string;
  corridor: string;
  minGreenSeconds: number;
  /** Longest green of any phase, seconds. */
  maxGreenSeconds: number;
  /** Passage (gap) time: a green ends when no vehicle crossed its detectors for this long. */
  passageSeconds: number;
  amberSeconds: number;
  allRedSeconds: number;
}

/** How a crossing runs its part of a corridor plan: coordinated-actuated, from the common cycle boundary. */
export interface PlanCoordinationView {
  corridorRecommendationId: string;
  corridor: string;
  /** The coordinated phase's green starts at offsetSeconds + k × cycle, counted from the common reference (local midnight). */
  offsetSeconds: number;
  coordinatedPhase: string;
  /** Per phase, in the plan's phase order: green + amber + all-red the phase may use (its force-off). */
  splitSeconds: number[];
  minGreenSeconds: number;
  /** Passage (gap) time of the non-coordinated phases. */
  passageSeconds: number;
  amberSeconds: number;
  allRedSeconds: number;
}

export type CorridorRecommendationStatus = 'pending' | 'accepted' | 'rejected' | 'superseded' | 'expired' | 'applied-automatically';

/** Automatic mode's verdict on a corridor recommendation (null: automatic mode is off at all its crossings). A corridor plan is applied whole or not at all, never clipped. */
export interface CorridorAutomaticOutcomeView {
  /** `apply`: every crossing has automatic mode on and passed its gates and the guard rails, applied as user `automatic`; `hold`: left to the operators. */
  action: 'apply' | 'hold';
  /** Why, in operator words: "crossing 2000 is stale", "common cycle 96 s is more than ±20% from the running 70 s at 3685". */
  note: string;
}

/** One crossing's part of a corridor recommendation. */
export interface CorridorCrossingView {
  crossingId: string;
  /** Its coordinated-actuated plan (greens = split − clearance) with the coordination settings. */
  plan: Omit<PlanSummaryView, 'actuated'> & { coordination: PlanCoordinationView };
  /** Road distance to the next crossing of the corridor, metres (null for the last). */
  linkToNextMetres: number | null;
  expectedDelayRunningSeconds: number;
  expectedDelayPlanSeconds: number;
  /** What this crossing's demand was planned from. */
  inputSource: PlanningInputSource;
}

/** One crossing of a group's advice that is to run free (the actuated controller, no common cycle). */
export interface CorridorFreeCrossingView {
  crossingId: string;
  /** Its free operation (`actuated`); cycle and greens are the coordinated plan it would run instead. */
  plan: Omit<PlanSummaryView, 'coordination'> & { actuated: PlanActuatedView };
  /** Expected delay under what runs now and under the advice, s/veh. */
  expectedDelayRunningSeconds: number;
  expectedDelayPlanSeconds: number;
  inputSource: PlanningInputSource;
}

/**
 * GET /api/corridors: one corridor of the city, a run of two or more crossings along one
 * road close enough for platoons (consecutive crossings at most 400 m apart by road), in
 * road order. Corridors that share a crossing are planned together as one group.
 */
export interface CorridorView {
  /** "HIGH STREET RD: 0970 → 2000" — as a corridor plan's `corridor` names it. */
  name: string;
  road: string;
  crossingIds: string[];
  /** The phase that carries the road (at its first crossing). */
  coordinatedPhase: string;
}

/**
 * The advice for a group of crossings (corridors that share a crossing, or one crossing on
 * none): a coordinated-actuated plan on a common cycle for some, free operation for others,
 * only the crossings whose operation changes (POST /api/corridor-recommendations/:id/accept
 * decides it for every crossing at once).
 */
export interface CorridorRecommendationView {
  id: string;
  /** "HIGH STREET RD: 0970 → 2000" — the group's busiest corridor and its first and last crossing ("+ n more" when the group has more); "0970 (no corridor)" for a crossing on none. */
  corridor: string;
  road: string;
  crossingIds: string[];
  planningPeriodStart: string;
  basedOnIntervalStart: string;
  validUntil: string;
  cycleSeconds: number;
  /** Through band at free-flow speed along the busiest coordinated corridor, seconds, outbound (first → last crossing) and inbound: its narrowest link's overlap of the carried coordinated greens (0 with nothing coordinated). */
  bandwidthSeconds: { outbound: number; inbound: number };
  /** The crossings advised to run the group's coordinated-actuated plan. */
  crossings: CorridorCrossingView[];
  /** The crossings advised to run free (actuated, no common cycle). `crossingIds` names both. */
  freeCrossings: CorridorFreeCrossingView[];
  /** Flow-weighted over the crossings it changes, s/veh: under what runs now (actuated estimate, or HCM for a fixed-time plan) and under the advice (HCM actuated estimate, platoon arrivals from coordinated neighbours credited). */
  expectedDelayRunningSeconds: number;
  expectedDelayPlanSeconds: number;
  gainSeconds: number;
  gainShare: number;
  reason: string;
  status: CorridorRecommendationStatus;
  createdAt: string;
  statusChangedAt: string | null;
  automatic: CorridorAutomaticOutcomeView | null;
}

/** The audit row of a corridor decision: one row naming every crossing the corridor plan changed. */
export interface CorridorDecisionView {
  id: string;
  corridorRecommendationId: string;
  corridor: string;
  crossingIds: string[];
  decision: DecisionKind;
  reason: string | null;
  decidedBy: string;
  decidedByRole: DeciderRole;
  decidedAt: string;
  /** What each crossing ran before (null: nothing accepted there yet). */
  previousPlans: Record<string, PlanSummaryView | null>;
  publishedAt: string | null;
}

export type DecisionKind = 'accepted' | 'rejected';

/** One audit row: who decided what about which recommendation, and what was running before. */
/** Who decided: an operator's role, or `automatic` for automatic mode (user `automatic`, no login). */
export type DeciderRole = Role | 'automatic';

export interface DecisionView {
  id: string;
  recommendationId: string;
  crossingId: string;
  decision: DecisionKind;
  reason: string | null;
  decidedBy: string;
  decidedByRole: DeciderRole;
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
  /** The report's city figures as the simulator sent them (SimulationReportSchema's `city`). */
  city: SimulationReport['city'];
  crossings: SimulatedCrossingView[];
}

/**
 * The city forecast as every dashboard gets it (the `city-forecast` event and the snapshot):
 * the totals and each corridor's next interval, without lists of crossings. Which crossings
 * are stale, estimated or without data is in their summaries (`freshness`, `estimated`,
 * `lastForecastIntervalStart`); a corridor's crossings are in GET /api/city/map (`roads`).
 * GET /api/city/forecast (CityForecastView) has the lists and every corridor horizon: at
 * 4,096 crossings, most of them estimated, it is about 350 KB where this is about 30 KB.
 */
export interface CityOverviewView extends Omit<CityForecastView, 'crossingsWithoutData' | 'stale' | 'estimated' | 'corridors'> {
  /** How many crossings fusion has never received data from (left out of every total). */
  crossingsWithoutDataCount: number;
  /** Per road with at least one crossing fusion has data for: its next interval (the first horizon). */
  corridors: Array<{ road: string; crossingsCount: number; next: AggregateHorizonView }>;
}

/** The `snapshot` socket event: what a dashboard needs at once on connect, bounded per crossing. */
export interface CitySnapshotView {
  summaries: CrossingSummaryColumns;
  city: CityOverviewView;
}

export interface FusionServerEvents {
  /** The simulator measured another interval (simulate mode only). */
  'simulation-report': (view: SimulationSnapshotView) => void;
  'recommendation-decided': (view: DecisionView) => void;
  /** To the crossing's room only (`subscribe-crossing`). */
  forecast: (view: ForecastView) => void;
  /** To the crossing's room only (`subscribe-crossing`). */
  observation: (view: ObservationView) => void;
  recommendation: (view: RecommendationView) => void;
  /** A new corridor recommendation (coordinated-actuated plan for a road run of crossings). */
  'corridor-recommendation': (view: CorridorRecommendationView) => void;
  /** One decision on a corridor recommendation, naming every crossing it changed. */
  'corridor-decided': (view: CorridorDecisionView) => void;
  'automatic-mode': (view: AutomaticModeView) => void;
  /** To the crossing's room only (`subscribe-crossing`). */
  'crossing-status': (view: CrossingStatusView) => void;
  /** To everyone: the crossings whose summary changed since the last tick (at most once a second), column by column. */
  'crossing-summaries': (columns: CrossingSummaryColumns) => void;
  /** To everyone, when the city picture changed: the overview (GET /api/city/forecast has the per-crossing lists). */
  'city-forecast': (view: CityOverviewView) => void;
  /**
   * To the crossing's room only (`subscribe-crossing`): its fused or estimated values, when
   * a city step changed them, and at once on subscribing (also `fused` of GET /api/crossings/:id).
   * Until 2026-12-06 every dashboard got every crossing's values after every step
   * (`fused-forecast`): about a megabyte a step at 4,096 crossings.
   */
  'crossing-fused': (view: CrossingFusionView) => void;
  /** On connect: every crossing's summary (its `estimated` flag marks the map) and the city overview; details follow per room. */
  snapshot: (view: CitySnapshotView) => void;
  /** Pending recommendations the server superseded or expired (the dashboard no longer infers it). */
  'recommendation-status': (view: import('./api').RecommendationStatusChangeView) => void;
  /** An operator acknowledged an alert (to everyone: every dashboard shows who and when). */
  'alert-acknowledged': (view: import('./api').AlertAcknowledgementView) => void;
}
